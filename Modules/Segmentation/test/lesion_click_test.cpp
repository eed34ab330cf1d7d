// One-click lesion segmentation on synthetic lesions with known outlines: an ellipsoidal hypodense metastasis and a
// hyperdense one in noisy parenchyma, partial volume at their edges. Clicks in the inner half must give the whole
// lesion (>= 95 % of it) and, with re-seeding, nearly the same outline whatever the click (pairwise Dice >= 0.97);
// bad clicks give the documented errors. The outline lies outside the half-contrast edge by design, where the
// parenchyma is back to normal (the manual outlines' habit, Documentation/segmentation.md), never further than the
// rim length (8 mm). Measured on these sharp synthetic edges (10-90 % over 2.6 mm): hypodense 21.1 mL against 11.3
// mL inside the half-contrast surface (Dice 0.70), hyperdense 12.8 against 7.7 mL (0.75), at most 4-5 mm outside
// it: on such edges the rim, calibrated on real tumours' wider transitions, overshoots.
#include "vestige/segmentation/lesion_segmentation.h"
#include "vestige/segmentation/mask_metrics.h"
#include "vestige/segmentation/mask_ops.h"

#include "vestige/core/error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>

using namespace vestige;

namespace {

constexpr float kRimMm = 8.0f; // LesionClickOptions::rimMm

struct Ellipsoid {
  core::Vec3 centre;
  core::Vec3 semiAxesMm;
  // Signed distance (mm, approximately) from the surface, negative inside.
  [[nodiscard]] double signedDistance(const core::Vec3& p) const {
    double q = 0.0;
    for (int a = 0; a < 3; ++a)
      q += std::pow((p[a] - centre[a]) / semiAxesMm[a], 2);
    const double meanAxis = (semiAxesMm[0] + semiAxesMm[1] + semiAxesMm[2]) / 3.0;
    return (std::sqrt(q) - 1.0) * meanAxis;
  }
};

struct Scene {
  core::Image ct;
  core::Mask truth;
};

// Parenchyma at 100 HU (noise SD 10) around a lesion of lesionHu whose edge blurs over about 2 mm.
Scene makeScene(const Ellipsoid& lesion, float lesionHu) {
  core::ImageGeometry g;
  g.size = {96, 96, 48};
  g.spacingMm = {1.0, 1.0, 2.0};
  g.originLps = {-48.0, -48.0, -48.0};
  Scene s{core::Image(g, 0.0f), core::Mask(g, 0)};
  std::mt19937 random(11);
  std::normal_distribution<float> noise(0.0f, 10.0f);
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v) {
        const double d = lesion.signedDistance(g.indexToLps({double(i), double(j), double(k)}));
        const double inside = 1.0 / (1.0 + std::exp(d / 0.6)); // logistic edge: 10-90 % over about 2.6 mm
        s.ct.voxels[v] = float(100.0 + (lesionHu - 100.0) * inside) + noise(random);
        s.truth.voxels[v] = d <= 0.0 ? 1 : 0;
      }
  return s;
}

// The centre and two points near the edge of the inner half (0.45 of the way to the surface, along -x and +z).
std::vector<core::Vec3> innerHalfClicks(const Ellipsoid& e) {
  core::Vec3 left = e.centre, up = e.centre;
  left[0] -= 0.45 * e.semiAxesMm[0];
  up[2] += 0.45 * e.semiAxesMm[2];
  return {e.centre, left, up};
}

void expectClickInvariantOutline(const Ellipsoid& lesion, float lesionHu, bool hypodense) {
  const Scene scene = makeScene(lesion, lesionHu);
  const auto distanceFromLesion = segmentation::distanceToMaskMm(scene.truth);
  std::vector<core::Mask> results;
  for (const auto& click : innerHalfClicks(lesion)) {
    const auto result = segmentation::segmentLesionFromClick(scene.ct, click);
    const auto c = segmentation::compareMasks(result.mask, scene.truth);
    std::size_t covered = 0, far = 0;
    float farthest = 0.0f;
    for (std::size_t v = 0; v < result.mask.voxels.size(); ++v) {
      covered += result.mask.voxels[v] && scene.truth.voxels[v];
      far += result.mask.voxels[v] && distanceFromLesion[v] > kRimMm;
      if (result.mask.voxels[v])
        farthest = std::max(farthest, distanceFromLesion[v]);
    }
    const double coverage = double(covered) / double(core::countNonZero(scene.truth));
    std::cout << (hypodense ? "hypodense" : "hyperdense") << " click " << core::formatVec(click, 1) << ": Dice "
              << c.dice << ", " << c.testVolumeMl << " / " << c.referenceVolumeMl << " mL, coverage " << coverage
              << ", at most " << farthest << " mm outside\n";
    EXPECT_EQ(result.hypodense, hypodense);
    EXPECT_GE(coverage, 0.95) << "click " << core::formatVec(click);
    EXPECT_EQ(far, 0u) << "click " << core::formatVec(click);
    results.push_back(result.mask);
  }
  for (std::size_t a = 1; a < results.size(); ++a)
    EXPECT_GE(segmentation::compareMasks(results[a], results[0]).dice, 0.97) << "click " << a << " vs the centre";
}

} // namespace

TEST(LesionClick, HypodenseLesionFromAnyInnerHalfClick) {
  expectClickInvariantOutline({{2.0, -3.0, 1.0}, {16.0, 12.0, 14.0}}, 40.0f, true);
}

TEST(LesionClick, HyperdenseLesionFromAnyInnerHalfClick) {
  expectClickInvariantOutline({{-4.0, 2.0, 0.0}, {11.0, 14.0, 12.0}}, 170.0f, false);
}

TEST(LesionClick, ClickOutsideTheImageOrInParenchymaIsAnError) {
  const Ellipsoid lesion{{0.0, 0.0, 0.0}, {12.0, 12.0, 12.0}};
  const Scene scene = makeScene(lesion, 40.0f);
  try {
    (void)segmentation::segmentLesionFromClick(scene.ct, {500.0, 0.0, 0.0});
    FAIL() << "a click outside the image was accepted";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::InvalidArgument);
    EXPECT_EQ(e.context(), "--click");
  }
  try {
    (void)segmentation::segmentLesionFromClick(scene.ct, {30.0, 30.0, 0.0});
    FAIL() << "a click in parenchyma grew a lesion";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::InconsistentData);
  }
}
