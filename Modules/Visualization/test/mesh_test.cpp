// Surfaces keep the volume and the LPS position of their masks; STL/OBJ/glTF files hold what was meshed.
#include "synthetic_plan.h"

#include "vestige/core/error.h"
#include "vestige/testing/test_support.h"
#include "vestige/visualization/mesh.h"
#include "vestige/visualization/scene.h"

#include <gtest/gtest.h>

#include <vtkGLTFReader.h>
#include <vtkMultiBlockDataSet.h>
#include <vtkNew.h>
#include <vtkOBJReader.h>
#include <vtkPolyData.h>
#include <vtkSTLReader.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>

namespace vestige::visualization {
namespace {

namespace fs = std::filesystem;

TEST(Mesh, VolumesEqualMaskVolumesWithin3Percent) {
  const auto plan = testplan::makeSyntheticPlan();
  struct Case {
    std::string name;
    core::Mask mask;
  };
  std::vector<Case> cases = {{"liver", plan.masks.liver},
                             {"remnant", plan.masks.remnant},
                             {"resection", plan.masks.resection},
                             {"visible tumour", plan.masks.visibleTumour}};
  for (std::uint16_t k = 1; k <= 3; ++k)
    cases.push_back({"site " + std::to_string(k), core::extractLabel(plan.masks.projectedSites, k)});
  double worst = 0.0;
  for (const Case& c : cases) {
    const double maskMl = core::maskVolumeMl(c.mask);
    ASSERT_GT(maskMl, 0.5) << c.name;
    const Mesh mesh = surfaceFromMask(c.mask);
    ASSERT_FALSE(mesh.empty()) << c.name;
    const double meshMl = meshVolumeMl(mesh);
    EXPECT_NEAR(meshMl / maskMl, 1.0, 0.03) << c.name << ": mesh " << meshMl << " mL, mask " << maskMl << " mL";
    worst = std::max(worst, std::abs(meshMl / maskMl - 1.0));
  }
  std::cout << "largest mesh/mask volume deviation: " << 100.0 * worst << " %\n";
}

TEST(Mesh, HonoursOriginSpacingAndDirection) {
  // A box of voxels on a rotated, anisotropic grid: the mesh's centroid lands on the LPS centre of the box.
  core::ImageGeometry g;
  g.size = {40, 30, 20};
  g.spacingMm = {0.8, 1.2, 2.5};
  g.originLps = {10, -20, 30};
  const double c = std::cos(0.5), s = std::sin(0.5);
  g.direction = {{{c, 0, s}, {0, 1, 0}, {-s, 0, c}}};
  core::Mask box(g, 0);
  for (std::size_t k = 5; k < 15; ++k)
    for (std::size_t j = 8; j < 20; ++j)
      for (std::size_t i = 10; i < 30; ++i)
        box.at(i, j, k) = 1;
  SurfaceOptions noSmoothing;
  noSmoothing.smoothingIterations = 0;
  const Mesh mesh = surfaceFromMask(box, noSmoothing);
  core::Vec3 mean{0, 0, 0};
  for (std::size_t p = 0; p < mesh.pointCount(); ++p)
    for (int a = 0; a < 3; ++a)
      mean[a] += mesh.pointsLps[3 * p + a] / static_cast<double>(mesh.pointCount());
  const core::Vec3 expected = g.indexToLps({19.5, 13.5, 9.5});
  EXPECT_LT(core::distanceMm(mean, expected), 0.5) << core::formatVec(mean) << " vs " << core::formatVec(expected);
  // The surface sits half a voxel outside the voxel centres: volume = voxel count x voxel volume minus corners.
  EXPECT_NEAR(meshVolumeMl(mesh) / core::maskVolumeMl(box), 1.0, 0.03);
  // Normals point outward: from the centre towards the point.
  std::size_t outward = 0;
  for (std::size_t p = 0; p < mesh.pointCount(); ++p) {
    double d = 0;
    for (int a = 0; a < 3; ++a)
      d += (mesh.pointsLps[3 * p + a] - expected[a]) * mesh.normals[3 * p + a];
    outward += d > 0;
  }
  EXPECT_EQ(outward, mesh.pointCount());
}

// A tetrahedron with outward (counter-clockwise) triangles: the smallest closed 2-manifold.
Mesh tetrahedron(float x0 = 0.0F) {
  Mesh m;
  m.pointsLps = {x0, 0, 0, x0 + 1, 0, 0, x0, 1, 0, x0, 0, 1};
  m.triangles = {0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3};
  return m;
}

TEST(MeshTopology, CountsEveryDefectOfAKnownMesh) {
  const MeshTopology closed = meshTopology(tetrahedron());
  EXPECT_TRUE(closed.watertight());
  EXPECT_EQ(closed.edges, 6U);
  EXPECT_GT(meshVolumeMl(tetrahedron()), 0.0);

  Mesh hole = tetrahedron();
  hole.triangles.resize(9);
  const MeshTopology open = meshTopology(hole);
  EXPECT_EQ(open.boundaryEdges, 3U);
  EXPECT_FALSE(open.watertight());

  Mesh fin = tetrahedron();
  fin.pointsLps.insert(fin.pointsLps.end(), {-1, -1, -1});
  fin.triangles.insert(fin.triangles.end(), {0, 1, 4});
  const MeshTopology finned = meshTopology(fin);
  EXPECT_EQ(finned.nonManifoldEdges, 1U);
  EXPECT_EQ(finned.boundaryEdges, 2U);

  Mesh flipped = tetrahedron();
  std::swap(flipped.triangles[10], flipped.triangles[11]);
  EXPECT_EQ(meshTopology(flipped).misorientedEdges, 3U);

  // Two closed tetrahedra sharing one point (index 0 of the second is replaced by the first's point 1).
  Mesh bowtie = tetrahedron();
  const Mesh second = tetrahedron(1.0F);
  const auto offset = static_cast<std::uint32_t>(bowtie.pointCount());
  bowtie.pointsLps.insert(bowtie.pointsLps.end(), second.pointsLps.begin() + 3, second.pointsLps.end());
  for (std::uint32_t v : second.triangles)
    bowtie.triangles.push_back(v == 0 ? 1U : offset + v - 1);
  const MeshTopology touching = meshTopology(bowtie);
  EXPECT_EQ(touching.nonManifoldVertices, 1U);
  EXPECT_EQ(touching.boundaryEdges + touching.nonManifoldEdges + touching.misorientedEdges, 0U);

  // A piece flattened to two back-to-back triangles: every edge in two triangles, in opposite directions, yet no
  // solid.
  Mesh flat;
  flat.pointsLps = {0, 0, 0, 1, 0, 0, 0, 1, 0};
  flat.triangles = {0, 1, 2, 0, 2, 1};
  const MeshTopology flattened = meshTopology(flat);
  EXPECT_EQ(flattened.boundaryEdges + flattened.nonManifoldEdges + flattened.misorientedEdges, 0U);
  EXPECT_EQ(flattened.duplicateTriangles, 1U);
  EXPECT_FALSE(flattened.watertight());

  Mesh degenerate = tetrahedron();
  degenerate.triangles.insert(degenerate.triangles.end(), {1, 1, 2});
  EXPECT_EQ(meshTopology(degenerate).degenerateTriangles, 1U);
}

std::string describe(const MeshTopology& t) {
  return std::to_string(t.edges) + " edges, " + std::to_string(t.boundaryEdges) + " boundary, " +
         std::to_string(t.nonManifoldEdges) + " non-manifold, " + std::to_string(t.misorientedEdges) +
         " misoriented, " + std::to_string(t.nonManifoldVertices) + " non-manifold vertices, " +
         std::to_string(t.degenerateTriangles) + " degenerate, " + std::to_string(t.duplicateTriangles) +
         " duplicate triangles, " + std::to_string(t.unusedPoints) + " unused points";
}

// Every surface the plan scene writes is closed, with and without decimation, and also when the masks are cut by
// the image border (the liver of the second grid sticks out of it on the left and at the top).
TEST(Mesh, EverySceneSurfaceIsWatertight) {
  core::ImageGeometry cut = testplan::planGeometry();
  cut.size = {100, 100, 30};
  cut.originLps = {-100.0, -80.0, 30.0};
  SurfaceOptions decimateAll;
  decimateAll.decimateAbove = 0;
  struct Case {
    std::string name;
    core::ImageGeometry grid;
    SurfaceOptions options;
  };
  const std::vector<Case> cases = {{"default", testplan::planGeometry(), {}},
                                   {"decimated", testplan::planGeometry(), decimateAll},
                                   {"border", cut, {}},
                                   {"border decimated", cut, decimateAll}};
  for (const Case& c : cases) {
    const auto plan = testplan::makeSyntheticPlan(c.grid);
    if (c.name.rfind("border", 0) == 0) {
      // The liver really touches the border: a voxel on the first column and on the last slice.
      bool left = false, top = false;
      for (std::size_t k = 0; k < c.grid.size[2]; ++k)
        for (std::size_t j = 0; j < c.grid.size[1]; ++j) {
          left = left || plan.masks.liver.at(0, j, k) != 0;
          for (std::size_t i = 0; i < c.grid.size[0]; ++i)
            top = top || (k + 1 == c.grid.size[2] && plan.masks.liver.at(i, j, k) != 0);
        }
      ASSERT_TRUE(left && top) << "the cut grid must clip the liver";
    }
    Scene scene = buildPlanScene(plan.summary, plan.masks, plan.masks.liver, c.options);
    ASSERT_EQ(scene.objects.size(), 7U) << c.name; // remnant, resection, 3 sites, visible tumour, "vessels" = liver
    for (const SceneObject& object : scene.objects) {
      const MeshTopology t = meshTopology(object.mesh);
      std::cout << c.name << " " << object.name << ": " << object.mesh.triangleCount() << " triangles, " << describe(t)
                << "\n";
      EXPECT_EQ(t.boundaryEdges, 0U) << c.name << " " << object.name;
      EXPECT_EQ(t.nonManifoldEdges, 0U) << c.name << " " << object.name;
      EXPECT_TRUE(t.watertight()) << c.name << " " << object.name << ": " << describe(t);
      EXPECT_EQ(t.unusedPoints, 0U) << c.name << " " << object.name;
    }
  }
}

// Masks as rough as segmentations get: one-voxel sheets and lines, voxels touching only along an edge or at a corner
// (a 3D checkerboard), isolated voxels and a noisy blob, on an anisotropic grid and touching the image border. Marching
// cubes resolves the ambiguous cells of such masks and quadric decimation collapses edges across thin parts: the
// surfaces must still be closed.
core::Mask roughMask() {
  core::ImageGeometry g;
  g.size = {48, 44, 30};
  g.spacingMm = {0.7, 0.9, 2.0};
  g.originLps = {-20.0, 10.0, -30.0};
  core::Mask m(g, 0);
  std::uint32_t state = 12345U; // fixed linear congruential sequence: the same mask every run
  auto random01 = [&] {
    state = state * 1664525U + 1013904223U;
    return static_cast<double>(state >> 8) / static_cast<double>(1U << 24);
  };
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const double di = (double(i) - 14.0) / 12.0, dj = (double(j) - 20.0) / 14.0, dk = (double(k) - 12.0) / 9.0;
        const bool blob = di * di + dj * dj + dk * dk < 1.0 + 0.5 * (random01() - 0.5);
        const bool checker = i >= 30 && i < 38 && j >= 4 && j < 12 && k < 8 && (i + j + k) % 2 == 0;
        const bool sheet = i == 40 && j >= 10 && j < 40 && k >= 5 && k < 25;
        const bool line = j == 40 && k == 20 && i >= 2 && i < 45;
        const bool speck = random01() < 0.002;
        const bool border = i == 0 && j < 30 && k >= 10; // touches the image border
        m.at(i, j, k) = blob || checker || sheet || line || speck || border;
      }
  return m;
}

TEST(Mesh, RoughMaskSurfacesAreWatertight) {
  const core::Mask rough = roughMask();
  SurfaceOptions decimateAll;
  decimateAll.decimateAbove = 0;
  SurfaceOptions raw;
  raw.smoothingIterations = 0;
  raw.decimation = 0;
  std::vector<std::size_t> counts;
  for (const auto& [name, options] : std::vector<std::pair<std::string, SurfaceOptions>>{
           {"raw", raw}, {"default", SurfaceOptions{}}, {"decimated", decimateAll}}) {
    const Mesh mesh = surfaceFromMask(rough, options);
    const MeshTopology t = meshTopology(mesh);
    std::cout << "rough " << name << ": " << mesh.triangleCount() << " triangles, " << describe(t) << "\n";
    EXPECT_TRUE(t.watertight()) << name << ": " << describe(t);
    EXPECT_EQ(t.unusedPoints, 0U) << name;
    counts.push_back(mesh.triangleCount());
  }
  // Decimation still halves the surface (the budget of SurfaceOptions::decimation = 0.5), closed or not.
  EXPECT_LE(static_cast<double>(counts[2]), 0.55 * static_cast<double>(counts[0]));
}

TEST(Mesh, EmptyMaskGivesEmptyMesh) {
  core::ImageGeometry g;
  g.size = {5, 5, 5};
  EXPECT_TRUE(surfaceFromMask(core::Mask(g, 0)).empty());
}

TEST(Mesh, FilesRoundTripThroughVtkReaders) {
  const auto plan = testplan::makeSyntheticPlan();
  const Scene scene = buildPlanScene(plan.summary, plan.masks);
  // remnant, resection, 3 sites, visible tumour
  ASSERT_EQ(scene.objects.size(), 6U);
  EXPECT_EQ(scene.objects[2].role, Role::SiteShrunk);      // L1 shrunk
  EXPECT_EQ(scene.objects[3].role, Role::SiteDisappeared); // L2
  const fs::path dir = testing::freshTempDir("meshes");
  const MeshFiles files = writeSceneMeshes(scene, dir);
  EXPECT_EQ(files.files.size(), 2 * scene.objects.size() + 1);

  const Mesh& remnant = scene.objects[0].mesh;
  vtkNew<vtkSTLReader> stl;
  stl->SetFileName((dir / "remnant.stl").c_str());
  stl->Update();
  EXPECT_EQ(static_cast<std::size_t>(stl->GetOutput()->GetNumberOfPolys()), remnant.triangleCount());
  double stlBounds[6];
  stl->GetOutput()->GetBounds(stlBounds);
  float lo = remnant.pointsLps[0];
  for (std::size_t p = 0; p < remnant.pointCount(); ++p)
    lo = std::min(lo, remnant.pointsLps[3 * p]);
  EXPECT_NEAR(stlBounds[0], lo, 1e-3); // LPS mm, unscaled

  vtkNew<vtkOBJReader> obj;
  obj->SetFileName((dir / "remnant.obj").c_str());
  obj->Update();
  EXPECT_EQ(static_cast<std::size_t>(obj->GetOutput()->GetNumberOfPolys()), remnant.triangleCount());

  // glTF binary: VTK's reader finds one mesh per object with the same triangles.
  vtkNew<vtkGLTFReader> gltf;
  gltf->SetFileName((dir / "plan.glb").c_str());
  gltf->Update();
  vtkMultiBlockDataSet* out = gltf->GetOutput();
  ASSERT_NE(out, nullptr);
  std::size_t meshes = 0, triangles = 0;
  std::function<void(vtkMultiBlockDataSet*)> walk = [&](vtkMultiBlockDataSet* block) {
    for (unsigned b = 0; b < block->GetNumberOfBlocks(); ++b) {
      vtkDataObject* child = block->GetBlock(b);
      if (auto* mb = vtkMultiBlockDataSet::SafeDownCast(child))
        walk(mb);
      else if (auto* pd = vtkPolyData::SafeDownCast(child)) {
        ++meshes;
        triangles += static_cast<std::size_t>(pd->GetNumberOfPolys());
      }
    }
  };
  walk(out);
  EXPECT_EQ(meshes, scene.objects.size());
  std::size_t expectedTriangles = 0;
  for (const auto& o : scene.objects)
    expectedTriangles += o.mesh.triangleCount();
  EXPECT_EQ(triangles, expectedTriangles);
  fs::remove_all(dir);
}

std::string readBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Mesh, StlAndObjSayLpsTheWay3DSlicerReadsIt) {
  // 3D Slicer (vtkMRMLModelStorageNode) searches the STL header (vtkSTLReader::GetHeader) and the OBJ's first
  // comment (vtkOBJReader::GetComment) for "SPACE=LPS" / "SPACE=RAS".
  const fs::path dir = testing::freshTempDir("stl-header");
  const Mesh mesh = tetrahedron(10.0F);
  writeStl(mesh, dir / "t.stl");
  writeObj(mesh, dir / "t.obj");
  const std::string stlBytes = readBytes(dir / "t.stl");
  ASSERT_EQ(stlBytes.size(), 84U + 50U * mesh.triangleCount()); // binary STL
  const std::string header = stlBytes.substr(0, 80);
  EXPECT_NE(header.find("SPACE=LPS"), std::string::npos) << header;
  EXPECT_NE(header.rfind("solid", 0), 0U) << "a binary STL header must not begin with 'solid'";
  vtkNew<vtkSTLReader> stl;
  stl->SetFileName((dir / "t.stl").c_str());
  stl->Update();
  ASSERT_NE(stl->GetHeader(), nullptr);
  EXPECT_NE(std::string(stl->GetHeader()).find("SPACE=LPS"), std::string::npos);
  double bounds[6];
  stl->GetOutput()->GetBounds(bounds);
  EXPECT_DOUBLE_EQ(bounds[0], 10.0); // LPS mm as given
  EXPECT_DOUBLE_EQ(bounds[1], 11.0);

  vtkNew<vtkOBJReader> obj;
  obj->SetFileName((dir / "t.obj").c_str());
  obj->Update();
  ASSERT_NE(obj->GetComment(), nullptr);
  EXPECT_NE(std::string(obj->GetComment()).find("SPACE=LPS"), std::string::npos) << obj->GetComment();
  EXPECT_EQ(obj->GetOutput()->GetNumberOfPolys(), 4);
  obj->GetOutput()->GetBounds(bounds);
  EXPECT_DOUBLE_EQ(bounds[0], 10.0);
  fs::remove_all(dir);
}

// Reads the JSON chunk and the float data of one accessor of a .glb written by writeGlb.
struct Glb {
  nlohmann::json json;
  std::string bin;

  explicit Glb(const fs::path& file) {
    const std::string bytes = readBytes(file);
    auto u32 = [&](std::size_t at) {
      std::uint32_t v = 0;
      std::memcpy(&v, bytes.data() + at, 4);
      return v;
    };
    const std::uint32_t jsonLength = u32(12);
    json = nlohmann::json::parse(bytes.substr(20, jsonLength));
    bin = bytes.substr(20 + jsonLength + 8);
  }
  [[nodiscard]] std::vector<float> floats(std::size_t accessor) const {
    const auto& a = json["accessors"][accessor];
    const auto& view = json["bufferViews"][a["bufferView"].get<std::size_t>()];
    std::vector<float> out(3 * a["count"].get<std::size_t>());
    std::memcpy(out.data(), bin.data() + view["byteOffset"].get<std::size_t>(), out.size() * sizeof(float));
    return out;
  }
};

TEST(Mesh, GlbIsInMetresWithSuperiorUpAndAnteriorFacingPlusZ) {
  // An ellipsoid with a different radius along each patient axis (L 10, P 20, S 30 mm) centred at a known LPS
  // point: in glTF (x, y, z) = (L, S, A) / 1000 its bounds are centred at (-40, 80, -25) mm / 1000 and 20 x 60 x 40
  // mm wide.
  core::ImageGeometry g;
  g.size = {60, 70, 90};
  g.spacingMm = {0.8, 0.8, 0.8};
  g.originLps = {-64.0, -2.0, 44.0};
  const core::Vec3 centre{-40.0, 25.0, 80.0}, radii{10.0, 20.0, 30.0};
  core::Mask ellipsoid(g, 0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        ellipsoid.at(i, j, k) = testplan::inEllipsoid(g.indexToLps({double(i), double(j), double(k)}), centre, radii);
  const Mesh mesh = surfaceFromMask(ellipsoid);
  const fs::path dir = testing::freshTempDir("glb-axes");
  writeGlb({{"ellipsoid", {1, 0, 0, 1}, &mesh}}, dir / "e.glb");
  const Glb glb(dir / "e.glb");
  const auto& position = glb.json["accessors"][0];
  const core::Vec3 expectedCentre{centre[0] / 1000, centre[2] / 1000, -centre[1] / 1000};
  const core::Vec3 expectedSize{2 * radii[0] / 1000, 2 * radii[2] / 1000, 2 * radii[1] / 1000};
  for (int a = 0; a < 3; ++a) {
    const double lo = position["min"][a], hi = position["max"][a];
    EXPECT_NEAR(0.5 * (lo + hi), expectedCentre[a], 0.2e-3) << "axis " << a; // 0.2 mm
    EXPECT_NEAR(hi - lo, expectedSize[a], 1.0e-3) << "axis " << a;           // a voxel and a bit
  }
  EXPECT_NE(glb.json["asset"]["extras"]["axes"].get<std::string>().find("+Y = superior"), std::string::npos);
  EXPECT_EQ(glb.json["asset"]["extras"]["units"], "m");

  // Rotated, not mirrored: triangles still enclose a positive volume and every normal is a unit vector pointing away
  // from the centre.
  const std::vector<float> points = glb.floats(0), normals = glb.floats(1);
  ASSERT_EQ(points.size(), mesh.pointsLps.size());
  Mesh inGltf = mesh;
  inGltf.pointsLps = points;
  EXPECT_NEAR(meshVolumeMl(inGltf) * 1e9, meshVolumeMl(mesh), 0.001 * meshVolumeMl(mesh)); // m^3 -> mL
  double signedSum = 0.0;
  const auto& p = points;
  for (std::size_t t = 0; t < mesh.triangles.size(); t += 3) {
    const std::size_t a = 3 * mesh.triangles[t], b = 3 * mesh.triangles[t + 1], c = 3 * mesh.triangles[t + 2];
    signedSum += p[a] * (p[b + 1] * p[c + 2] - p[b + 2] * p[c + 1]) - p[a + 1] * (p[b] * p[c + 2] - p[b + 2] * p[c]) +
                 p[a + 2] * (p[b] * p[c + 1] - p[b + 1] * p[c]);
  }
  EXPECT_GT(signedSum, 0.0) << "counter-clockwise seen from outside";
  std::size_t outward = 0;
  double worstLength = 0.0;
  for (std::size_t v = 0; v < mesh.pointCount(); ++v) {
    double dot = 0.0, length = 0.0;
    for (int a = 0; a < 3; ++a) {
      dot += (p[3 * v + a] - expectedCentre[a]) * normals[3 * v + a];
      length += static_cast<double>(normals[3 * v + a]) * normals[3 * v + a];
    }
    outward += dot > 0;
    worstLength = std::max(worstLength, std::abs(std::sqrt(length) - 1.0));
  }
  EXPECT_EQ(outward, mesh.pointCount());
  EXPECT_LT(worstLength, 1e-5);
  fs::remove_all(dir);
}

TEST(Mesh, GlbRefusesNothingToWrite) {
  const fs::path dir = testing::freshTempDir("glb-empty");
  EXPECT_THROW(writeGlb({}, dir / "x.glb"), core::Error);
  EXPECT_FALSE(fs::exists(dir / "x.glb"));
  fs::remove_all(dir);
}

} // namespace
} // namespace vestige::visualization
