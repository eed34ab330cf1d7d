// Registration on small analytic volumes with a known deformation: accuracy against the truth, both directions of
// point mapping, warps of masks and label maps, save/load, cancellation.
#include "vestige/core/error.h"
#include "vestige/registration/registration.h"
#include "vestige/registration/registration_io.h"
#include "vestige/registration/uncertainty.h"
#include "vestige/registration/warp.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace vestige::registration {
namespace {

// The true map, follow-up -> baseline (ITK's direction): a shift plus a smooth bump.
core::Vec3 truthFollowupToBaseline(const core::Vec3& x) {
  const double bump = 4.0 * std::exp(-((x[0] - 10) * (x[0] - 10) + x[1] * x[1] + (x[2] - 5) * (x[2] - 5)) / 1800.0);
  return {x[0] + 5.0, x[1] - 3.0 + bump, x[2] + 7.0 + 0.5 * bump};
}

double inEllipsoid(const core::Vec3& p, const core::Vec3& c, const core::Vec3& r) {
  const double d =
      std::pow((p[0] - c[0]) / r[0], 2) + std::pow((p[1] - c[1]) / r[1], 2) + std::pow((p[2] - c[2]) / r[2], 2);
  return d <= 1.0 ? 1.0 : 0.0;
}

// Analytic anatomy in baseline space: body, liver, a bright spine, a few vessels and lesions.
float anatomy(const core::Vec3& p) {
  if (!inEllipsoid(p, {0, 0, 0}, {75, 60, 200}))
    return -1000.0F;
  float v = 30.0F;
  if (inEllipsoid(p, {-25, -5, 0}, {40, 35, 45}))
    v = 100.0F;
  if (inEllipsoid(p, {0, 40, 0}, {10, 10, 200}))
    v = 500.0F;
  const core::Vec3 blobs[] = {{-30, -10, 10}, {-15, 5, -15}, {-40, 10, -5}, {20, -20, 20}, {-20, -25, -20}};
  for (const auto& b : blobs)
    if (inEllipsoid(p, b, {6, 6, 6}))
      v = 220.0F;
  if (inEllipsoid(p, {-10, 0, 0}, {3, 30, 3}))
    v = 250.0F;
  return v;
}

core::ImageGeometry grid(double spacing, const core::Vec3& origin) {
  core::ImageGeometry g;
  g.spacingMm = {spacing, spacing, spacing};
  g.originLps = origin;
  g.size = {static_cast<std::size_t>(180 / spacing), static_cast<std::size_t>(150 / spacing),
            static_cast<std::size_t>(130 / spacing)};
  return g;
}

struct Pair {
  core::Image fixed;
  core::Image moving;
  core::Mask fixedLiver;
  core::Mask movingLiver;
};

Pair makePair() {
  Pair p;
  p.moving = core::Image(grid(2.0, {-90, -75, -60}));
  p.movingLiver = core::Mask(p.moving.geometry);
  p.fixed = core::Image(grid(2.0, {-95, -72, -68}));
  p.fixedLiver = core::Mask(p.fixed.geometry);
  const auto fill = [](core::Image& image, core::Mask& liver, bool followup) {
    const auto& g = image.geometry;
    for (std::size_t k = 0; k < g.size[2]; ++k)
      for (std::size_t j = 0; j < g.size[1]; ++j)
        for (std::size_t i = 0; i < g.size[0]; ++i) {
          const core::Vec3 x = g.indexToLps({double(i), double(j), double(k)});
          const core::Vec3 y = followup ? truthFollowupToBaseline(x) : x;
          image.at(i, j, k) = anatomy(y);
          liver.at(i, j, k) = static_cast<std::uint8_t>(inEllipsoid(y, {-25, -5, 0}, {40, 35, 45}));
        }
  };
  fill(p.moving, p.movingLiver, false);
  fill(p.fixed, p.fixedLiver, true);
  return p;
}

const Pair& pair() {
  static const Pair p = makePair();
  return p;
}

const RegistrationResult& registered() {
  static const RegistrationResult r = [] {
    RegistrationInputs inputs{&pair().fixed, &pair().moving, &pair().fixedLiver, &pair().movingLiver};
    RegistrationOptions options;
    options.threads = 2;
    return registerImages(inputs, options);
  }();
  return r;
}

std::vector<core::Vec3> liverPoints() {
  std::vector<core::Vec3> out;
  for (double x = -50; x <= 0; x += 12)
    for (double y = -25; y <= 15; y += 10)
      for (double z = -25; z <= 25; z += 12)
        out.push_back({x, y, z});
  return out;
}

TEST(Registration, RecoversAKnownDeformationInsideTheLiver) {
  const auto& r = registered();
  double sum = 0;
  double worst = 0;
  double before = 0;
  for (const auto& x : liverPoints()) {
    const double e = core::distanceMm(r.transform.followupToBaselineLps(x), truthFollowupToBaseline(x));
    sum += e;
    worst = std::max(worst, e);
    before += core::distanceMm(x, truthFollowupToBaseline(x));
  }
  const double n = static_cast<double>(liverPoints().size());
  EXPECT_LT(sum / n, 1.5) << "before registration: " << before / n << " mm";
  EXPECT_LT(worst, 3.0);
  EXPECT_GT(r.jacobianMin, 0.0);
  EXPECT_EQ(r.foldingFraction, 0.0);
  EXPECT_TRUE(r.jacobianInLiver);
  ASSERT_TRUE(r.diceAfter.has_value());
  EXPECT_GT(*r.diceAfter, 0.95);
  EXPECT_FALSE(r.uncertaintyMm.empty());
}

TEST(Registration, BaselinePointsTravelThroughTheInverse) {
  const auto& t = registered().transform;
  for (const auto& x : liverPoints()) {
    const core::Vec3 baseline = truthFollowupToBaseline(x);
    EXPECT_LT(core::distanceMm(t.baselineToFollowupLps(baseline), x), 3.0);
    EXPECT_LT(core::distanceMm(t.followupToBaselineLps(t.baselineToFollowupLps(baseline)), baseline), 0.01);
  }
}

TEST(Registration, WarpedMaskAndLabelsLandOnTheFollowupAnatomy) {
  const auto& r = registered();
  const core::Mask warped = warpMask(pair().movingLiver, r.transform, pair().fixed.geometry);
  std::size_t both = 0, a = 0, b = 0;
  for (std::size_t i = 0; i < warped.voxels.size(); ++i) {
    a += warped.voxels[i];
    b += pair().fixedLiver.voxels[i];
    both += warped.voxels[i] && pair().fixedLiver.voxels[i];
  }
  EXPECT_GT(2.0 * double(both) / double(a + b), 0.95);

  core::LabelMap labels(pair().moving.geometry, 0);
  for (std::size_t i = 0; i < labels.voxels.size(); ++i)
    labels.voxels[i] = pair().movingLiver.voxels[i] ? 7 : (pair().moving.voxels[i] > 400 ? 3 : 0);
  const core::LabelMap moved = warpLabelMap(labels, r.transform, pair().fixed.geometry);
  const std::set<std::uint16_t> present(moved.voxels.begin(), moved.voxels.end());
  EXPECT_EQ(present, (std::set<std::uint16_t>{0, 3, 7}));
}

TEST(Registration, SavedFolderMapsPointsLikeTheOriginal) {
  const auto dir = testing::freshTempDir("reg-io");
  saveRegistration(registered(), {"fixed", "moving", "", ""}, dir);
  const RegistrationResult loaded = loadRegistration(dir);
  EXPECT_EQ(loaded.stages.size(), registered().stages.size());
  EXPECT_TRUE(core::sameGrid(loaded.fixedGeometry, pair().fixed.geometry));
  for (const auto& x : liverPoints()) {
    EXPECT_LT(
        core::distanceMm(loaded.transform.followupToBaselineLps(x), registered().transform.followupToBaselineLps(x)),
        1e-6);
    EXPECT_NEAR(pointUncertaintyMm(loaded.uncertaintyMm, loaded.transform, x),
                pointUncertaintyMm(registered().uncertaintyMm, registered().transform, x), 1e-3);
  }
  std::filesystem::remove_all(dir);
}

class CancelAfter final : public core::Progress {
public:
  explicit CancelAfter(int reports) : m_left(reports) {}
  void report(std::string_view, double) override { --m_left; }
  [[nodiscard]] bool cancelRequested() const override { return m_left <= 0; }

private:
  int m_left;
};

TEST(Registration, CtrlCStopsInsideTheOptimiserWithCancelled) {
  RegistrationInputs inputs{&pair().fixed, &pair().moving, nullptr, nullptr};
  RegistrationOptions options;
  options.threads = 2;
  CancelAfter progress(12);
  try {
    (void)registerImages(inputs, options, &progress);
    FAIL() << "expected Error(Cancelled)";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::Cancelled);
  }
}

TEST(Registration, RejectsAMaskOffItsImageGrid) {
  core::Mask wrong(grid(4.0, {0, 0, 0}));
  RegistrationInputs inputs{&pair().fixed, &pair().moving, &wrong, nullptr};
  EXPECT_THROW((void)registerImages(inputs, {}), core::Error);
  EXPECT_THROW((void)parseMetric("ssd"), core::Error);
}

} // namespace
} // namespace vestige::registration
