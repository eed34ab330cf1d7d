// Resection zones on synthetic masks whose answer is known geometrically.
#include "vestige/planning/resection.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace vestige;
using namespace vestige::planning;

namespace {

core::ImageGeometry grid() {
  core::ImageGeometry g;
  g.size = {100, 90, 60};
  g.spacingMm = {1.0, 1.0, 2.0};
  g.originLps = {-50, -45, -60};
  return g;
}

core::Mask sphere(const core::ImageGeometry& g, const core::Vec3& centre, double radius) {
  core::Mask m(g, 0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        m.at(i, j, k) = core::distanceMm(g.indexToLps({double(i), double(j), double(k)}), centre) <= radius;
  return m;
}

core::Mask box(const core::ImageGeometry& g, const core::Vec3& lo, const core::Vec3& hi) {
  core::Mask m(g, 0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const auto p = g.indexToLps({double(i), double(j), double(k)});
        m.at(i, j, k) =
            p[0] >= lo[0] && p[0] <= hi[0] && p[1] >= lo[1] && p[1] <= hi[1] && p[2] >= lo[2] && p[2] <= hi[2];
      }
  return m;
}

} // namespace

TEST(Resection, SphereGrownByMarginMatchesAnalyticVolume) {
  const auto g = grid();
  const core::Mask liver = box(g, {-45, -40, -50}, {45, 40, 50});
  const core::Mask site = sphere(g, {0, 0, 0}, 8.0);
  const ResectionZones z = planResection(liver, {&site}, {10.0});
  // Brute force: a voxel is resected iff some site voxel centre lies within 10 mm of it.
  std::vector<core::Vec3> sitePoints;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        if (site.at(i, j, k))
          sitePoints.push_back(g.indexToLps({double(i), double(j), double(k)}));
  std::size_t mismatches = 0, expectedCount = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const auto p = g.indexToLps({double(i), double(j), double(k)});
        if (core::norm(p) > 19.0) {
          mismatches += z.resection.at(i, j, k);
          continue;
        }
        bool near = false;
        for (const auto& q : sitePoints)
          if (core::distanceMm(p, q) <= 10.0 + 1e-4) {
            near = true;
            break;
          }
        expectedCount += near;
        mismatches += near != bool(z.resection.at(i, j, k));
      }
  EXPECT_EQ(mismatches, 0u);
  // And close to the continuous answer, a ball of 18 mm (the site's voxel centres lie slightly inside 8 mm).
  EXPECT_NEAR(z.resectedMl, 4.0 / 3.0 * M_PI * std::pow(18.0, 3) / 1000.0, 0.08 * 24.43);
  EXPECT_NEAR(z.resectedMl + z.remnantMl, core::maskVolumeMl(liver), 1e-9);
  EXPECT_EQ(z.remnantPieces, 1u);
  // Every site voxel is resected, and every remnant voxel is >= margin from the site.
  const core::Image d = distanceToMaskMm(site, 30.0);
  for (std::size_t n = 0; n < site.voxels.size(); ++n) {
    if (site.voxels[n]) {
      ASSERT_TRUE(z.resection.voxels[n]);
    }
    if (z.remnant.voxels[n]) {
      ASSERT_GT(d.voxels[n], 10.0f);
    }
  }
}

TEST(Resection, ZonesStopAtTheLiverAndSplitTheRemnant) {
  const auto g = grid();
  const core::Mask liver = box(g, {-45, -10, -10}, {45, 10, 10}); // a bar along x
  const core::Mask site = sphere(g, {0, 0, 0}, 4.0);
  const ResectionZones z = planResection(liver, {&site}, {12.0});
  for (std::size_t n = 0; n < liver.voxels.size(); ++n)
    if (z.resection.voxels[n]) {
      ASSERT_TRUE(liver.voxels[n] || site.voxels[n]);
    }
  // The 32 mm wide cut through a 20 mm thick bar leaves two pieces.
  EXPECT_EQ(z.remnantPieces, 2u);
  EXPECT_LT(z.usableRemnantMl, z.remnantMl);
  EXPECT_NEAR(z.usableRemnantMl, z.remnantMl / 2, 0.05 * z.remnantMl);
}

TEST(Resection, PerSiteGrowthAndMerging) {
  const auto g = grid();
  const core::Mask liver = box(g, {-45, -40, -50}, {45, 40, 50});
  const core::Mask a = sphere(g, {-15, 0, 0}, 5.0);
  const core::Mask b = sphere(g, {15, 0, 0}, 5.0);
  const ResectionZones z = planResection(liver, {&a, &b}, {5.0, 12.0});
  // Point 8 mm right of a's surface side away from b: outside a's 5 mm zone.
  const auto idx = g.lpsToIndex({-15 - 5 - 8, 0, 0});
  EXPECT_EQ(z.resection.at(std::size_t(idx[0]), std::size_t(idx[1]), std::size_t(idx[2])), 0);
  // Point 11 mm from b's surface: inside b's 12 mm zone.
  const auto idx2 = g.lpsToIndex({15 + 5 + 11, 0, 0});
  EXPECT_EQ(z.zones.at(std::size_t(idx2[0]), std::size_t(idx2[1]), std::size_t(idx2[2])), 2);
  // The zones touch between the sites (30 mm apart centre to centre, 20 mm gap < 5 + 12): one resection.
  const auto mid = g.lpsToIndex({0, 0, 0});
  EXPECT_EQ(z.resection.at(std::size_t(mid[0]), std::size_t(mid[1]), std::size_t(mid[2])), 1);
}
