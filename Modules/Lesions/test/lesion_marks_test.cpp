// A click mark resolves through the one-click segmentation, bounded by the baseline liver when one is given (as
// Planning does): a hypodense lesion half outside a synthetic liver, next to an organ as dark as the lesion that
// touches it, grows into that organ without the liver and stays within the liver (+3 mm tolerance) with it.
#include "vestige/lesions/lesion_marks.h"

#include "vestige/segmentation/mask_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace vestige;

TEST(LesionMarks, ClickMarkStaysInTheBaselineLiverWhenGivenOne) {
  core::ImageGeometry g;
  g.size = {96, 96, 40};
  g.spacingMm = {1.0, 1.0, 2.0};
  g.originLps = {-48.0, -48.0, -40.0};
  core::Image ct(g, 0.0f);
  core::Mask liver(g, 0);
  std::mt19937 random(3);
  std::normal_distribution<float> noise(0.0f, 8.0f);
  const core::Vec3 lesionCentre{-4.0, 0.0, 0.0};
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v) {
        const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
        const bool inLiver = p[0] < 6.0;                                // the liver: x < 6 mm
        const bool inLesion = core::distanceMm(p, lesionCentre) < 14.0; // reaches x = 10 mm
        liver.voxels[v] = inLiver ? 1 : 0;
        // Parenchyma 100 HU; beyond the liver's edge a lesion-dark organ (45 HU) against it.
        ct.voxels[v] = (inLesion ? 40.0f : inLiver ? 100.0f : 45.0f) + noise(random);
      }
  const auto mark = lesions::clickMark("L1", lesionCentre);
  const auto distanceFromLiver = segmentation::distanceToMaskMm(liver);
  auto beyond = [&](const core::Mask& m) {
    std::size_t n = 0;
    for (std::size_t v = 0; v < m.voxels.size(); ++v)
      n += m.voxels[v] && distanceFromLiver[v] > 3.5f;
    return n;
  };
  const core::Mask bounded = lesions::resolveMark(mark, ct, &liver);
  const core::Mask unbounded = lesions::resolveMark(mark, ct);
  EXPECT_EQ(beyond(bounded), 0u);
  EXPECT_GT(beyond(unbounded), 1000u); // the dark organ, without the liver to stop it
  EXPECT_GT(core::countNonZero(bounded), 1000u);
}
