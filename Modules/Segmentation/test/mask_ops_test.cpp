// Mask operations shared by the liver, treated-tumour and one-click lesion code: thresholds and per-slice convex
// hulls against shapes whose answer is known voxel by voxel.
#include "vestige/segmentation/mask_ops.h"

#include <gtest/gtest.h>

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
