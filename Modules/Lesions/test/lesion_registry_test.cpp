// The registry on synthetic data with known answers: site measurements, JSON round trip, ID rules, and follow-up
// status on a synthetic liver (noisy 100 HU parenchyma) with a lesion unchanged, shrunk, gone, or hyperdense.
#include "vestige/core/error.h"
#include "vestige/lesions/followup_status.h"
#include "vestige/lesions/lesion_registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace vestige;
using lesions::LesionStatus;

namespace {

constexpr double kPi = 3.14159265358979323846;

core::ImageGeometry grid() {
  core::ImageGeometry g;
  g.size = {90, 90, 60};
  g.spacingMm = {0.8, 0.8, 1.25};
  g.originLps = {-36, -36, -37.5};
  return g;
}

// A liver block at 100 HU (noise SD 8) with a lesion ball of `diameterMm` at the origin, `lesionHu` inside.
core::Image syntheticFollowup(double diameterMm, float lesionHu, unsigned seed) {
  const auto g = grid();
  core::Image im(g);
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 8.0f);
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v) {
        const double r = core::norm(g.indexToLps({double(i), double(j), double(k)}));
        im.voxels[v] = (r <= 0.5 * diameterMm ? lesionHu : 100.0f) + noise(rng);
      }
  return im;
}

} // namespace

TEST(LesionRegistry, SiteFromABallMeasuresVolumeAndDiameter) {
  const auto mask = lesions::ballMask(grid(), {2, -3, 1}, 24.0);
  const auto site = lesions::siteFromMask(lesions::pointMark("L7", {2, -3, 1}, 24.0), mask);
  EXPECT_EQ(site.id, "L7");
  EXPECT_NEAR(site.baselineVolumeMl, kPi / 6.0 * 24.0 * 24.0 * 24.0 / 1000.0, 0.03 * 7.24);
  EXPECT_NEAR(site.baselineDiameterMm, 24.0, 1.5); // voxel centres on the surface: within one voxel diagonal
  const core::Vec3 centre{2, -3, 1};
  for (int a = 0; a < 3; ++a)
    EXPECT_NEAR(site.baselineCentreLps[a], centre[a], 0.3);
  const auto line = lesions::siteFromMask(lesions::lineMark("L8", {0, 0, -9}, {0, 0, 9}), mask);
  EXPECT_DOUBLE_EQ(line.baselineDiameterMm, 18.0); // the radiologist's measurement is kept
}

TEST(LesionRegistry, JsonRoundTripKeepsEverySiteAndField) {
  lesions::LesionRegistry r;
  lesions::LesionSite a;
  a.id = "L1";
  a.markKind = lesions::MarkKind::Mask;
  a.baselineCentreLps = {-10.5, 20.25, -300.125};
  a.baselineVolumeMl = 12.5;
  a.baselineDiameterMm = 31.0;
  a.status = LesionStatus::Shrunk;
  a.statusSource = lesions::StatusSource::Image;
  a.followupVolumeMl = 4.0;
  a.followupDiameterMm = 19.5;
  lesions::LesionSite b;
  b.id = "L2";
  b.markKind = lesions::MarkKind::Click;
  b.status = LesionStatus::Disappeared;
  b.statusSource = lesions::StatusSource::Radiologist;
  lesions::addSite(r, a);
  lesions::addSite(r, b);
  const auto back = lesions::registryFromJson(lesions::registryToJson(r), "test");
  ASSERT_EQ(back.sites.size(), 2u);
  EXPECT_EQ(back.sites[0].id, "L1");
  EXPECT_EQ(back.sites[0].markKind, lesions::MarkKind::Mask);
  EXPECT_EQ(back.sites[0].baselineCentreLps, a.baselineCentreLps);
  EXPECT_DOUBLE_EQ(back.sites[0].baselineVolumeMl, 12.5);
  EXPECT_EQ(back.sites[0].status, LesionStatus::Shrunk);
  EXPECT_EQ(back.sites[0].statusSource, lesions::StatusSource::Image);
  EXPECT_DOUBLE_EQ(*back.sites[0].followupDiameterMm, 19.5);
  EXPECT_EQ(back.sites[1].status, LesionStatus::Disappeared);
  EXPECT_EQ(back.sites[1].statusSource, lesions::StatusSource::Radiologist);
  EXPECT_FALSE(back.sites[1].followupDiameterMm.has_value());
}

TEST(LesionRegistry, IdsAreUniqueAndBadJsonNamesTheKey) {
  lesions::LesionRegistry r;
  lesions::LesionSite s;
  s.id = "L1";
  lesions::addSite(r, s);
  EXPECT_THROW(lesions::addSite(r, s), core::Error);
  s.id = "";
  EXPECT_THROW(lesions::addSite(r, s), core::Error);
  EXPECT_THROW((void)lesions::findSite(r, "L9"), core::Error);
  try {
    (void)lesions::registryFromJson(R"({"sites": [{"id": "L1", "mark": "point", "baseline_center_lps": [0, 0, 0],
      "baseline_volume_ml": 1, "baseline_diameter_mm": 1, "status": "gone", "status_source": "image",
      "followup_volume_ml": 0}]})",
                                    "case.json");
    ADD_FAILURE() << "accepted an unknown status";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("gone"), std::string::npos);
    EXPECT_EQ(e.context(), "case.json: sites[0].status");
  }
}

TEST(FollowupStatus, SyntheticLesionUnchangedShrunkGoneAndHyperdense) {
  const auto g = grid();
  const double baselineDiameter = 24.0;
  const auto site = lesions::ballMask(g, {0, 0, 0}, baselineDiameter);
  const core::Mask liver(g, 1);
  const double baselineMl = core::maskVolumeMl(site);
  struct Case {
    double followupDiameterMm;
    float lesionHu;
    LesionStatus expected;
  };
  const Case cases[] = {{24.0, 45.0f, LesionStatus::Visible},
                        {24.0 * std::cbrt(0.4), 45.0f, LesionStatus::Shrunk},
                        {0.0, 45.0f, LesionStatus::Disappeared},
                        {24.0, 170.0f, LesionStatus::Visible},
                        {24.0 * std::cbrt(0.35), 170.0f, LesionStatus::Shrunk}};
  unsigned seed = 1;
  for (const auto& c : cases) {
    const auto image = syntheticFollowup(c.followupDiameterMm, c.lesionHu, seed++);
    const auto a = lesions::assessFollowup(image, site, liver, baselineMl);
    EXPECT_EQ(a.status, c.expected) << "diameter " << c.followupDiameterMm << " HU " << c.lesionHu << ": found "
                                    << a.lesionVolumeMl << " mL (" << a.volumeFraction << ")";
    EXPECT_NEAR(a.parenchymaMedian, 100.0, 2.0);
    if (c.expected != LesionStatus::Disappeared) {
      EXPECT_EQ(a.hypodense, c.lesionHu < 100.0f);
      ASSERT_TRUE(a.diameterMm.has_value());
      EXPECT_NEAR(*a.diameterMm, c.followupDiameterMm, 2.5);
    } else {
      EXPECT_FALSE(a.diameterMm.has_value());
    }
  }
}

TEST(FollowupStatus, RadiologistMarkOverridesTheImage) {
  lesions::LesionSite site;
  site.id = "L1";
  lesions::FollowupAssessment seen;
  seen.status = LesionStatus::Disappeared;
  lesions::applyFollowupMark(site, {LesionStatus::Shrunk, 12.0});
  lesions::applyAssessment(site, seen); // ignored: the radiologist has spoken
  EXPECT_EQ(site.status, LesionStatus::Shrunk);
  EXPECT_EQ(site.statusSource, lesions::StatusSource::Radiologist);
  EXPECT_DOUBLE_EQ(*site.followupDiameterMm, 12.0);
  EXPECT_NEAR(site.followupVolumeMl, kPi / 6.0 * 1.728, 1e-9);
  EXPECT_THROW(lesions::applyFollowupMark(site, {LesionStatus::Disappeared, 5.0}), core::Error);
  EXPECT_THROW(lesions::applyFollowupMark(site, {LesionStatus::Unknown, std::nullopt}), core::Error);
}

TEST(FollowupStatus, MasksOffTheGridAreRefused) {
  const auto g = grid();
  const auto image = syntheticFollowup(20.0, 45.0f, 9);
  auto other = g;
  other.spacingMm[2] = 2.0;
  EXPECT_THROW((void)lesions::assessFollowup(image, core::Mask(other, 1), core::Mask(g, 1), 1.0), core::Error);
  EXPECT_THROW((void)lesions::assessFollowup(image, core::Mask(g, 0), core::Mask(g, 1), 1.0), core::Error);
}
