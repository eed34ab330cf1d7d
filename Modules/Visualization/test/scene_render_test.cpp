// Offscreen renders of the synthetic plan compared with baselines stored in the repository, with a tolerance (not a
// checksum: drivers differ in the last bits of shading). VESTIGE_UPDATE_BASELINES=1 rewrites the baselines.
#include "synthetic_plan.h"

#include "vestige/core/error.h"
#include "vestige/visualization/render.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace vestige::visualization {
namespace {

namespace fs = std::filesystem;

fs::path baselineDir() {
  const char* source = std::getenv("VESTIGE_SOURCE_DIR");
  return fs::path(source ? source : ".") / "Modules/Visualization/test/baselines";
}

class SceneRender : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_display = std::make_unique<DisplayGuard>();
    const auto plan = testplan::makeSyntheticPlan();
    s_scene = std::make_unique<Scene>(buildPlanScene(plan.summary, plan.masks));
  }
  static void TearDownTestSuite() {
    s_scene.reset();
    s_display.reset();
  }
  static std::unique_ptr<DisplayGuard> s_display;
  static std::unique_ptr<Scene> s_scene;
};
std::unique_ptr<DisplayGuard> SceneRender::s_display;
std::unique_ptr<Scene> SceneRender::s_scene;

TEST_F(SceneRender, StandardViewsMatchBaselines) {
  RenderOptions options;
  options.width = 400;
  options.height = 400;
  const bool update = std::getenv("VESTIGE_UPDATE_BASELINES") != nullptr;
  for (View view : kAllViews) {
    const RgbImage image = renderScene(*s_scene, view, options);
    ASSERT_EQ(image.width, 400);
    const fs::path baseline = baselineDir() / (std::string("synthetic_") + viewName(view) + ".png");
    if (update)
      writePng(image, baseline);
    ASSERT_TRUE(fs::exists(baseline)) << baseline << " missing: run with VESTIGE_UPDATE_BASELINES=1";
    const ImageDifference d = compareImages(image, readPng(baseline));
    EXPECT_LT(d.meanAbsolute, 2.0) << viewName(view);
    EXPECT_LT(d.fractionDiffering, 0.01) << viewName(view);
  }
}

TEST_F(SceneRender, ViewsDifferAndShowTheScene) {
  // The comparison above can only catch regressions if views are distinguishable and not blank.
  RenderOptions options;
  options.width = 200;
  options.height = 200;
  options.legend = false;
  options.orientationLabels = false;
  const RgbImage anterior = renderScene(*s_scene, View::Anterior, options);
  const RgbImage superior = renderScene(*s_scene, View::Superior, options);
  const RgbImage right = renderScene(*s_scene, View::Right, options);
  EXPECT_GT(compareImages(anterior, superior).fractionDiffering, 0.05);
  EXPECT_GT(compareImages(anterior, right).fractionDiffering, 0.05);
  const RgbImage empty = renderScene(Scene{}, View::Anterior, options);
  EXPECT_GT(compareImages(anterior, empty).fractionDiffering, 0.2); // the liver fills a good part of the picture
  // Anterior and posterior are mirror images in silhouette: the posterior render flipped left-right is closer to
  // the anterior one than the unflipped posterior render.
  const RgbImage posterior = renderScene(*s_scene, View::Posterior, options);
  RgbImage flipped = posterior;
  for (int y = 0; y < flipped.height; ++y)
    for (int x = 0; x < flipped.width; ++x)
      for (int c = 0; c < 3; ++c)
        flipped.rgb[(static_cast<std::size_t>(y) * flipped.width + x) * 3 + c] =
            posterior.rgb[(static_cast<std::size_t>(y) * flipped.width + (flipped.width - 1 - x)) * 3 + c];
  auto silhouette = [](const RgbImage& a, const RgbImage& b) {
    // fraction of pixels where one image is background and the other is not
    std::size_t n = 0;
    for (std::size_t p = 0; p < a.rgb.size(); p += 3) {
      const bool fa = a.rgb[p] + a.rgb[p + 1] + a.rgb[p + 2] > 3 * 60;
      const bool fb = b.rgb[p] + b.rgb[p + 1] + b.rgb[p + 2] > 3 * 60;
      n += fa != fb;
    }
    return static_cast<double>(n) / static_cast<double>(a.rgb.size() / 3);
  };
  EXPECT_LT(silhouette(anterior, flipped), silhouette(anterior, posterior));
}

} // namespace
} // namespace vestige::visualization
