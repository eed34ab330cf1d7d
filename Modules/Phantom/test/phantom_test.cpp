// The phantom's ground truth is self-consistent and its series are valid DICOM (issue 3, "What must be shown"):
// warping baseline masks with the written field reproduces the follow-up masks (Dice >= 0.98), landmark pairs map
// onto each other through the field within 0.5 mm, lesion volumes match the request within 2 %, and the series
// load through the Dicom module with the right geometry and pass dciodvfy.
#include "phantom_test_util.h"

#include "vestige/core/error.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/phantom/displacement_field.h"
#include "vestige/phantom/phantom.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>

namespace fs = std::filesystem;
using namespace vestige;
using phantom::testing::dciodvfyErrors;
using phantom::testing::dice;

namespace {

constexpr std::uint64_t kSeed = 3;
constexpr double kPi = 3.14159265358979323846;

struct Generated {
  fs::path dir;
  phantom::CaseTruth truth;
  double seconds = 0.0;
};

// One case for the whole suite: generating it is the expensive part.
const Generated& ctCase() {
  static const std::unique_ptr<Generated> generated = [] {
    auto g = std::make_unique<Generated>();
    g->dir = vestige::testing::freshTempDir("phantom") / "case";
    const auto start = std::chrono::steady_clock::now();
    phantom::PhantomOptions options;
    options.seed = kSeed;
    g->truth = phantom::writePhantomCase(g->dir, options);
    g->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("phantom generated in %.2f s (wall clock, machine shared)\n", g->seconds);
    return g;
  }();
  return *generated;
}

double requestedMl(double diameterMm, double fraction) {
  return kPi / 6.0 * diameterMm * diameterMm * diameterMm / 1000.0 * fraction;
}

std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

} // namespace

TEST(Phantom, WritesTheDocumentedLayoutAndCaseFile) {
  const Generated& g = ctCase();
  std::ifstream in(g.dir / phantom::layout::kCaseFile);
  const nlohmann::json c = nlohmann::json::parse(in);
  EXPECT_EQ(c.at("patient").at("liver_condition"), "chemotherapy");
  EXPECT_GT(c.at("patient").at("height_cm").get<double>(), 100.0);
  EXPECT_GT(c.at("patient").at("weight_kg").get<double>(), 30.0);
  EXPECT_EQ(c.at("margin_mm").get<double>(), 10.0);
  EXPECT_TRUE(fs::is_directory(g.dir / c.at("baseline").at("series").get<std::string>()));
  EXPECT_TRUE(fs::is_directory(g.dir / c.at("followup").at("series").get<std::string>()));
  const auto plan = phantom::defaultLesionPlan();
  ASSERT_EQ(c.at("lesions").size(), plan.size());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(c.at("lesions")[i].at("id"), plan[i].id);
    EXPECT_TRUE(fs::is_regular_file(g.dir / c.at("lesions")[i].at("mask").get<std::string>()));
  }
  EXPECT_TRUE(fs::is_regular_file(g.dir / phantom::layout::kField));
  // Nothing half-written is left beside the case.
  for (const auto& e : fs::directory_iterator(g.dir.parent_path()))
    EXPECT_EQ(e.path().filename().string().rfind(".vestige-tmp", 0), std::string::npos) << e.path();
}

TEST(Phantom, HasLesionsOfEveryFate) {
  const phantom::CaseTruth truth = phantom::readCaseTruth(ctCase().dir);
  int visible = 0, shrunk = 0, gone = 0;
  for (const auto& l : truth.lesions) {
    visible += l.fate == phantom::LesionFate::Visible;
    shrunk += l.fate == phantom::LesionFate::Shrunk;
    gone += l.fate == phantom::LesionFate::Disappeared;
  }
  EXPECT_EQ(visible, 1);
  EXPECT_GE(shrunk, 1);
  EXPECT_GE(gone, 1);
}

TEST(Phantom, LesionMaskVolumesMatchTheRequestWithin2Percent) {
  const Generated& g = ctCase();
  const auto plan = phantom::defaultLesionPlan();
  const phantom::CaseTruth truth = phantom::readCaseTruth(g.dir);
  ASSERT_EQ(truth.lesions.size(), plan.size());
  const core::LabelMap followLabels =
      dicom::readLabelMapFile(g.dir / phantom::layout::kFollowupTruth / "lesions.nii.gz");
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const auto& l = truth.lesions[i];
    const double fraction = plan[i].fate == phantom::LesionFate::Visible  ? 1.0
                            : plan[i].fate == phantom::LesionFate::Shrunk ? plan[i].followupVolumeFraction
                                                                          : 0.0;
    const double wantBaseline = requestedMl(plan[i].baselineDiameterMm, 1.0);
    const double baselineMl = core::maskVolumeMl(dicom::readMaskFile(g.dir / l.baselineMask));
    EXPECT_NEAR(baselineMl / wantBaseline, 1.0, 0.02) << l.id << ": " << baselineMl << " mL vs " << wantBaseline;
    EXPECT_NEAR(l.baselineRequestedMl, wantBaseline, 1e-3 * wantBaseline) << l.id;
    const double followMl = core::maskVolumeMl(core::extractLabel(followLabels, static_cast<std::uint16_t>(i + 1)));
    if (fraction == 0.0) {
      EXPECT_EQ(followMl, 0.0) << l.id << " should have disappeared";
      EXPECT_TRUE(l.followupMask.empty());
    } else {
      const double want = requestedMl(plan[i].baselineDiameterMm, fraction);
      EXPECT_NEAR(followMl / want, 1.0, 0.02) << l.id << ": " << followMl << " mL vs " << want;
      EXPECT_NEAR(core::maskVolumeMl(dicom::readMaskFile(g.dir / l.followupMask)), followMl, 1e-9);
    }
    std::printf("%s %-11s baseline %.3f / %.3f mL (%.2f %%), follow-up %.3f / %.3f mL\n", l.id.c_str(),
                phantom::lesionFateName(l.fate), baselineMl, wantBaseline, 100 * (baselineMl / wantBaseline - 1),
                followMl, requestedMl(plan[i].baselineDiameterMm, fraction));
  }
}

TEST(Phantom, WarpingBaselineMasksWithTheFieldReproducesFollowupMasks) {
  const Generated& g = ctCase();
  const phantom::DisplacementField field = phantom::readDisplacementField(g.dir / phantom::layout::kField);
  const fs::path b = g.dir / phantom::layout::kBaselineTruth, f = g.dir / phantom::layout::kFollowupTruth;
  const core::Mask followLiver = dicom::readMaskFile(f / "liver.nii.gz");
  ASSERT_TRUE(core::sameGrid(field.geometry, followLiver.geometry));
  const double liverDice = dice(phantom::warpMask(dicom::readMaskFile(b / "liver.nii.gz"), field), followLiver);
  EXPECT_GE(liverDice, 0.98);
  // The lesion that stays, and organs the breathing field moves (labels of anatomy.nii.gz: 3 spleen, 4 kidneys).
  const phantom::CaseTruth truth = phantom::readCaseTruth(g.dir);
  for (const auto& l : truth.lesions)
    if (l.fate == phantom::LesionFate::Visible) {
      const double d = dice(phantom::warpMask(dicom::readMaskFile(g.dir / l.baselineMask), field),
                            dicom::readMaskFile(g.dir / l.followupMask));
      EXPECT_GE(d, 0.98) << l.id;
      std::printf("Dice %s %.4f\n", l.id.c_str(), d);
    }
  const core::LabelMap baseAnatomy = dicom::readLabelMapFile(b / "anatomy.nii.gz");
  const core::LabelMap followAnatomy = dicom::readLabelMapFile(f / "anatomy.nii.gz");
  for (std::uint16_t label : {3, 4}) {
    const double d = dice(phantom::warpMask(core::extractLabel(baseAnatomy, label), field),
                          core::extractLabel(followAnatomy, label));
    EXPECT_GE(d, 0.98) << "anatomy label " << label;
    std::printf("Dice anatomy label %u %.4f\n", unsigned(label), d);
  }
  std::printf("Dice liver %.4f\n", liverDice);
  // The test can fail: without the field (identity) the masks do not match.
  phantom::DisplacementField zero = field;
  for (auto& v : zero.vectors)
    v = {0, 0, 0};
  EXPECT_LT(dice(phantom::warpMask(dicom::readMaskFile(b / "liver.nii.gz"), zero), followLiver), 0.9);
}

TEST(Phantom, LandmarkPairsMapOntoEachOtherThroughTheField) {
  const Generated& g = ctCase();
  const phantom::CaseTruth truth = phantom::readCaseTruth(g.dir);
  ASSERT_GE(truth.landmarks.size(), 20u);
  const phantom::DisplacementField field = phantom::readDisplacementField(g.dir / phantom::layout::kField);
  const core::LabelMap vessels = dicom::readLabelMapFile(g.dir / phantom::layout::kBaselineTruth / "vessels.nii.gz");
  double worst = 0.0, sum = 0.0, before = 0.0;
  std::size_t onVessel = 0;
  for (const auto& p : truth.landmarks) {
    const double error = core::distanceMm(phantom::mapPoint(field, p.followupLps), p.baselineLps);
    EXPECT_LT(error, 0.5) << p.name;
    worst = std::max(worst, error);
    sum += error;
    before += core::distanceMm(p.followupLps, p.baselineLps);
    const core::Vec3 idx = vessels.geometry.lpsToIndex(p.baselineLps);
    onVessel += vessels.at(std::size_t(std::lround(idx[0])), std::size_t(std::lround(idx[1])),
                           std::size_t(std::lround(idx[2]))) != 0;
  }
  // Bifurcations lie on the vessel trees (the landmarks are anatomical, not arbitrary points).
  EXPECT_EQ(onVessel, truth.landmarks.size());
  std::printf("%zu landmark pairs: mean %.4f mm, max %.4f mm through the field (%.1f mm apart before)\n",
              truth.landmarks.size(), sum / truth.landmarks.size(), worst, before / truth.landmarks.size());
  EXPECT_GT(before / truth.landmarks.size(), 5.0); // the deformation is not trivial
}

TEST(Phantom, FieldIsSmoothAndVolumePreservingInTheLiver) {
  const phantom::CaseTruth truth = phantom::readCaseTruth(ctCase().dir);
  EXPECT_GT(truth.jacobianMin, 0.97);
  EXPECT_LT(truth.jacobianMax, 1.03);
}

TEST(Phantom, SeriesLoadWithTheTruthGeometryAndRealisticHu) {
  const Generated& g = ctCase();
  const dicom::LoadedSeries base = dicom::loadSeries(g.dir / phantom::layout::kBaselineSeries);
  const dicom::LoadedSeries follow = dicom::loadSeries(g.dir / phantom::layout::kFollowupSeries);
  const core::Mask baseLiver = dicom::readMaskFile(g.dir / phantom::layout::kBaselineTruth / "liver.nii.gz");
  const core::Mask followLiver = dicom::readMaskFile(g.dir / phantom::layout::kFollowupTruth / "liver.nii.gz");
  EXPECT_TRUE(core::sameGrid(base.image.geometry, baseLiver.geometry, 1e-3)) << core::describe(base.image.geometry);
  EXPECT_TRUE(core::sameGrid(follow.image.geometry, followLiver.geometry, 1e-3))
      << core::describe(follow.image.geometry);
  EXPECT_EQ(base.series.modality, "CT");
  EXPECT_NE(base.series.studyDate, follow.series.studyDate);
  EXPECT_NE(base.image.geometry.spacingMm[2], follow.image.geometry.spacingMm[2]);
  EXPECT_NE(base.image.geometry.spacingMm[0], follow.image.geometry.spacingMm[0]);
  // Mean HU per structure of anatomy.nii.gz, against portal-venous CT.
  const core::LabelMap anatomy = dicom::readLabelMapFile(g.dir / phantom::layout::kBaselineTruth / "anatomy.nii.gz");
  auto meanHu = [&](const core::Image& image, std::uint16_t label) {
    double sum = 0, n = 0;
    for (std::size_t i = 0; i < image.voxels.size(); ++i)
      if (anatomy.voxels[i] == label) {
        sum += image.voxels[i];
        n += 1;
      }
    return sum / n;
  };
  EXPECT_NEAR(meanHu(base.image, 2), 108, 10); // liver
  EXPECT_NEAR(meanHu(base.image, 3), 118, 10); // spleen
  EXPECT_NEAR(meanHu(base.image, 7), 170, 15); // aorta
  EXPECT_NEAR(meanHu(base.image, 11), 60, 15); // lesions: hypo-attenuating
  EXPECT_LT(meanHu(base.image, 12), -700);     // lung
  double liverFollow = 0, n = 0;
  for (std::size_t i = 0; i < follow.image.voxels.size(); ++i)
    if (followLiver.voxels[i]) {
      liverFollow += follow.image.voxels[i];
      n += 1;
    }
  EXPECT_LT(liverFollow / n, meanHu(base.image, 2) - 8.0); // steatosis after chemotherapy
}

TEST(Phantom, SeriesPassDciodvfy) {
  if (!fs::exists("/usr/bin/dciodvfy"))
    GTEST_SKIP() << "dciodvfy (dicom3tools) is not installed";
  const Generated& g = ctCase();
  int errors = 0, checked = 0;
  for (const char* series : {phantom::layout::kBaselineSeries, phantom::layout::kFollowupSeries}) {
    const auto files = filesIn(g.dir / series);
    ASSERT_GT(files.size(), 50u);
    for (std::size_t i : {std::size_t(0), files.size() / 2, files.size() - 1}) {
      errors += dciodvfyErrors(files[i]);
      ++checked;
    }
  }
  EXPECT_EQ(errors, 0);
  std::printf("dciodvfy: %d error lines in %d files\n", errors, checked);
}

TEST(Phantom, RefusesANonEmptyOutputFolder) {
  const fs::path dir = vestige::testing::freshTempDir("phantom-busy");
  std::ofstream(dir / "keep.txt") << "x";
  const auto before = vestige::testing::fingerprintTree(dir);
  EXPECT_THROW(phantom::writePhantomCase(dir, {}), core::Error);
  EXPECT_EQ(vestige::testing::fingerprintTree(dir), before);
}

TEST(Phantom, RejectsImpossibleLesionRequests) {
  phantom::PhantomOptions options;
  options.lesions = {{"L1", 90.0, phantom::LesionFate::Visible, 1.0, false}};
  const fs::path dir = vestige::testing::freshTempDir("phantom-bad") / "case";
  EXPECT_THROW(phantom::writePhantomCase(dir, options), core::Error);
  options.lesions = {{"L1", 20.0, phantom::LesionFate::Shrunk, 1.5, false}};
  EXPECT_THROW(phantom::writePhantomCase(dir, options), core::Error);
  EXPECT_FALSE(fs::exists(dir));
}
