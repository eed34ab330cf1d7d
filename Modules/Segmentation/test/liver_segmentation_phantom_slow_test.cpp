// Labelled slow (minutes on 2 shared cores); needs ../shared/data where noted and skips without it.
// Automatic liver segmentation on the digital phantom (issue 5 bar: Dice >= 0.97 against the phantom's exact liver,
// tumours included), at both time points: the baseline CT and the CT follow-up on its own grid.
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/phantom/phantom.h"
#include "vestige/segmentation/liver_segmentation.h"
#include "vestige/segmentation/mask_metrics.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <iostream>

using namespace vestige;
namespace fs = std::filesystem;

TEST(LiverSegmentationPhantom, BothTimePointsAgainstTheExactLiver) {
  const fs::path dir = vestige::testing::freshTempDir("segmentation-phantom") / "case";
  phantom::PhantomOptions options;
  options.seed = 5;
  (void)phantom::writePhantomCase(dir, options);
  const std::pair<const char*, const char*> timePoints[] = {
      {phantom::layout::kBaselineSeries, phantom::layout::kBaselineTruth},
      {phantom::layout::kFollowupSeries, phantom::layout::kFollowupTruth}};
  for (const auto& [series, truthDir] : timePoints) {
    const core::Image ct = dicom::loadSeries(dir / series).image;
    const core::Mask truth = dicom::readMaskFile(dir / truthDir / "liver.nii.gz");
    const auto result = segmentation::segmentLiver(ct);
    const auto c = segmentation::compareMasks(result.liver, truth);
    std::cout << series << ": Dice " << c.dice << ", ASSD " << c.meanSurfaceDistanceMm << " mm, volume "
              << c.testVolumeMl << " vs " << c.referenceVolumeMl << " mL\n";
    EXPECT_GE(c.dice, 0.97) << series;
  }
}
