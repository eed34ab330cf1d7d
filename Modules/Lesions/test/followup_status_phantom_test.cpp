// Follow-up status on the digital phantom (issue 5): every original site, projected onto the follow-up grid through
// the phantom's known deformation, is classified as the phantom made it (visible / shrunk / disappeared), on a CT
// follow-up (MR: followup_status_phantom_mr_slow_test.cpp; simulated follow-ups of IRCADb 17:
// followup_status_simulated_data_slow_test.cpp).
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/lesions/followup_status.h"
#include "vestige/phantom/displacement_field.h"
#include "vestige/phantom/phantom.h"
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

void checkEverySite(phantom::FollowupModality modality) {
  const fs::path dir = vestige::testing::freshTempDir("lesions-phantom") / "case";
  phantom::PhantomOptions options;
  options.seed = 11;
  options.followupModality = modality;
  const phantom::CaseTruth truth = phantom::writePhantomCase(dir, options);
  const core::Image followup = dicom::loadSeries(dir / phantom::layout::kFollowupSeries).image;
  const core::Mask liver = dicom::readMaskFile(dir / phantom::layout::kFollowupTruth / "liver.nii.gz");
  const core::Image baseline = dicom::loadSeries(dir / phantom::layout::kBaselineSeries).image;
  const core::Mask baselineLiver = dicom::readMaskFile(dir / phantom::layout::kBaselineTruth / "liver.nii.gz");
  const auto field = phantom::readDisplacementField(dir / phantom::layout::kField);
  ASSERT_EQ(truth.lesions.size(), 6u);
  for (const auto& l : truth.lesions) {
    const core::Mask baselineMask = dicom::readMaskFile(dir / l.baselineMask);
    const core::Mask site = phantom::warpMask(baselineMask, field);
    // The configuration `vestige plan` uses (lesions::assessOriginalSite): polarity carried over from the baseline
    // only when both dates are CT, the baseline lesion measured the same way as the follow-up.
    const auto a = lesions::assessOriginalSite({baseline, baselineMask, baselineLiver}, followup, site, liver,
                                               modality == phantom::FollowupModality::Ct);
    std::cout << l.id << " (" << phantom::lesionFateName(l.fate) << ", baseline " << l.baselineMaskMl
              << " mL, follow-up truth " << l.followupMaskMl << " mL): " << lesions::statusName(a.status) << ", found "
              << a.lesionVolumeMl << " mL (fraction " << a.volumeFraction << " of " << a.referenceVolumeMl
              << " mL measured on the baseline)\n";
    EXPECT_EQ(a.status, expectedStatus(l.fate)) << l.id;
  }
}

} // namespace

TEST(FollowupStatusPhantom, EverySiteClassifiedOnCtFollowup) {
  checkEverySite(phantom::FollowupModality::Ct);
}
