// The command line as a user meets it: documented exit codes (Documentation/cli.md), messages that name the
// file or series, outputs that load back with the same geometry.
#include "cli_run.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <sys/wait.h>

namespace fs = std::filesystem;
using namespace vestige;

namespace {

using vestige::testing::CliRun;
using vestige::testing::shellQuote;
using vestige::testing::vestigeCli;

fs::path baselineFolder(const fs::path& hcc) {
  for (const auto& e : fs::recursive_directory_iterator(hcc))
    if (e.is_directory() && e.path().filename().string().rfind("4.000000-Recon 2 LIVER", 0) == 0)
      return e.path();
  return {};
}

} // namespace

TEST(CliDicom, LsJsonListsHcc009) {
  VESTIGE_REQUIRE_DATA(hcc, "hcc-tace-seg-009");
  const CliRun r = vestigeCli("-q dicom ls --json " + shellQuote(hcc.string()));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const auto json = nlohmann::json::parse(r.output);
  ASSERT_EQ(json["patients"].size(), 1u);
  EXPECT_EQ(json["patients"][0]["studies"].size(), 2u);
  std::size_t series = 0;
  for (const auto& st : json["patients"][0]["studies"])
    series += st["series"].size();
  EXPECT_EQ(series, 6u);
}

TEST(CliDicom, ConvertWritesVolumeWithSameGeometry) {
  VESTIGE_REQUIRE_DATA(hcc, "hcc-tace-seg-009");
  const fs::path out = vestige::testing::freshTempDir("cli") / "baseline.nii.gz";
  const CliRun r =
      vestigeCli("-q dicom convert " + shellQuote(baselineFolder(hcc).string()) + " -o " + shellQuote(out.string()));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const core::Image written = dicom::readImage(out);
  const dicom::LoadedSeries direct = dicom::loadSeries(baselineFolder(hcc));
  EXPECT_TRUE(core::sameGrid(written.geometry, direct.image.geometry, 1e-3));
  EXPECT_EQ(written.voxels, direct.image.voxels);
  const CliRun info = vestigeCli("info " + shellQuote(out.string()));
  EXPECT_EQ(info.exitCode, 0);
  EXPECT_NE(info.output.find("512 x 512 x 69"), std::string::npos) << info.output;
}

TEST(CliDicom, DocumentedExitCodes) {
  VESTIGE_REQUIRE_DATA(hcc, "hcc-tace-seg-009");
  const fs::path tmp = vestige::testing::freshTempDir("cli-codes");
  // 1: usage
  EXPECT_EQ(vestigeCli("dicom frobnicate").exitCode, 1);
  EXPECT_EQ(vestigeCli("dicom convert").exitCode, 1);
  // 2: invalid argument (output type)
  CliRun r = vestigeCli("dicom convert " + shellQuote(baselineFolder(hcc).string()) + " -o " +
                        shellQuote((tmp / "x.png").string()));
  EXPECT_EQ(r.exitCode, 2) << r.output;
  // 3: not found
  r = vestigeCli("dicom ls " + shellQuote((tmp / "missing").string()));
  EXPECT_EQ(r.exitCode, 3) << r.output;
  EXPECT_NE(r.output.find("missing"), std::string::npos);
  // 8: several series, no UID: the message lists them
  r = vestigeCli("dicom convert " + shellQuote(hcc.string()) + " -o " + shellQuote((tmp / "x.nii.gz").string()));
  EXPECT_EQ(r.exitCode, 8) << r.output;
  EXPECT_NE(r.output.find("--series"), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp / "x.nii.gz"));
  // 6: invalid format
  std::FILE* f = std::fopen((tmp / "bad.nii.gz").c_str(), "w");
  std::fputs("not a nifti", f);
  std::fclose(f);
  r = vestigeCli("info " + shellQuote((tmp / "bad.nii.gz").string()));
  EXPECT_EQ(r.exitCode, 6) << r.output;
  EXPECT_NE(r.output.find("bad.nii.gz"), std::string::npos);
  // Nothing half-written is left behind.
  for (const auto& e : fs::directory_iterator(tmp))
    EXPECT_EQ(e.path().filename().string().find(".vestige-tmp"), std::string::npos) << e.path();
}
