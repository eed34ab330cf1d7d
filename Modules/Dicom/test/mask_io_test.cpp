// conformMask and loadMask on synthetic masks whose right answer is known by construction.
#include "vestige/core/error.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace vestige;
using core::ErrorCode;
using dicom::GridMatch;

namespace {

core::ImageGeometry grid(core::Size3 size, core::Vec3 spacing, core::Vec3 origin) {
  core::ImageGeometry g;
  g.size = size;
  g.spacingMm = spacing;
  g.originLps = origin;
  return g;
}

// 1 inside the LPS box [lo, hi) (tested at voxel centres), 0 elsewhere.
core::Mask boxMask(const core::ImageGeometry& g, core::Vec3 lo, core::Vec3 hi) {
  core::Mask m(g, 0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
        bool inside = true;
        for (int a = 0; a < 3; ++a)
          inside = inside && p[a] >= lo[a] && p[a] < hi[a];
        m.at(i, j, k) = inside ? 1 : 0;
      }
  return m;
}

core::ErrorCode codeOf(const std::function<void()>& f, std::string* what = nullptr) {
  try {
    f();
  } catch (const core::Error& e) {
    if (what)
      *what = e.what();
    return e.code();
  }
  ADD_FAILURE() << "no core::Error thrown";
  return ErrorCode::Internal;
}

} // namespace

TEST(ConformMask, IdenticalGridIsReturnedUnchangedOnTheExactReferenceGeometry) {
  const auto ref = grid({20, 16, 12}, {0.8, 0.8, 1.5}, {-100.0, 50.0, -30.0});
  auto noisy = ref;
  noisy.originLps[2] += 0.004; // header rounding well under 0.01 mm
  const core::Mask mask = boxMask(noisy, {-95, 53, -25}, {-90, 58, -20});
  ASSERT_GT(core::countNonZero(mask), 0u);
  GridMatch match = GridMatch::Resampled;
  const core::Mask out = dicom::conformMask(mask, ref, "liver mask", &match);
  EXPECT_EQ(match, GridMatch::Identical);
  EXPECT_EQ(out.voxels, mask.voxels);
  EXPECT_EQ(out.geometry.originLps, ref.originLps);
}

TEST(ConformMask, FinerSamplingOfTheSameRegionIsResampledNearestNeighbour) {
  // Reference: 1 mm voxels, mask: 2 mm voxels over exactly the same 20 mm cube (voxel edges -0.5 .. 19.5).
  const auto ref = grid({20, 20, 20}, {1, 1, 1}, {0, 0, 0});
  const auto coarse = grid({10, 10, 10}, {2, 2, 2}, {0.5, 0.5, 0.5});
  core::Mask mask(coarse, 0);
  mask.at(2, 3, 4) = 1; // covers reference voxels x 4..5, y 6..7, z 8..9
  GridMatch match = GridMatch::Identical;
  const core::Mask out = dicom::conformMask(mask, ref, "tumour mask", &match);
  EXPECT_EQ(match, GridMatch::Resampled);
  ASSERT_TRUE(core::sameGrid(out.geometry, ref));
  EXPECT_EQ(core::countNonZero(out), 8u);
  for (std::size_t k = 8; k <= 9; ++k)
    for (std::size_t j = 6; j <= 7; ++j)
      for (std::size_t i = 4; i <= 5; ++i)
        EXPECT_EQ(out.at(i, j, k), 1) << i << "," << j << "," << k;
  EXPECT_NEAR(core::maskVolumeMl(out), core::maskVolumeMl(mask), 1e-9);
}

TEST(ConformMask, FlippedAxesOfTheSameGridKeepEveryVoxelInPlace) {
  // A NIfTI written in RAS order comes back with x and y reversed: same voxel centres, other index order.
  const auto ref = grid({8, 6, 4}, {1.5, 1.5, 2.0}, {10, 20, 30});
  auto flipped = ref;
  flipped.direction = {{{-1, 0, 0}, {0, -1, 0}, {0, 0, 1}}};
  flipped.originLps = ref.indexToLps({7, 5, 0});
  const core::Mask mask = boxMask(flipped, {12, 21, 30}, {17, 25, 33});
  const core::Mask expected = boxMask(ref, {12, 21, 30}, {17, 25, 33});
  ASSERT_GT(core::countNonZero(expected), 0u);
  GridMatch match = GridMatch::Identical;
  const core::Mask out = dicom::conformMask(mask, ref, "flipped mask", &match);
  EXPECT_EQ(match, GridMatch::Resampled);
  EXPECT_EQ(out.voxels, expected.voxels);
}

TEST(ConformMask, SlabOnTheReferenceLatticeIsEmbedded) {
  // A SEG that stores only slices 4..6 of a 10-slice CT.
  const auto ref = grid({10, 10, 10}, {0.7, 0.7, 2.5}, {-5, -5, -100});
  auto slab = ref;
  slab.size[2] = 3;
  slab.originLps = ref.indexToLps({0, 0, 4});
  core::Mask mask(slab, 1);
  GridMatch match = GridMatch::Identical;
  const core::Mask out = dicom::conformMask(mask, ref, "segment 1", &match);
  EXPECT_EQ(match, GridMatch::Embedded);
  EXPECT_EQ(core::countNonZero(out), 300u);
  for (std::size_t k = 0; k < 10; ++k)
    EXPECT_EQ(out.at(5, 5, k), (k >= 4 && k <= 6) ? 1 : 0) << k;
}

TEST(ConformMask, MaskOnAnotherRegionIsAClearErrorNamingBothExtents) {
  const auto ref = grid({20, 20, 20}, {1, 1, 1}, {0, 0, 0});
  const auto elsewhere = grid({20, 20, 20}, {1, 1, 1}, {0.3, 0, 60.0}); // off-lattice and 60 mm higher
  const core::Mask mask(elsewhere, 1);
  std::string message;
  EXPECT_EQ(codeOf([&] { (void)dicom::conformMask(mask, ref, "follow-up liver mask"); }, &message),
            ErrorCode::InconsistentData);
  EXPECT_NE(message.find("follow-up liver mask"), std::string::npos) << message;
  EXPECT_NE(message.find(core::describe(ref)), std::string::npos) << message;
  EXPECT_NE(message.find(core::describe(elsewhere)), std::string::npos) << message;
}

TEST(ConformMask, RegionLargerByMoreThanOneVoxelIsRefused) {
  const auto ref = grid({20, 20, 20}, {1, 1, 1}, {0, 0, 0});
  // Same spacing but three voxels more in z and off the lattice by half a voxel: not the same scan region.
  const auto taller = grid({20, 20, 23}, {1, 1, 1}, {0, 0, -1.5});
  EXPECT_EQ(codeOf([&] { (void)dicom::conformMask(core::Mask(taller, 1), ref, "m"); }), ErrorCode::InconsistentData);
  // Within one voxel (half a voxel off, same extent): accepted and resampled.
  const auto shifted = grid({20, 20, 20}, {1, 1, 1}, {0, 0, 0.5});
  GridMatch match = GridMatch::Identical;
  (void)dicom::conformMask(core::Mask(shifted, 1), ref, "m", &match);
  EXPECT_EQ(match, GridMatch::Resampled);
}

TEST(ConformMask, InconsistentMaskIsRefused) {
  core::Mask broken;
  broken.geometry = grid({4, 4, 4}, {1, 1, 1}, {0, 0, 0});
  broken.voxels.assign(10, 1);
  EXPECT_EQ(codeOf([&] { (void)dicom::conformMask(broken, broken.geometry, "m"); }), ErrorCode::InvalidArgument);
}

TEST(LoadMask, LabelMapFileGivesUnionOrOneLabel) {
  const auto dir = vestige::testing::freshTempDir("mask_io");
  const auto g = grid({6, 5, 4}, {1, 1, 2}, {0, 0, 0});
  core::LabelMap labels(g, 0);
  labels.at(1, 1, 1) = 2;
  labels.at(2, 1, 1) = 2;
  labels.at(3, 3, 3) = 7;
  const auto file = dir / "labels.nrrd";
  dicom::writeLabelMap(labels, file);

  const core::Mask all = dicom::loadMask(file);
  EXPECT_EQ(core::countNonZero(all), 3u);
  const core::Mask two = dicom::loadMask(file, 2);
  EXPECT_EQ(core::countNonZero(two), 2u);
  EXPECT_EQ(two.at(1, 1, 1), 1);
  EXPECT_EQ(two.at(3, 3, 3), 0);
  EXPECT_TRUE(core::sameGrid(two.geometry, g));
  EXPECT_EQ(codeOf([&] { (void)dicom::loadMask(file, 5); }), ErrorCode::NotFound);
}

TEST(LoadMask, MissingAndNonDicomInputsAreClearErrors) {
  const auto dir = vestige::testing::freshTempDir("mask_io");
  std::string message;
  EXPECT_EQ(codeOf([&] { (void)dicom::loadMask(dir / "nope.nii.gz"); }, &message), ErrorCode::NotFound);
  EXPECT_NE(message.find("nope.nii.gz"), std::string::npos) << message;

  const auto text = dir / "notes.dcm";
  std::ofstream(text) << "this is not DICOM";
  EXPECT_EQ(codeOf([&] { (void)dicom::readSegmentation(text); }, &message), ErrorCode::InvalidFormat);
  EXPECT_NE(message.find("notes.dcm"), std::string::npos) << message;
}
