// `--followup-modality mr`: the follow-up is a T1 hepatobiliary-phase-like MR series (bright liver, dark vessels
// and lesions, no HU) on the same kind of ground truth.
#include "phantom_test_util.h"

#include "vestige/dicom/image_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/phantom/phantom.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

namespace fs = std::filesystem;
using namespace vestige;

TEST(PhantomMr, FollowupIsHepatobiliaryPhaseMr) {
  const fs::path dir = vestige::testing::freshTempDir("phantom-mr") / "case";
  phantom::PhantomOptions options;
  options.seed = 5;
  options.followupModality = phantom::FollowupModality::Mr;
  phantom::writePhantomCase(dir, options);

  const dicom::LoadedSeries base = dicom::loadSeries(dir / phantom::layout::kBaselineSeries);
  const dicom::LoadedSeries mr = dicom::loadSeries(dir / phantom::layout::kFollowupSeries);
  EXPECT_EQ(base.series.modality, "CT");
  EXPECT_EQ(mr.series.modality, "MR");
  const core::LabelMap anatomy = dicom::readLabelMapFile(dir / phantom::layout::kFollowupTruth / "anatomy.nii.gz");
  ASSERT_TRUE(core::sameGrid(mr.image.geometry, anatomy.geometry, 1e-3));
  auto mean = [&](std::uint16_t label) {
    double sum = 0, n = 0;
    for (std::size_t i = 0; i < mr.image.voxels.size(); ++i)
      if (anatomy.voxels[i] == label) {
        sum += mr.image.voxels[i];
        n += 1;
      }
    return sum / n;
  };
  const double liver = mean(2), lesions = mean(11), portal = mean(9), hepatic = mean(10), spleen = mean(3);
  std::printf("MR means: liver %.0f, lesions %.0f, portal %.0f, hepatic %.0f, spleen %.0f\n", liver, lesions, portal,
              hepatic, spleen);
  EXPECT_GT(liver, 2.0 * lesions);
  EXPECT_GT(liver, 1.8 * portal);
  EXPECT_GT(liver, 1.8 * hepatic);
  EXPECT_GT(liver, 1.5 * spleen);
  for (float v : mr.image.voxels)
    ASSERT_GE(v, 0.0f); // magnitude images have no negative values
  if (fs::exists("/usr/bin/dciodvfy")) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir / phantom::layout::kFollowupSeries))
      files.push_back(e.path());
    std::sort(files.begin(), files.end());
    EXPECT_EQ(phantom::testing::dciodvfyErrors(files.front()), 0);
    EXPECT_EQ(phantom::testing::dciodvfyErrors(files[files.size() / 2]), 0);
  }
}
