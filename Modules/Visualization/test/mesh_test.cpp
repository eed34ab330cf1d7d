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

#include <cmath>
#include <fstream>
#include <iostream>

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
  EXPECT_EQ(scene.objects[2].role, Role::SiteVisible);     // L1 shrunk
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

TEST(Mesh, GlbRefusesNothingToWrite) {
  const fs::path dir = testing::freshTempDir("glb-empty");
  EXPECT_THROW(writeGlb({}, dir / "x.glb"), core::Error);
  EXPECT_FALSE(fs::exists(dir / "x.glb"));
  fs::remove_all(dir);
}

} // namespace
} // namespace vestige::visualization
