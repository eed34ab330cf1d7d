// Liver segmentation of a synthetic CT after chemo-embolisation (TACE), through the public segmentLiver: a treated
// mass at the liver's edge whose core is a mottle of necrosis (35 HU) and lipiodol-stained tissue (150 HU) in 5 mm
// patches, neither of which the parenchyma growth, the outline closing or the edge-tumour step takes, with lipiodol
// specks scattered through it and into the parenchyma around it; its speck-free, necrotic rim (40 HU) bulges out of
// the liver towards a fluid-filled stomach 2 mm of fat away. The mass counts as liver (every tumour does, for
// volumetry); the stomach does not. Only the treated-tumour step (speck cloud, hull and rim) finds this mass.
// Measured: with the step the whole mass but voxels whose centres lie within 0.1 mm of its surface (99.8 %), liver
// 1214.9 mL against 1215.6 mL (Dice 0.9996), no stomach; with the step removed from segmentLiver 2.6 % of the mass,
// 1104.5 mL (-9.1 %, Dice 0.952).
#include "vestige/segmentation/liver_segmentation.h"
#include "vestige/segmentation/mask_metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <random>

using namespace vestige;

namespace {

struct Sphere {
  core::Vec3 centre;
  double radiusMm;
  // Signed distance (mm) from the surface, negative inside.
  [[nodiscard]] double signedDistanceMm(const core::Vec3& p) const { return core::distanceMm(p, centre) - radiusMm; }
  [[nodiscard]] bool contains(const core::Vec3& p) const { return signedDistanceMm(p) <= 0.0; }
};

// A fixed pseudo-random choice per 5 mm cube: the mottle's patches, independent of the voxel order.
bool necroticPatch(const core::Vec3& p) {
  constexpr double kPatchMm = 5.0;
  std::uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (int a = 0; a < 3; ++a) {
    h ^= std::uint64_t(std::int64_t(std::floor(p[a] / kPatchMm))) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
  }
  return h % 100 < 60;
}

struct Scene {
  core::Image ct;
  core::Mask liver; // truth: liver and treated mass
  Sphere mass, stomach;
};

Scene makeScene() {
  core::ImageGeometry g;
  g.size = {200, 160, 64};
  g.spacingMm = {1.5, 1.5, 2.5};
  g.originLps = {-150.0, -120.0, -80.0};
  Scene s{core::Image(g, -1000.0f), core::Mask(g, 0), {{32.0, 0.0, 0.0}, 30.0}, {{94.0, 0.0, 0.0}, 30.0}};
  const Sphere speckled{{20.0, 0.0, 0.0}, 24.0}, mottled{{20.0, 0.0, 0.0}, 18.0};
  std::mt19937 random(7);
  std::normal_distribution<float> noise(0.0f, 5.0f);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
        const double body = (p[0] / 140.0) * (p[0] / 140.0) + (p[1] / 110.0) * (p[1] / 110.0);
        const double liver = ((p[0] + 40.0) / 70.0) * ((p[0] + 40.0) / 70.0) + (p[1] / 60.0) * (p[1] / 60.0) +
                             (p[2] / 65.0) * (p[2] / 65.0);
        float hu = -1000.0f;
        if (body <= 1.0)
          hu = -100.0f; // fat
        if (liver <= 1.0)
          hu = 70.0f;
        if (s.mass.contains(p))
          hu = 40.0f; // necrotic rim
        if (mottled.contains(p))
          hu = necroticPatch(p) ? 35.0f : 150.0f;
        if (speckled.contains(p) && unit(random) < 1.5 * 2.25 * 2.5 / 216.0) // about one speck per (6 mm)^3
          hu = 800.0f;
        if (s.stomach.contains(p))
          hu = 10.0f; // fluid
        s.liver.at(i, j, k) = (liver <= 1.0 || s.mass.contains(p)) && !s.stomach.contains(p) ? 1 : 0;
        s.ct.at(i, j, k) = hu < 500.0f && body <= 1.0 ? hu + noise(random) : hu;
      }
  return s;
}

} // namespace

TEST(TreatedTumour, MottledSpeckledMassAtTheLiverEdgeIsLiverAndTheStomachIsNot) {
  const Scene scene = makeScene();
  const auto& g = scene.ct.geometry;
  const auto result = segmentation::segmentLiver(scene.ct);
  // A voxel whose centre lies within half a voxel of a truth surface may fall either side of it.
  const double halfVoxelMm = 0.5 * *std::max_element(g.spacingMm.begin(), g.spacingMm.end());
  std::size_t massVoxels = 0, massIn = 0, stomachIn = 0;
  double deepestMissedMm = 0.0, deepestStomachMm = 0.0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
        const bool in = result.liver.at(i, j, k) != 0;
        if (scene.mass.contains(p)) {
          ++massVoxels;
          massIn += in ? 1 : 0;
          if (!in)
            deepestMissedMm = std::max(deepestMissedMm, -scene.mass.signedDistanceMm(p));
        }
        if (scene.stomach.contains(p) && in) {
          ++stomachIn;
          deepestStomachMm = std::max(deepestStomachMm, -scene.stomach.signedDistanceMm(p));
        }
      }
  const auto c = segmentation::compareMasks(result.liver, scene.liver);
  std::cout << "treated mass in the liver: " << double(massIn) / double(massVoxels) << " (deepest missed voxel "
            << deepestMissedMm << " mm inside its surface), stomach voxels " << stomachIn << "; liver "
            << c.testVolumeMl << " mL against " << c.referenceVolumeMl << " mL, Dice " << c.dice << "\n";
  EXPECT_LE(deepestMissedMm, halfVoxelMm) << "part of the treated mass is missing from the liver";
  EXPECT_LE(deepestStomachMm, halfVoxelMm) << "the stomach was taken as liver";
  // Issue 5's bars for the liver segmentation (phantom Dice, volume error).
  EXPECT_GE(c.dice, 0.97);
  EXPECT_LE(std::fabs(c.volumeErrorFraction), 0.05);
}
