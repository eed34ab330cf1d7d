// segmentLiver refuses images whose values are not Hounsfield units (issue 17): a CT stored without its rescale
// (air near 0, water near 1000) and an MR (no air at -1000 HU) fail with Unsupported, naming HU; the same synthetic
// CT in HU passes that check.
#include "vestige/core/error.h"
#include "vestige/segmentation/liver_segmentation.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace vestige;

namespace {

// An abdomen-like CT in HU: air around a body of fat with soft tissue inside and a large 100 HU organ on the
// patient's right (LPS x below the centre).
core::Image syntheticCt() {
  core::ImageGeometry g;
  g.size = {96, 96, 40};
  g.spacingMm = {3.0, 3.0, 3.0};
  core::Image ct(g, -1000.0f);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const double x = (double(i) - 48.0) / 40.0, y = (double(j) - 48.0) / 30.0;
        const double r = x * x + y * y;
        if (r > 1.0)
          continue;
        float hu = r > 0.8 ? -100.0f : 45.0f;
        const double lx = (double(i) - 30.0) / 14.0, ly = (double(j) - 45.0) / 14.0, lz = (double(k) - 20.0) / 12.0;
        if (lx * lx + ly * ly + lz * lz < 1.0)
          hu = 100.0f;
        ct.at(i, j, k) = hu + float(std::sin(double(i * 7 + j * 13 + k * 3))) * 8.0f;
      }
  return ct;
}

core::ErrorCode codeOf(const core::Image& image) {
  try {
    (void)segmentation::segmentLiver(image);
  } catch (const core::Error& e) {
    return e.code();
  }
  return core::ErrorCode::Internal; // no error: not what any case below expects
}

} // namespace

TEST(LiverRefusal, CtWithoutRescaleIsRefused) {
  core::Image raw = syntheticCt();
  for (auto& v : raw.voxels)
    v += 1024.0f; // stored values of a CT whose RescaleIntercept (-1024) was not applied
  try {
    (void)segmentation::segmentLiver(raw);
    FAIL() << "a CT without its rescale was segmented";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("Hounsfield"), std::string::npos) << e.what();
  }
}

TEST(LiverRefusal, MrLikeIntensitiesAreRefused) {
  core::Image mr = syntheticCt();
  for (auto& v : mr.voxels)
    v = std::max(0.0f, (v + 1000.0f) * 0.4f); // scanner units: background 0, tissue a few hundred
  EXPECT_EQ(codeOf(mr), core::ErrorCode::Unsupported);
}

TEST(LiverRefusal, TheSameCtInHuPassesTheCheck) {
  EXPECT_NE(codeOf(syntheticCt()), core::ErrorCode::Unsupported);
}
