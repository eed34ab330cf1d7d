// `vestige segment-liver` refuses what it cannot segment (issue 17): an MR series (the phantom's T1 follow-up)
// exits with Unsupported's code (9), names the modality and says to give a mask; nothing is written.
#include "cli_run.h"

#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;
using vestige::testing::shellQuote;
using vestige::testing::vestigeCli;

TEST(CliSegmentLiver, MrSeriesIsRefusedWithUnsupported) {
  const fs::path dir = vestige::testing::freshTempDir("segment-liver-mr");
  const fs::path phantomCase = dir / "phantom";
  const auto made = vestigeCli("-q phantom -o " + shellQuote(phantomCase.string()) + " --followup-modality mr");
  ASSERT_EQ(made.exitCode, 0) << made.output;
  const fs::path out = dir / "liver.nii.gz";
  const auto run = vestigeCli("segment-liver " + shellQuote((phantomCase / "followup" / "dicom").string()) + " -o " +
                              shellQuote(out.string()));
  EXPECT_EQ(run.exitCode, 9) << run.output;
  EXPECT_NE(run.output.find("CT only"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("MR"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(out));
}
