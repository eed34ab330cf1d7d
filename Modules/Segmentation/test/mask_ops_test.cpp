// Mask operations shared by the liver, treated-tumour and one-click lesion code, against shapes whose answer is
// known voxel by voxel or within half a voxel: thresholds, per-slice convex hulls, distance maps, dilation, erosion,
// opening and closing in mm on anisotropic grids, connected components, hole filling and geodesic dilation.
#include "vestige/segmentation/mask_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace vestige;

namespace {

core::ImageGeometry grid(std::size_t nx, std::size_t ny, std::size_t nz) {
  core::ImageGeometry g;
  g.size = {nx, ny, nz};
  g.spacingMm = {1.0, 1.0, 2.0};
  g.originLps = {0.0, 0.0, 0.0};
  return g;
}

std::size_t at(const core::ImageGeometry& g, std::size_t i, std::size_t j, std::size_t k) {
  return i + g.size[0] * (j + g.size[1] * k);
}

std::size_t count(const core::Mask& m) {
  std::size_t n = 0;
  for (auto v : m.voxels)
    n += v ? 1 : 0;
  return n;
}

core::ImageGeometry anisotropicGrid(std::size_t n, const core::Vec3& spacingMm) {
  core::ImageGeometry g;
  g.size = {n, n, n};
  g.spacingMm = spacingMm;
  g.originLps = {-10.0, 20.0, 5.0};
  return g;
}

// Distance (mm) between the centres of voxels (i, j, k) and c.
double voxelDistanceMm(const core::ImageGeometry& g, std::size_t i, std::size_t j, std::size_t k, const core::Vec3& c) {
  return core::distanceMm(g.indexToLps({double(i), double(j), double(k)}), c);
}

// Voxels whose centre lies within radiusMm of centreLps.
core::Mask ball(const core::ImageGeometry& g, const core::Vec3& centreLps, double radiusMm) {
  core::Mask m(g, 0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        m.at(i, j, k) = voxelDistanceMm(g, i, j, k, centreLps) <= radiusMm ? 1 : 0;
  return m;
}

core::Mask box(const core::ImageGeometry& g, const core::Size3& lo, const core::Size3& hi) {
  core::Mask m(g, 0);
  for (std::size_t k = lo[2]; k <= hi[2]; ++k)
    for (std::size_t j = lo[1]; j <= hi[1]; ++j)
      for (std::size_t i = lo[0]; i <= hi[0]; ++i)
        m.at(i, j, k) = 1;
  return m;
}

// Half the diagonal of a voxel: how far a voxel centre can lie from a surface that the voxel straddles.
double halfDiagonalMm(const core::ImageGeometry& g) {
  return 0.5 *
         std::sqrt(g.spacingMm[0] * g.spacingMm[0] + g.spacingMm[1] * g.spacingMm[1] + g.spacingMm[2] * g.spacingMm[2]);
}

} // namespace

TEST(MaskOps, ThresholdKeepsValuesStrictlyBetweenTheBounds) {
  const auto g = grid(4, 1, 1);
  core::Image image(g, 0.0f);
  image.voxels = {-10.0f, 0.0f, 5.0f, 10.0f};
  const auto m = segmentation::thresholdMask(image, 0.0, 10.0);
  EXPECT_EQ(m.voxels, (std::vector<std::uint8_t>{0, 0, 1, 0}));
}

TEST(MaskOps, AxialHullFillsAnLShapeToItsTriangleAndLeavesOtherSlicesAlone) {
  const auto g = grid(10, 10, 3);
  core::Mask l(g, 0);
  // An L in slice k = 1: column i = 2 (j = 2..7) and row j = 7 (i = 2..7). Its hull is the right triangle with
  // corners (2,2), (2,7), (7,7): voxels with i - 2 <= j - 2, i.e. i <= j, inside the box 2..7.
  for (std::size_t t = 2; t <= 7; ++t) {
    l.voxels[at(g, 2, t, 1)] = 1;
    l.voxels[at(g, t, 7, 1)] = 1;
  }
  const auto hull = segmentation::convexHullPerSlice(l, 2);
  std::size_t expected = 0;
  for (std::size_t j = 0; j < 10; ++j)
    for (std::size_t i = 0; i < 10; ++i) {
      const bool inside = i >= 2 && j <= 7 && i <= j;
      expected += inside ? 1 : 0;
      EXPECT_EQ(hull.voxels[at(g, i, j, 1)], inside ? 1 : 0) << "i " << i << " j " << j;
    }
  EXPECT_EQ(count(hull), expected); // slices 0 and 2 stay empty
}

TEST(MaskOps, CoronalAndSagittalHullsWorkAcrossTheirOwnAxes) {
  const auto g = grid(6, 6, 6);
  core::Mask corners(g, 0);
  // Four corners of a square in the plane j = 3 (coronal slice), spanning i = 1..4 and k = 1..4.
  for (std::size_t i : {1, 4})
    for (std::size_t k : {1, 4})
      corners.voxels[at(g, i, 3, k)] = 1;
  const auto coronal = segmentation::convexHullPerSlice(corners, 1);
  EXPECT_EQ(count(coronal), 16u);
  EXPECT_EQ(coronal.voxels[at(g, 2, 3, 3)], 1);
  // Across the sagittal axis each slice i = 1 or 4 holds only two voxels (collinear): nothing to fill.
  EXPECT_EQ(count(segmentation::convexHullPerSlice(corners, 0)), 0u);
}

TEST(MaskOps, DistanceFromAPointIsEuclideanInMmOnAnAnisotropicGrid) {
  const auto g = anisotropicGrid(15, {0.7, 1.3, 2.5});
  core::Mask point(g, 0);
  point.at(4, 9, 6) = 1;
  const core::Vec3 p = g.indexToLps({4.0, 9.0, 6.0});
  const auto d = segmentation::distanceToMaskMm(point);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        ASSERT_NEAR(d[point.linearIndex(i, j, k)], voxelDistanceMm(g, i, j, k, p), 1e-4)
            << "i " << i << " j " << j << " k " << k;
}

TEST(MaskOps, DistanceFromAPlaneCountsSlicesTimesTheSpacing) {
  const auto g = anisotropicGrid(12, {0.7, 1.3, 2.5});
  // The half-space k <= 3: every voxel above it lies (k - 3) slices of 2.5 mm away, whatever its i and j.
  const auto d = segmentation::distanceToMaskMm(box(g, {0, 0, 0}, {11, 11, 3}));
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        ASSERT_NEAR(d[i + 12 * (j + 12 * k)], k <= 3 ? 0.0 : 2.5 * double(k - 3), 1e-4) << "k " << k;
}

TEST(MaskOps, DistanceFromABallIsToItsNearestVoxelAndWithinAVoxelOfTheSphere) {
  const auto g = anisotropicGrid(30, {0.8, 1.1, 1.6});
  const core::Vec3 c = g.indexToLps({14.3, 15.1, 13.7});
  const double r = 7.0;
  const core::Mask solid = ball(g, c, r);
  std::vector<core::Vec3> surface; // ball voxels with a 6-neighbour outside: the only candidates for "nearest"
  for (std::size_t k = 1; k + 1 < g.size[2]; ++k)
    for (std::size_t j = 1; j + 1 < g.size[1]; ++j)
      for (std::size_t i = 1; i + 1 < g.size[0]; ++i)
        if (solid.at(i, j, k) && !(solid.at(i - 1, j, k) && solid.at(i + 1, j, k) && solid.at(i, j - 1, k) &&
                                   solid.at(i, j + 1, k) && solid.at(i, j, k - 1) && solid.at(i, j, k + 1)))
          surface.push_back(g.indexToLps({double(i), double(j), double(k)}));
  const auto d = segmentation::distanceToMaskMm(solid);
  // The nearest ball voxel is never closer than the sphere (triangle inequality); it is at most a voxel's diagonal
  // further in (the voxel holding the sphere's nearest point may lie outside; the next one in does not).
  double worst = 0.0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
        const double outside = core::distanceMm(p, c) - r, got = d[solid.linearIndex(i, j, k)];
        if (outside <= 0.0)
          continue;
        double nearest = std::numeric_limits<double>::max();
        for (const auto& q : surface)
          nearest = std::min(nearest, core::distanceMm(p, q));
        ASSERT_NEAR(got, nearest, 1e-4) << "i " << i << " j " << j << " k " << k;
        ASSERT_GE(got - outside, -1e-4) << "i " << i << " j " << j << " k " << k;
        worst = std::max(worst, got - outside);
      }
  EXPECT_LE(worst, 2.0 * halfDiagonalMm(g));
}

TEST(MaskOps, DistanceToAnEmptyMaskIsInfiniteEverywhere) {
  const auto d = segmentation::distanceToMaskMm(core::Mask(grid(3, 3, 3), 0));
  EXPECT_TRUE(std::all_of(d.begin(), d.end(), [](float x) { return x == std::numeric_limits<float>::max(); }));
}

TEST(MaskOps, DilatingAVoxelGivesTheBallOfTheRadiusInMm) {
  const auto g = anisotropicGrid(21, {0.7, 1.3, 2.5});
  core::Mask point(g, 0);
  point.at(10, 10, 10) = 1;
  const core::Vec3 c = g.indexToLps({10.0, 10.0, 10.0});
  for (const double r : {2.45, 4.95, 7.65}) {
    for (std::size_t v = 0; v < point.voxels.size(); ++v) // no voxel centre on the sphere, where rounding decides
      ASSERT_GT(
          std::fabs(core::distanceMm(g.indexToLps({double(v % 21), double((v / 21) % 21), double(v / 441)}), c) - r),
          1e-3);
    const auto dilated = segmentation::dilateMm(point, r);
    EXPECT_EQ(dilated.voxels, ball(g, c, r).voxels) << "radius " << r;
  }
}

TEST(MaskOps, ABallDilatedOrErodedChangesItsRadiusByTheDistanceWithinHalfAVoxel) {
  const auto g = anisotropicGrid(48, {0.8, 1.1, 1.6});
  const core::Vec3 c = g.indexToLps({23.4, 24.2, 23.1});
  const double r = 12.0, tolerance = halfDiagonalMm(g);
  const core::Mask original = ball(g, c, r);
  for (const double d : {3.0, 6.5}) {
    for (const bool grow : {true, false}) {
      const auto result = grow ? segmentation::dilateMm(original, d) : segmentation::erodeMm(original, d);
      const double expected = grow ? r + d : r - d;
      // Every voxel centre within expected - tolerance is in, none beyond expected + tolerance.
      for (std::size_t k = 0; k < g.size[2]; ++k)
        for (std::size_t j = 0; j < g.size[1]; ++j)
          for (std::size_t i = 0; i < g.size[0]; ++i) {
            const double rho = voxelDistanceMm(g, i, j, k, c);
            if (rho <= expected - tolerance) {
              ASSERT_TRUE(result.at(i, j, k)) << (grow ? "dilated" : "eroded") << " by " << d << ", " << rho << " mm";
            }
            if (rho > expected + tolerance) {
              ASSERT_FALSE(result.at(i, j, k)) << (grow ? "dilated" : "eroded") << " by " << d << ", " << rho << " mm";
            }
          }
    }
  }
}

TEST(MaskOps, ErodingABoxRemovesWholeSlicesPerAxisInMm) {
  // Spacing 0.7 / 1.3 / 2.5 mm, erosion 2.7 mm: a voxel stays when the nearest voxel outside the box, straight along
  // an axis, is more than 2.7 mm away: 3 slices go from the x faces (the 4th voxel in is 2.8 mm from the outside),
  // 2 from the y faces (3.9 mm), 1 from the z faces (5 mm).
  const auto g = anisotropicGrid(20, {0.7, 1.3, 2.5});
  const auto eroded = segmentation::erodeMm(box(g, {2, 2, 2}, {17, 17, 17}), 2.7);
  EXPECT_EQ(eroded.voxels, box(g, {2 + 3, 2 + 2, 2 + 1}, {17 - 3, 17 - 2, 17 - 1}).voxels);
}

TEST(MaskOps, ClosingKeepsABoxAndBridgesAGapOnlyWhenTheRadiusSpansHalfOfIt) {
  // Two boxes 4 voxels (6 mm at 1.5 mm) apart along x: the gap's middle voxels lie 3 mm from both.
  core::ImageGeometry g;
  g.size = {40, 30, 30};
  g.spacingMm = {1.5, 1.0, 1.0};
  const auto twoBoxes = segmentation::maskOr(box(g, {5, 5, 5}, {16, 24, 24}), box(g, {21, 5, 5}, {32, 24, 24}));
  EXPECT_EQ(segmentation::closeMm(box(g, {5, 5, 5}, {16, 24, 24}), 4.0).voxels, box(g, {5, 5, 5}, {16, 24, 24}).voxels);
  EXPECT_EQ(segmentation::closeMm(twoBoxes, 2.9).voxels, twoBoxes.voxels);
  const auto bridged = segmentation::closeMm(twoBoxes, 3.2);
  // The gap is filled wherever it lies at least the radius inside the boxes' side faces, and nothing is added
  // outside the boxes' hull.
  for (std::size_t k = 9; k <= 20; ++k)
    for (std::size_t j = 9; j <= 20; ++j)
      for (std::size_t i = 17; i <= 20; ++i)
        ASSERT_TRUE(bridged.at(i, j, k)) << "i " << i << " j " << j << " k " << k;
  EXPECT_EQ(segmentation::maskAndNot(bridged, box(g, {5, 5, 5}, {32, 24, 24})).voxels, core::Mask(g, 0).voxels);
}

TEST(MaskOps, OpeningCutsAThinRodAndKeepsTheBall) {
  const auto g = anisotropicGrid(40, {1.0, 1.0, 1.5});
  const core::Vec3 c = g.indexToLps({15.0, 20.0, 20.0});
  const double r = 9.0;
  const core::Mask ballOnly = ball(g, c, r);
  // A rod 3 x 3 voxels thick leaves the ball along +x up to the grid's edge.
  const auto withRod = segmentation::maskOr(ballOnly, box(g, {15, 19, 19}, {39, 21, 21}));
  const auto opened = segmentation::openMm(withRod, 3.0);
  EXPECT_EQ(segmentation::maskAndNot(opened, withRod).voxels, core::Mask(g, 0).voxels) << "opening added voxels";
  // The rod goes beyond the ball's surface plus the opening radius and half a voxel (what the opening's dilation
  // gives back); the ball stays whole.
  for (std::size_t i = 15 + 9 + 4 + 1; i < 40; ++i)
    EXPECT_FALSE(opened.at(i, 20, 20)) << "rod voxel i " << i;
  EXPECT_EQ(segmentation::maskAndNot(ballOnly, opened).voxels, core::Mask(g, 0).voxels) << "opening ate the ball";
}

TEST(MaskOps, ComponentsAreSixConnectedWithTheirSizes) {
  const auto g = grid(12, 12, 12);
  core::Mask m = segmentation::maskOr(box(g, {1, 1, 1}, {3, 3, 3}), box(g, {6, 6, 6}, {7, 7, 10}));
  m.at(10, 10, 10) = 1;
  m.at(11, 11, 10) = 1; // touches (10, 10, 10) along an edge only: another component
  m.at(0, 11, 0) = 1;
  m.at(0, 11, 1) = 1; // touches (0, 11, 0) across a face: the same component
  const auto c = segmentation::connectedComponents(m);
  ASSERT_EQ(c.sizes.size(), 6u); // background + 5
  EXPECT_EQ(c.sizes[0], 0u);
  std::vector<std::size_t> sizes(c.sizes.begin() + 1, c.sizes.end());
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1, 1, 2, 20, 27}));
  for (std::size_t v = 0; v < m.voxels.size(); ++v)
    EXPECT_EQ(c.labels[v] != 0, m.voxels[v] != 0) << "voxel " << v;
  EXPECT_NE(c.labels[m.linearIndex(10, 10, 10)], c.labels[m.linearIndex(11, 11, 10)]);
  EXPECT_EQ(c.labels[m.linearIndex(0, 11, 0)], c.labels[m.linearIndex(0, 11, 1)]);
  const auto label = c.labels[m.linearIndex(6, 6, 8)];
  EXPECT_EQ(c.sizes[label], 20u);
  EXPECT_EQ(segmentation::componentMask(c, g, label).voxels, box(g, {6, 6, 6}, {7, 7, 10}).voxels);
  EXPECT_EQ(segmentation::largestComponent(m).voxels, box(g, {1, 1, 1}, {3, 3, 3}).voxels);
  EXPECT_EQ(segmentation::componentMask(c, g, 0).voxels, core::Mask(g, 0).voxels);
}

TEST(MaskOps, FillingAHollowSphereGivesTheSolidBall) {
  const auto g = anisotropicGrid(32, {1.0, 1.0, 1.5});
  const core::Vec3 c = g.indexToLps({15.5, 16.0, 15.0});
  const auto solid = ball(g, c, 12.0);
  const auto hollow = segmentation::maskAndNot(solid, ball(g, c, 9.0));
  ASSERT_LT(count(hollow), count(solid));
  EXPECT_EQ(segmentation::fillHoles3d(hollow).voxels, solid.voxels);
  EXPECT_EQ(segmentation::fillHolesPerSlice(hollow).voxels, solid.voxels);
}

TEST(MaskOps, ACupOpenUpwardsIsFilledPerSliceOnlyAndAChannelToTheBorderIsNot) {
  const auto g = grid(12, 12, 12);
  const auto solid = box(g, {2, 2, 2}, {9, 9, 9});
  const auto cup = segmentation::maskAndNot(solid, box(g, {4, 4, 4}, {7, 7, 9})); // cavity open at k = 9
  EXPECT_EQ(segmentation::fillHoles3d(cup).voxels, cup.voxels);
  EXPECT_EQ(segmentation::fillHolesPerSlice(cup).voxels, solid.voxels);
  // A slot reaching the box's side (j = 9) leaves each slice's cavity open to the outside: nothing is filled.
  const auto slotted = segmentation::maskAndNot(cup, box(g, {5, 8, 4}, {6, 9, 9}));
  EXPECT_EQ(segmentation::fillHolesPerSlice(slotted).voxels, slotted.voxels);
}

TEST(MaskOps, GeodesicDilationFollowsTheCorridorStepByStep) {
  // A U-shaped corridor one voxel wide: along x at j = 1 (i = 1..10), up at i = 10 (j = 1..8), back along x at j = 8
  // (i = 1..10). Its far end (1, 8) is 7 voxels from the seed (1, 1) straight across, but 10 + 7 + 9 = 26 steps
  // along the corridor.
  const auto g = grid(12, 10, 1);
  const auto corridor =
      segmentation::maskOr(segmentation::maskOr(box(g, {1, 1, 0}, {10, 1, 0}), box(g, {10, 1, 0}, {10, 8, 0})),
                           box(g, {1, 8, 0}, {10, 8, 0}));
  core::Mask seed(g, 0);
  seed.at(1, 1, 0) = 1;
  // Steps along the corridor from the seed to each of its voxels.
  auto steps = [](std::size_t i, std::size_t j) -> int {
    if (j == 1)
      return int(i) - 1;
    if (i == 10 && j < 8)
      return 9 + int(j) - 1;
    return 16 + 10 - int(i);
  };
  for (const int n : {0, 5, 9, 16, 25, 26, 100}) {
    const auto grown = segmentation::geodesicDilate(seed, corridor, n);
    for (std::size_t j = 0; j < 10; ++j)
      for (std::size_t i = 0; i < 12; ++i)
        ASSERT_EQ(grown.at(i, j, 0) != 0, corridor.at(i, j, 0) && steps(i, j) <= n)
            << n << " steps, i " << i << " j " << j;
  }
  // A seed outside the corridor grows nothing.
  core::Mask outside(g, 0);
  outside.at(5, 4, 0) = 1;
  EXPECT_EQ(count(segmentation::geodesicDilate(outside, corridor, 100)), 0u);
}
