#pragma once
// Bridge between Vestige meshes and VTK poly data, for the modules that render with VTK themselves (Visualization,
// Viewer); like core/itk_bridge.h it is the one public header that names the third-party types, and no other public
// header includes it.
#include "vestige/core/geometry.h"
#include "vestige/visualization/mesh.h"

#include <vtkPolyData.h>
#include <vtkSmartPointer.h>

namespace vestige::visualization {

// input points are in the image's axis frame (spacing applied, origin 0); g maps them to LPS. Triangles keep their
// winding (mirrored when the direction matrix is), points no triangle uses are dropped, normals are left empty.
[[nodiscard]] Mesh fromPolyData(vtkPolyData* input, const core::ImageGeometry& g);
[[nodiscard]] vtkSmartPointer<vtkPolyData> toPolyData(const Mesh& mesh);
// A unit square (0..1 in x and y) as one polygon: the symbol of a legend entry.
[[nodiscard]] vtkSmartPointer<vtkPolyData> legendSquareSymbol();

} // namespace vestige::visualization
