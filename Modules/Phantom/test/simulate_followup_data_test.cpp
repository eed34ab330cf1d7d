// simulate-followup on a real baseline (3D-IRCADb-01 patient 17, CC BY-NC-ND: nothing derived from it is kept):
// the synthetic follow-up loads as DICOM, its truth is self-consistent, the vanished lesion leaves no edge and the
// shrunk one has the volume asked for.
#include "phantom_test_util.h"

#include "vestige/core/itk_bridge.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/phantom/displacement_field.h"
#include "vestige/phantom/simulate_followup.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>
#include <itkSignedMaurerDistanceMapImageFilter.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>

namespace fs = std::filesystem;
using namespace vestige;
using phantom::testing::dice;

namespace {

// Median and a robust spread (IQR / 1.349, the sd of a normal distribution with that IQR): vessels crossing a
// shell of parenchyma would otherwise dominate its plain mean and sd.
struct RegionStats {
  double median = 0.0;
  double sd = 0.0;
  std::size_t count = 0;
};

RegionStats stats(const core::Image& image, const core::Mask& region) {
  std::vector<float> values;
  for (std::size_t i = 0; i < image.voxels.size(); ++i)
    if (region.voxels[i])
      values.push_back(image.voxels[i]);
  RegionStats s;
  s.count = values.size();
  if (values.empty())
    return s;
  std::sort(values.begin(), values.end());
  s.median = values[values.size() / 2];
  s.sd = (values[values.size() * 3 / 4] - values[values.size() / 4]) / 1.349;
  return s;
}

// Voxels within outerMm of the mask (but not in it), inside `within` and outside `exclude`.
core::Mask shell(const core::Mask& mask, const core::Mask& within, const core::Mask& exclude, double outerMm) {
  using DistanceFilter = itk::SignedMaurerDistanceMapImageFilter<itk::Image<std::uint8_t, 3>, itk::Image<float, 3>>;
  auto filter = DistanceFilter::New();
  filter->SetInput(core::toItk(mask));
  filter->SetUseImageSpacing(true);
  filter->SetSquaredDistance(false);
  filter->Update();
  const float* d = filter->GetOutput()->GetBufferPointer();
  core::Mask out(mask.geometry);
  for (std::size_t i = 0; i < out.voxels.size(); ++i)
    out.voxels[i] = d[i] > 0.0f && d[i] <= outerMm && within.voxels[i] && !exclude.voxels[i];
  return out;
}

} // namespace

TEST(SimulateFollowup, Ircadb17FollowupIsConsistentAndHidesTheVanishedLesion) {
  VESTIGE_REQUIRE_DATA(data, "ircadb1-17");
  const fs::path dir = vestige::testing::freshTempDir("simulate") / "case";
  phantom::BaselineInputs inputs;
  inputs.series = data / "PATIENT_DICOM";
  inputs.liverMask = data / "MASKS_DICOM" / "liver";
  inputs.lesionMasks = {data / "MASKS_DICOM" / "livertumor1", data / "MASKS_DICOM" / "livertumor2"};
  phantom::SimulateFollowupOptions options;
  options.seed = 4;
  const auto start = std::chrono::steady_clock::now();
  const phantom::CaseTruth truth = phantom::simulateFollowup(inputs, options, dir);
  std::printf("simulate-followup took %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  ASSERT_EQ(truth.lesions.size(), 2u);
  EXPECT_EQ(truth.lesions[0].fate, phantom::LesionFate::Disappeared);
  EXPECT_EQ(truth.lesions[1].fate, phantom::LesionFate::Shrunk);

  // The follow-up loads with the geometry of its truth masks, on another grid than the baseline.
  const dicom::LoadedSeries base = dicom::loadSeries(inputs.series);
  const dicom::LoadedSeries follow = dicom::loadSeries(dir / phantom::layout::kFollowupSeries);
  const fs::path tb = dir / phantom::layout::kBaselineTruth, tf = dir / phantom::layout::kFollowupTruth;
  const core::Mask followLiver = dicom::readMaskFile(tf / "liver.nii.gz");
  EXPECT_TRUE(core::sameGrid(follow.image.geometry, followLiver.geometry, 1e-3));
  EXPECT_FALSE(core::sameGrid(follow.image.geometry, base.image.geometry, 0.1));
  EXPECT_NE(follow.series.studyDate, base.series.studyDate);

  // case.json points at the real baseline series.
  std::ifstream in(dir / phantom::layout::kCaseFile);
  const nlohmann::json c = nlohmann::json::parse(in);
  EXPECT_TRUE(fs::equivalent(dir / c.at("baseline").at("series").get<std::string>(), inputs.series));

  // Truth self-consistency: masks through the field, landmarks through the field.
  const phantom::DisplacementField field = phantom::readDisplacementField(dir / phantom::layout::kField);
  const core::Mask baseLiver = dicom::readMaskFile(tb / "liver.nii.gz");
  EXPECT_GE(dice(phantom::warpMask(baseLiver, field), followLiver), 0.98);
  ASSERT_GE(truth.landmarks.size(), 20u);
  double worst = 0.0;
  for (const auto& p : truth.landmarks)
    worst = std::max(worst, core::distanceMm(phantom::mapPoint(field, p.followupLps), p.baselineLps));
  EXPECT_LT(worst, 0.5);

  // The shrunk lesion has the volume asked for; the vanished one has no follow-up mask.
  const double wanted = 0.4 * truth.lesions[1].baselineMaskMl;
  const double got = core::maskVolumeMl(dicom::readMaskFile(dir / truth.lesions[1].followupMask));
  EXPECT_NEAR(got / wanted, 1.0, 0.02) << got << " mL vs " << wanted;
  EXPECT_TRUE(truth.lesions[0].followupMask.empty());
  const core::LabelMap followLesions = dicom::readLabelMapFile(tf / "lesions.nii.gz");
  EXPECT_EQ(core::countNonZero(core::extractLabel(followLesions, 1)), 0u);

  // No edge betrays the vanished lesion: at its site the follow-up looks like the parenchyma around it, while at
  // baseline the lesion clearly differed from that parenchyma (so this check can fail).
  const core::Mask lesion1 = dicom::readMaskFile(tb / "lesion_L1.nii.gz");
  core::Mask anyLesion = lesion1;
  const core::Mask lesion2 = dicom::readMaskFile(tb / "lesion_L2.nii.gz");
  for (std::size_t i = 0; i < anyLesion.voxels.size(); ++i)
    anyLesion.voxels[i] |= lesion2.voxels[i];
  const core::Mask site = phantom::warpMask(lesion1, field);
  const core::Mask aroundBaseline = shell(lesion1, baseLiver, anyLesion, 10.0);
  const core::Mask around = phantom::warpMask(aroundBaseline, field);
  const RegionStats siteFollow = stats(follow.image, site), aroundFollow = stats(follow.image, around);
  const RegionStats siteBase = stats(base.image, lesion1), aroundBase = stats(base.image, aroundBaseline);
  std::printf("L1 site (median / robust sd, HU): baseline %.1f / %.1f vs parenchyma %.1f / %.1f; "
              "follow-up %.1f / %.1f vs parenchyma %.1f / %.1f\n",
              siteBase.median, siteBase.sd, aroundBase.median, aroundBase.sd, siteFollow.median, siteFollow.sd,
              aroundFollow.median, aroundFollow.sd);
  ASSERT_GT(site.voxels.size(), 0u);
  EXPECT_GT(std::abs(siteBase.median - aroundBase.median), 10.0);
  EXPECT_LT(std::abs(siteFollow.median - aroundFollow.median), 5.0);
  EXPECT_NEAR(siteFollow.sd / aroundFollow.sd, 1.0, 0.35);

  if (fs::exists("/usr/bin/dciodvfy")) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir / phantom::layout::kFollowupSeries))
      files.push_back(e.path());
    std::sort(files.begin(), files.end());
    EXPECT_EQ(phantom::testing::dciodvfyErrors(files.front()), 0);
    EXPECT_EQ(phantom::testing::dciodvfyErrors(files[files.size() / 2]), 0);
  }
  fs::remove_all(dir.parent_path()); // derived from CC BY-NC-ND data: leave nothing behind
}
