// Labelled slow (minutes on 2 shared cores); needs ../shared/data where noted and skips without it.
// Follow-up status on synthetic follow-ups of a real baseline (3D-IRCADb-01 patient 17, made by the Phantom module's
// simulateFollowup): every site, projected through the known deformation, is classified as simulated. Two plans
// cover the three outcomes: (L1 disappeared, L2 shrunk to 40 %) and (L1 unchanged, L2 disappeared).
// CC BY-NC-ND data: everything derived is written to a temporary folder only.
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/lesions/followup_status.h"
#include "vestige/phantom/displacement_field.h"
#include "vestige/phantom/simulate_followup.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <iostream>

using namespace vestige;
namespace fs = std::filesystem;

namespace {

lesions::LesionStatus expectedStatus(phantom::LesionFate fate) {
  switch (fate) {
  case phantom::LesionFate::Visible:
    return lesions::LesionStatus::Visible;
  case phantom::LesionFate::Shrunk:
    return lesions::LesionStatus::Shrunk;
  case phantom::LesionFate::Disappeared:
    return lesions::LesionStatus::Disappeared;
  }
  return lesions::LesionStatus::Unknown;
}

void checkPlan(const fs::path& data, const std::vector<phantom::SimulatedLesionPlan>& plan) {
  phantom::BaselineInputs inputs;
  inputs.series = data / "PATIENT_DICOM";
  inputs.liverMask = data / "MASKS_DICOM" / "liver";
  inputs.lesionMasks = {data / "MASKS_DICOM" / "livertumor1", data / "MASKS_DICOM" / "livertumor2"};
  phantom::SimulateFollowupOptions options;
  options.plan = plan;
  const fs::path dir = vestige::testing::freshTempDir("lesions-simulated") / "case";
  const phantom::CaseTruth truth = phantom::simulateFollowup(inputs, options, dir);
  const core::Image baseline = dicom::loadSeries(inputs.series).image;
  const core::Mask baselineLiver = dicom::conformMask(dicom::loadMask(inputs.liverMask), baseline.geometry, "liver");
  const core::Image followup = dicom::loadSeries(dir / phantom::layout::kFollowupSeries).image;
  const core::Mask liver = dicom::readMaskFile(dir / phantom::layout::kFollowupTruth / "liver.nii.gz");
  const auto field = phantom::readDisplacementField(dir / phantom::layout::kField);
  ASSERT_EQ(truth.lesions.size(), 2u);
  for (const auto& l : truth.lesions) {
    const core::Mask baselineMask = dicom::readMaskFile(dir / l.baselineMask);
    const core::Mask site = phantom::warpMask(baselineMask, field);
    // The configuration `vestige plan` uses (lesions::assessOriginalSite): polarity from the baseline, the baseline
    // lesion measured the same way as the follow-up (the manual masks are drawn generously).
    const auto a = lesions::assessOriginalSite({baseline, baselineMask, baselineLiver}, followup, site, liver, true);
    std::cout << l.id << " (" << phantom::lesionFateName(l.fate) << ", baseline " << l.baselineMaskMl
              << " mL, follow-up truth " << l.followupMaskMl << " mL): " << lesions::statusName(a.status) << ", found "
              << a.lesionVolumeMl << " mL (fraction " << a.volumeFraction << " of " << a.referenceVolumeMl
              << " mL measured on the baseline; median " << a.lesionMedian << " vs parenchyma " << a.parenchymaMedian
              << ")\n";
    EXPECT_EQ(a.status, expectedStatus(l.fate)) << l.id;
  }
}

} // namespace

TEST(FollowupStatusSimulated, Ircadb17DisappearedAndShrunk) {
  VESTIGE_REQUIRE_DATA(data, "ircadb1-17");
  checkPlan(data, {{"L1", phantom::LesionFate::Disappeared, 0.0}, {"L2", phantom::LesionFate::Shrunk, 0.4}});
}

TEST(FollowupStatusSimulated, Ircadb17UnchangedAndDisappeared) {
  VESTIGE_REQUIRE_DATA(data, "ircadb1-17");
  checkPlan(data, {{"L1", phantom::LesionFate::Visible, 1.0}, {"L2", phantom::LesionFate::Disappeared, 0.0}});
}
