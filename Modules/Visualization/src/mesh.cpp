// Surfaces from masks with VTK, STL through VTK's writer and OBJ directly. VTK works in the image's own axis frame
// (spacing applied, direction not); points are mapped to LPS afterwards so that any direction matrix is exact
// without ITKVtkGlue.
#include "vestige/visualization/mesh.h"

#include "mesh_decimate.h"
#include "vestige/visualization/vtk_bridge.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"

#include <vtkCellArray.h>
#include <vtkFloatArray.h>
#include <vtkFlyingEdges3D.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataNormals.h>
#include <vtkQuadricDecimation.h>
#include <vtkSTLWriter.h>
#include <vtkTriangleFilter.h>
#include <vtkUnsignedCharArray.h>
#include <vtkWindowedSincPolyDataFilter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

namespace vestige::visualization {

namespace {

// The connected pieces of a triangle surface, each with only its own points.
std::vector<vtkSmartPointer<vtkPolyData>> connectedPieces(vtkPolyData* triangles) {
  const vtkIdType pointCount = triangles->GetNumberOfPoints();
  std::vector<vtkIdType> parent(static_cast<std::size_t>(pointCount));
  std::iota(parent.begin(), parent.end(), vtkIdType{0});
  auto find = [&](vtkIdType x) {
    while (parent[x] != x)
      x = parent[x] = parent[parent[x]];
    return x;
  };
  vtkCellArray* polys = triangles->GetPolys();
  vtkIdType npts = 0;
  const vtkIdType* ids = nullptr;
  for (polys->InitTraversal(); polys->GetNextCell(npts, ids);)
    for (vtkIdType k = 1; k < npts; ++k)
      parent[find(ids[k])] = find(ids[0]);

  std::vector<vtkIdType> pieceOf(parent.size(), -1), localId(parent.size(), -1);
  std::vector<vtkSmartPointer<vtkPolyData>> pieces;
  for (polys->InitTraversal(); polys->GetNextCell(npts, ids);) {
    vtkIdType& piece = pieceOf[find(ids[0])];
    if (piece < 0) {
      piece = static_cast<vtkIdType>(pieces.size());
      auto poly = vtkSmartPointer<vtkPolyData>::New();
      vtkNew<vtkPoints> points;
      points->SetDataTypeToDouble();
      poly->SetPoints(points);
      vtkNew<vtkCellArray> cells;
      poly->SetPolys(cells);
      pieces.push_back(poly);
    }
    vtkPolyData* poly = pieces[static_cast<std::size_t>(piece)];
    std::array<vtkIdType, 3> local{};
    for (vtkIdType k = 0; k < npts && k < 3; ++k) {
      if (localId[ids[k]] < 0)
        localId[ids[k]] = poly->GetPoints()->InsertNextPoint(triangles->GetPoint(ids[k]));
      local[k] = localId[ids[k]];
    }
    poly->GetPolys()->InsertNextCell(3, local.data());
  }
  return pieces;
}

// vtkQuadricDecimation (volume preserving, the smoother result) collapses edges without checking that the surface
// stays a manifold: where a mask is one voxel thin the collapses glue two sheets into a fin or pinch them at a point
// (Mesh.RoughMaskSurfacesAreWatertight's mask: 7 open and 17 non-manifold edges and 1 pinched point on its largest
// piece; vtkDecimatePro with PreserveTopologyOn still leaves a non-manifold edge there). Every connected piece is
// therefore decimated on its own and counted: the quadric result is kept when it is closed, else the piece is
// decimated by collapseEdges, which allows only collapses that keep it closed; the piece as it was is the last
// resort. Smooth pieces, which hold nearly all triangles, take the quadric path.
Mesh decimatedPiece(vtkPolyData* piece, const core::ImageGeometry& g, double reduction) {
  vtkNew<vtkQuadricDecimation> quadric;
  quadric->SetInputData(piece);
  quadric->SetTargetReduction(reduction);
  quadric->VolumePreservationOn();
  quadric->Update();
  Mesh mesh = fromPolyData(quadric->GetOutput(), g);
  if (meshTopology(mesh).watertight())
    return mesh;

  const Mesh undecimated = fromPolyData(piece, g);
  mesh = undecimated;
  detail::collapseEdges(mesh, static_cast<std::size_t>(
                                  std::llround((1.0 - reduction) * static_cast<double>(undecimated.triangleCount()))));
  return meshTopology(mesh).watertight() ? mesh : undecimated;
}

// Flying edges orients every piece of a surface the same way (a cavity's piece faces into the cavity); the whole
// surface is turned outward at once, by the sign of the volume it encloses.
void orientOutward(Mesh& mesh) {
  double sum = 0.0;
  const auto& p = mesh.pointsLps;
  for (std::size_t t = 0; t < mesh.triangles.size(); t += 3) {
    const std::size_t a = 3 * mesh.triangles[t], b = 3 * mesh.triangles[t + 1], c = 3 * mesh.triangles[t + 2];
    const double ax = p[a] - p[0], ay = p[a + 1] - p[1], az = p[a + 2] - p[2];
    const double bx = p[b] - p[0], by = p[b + 1] - p[1], bz = p[b + 2] - p[2];
    const double cx = p[c] - p[0], cy = p[c + 1] - p[1], cz = p[c + 2] - p[2];
    sum += ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx);
  }
  if (sum < 0)
    for (std::size_t t = 0; t < mesh.triangles.size(); t += 3)
      std::swap(mesh.triangles[t + 1], mesh.triangles[t + 2]);
}

void append(Mesh& to, const Mesh& from) {
  const auto offset = static_cast<std::uint32_t>(to.pointCount());
  to.pointsLps.insert(to.pointsLps.end(), from.pointsLps.begin(), from.pointsLps.end());
  for (std::uint32_t v : from.triangles)
    to.triangles.push_back(offset + v);
}

Mesh decimatedClosed(vtkPolyData* surface, const core::ImageGeometry& g, double reduction) {
  vtkNew<vtkTriangleFilter> triangles;
  triangles->SetInputData(surface);
  triangles->Update();
  Mesh mesh;
  for (const auto& piece : connectedPieces(triangles->GetOutput()))
    append(mesh, decimatedPiece(piece, g, reduction));
  return mesh;
}

} // namespace

Mesh surfaceFromMask(const core::Mask& mask, const SurfaceOptions& options) {
  if (mask.voxels.size() != mask.geometry.voxelCount())
    throw core::Error(core::ErrorCode::InvalidArgument, "mask voxel count does not match its geometry", "surface");
  const core::IndexBox box = core::boundingBox(mask);
  if (box.empty)
    return {};

  // Crop to the mask's bounding box plus one empty voxel on every side, so the surface is closed even where the
  // mask touches the image border.
  const auto& g = mask.geometry;
  std::array<int, 3> dims{};
  std::array<long, 3> start{};
  for (int a = 0; a < 3; ++a) {
    start[a] = static_cast<long>(box.lo[a]) - 1;
    dims[a] = static_cast<int>(box.hi[a] - box.lo[a]) + 3;
  }
  vtkNew<vtkImageData> image;
  image->SetDimensions(dims[0], dims[1], dims[2]);
  image->SetSpacing(g.spacingMm[0], g.spacingMm[1], g.spacingMm[2]);
  image->SetOrigin(start[0] * g.spacingMm[0], start[1] * g.spacingMm[1], start[2] * g.spacingMm[2]);
  image->AllocateScalars(VTK_UNSIGNED_CHAR, 1);
  auto* out = static_cast<unsigned char*>(image->GetScalarPointer());
  std::fill(out, out + static_cast<std::size_t>(dims[0]) * dims[1] * dims[2], 0);
  for (int k = 1; k < dims[2] - 1; ++k)
    for (int j = 1; j < dims[1] - 1; ++j) {
      const std::uint8_t* src =
          &mask.voxels[mask.linearIndex(static_cast<std::size_t>(start[0] + 1), static_cast<std::size_t>(start[1] + j),
                                        static_cast<std::size_t>(start[2] + k))];
      unsigned char* dst = out + (static_cast<std::size_t>(k) * dims[1] + j) * dims[0] + 1;
      for (int i = 0; i < dims[0] - 2; ++i)
        dst[i] = src[i] ? 1 : 0;
    }

  // The iso-surface of a binary mask at 0.5 cuts the corners of the voxels: a few % of the volume of a small site
  // (a 6 mm site is ~100 voxels). The iso-level is lowered until the smoothed surface encloses the voxel volume the
  // planning reports (within 0.5 %), so a mesh and the table beside it agree.
  const double targetMm3 = static_cast<double>(core::countNonZero(mask)) * g.voxelVolumeMm3();
  auto extract = [&](double iso, bool smoothed) {
    vtkNew<vtkFlyingEdges3D> contour;
    contour->SetInputData(image);
    contour->SetValue(0, iso);
    contour->ComputeNormalsOff();
    contour->ComputeGradientsOff();
    contour->ComputeScalarsOff();
    contour->Update();
    vtkSmartPointer<vtkPolyData> surface = contour->GetOutput();
    if (smoothed && surface->GetNumberOfPolys() > 0 && options.smoothingIterations > 0) {
      vtkNew<vtkWindowedSincPolyDataFilter> smooth;
      smooth->SetInputData(surface);
      smooth->SetNumberOfIterations(options.smoothingIterations);
      smooth->SetPassBand(options.passBand);
      smooth->NormalizeCoordinatesOn(); // numerically stable and keeps the enclosed volume
      smooth->BoundarySmoothingOff();
      smooth->FeatureEdgeSmoothingOff();
      smooth->NonManifoldSmoothingOn();
      smooth->Update();
      surface = smooth->GetOutput();
    }
    return surface;
  };
  auto volumeOf = [](vtkPolyData* poly) {
    double sum = 0;
    vtkCellArray* polys = poly->GetPolys();
    vtkIdType npts = 0;
    const vtkIdType* ids = nullptr;
    double a[3], b[3], c[3];
    for (polys->InitTraversal(); polys->GetNextCell(npts, ids);) {
      if (npts != 3)
        continue;
      poly->GetPoint(ids[0], a);
      poly->GetPoint(ids[1], b);
      poly->GetPoint(ids[2], c);
      sum +=
          a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
    }
    return std::abs(sum) / 6.0;
  };
  double iso = 0.5;
  vtkSmartPointer<vtkPolyData> surface = extract(iso, true);
  if (surface->GetNumberOfPolys() == 0)
    return {};
  double ratio = volumeOf(surface) / targetMm3;
  // Smoothing is the costly step and changes the volume by a nearly constant factor: bisect the iso-level on
  // unsmoothed surfaces (cheap) against the target divided by that factor, smooth once, and repeat with the factor
  // measured there if still off. Enclosed volume falls as the iso-level rises.
  for (int round = 0; round < 3 && std::abs(ratio - 1.0) > 0.005; ++round) {
    const double raw = volumeOf(extract(iso, false));
    const double factor = raw > 0 ? ratio * targetMm3 / raw : 1.0; // smoothed / unsmoothed volume at this level
    const double target = targetMm3 / factor;
    double lo = 0.05, hi = 0.95;
    double rawRatio = raw / target;
    for (int step = 0; step < 14 && std::abs(rawRatio - 1.0) > 0.001; ++step) {
      iso = 0.5 * (lo + hi);
      rawRatio = volumeOf(extract(iso, false)) / target;
      (rawRatio < 1.0 ? hi : lo) = iso;
    }
    surface = extract(iso, true);
    ratio = volumeOf(surface) / targetMm3;
  }
  Mesh mesh = fromPolyData(surface, g);
  if (options.decimation > 0.0 && mesh.triangleCount() > options.decimateAbove)
    mesh = decimatedClosed(surface, g, options.decimation);
  orientOutward(mesh);
  detail::computeNormals(mesh);
  // Flying edges on a mask padded with background gives a closed manifold and smoothing moves points only; a surface
  // that is not closed here would be a bug, and a printer or an AR viewer would get a broken model.
  const MeshTopology topology = meshTopology(mesh);
  if (!topology.watertight())
    throw core::Error(core::ErrorCode::Internal,
                      "surface is not closed: " + std::to_string(topology.boundaryEdges) + " open and " +
                          std::to_string(topology.nonManifoldEdges) + " non-manifold edges",
                      "surface");
  return mesh;
}

double meshVolumeMl(const Mesh& mesh) {
  // Sum of signed tetrahedra from the origin; relative to the first point to limit cancellation.
  if (mesh.empty())
    return 0.0;
  const auto& p = mesh.pointsLps;
  const double ox = p[0], oy = p[1], oz = p[2];
  double sum = 0.0;
  for (std::size_t t = 0; t < mesh.triangles.size(); t += 3) {
    const std::size_t a = 3 * mesh.triangles[t], b = 3 * mesh.triangles[t + 1], c = 3 * mesh.triangles[t + 2];
    const double ax = p[a] - ox, ay = p[a + 1] - oy, az = p[a + 2] - oz;
    const double bx = p[b] - ox, by = p[b + 1] - oy, bz = p[b + 2] - oz;
    const double cx = p[c] - ox, cy = p[c + 1] - oy, cz = p[c + 2] - oz;
    sum += ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx);
  }
  return std::abs(sum) / 6.0 / 1000.0;
}

// 3D Slicer (vtkMRMLModelStorageNode) looks for "SPACE=LPS" or "SPACE=RAS" anywhere in an STL header or in the
// first comment of an OBJ file and converts to its RAS frame; without it Slicer 4.11+ assumes LPS and older versions
// RAS, so it is said. An STL header must not begin with "solid" (readers would take it for ASCII STL).
const char* const kCoordinateHeader = "Vestige surface, LPS millimetres. SPACE=LPS";

void writeStl(const Mesh& mesh, const std::filesystem::path& file) {
  vtkSmartPointer<vtkPolyData> poly = toPolyData(mesh);
  core::writeAtomically(file, [&](const std::filesystem::path& tmp) {
    vtkNew<vtkSTLWriter> writer;
    writer->SetInputData(poly);
    writer->SetFileName(tmp.string().c_str());
    writer->SetFileTypeToBinary();
    writer->SetHeader(kCoordinateHeader);
    if (writer->Write() != 1)
      throw core::Error(core::ErrorCode::Io, "cannot write STL", file.string());
  });
}

void writeObj(const Mesh& mesh, const std::filesystem::path& file) {
  // Written here rather than by vtkOBJWriter, whose first comment line (the one Slicer reads) is fixed.
  const bool withNormals = !mesh.normals.empty() && mesh.normals.size() == mesh.pointsLps.size();
  core::writeAtomically(file, [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << "# " << kCoordinateHeader << "\n";
    char line[160];
    for (std::size_t p = 0; p < mesh.pointCount(); ++p) {
      std::snprintf(line, sizeof line, "v %.9g %.9g %.9g\n", mesh.pointsLps[3 * p], mesh.pointsLps[3 * p + 1],
                    mesh.pointsLps[3 * p + 2]);
      out << line;
    }
    if (withNormals)
      for (std::size_t p = 0; p < mesh.pointCount(); ++p) {
        std::snprintf(line, sizeof line, "vn %.7g %.7g %.7g\n", mesh.normals[3 * p], mesh.normals[3 * p + 1],
                      mesh.normals[3 * p + 2]);
        out << line;
      }
    for (std::size_t t = 0; t < mesh.triangleCount(); ++t) {
      const unsigned long a = mesh.triangles[3 * t] + 1UL, b = mesh.triangles[3 * t + 1] + 1UL,
                          c = mesh.triangles[3 * t + 2] + 1UL; // OBJ counts from 1
      if (withNormals)
        std::snprintf(line, sizeof line, "f %lu//%lu %lu//%lu %lu//%lu\n", a, a, b, b, c, c);
      else
        std::snprintf(line, sizeof line, "f %lu %lu %lu\n", a, b, c);
      out << line;
    }
    out.flush();
    if (!out)
      throw core::Error(core::ErrorCode::Io, "cannot write OBJ", file.string());
  });
}

namespace {

// Decimation may leave points that no triangle uses; such a point has no normal (glTF wants unit normals) and is
// not part of the surface, so it is dropped.
void compactPoints(Mesh& mesh) {
  std::vector<bool> used(mesh.pointCount(), false);
  for (std::uint32_t v : mesh.triangles)
    used[v] = true;
  if (std::all_of(used.begin(), used.end(), [](bool u) { return u; }))
    return;
  std::vector<std::uint32_t> newIndex(mesh.pointCount(), 0);
  std::vector<float> points;
  points.reserve(mesh.pointsLps.size());
  for (std::size_t p = 0; p < used.size(); ++p) {
    if (!used[p])
      continue;
    newIndex[p] = static_cast<std::uint32_t>(points.size() / 3);
    points.insert(points.end(), mesh.pointsLps.begin() + 3 * p, mesh.pointsLps.begin() + 3 * p + 3);
  }
  for (std::uint32_t& v : mesh.triangles)
    v = newIndex[v];
  mesh.pointsLps = std::move(points);
}

} // namespace

Mesh fromPolyData(vtkPolyData* input, const core::ImageGeometry& g) {
  // Normals after the direction is applied, so they are LPS normals; consistent orientation outward.
  vtkNew<vtkTriangleFilter> triangles;
  triangles->SetInputData(input);
  triangles->Update();
  vtkPolyData* tri = triangles->GetOutput();

  Mesh mesh;
  const vtkIdType n = tri->GetNumberOfPoints();
  mesh.pointsLps.resize(static_cast<std::size_t>(n) * 3);
  for (vtkIdType p = 0; p < n; ++p) {
    double q[3];
    tri->GetPoint(p, q);
    // q = spacing * index in the image axis frame; LPS = origin + D q.
    for (int r = 0; r < 3; ++r)
      mesh.pointsLps[3 * p + r] = static_cast<float>(g.originLps[r] + g.direction[r][0] * q[0] +
                                                     g.direction[r][1] * q[1] + g.direction[r][2] * q[2]);
  }
  const double det =
      g.direction[0][0] * (g.direction[1][1] * g.direction[2][2] - g.direction[1][2] * g.direction[2][1]) -
      g.direction[0][1] * (g.direction[1][0] * g.direction[2][2] - g.direction[1][2] * g.direction[2][0]) +
      g.direction[0][2] * (g.direction[1][0] * g.direction[2][1] - g.direction[1][1] * g.direction[2][0]);
  vtkCellArray* polys = tri->GetPolys();
  mesh.triangles.reserve(static_cast<std::size_t>(polys->GetNumberOfCells()) * 3);
  vtkIdType npts = 0;
  const vtkIdType* ids = nullptr;
  for (polys->InitTraversal(); polys->GetNextCell(npts, ids);) {
    if (npts != 3)
      continue;
    // A left-handed direction matrix mirrors the surface: swap winding to keep it counter-clockwise.
    if (det < 0) {
      mesh.triangles.insert(
          mesh.triangles.end(),
          {static_cast<std::uint32_t>(ids[0]), static_cast<std::uint32_t>(ids[2]), static_cast<std::uint32_t>(ids[1])});
    } else {
      mesh.triangles.insert(
          mesh.triangles.end(),
          {static_cast<std::uint32_t>(ids[0]), static_cast<std::uint32_t>(ids[1]), static_cast<std::uint32_t>(ids[2])});
    }
  }
  compactPoints(mesh);
  return mesh;
}

vtkSmartPointer<vtkPolyData> toPolyData(const Mesh& mesh) {
  auto poly = vtkSmartPointer<vtkPolyData>::New();
  vtkNew<vtkPoints> points;
  points->SetDataTypeToFloat();
  points->SetNumberOfPoints(static_cast<vtkIdType>(mesh.pointCount()));
  for (std::size_t p = 0; p < mesh.pointCount(); ++p)
    points->SetPoint(static_cast<vtkIdType>(p), mesh.pointsLps[3 * p], mesh.pointsLps[3 * p + 1],
                     mesh.pointsLps[3 * p + 2]);
  vtkNew<vtkCellArray> cells;
  for (std::size_t t = 0; t < mesh.triangleCount(); ++t) {
    const vtkIdType ids[3] = {mesh.triangles[3 * t], mesh.triangles[3 * t + 1], mesh.triangles[3 * t + 2]};
    cells->InsertNextCell(3, ids);
  }
  poly->SetPoints(points);
  poly->SetPolys(cells);
  if (mesh.normals.size() == mesh.pointsLps.size() && !mesh.normals.empty()) {
    vtkNew<vtkFloatArray> normals;
    normals->SetNumberOfComponents(3);
    normals->SetName("Normals");
    normals->SetNumberOfTuples(static_cast<vtkIdType>(mesh.pointCount()));
    for (std::size_t p = 0; p < mesh.pointCount(); ++p)
      normals->SetTypedTuple(static_cast<vtkIdType>(p), &mesh.normals[3 * p]);
    poly->GetPointData()->SetNormals(normals);
  }
  return poly;
}

vtkSmartPointer<vtkPolyData> legendSquareSymbol() {
  auto poly = vtkSmartPointer<vtkPolyData>::New();
  vtkNew<vtkPoints> points;
  points->InsertNextPoint(0, 0, 0);
  points->InsertNextPoint(1, 0, 0);
  points->InsertNextPoint(1, 1, 0);
  points->InsertNextPoint(0, 1, 0);
  vtkNew<vtkCellArray> cells;
  const vtkIdType ids[4] = {0, 1, 2, 3};
  cells->InsertNextCell(4, ids);
  poly->SetPoints(points);
  poly->SetPolys(cells);
  return poly;
}

} // namespace vestige::visualization
