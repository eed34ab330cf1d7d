// simulate-followup without shared data: the phantom's own baseline (DICOM + NIfTI masks) serves as the "real"
// baseline, so the in-painting, shrinking and truth writing are tested on every machine.
#include "phantom_test_util.h"

#include "vestige/core/error.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/phantom/displacement_field.h"
#include "vestige/phantom/simulate_followup.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace fs = std::filesystem;
using namespace vestige;

namespace {

double median(const core::Image& image, const core::Mask& region) {
  std::vector<float> v;
  for (std::size_t i = 0; i < image.voxels.size(); ++i)
    if (region.voxels[i])
      v.push_back(image.voxels[i]);
  if (v.empty())
    return std::nan("");
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

} // namespace

TEST(SimulateFollowup, OnThePhantomBaseline) {
  const fs::path root = vestige::testing::freshTempDir("simulate-phantom");
  phantom::PhantomOptions phantomOptions;
  phantomOptions.seed = 9;
  phantom::writePhantomCase(root / "phantom", phantomOptions);
  const fs::path truthDir = root / "phantom" / phantom::layout::kBaselineTruth;

  phantom::BaselineInputs inputs;
  inputs.series = root / "phantom" / phantom::layout::kBaselineSeries;
  inputs.liverMask = truthDir / "liver.nii.gz";
  inputs.lesionMasks = {truthDir / "lesion_L1.nii.gz", truthDir / "lesion_L2.nii.gz", truthDir / "lesion_L3.nii.gz"};
  phantom::SimulateFollowupOptions options;
  options.seed = 2;
  options.plan = {{"L1", phantom::LesionFate::Disappeared, 0.0}, {"L2", phantom::LesionFate::Shrunk, 0.5}};
  const fs::path out = root / "sim";
  const phantom::CaseTruth truth = phantom::simulateFollowup(inputs, options, out);
  ASSERT_EQ(truth.lesions.size(), 3u);
  EXPECT_EQ(truth.lesions[2].fate, phantom::LesionFate::Visible);

  const dicom::LoadedSeries follow = dicom::loadSeries(out / phantom::layout::kFollowupSeries);
  const phantom::DisplacementField field = phantom::readDisplacementField(out / phantom::layout::kField);
  ASSERT_TRUE(core::sameGrid(follow.image.geometry, field.geometry, 1e-3));

  // L1 (34 mm, necrotic) is gone: its site now has the liver's attenuation, unlike at baseline.
  const dicom::LoadedSeries base = dicom::loadSeries(inputs.series);
  const core::Mask l1 = dicom::readMaskFile(truthDir / "lesion_L1.nii.gz");
  const core::Mask liver = dicom::readMaskFile(truthDir / "liver.nii.gz");
  core::Mask parenchyma = liver;
  const core::LabelMap anatomy = dicom::readLabelMapFile(truthDir / "anatomy.nii.gz");
  for (std::size_t i = 0; i < parenchyma.voxels.size(); ++i)
    parenchyma.voxels[i] = anatomy.voxels[i] == 2; // liver tissue only, no vessels or lesions
  const double siteBase = median(base.image, l1), liverBase = median(base.image, parenchyma);
  const double siteFollow = median(follow.image, phantom::warpMask(l1, field));
  const double liverFollow = median(follow.image, phantom::warpMask(parenchyma, field));
  std::printf("L1 site: baseline %.1f vs liver %.1f HU; follow-up %.1f vs liver %.1f HU\n", siteBase, liverBase,
              siteFollow, liverFollow);
  EXPECT_GT(liverBase - siteBase, 30.0);
  EXPECT_LT(std::abs(siteFollow - liverFollow), 6.0);

  // L2 has half its volume; L3 is unchanged; landmarks map through the field.
  EXPECT_NEAR(truth.lesions[1].followupMaskMl / (0.5 * truth.lesions[1].baselineMaskMl), 1.0, 0.02);
  EXPECT_NEAR(truth.lesions[2].followupMaskMl / truth.lesions[2].baselineMaskMl, 1.0, 0.02);
  ASSERT_GE(truth.landmarks.size(), 20u);
  for (const auto& p : truth.landmarks)
    EXPECT_LT(core::distanceMm(phantom::mapPoint(field, p.followupLps), p.baselineLps), 0.5) << p.name;
  fs::remove_all(root);
}

TEST(SimulateFollowup, FailsCleanlyOnMissingInputs) {
  const fs::path root = vestige::testing::freshTempDir("simulate-bad");
  phantom::BaselineInputs inputs;
  inputs.series = root / "missing";
  inputs.liverMask = root / "liver.nii.gz";
  inputs.lesionMasks = {root / "l1.nii.gz"};
  EXPECT_THROW(phantom::simulateFollowup(inputs, {}, root / "out"), core::Error);
  EXPECT_FALSE(fs::exists(root / "out"));
}
