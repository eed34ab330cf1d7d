// The command line as a user meets it: documented exit codes (Documentation/cli.md), messages that name the
// file or series, outputs that load back with the same geometry.
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

struct CliRun {
  int exitCode = -1;
  std::string output; // stdout and stderr together
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s)
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

CliRun vestigeCli(const std::string& args) {
  CliRun r;
  FILE* p = ::popen((std::string(VESTIGE_CLI) + " " + args + " 2>&1 < /dev/null").c_str(), "r");
  if (!p)
    return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0)
    r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

fs::path baselineFolder(const fs::path& hcc) {
  for (const auto& e : fs::recursive_directory_iterator(hcc))
    if (e.is_directory() && e.path().filename().string().rfind("4.000000-Recon 2 LIVER", 0) == 0)
      return e.path();
  return {};
}

} // namespace

TEST(CliDicom, LsJsonListsHcc009) {
  VESTIGE_REQUIRE_DATA(hcc, "hcc-tace-seg-009");
  const CliRun r = vestigeCli("-q dicom ls --json " + quote(hcc.string()));
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
  const CliRun r = vestigeCli("-q dicom convert " + quote(baselineFolder(hcc).string()) + " -o " + quote(out.string()));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const core::Image written = dicom::readImage(out);
  const dicom::LoadedSeries direct = dicom::loadSeries(baselineFolder(hcc));
  EXPECT_TRUE(core::sameGrid(written.geometry, direct.image.geometry, 1e-3));
  EXPECT_EQ(written.voxels, direct.image.voxels);
  const CliRun info = vestigeCli("info " + quote(out.string()));
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
  CliRun r =
      vestigeCli("dicom convert " + quote(baselineFolder(hcc).string()) + " -o " + quote((tmp / "x.png").string()));
  EXPECT_EQ(r.exitCode, 2) << r.output;
  // 3: not found
  r = vestigeCli("dicom ls " + quote((tmp / "missing").string()));
  EXPECT_EQ(r.exitCode, 3) << r.output;
  EXPECT_NE(r.output.find("missing"), std::string::npos);
  // 8: several series, no UID: the message lists them
  r = vestigeCli("dicom convert " + quote(hcc.string()) + " -o " + quote((tmp / "x.nii.gz").string()));
  EXPECT_EQ(r.exitCode, 8) << r.output;
  EXPECT_NE(r.output.find("--series"), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp / "x.nii.gz"));
  // 6: invalid format
  std::FILE* f = std::fopen((tmp / "bad.nii.gz").c_str(), "w");
  std::fputs("not a nifti", f);
  std::fclose(f);
  r = vestigeCli("info " + quote((tmp / "bad.nii.gz").string()));
  EXPECT_EQ(r.exitCode, 6) << r.output;
  EXPECT_NE(r.output.find("bad.nii.gz"), std::string::npos);
  // Nothing half-written is left behind.
  for (const auto& e : fs::directory_iterator(tmp))
    EXPECT_EQ(e.path().filename().string().find(".vestige-tmp"), std::string::npos) << e.path();
}
