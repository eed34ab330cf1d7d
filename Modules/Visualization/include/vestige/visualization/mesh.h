#pragma once
// Triangle surfaces of masks, in LPS millimetres, and their file forms (STL, OBJ, glTF binary). A Mesh is plain data
// so that the report, tests and writers never see VTK.
#include "vestige/core/image.h"
#include "vestige/core/progress.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vestige::visualization {

struct Mesh {
  std::vector<float> pointsLps;         // x, y, z per point (LPS mm)
  std::vector<float> normals;           // unit outward normal per point (same layout), may be empty
  std::vector<std::uint32_t> triangles; // three point indices per triangle, counter-clockwise seen from outside

  [[nodiscard]] std::size_t pointCount() const noexcept { return pointsLps.size() / 3; }
  [[nodiscard]] std::size_t triangleCount() const noexcept { return triangles.size() / 3; }
  [[nodiscard]] bool empty() const noexcept { return triangles.empty(); }
};

struct SurfaceOptions {
  // Windowed-sinc smoothing (normalized coordinates, so it does not shrink the surface); 0 turns it off.
  int smoothingIterations = 30;
  double passBand = 0.05;
  // Fraction of triangles removed by decimation (quadric, volume preserving; topology-checked edge collapses where
  // that would open the surface) when a surface has more than decimateAbove triangles; 0 keeps every triangle.
  double decimation = 0.5;
  std::size_t decimateAbove = 50000;
};

// Closed surface of the non-zero voxels (flying edges, windowed-sinc smoothing, decimation) enclosing the voxel
// volume of the mask within 0.5 % (the iso-level is tuned, see mesh.cpp). An empty mask gives an empty mesh. Geometry
// (origin, spacing, direction) is honoured exactly. The result is watertight (meshTopology(...).watertight()), also
// where the mask touches the image border; core::Error (Internal) rather than a surface that is not.
[[nodiscard]] Mesh surfaceFromMask(const core::Mask& mask, const SurfaceOptions& options = {});

// Enclosed volume in mL (divergence theorem); meaningful for closed surfaces.
[[nodiscard]] double meshVolumeMl(const Mesh& mesh);

// What keeps a mesh from being a closed, consistently oriented 2-manifold ("watertight" for 3D printing). Every
// edge of such a surface joins exactly two triangles that run it in opposite directions, and the triangles around
// every point form one fan.
struct MeshTopology {
  std::size_t edges = 0;
  std::size_t boundaryEdges = 0;       // in one triangle only: a hole
  std::size_t nonManifoldEdges = 0;    // in three or more triangles
  std::size_t misorientedEdges = 0;    // in two triangles running it the same way (one of them flipped)
  std::size_t nonManifoldVertices = 0; // two or more fans touching at one point
  std::size_t degenerateTriangles = 0; // a point used twice
  std::size_t duplicateTriangles = 0;  // the same three points as another triangle (e.g. a flattened piece)
  std::size_t unusedPoints = 0;        // in no triangle

  [[nodiscard]] bool watertight() const noexcept {
    return boundaryEdges == 0 && nonManifoldEdges == 0 && misorientedEdges == 0 && nonManifoldVertices == 0 &&
           degenerateTriangles == 0 && duplicateTriangles == 0;
  }
};

[[nodiscard]] MeshTopology meshTopology(const Mesh& mesh);

// Binary STL / Wavefront OBJ of one mesh, written atomically. Coordinates are LPS mm, and the STL header and the OBJ's
// first comment say "SPACE=LPS", which 3D Slicer reads.
void writeStl(const Mesh& mesh, const std::filesystem::path& file);
void writeObj(const Mesh& mesh, const std::filesystem::path& file);

struct ColoredMesh {
  std::string name;
  std::array<float, 4> rgba{1.0F, 1.0F, 1.0F, 1.0F}; // linear 0..1, alpha < 1 is drawn translucent
  const Mesh* mesh = nullptr;
};

// glTF 2.0 binary (.glb): one node and mesh per entry with a PBR material of its colour (alpha blended when
// translucent). glTF's own convention: metres, +Y up, the front facing +Z. For a patient that is +X = left,
// +Y = superior, +Z = anterior, i.e. glTF = (x_L, z_S, -y_P) / 1000 from LPS mm, a rotation; the asset's "extras"
// state it and hold the 4x4 matrix ("gltfFromLpsMm").
void writeGlb(const std::vector<ColoredMesh>& meshes, const std::filesystem::path& file);

} // namespace vestige::visualization
