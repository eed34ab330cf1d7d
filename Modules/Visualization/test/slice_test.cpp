// Site slices: the CT under the liver window, outlines in the legend colours, radiological orientation.
#include "synthetic_plan.h"

#include "vestige/core/error.h"
#include "vestige/testing/test_support.h"
#include "vestige/visualization/render.h"

#include <gtest/gtest.h>

namespace vestige::visualization {
namespace {

std::array<int, 3> pixel(const RgbImage& image, int u, int v) {
  const std::size_t p = (static_cast<std::size_t>(v) * image.width + u) * 3;
  return {image.rgb[p], image.rgb[p + 1], image.rgb[p + 2]};
}

bool is(const std::array<int, 3>& px, Rgb8 c) {
  return px[0] == c.r && px[1] == c.g && px[2] == c.b;
}

TEST(SiteSlice, AxialShowsLiverWindowOutlinesAndOrientation) {
  const auto plan = testplan::makeSyntheticPlan();
  SliceOptions options; // 160 mm over 480 pixels: 1/3 mm per pixel, centre at pixel 240
  const RgbImage image = renderSiteSlice(plan.summary, plan.masks, 1, SlicePlane::Axial, options);
  ASSERT_EQ(image.width, 480);
  // Liver (105 HU) and body (40 HU) under window 60/350: 160 and 113 grey.
  // Through L2 (x = -25, y = 20, z = 60) the liver ends at x = +18.6 mm (43.6 mm to the patient's left = image right).
  EXPECT_EQ(pixel(image, 360, 240), (std::array<int, 3>{160, 160, 160}));
  EXPECT_EQ(pixel(image, 385, 240), (std::array<int, 3>{113, 113, 113}));
  int liverEdge = -1;
  for (int u = 360; u < 385; ++u)
    if (is(pixel(image, u, 240), styleOf(Role::Liver).color))
      liverEdge = u;
  EXPECT_NEAR(liverEdge, 240 + 43.6 * 3, 4) << "liver outline missing or mirrored";
  // The site (radius 7 mm = 21 px) is outlined in the disappeared colour along the horizontal through its centre.
  bool siteOutline = false;
  for (int u = 240 + 17; u < 240 + 25; ++u)
    siteOutline = siteOutline || is(pixel(image, u, 240 + 5), styleOf(Role::SiteDisappeared).color);
  EXPECT_TRUE(siteOutline);
  // The resection zone (site + 10 mm margin = 17 mm = 51 px) has its outline too.
  bool zoneOutline = false;
  for (int u = 240 - 56; u < 240 - 46; ++u)
    zoneOutline = zoneOutline || is(pixel(image, u, 240 + 3), styleOf(Role::Resection).color);
  EXPECT_TRUE(zoneOutline);
}

TEST(SiteSlice, CoronalPutsSuperiorUp) {
  const auto plan = testplan::makeSyntheticPlan();
  const RgbImage image = renderSiteSlice(plan.summary, plan.masks, 2, SlicePlane::Coronal);
  // L3 at (x -50, y 22, z 95): along this vertical the liver spans z = 26.1 ... 113.9 mm, i.e. rows 240 + (95 - z) * 3:
  // its bottom edge at row ~447 and its top edge at row ~184.
  int top = -1;
  for (int v = 239; v >= 0; --v)
    if (is(pixel(image, 240, v), styleOf(Role::Liver).color)) {
      top = v;
      break;
    }
  ASSERT_GE(top, 0) << "no liver outline above the site";
  EXPECT_NEAR(top, 184, 4);
  int bottom = -1;
  for (int v = 241; v < 480; ++v)
    if (is(pixel(image, 240, v), styleOf(Role::Liver).color))
      bottom = v;
  EXPECT_NEAR(bottom, 447, 4);
  EXPECT_EQ(pixel(image, 240, 400), (std::array<int, 3>{160, 160, 160})); // liver below the site
  EXPECT_EQ(pixel(image, 240, 470), (std::array<int, 3>{113, 113, 113})); // body under the liver
}

TEST(SiteSlice, RefusesUnknownLesion) {
  const auto plan = testplan::makeSyntheticPlan();
  EXPECT_THROW((void)renderSiteSlice(plan.summary, plan.masks, 3, SlicePlane::Axial), core::Error);
}

TEST(Png, RoundTripIsExact) {
  RgbImage image;
  image.width = 7;
  image.height = 5;
  for (int p = 0; p < 7 * 5 * 3; ++p)
    image.rgb.push_back(static_cast<std::uint8_t>(p * 7));
  const auto dir = testing::freshTempDir("png");
  writePng(image, dir / "x.png");
  const RgbImage back = readPng(dir / "x.png");
  EXPECT_EQ(back.width, 7);
  EXPECT_EQ(back.height, 5);
  EXPECT_EQ(back.rgb, image.rgb);
  EXPECT_DOUBLE_EQ(compareImages(image, back).meanAbsolute, 0.0);
  std::filesystem::remove_all(dir);
}

} // namespace
} // namespace vestige::visualization
