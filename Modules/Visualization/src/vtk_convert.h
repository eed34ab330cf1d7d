#pragma once
// Private bridge between Vestige meshes and VTK poly data (never included by public headers).
#include "vestige/core/geometry.h"
#include "vestige/visualization/mesh.h"

#include <vtkPolyData.h>
#include <vtkSmartPointer.h>

namespace vestige::visualization::detail {

// input points are in the image's axis frame (spacing applied, origin 0); g maps them to LPS. Triangles keep their
// winding (mirrored when the direction matrix is), points no triangle uses are dropped, normals are left empty.
[[nodiscard]] Mesh fromPolyData(vtkPolyData* input, const core::ImageGeometry& g);
[[nodiscard]] vtkSmartPointer<vtkPolyData> toPolyData(const Mesh& mesh);

} // namespace vestige::visualization::detail
