// Warnings that make a plan's verdict provisional (issue 17), on the phantom (seed 1) planned as a user would:
// a follow-up series cropped through the liver's dome (liver_cut_by_scan) and a body size whose expected liver
// volume is far from the measured one (liver_volume_unusual) give a provisional verdict in plan.json, the console
// and both reports; the same case with the true livers and the phantom's own body size gives none.
#include "cli_run.h"
#include "vestige/dicom/catalog.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using namespace vestige;
using nlohmann::json;
using vestige::testing::CliRun;
using vestige::testing::shellQuote;
using vestige::testing::vestigeCli;

std::string readText(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> codes(const json& plan) {
  std::vector<std::string> out;
  for (const auto& w : plan.at("warnings"))
    out.push_back(w.at("code").get<std::string>());
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class CliPlanWarnings : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_dir = vestige::testing::freshTempDir("cli-plan-warnings");
    const CliRun run = vestigeCli("-q phantom --seed 1 -o " + shellQuote((s_dir / "phantom").string()));
    ASSERT_EQ(run.exitCode, 0) << run.output;
  }
  static void TearDownTestSuite() { fs::remove_all(s_dir); }

  static json caseFile() {
    std::ifstream in(s_dir / "phantom" / "case.json");
    json c = json::parse(in);
    // Paths in a case file are relative to its folder: make them absolute, the test writes its own case files.
    for (const char* key : {"baseline", "followup"})
      c[key]["series"] = (s_dir / "phantom" / c[key]["series"].get<std::string>()).string();
    for (auto& l : c["lesions"])
      l["mask"] = (s_dir / "phantom" / l["mask"].get<std::string>()).string();
    return c;
  }

  static CliRun plan(const json& c, const std::string& name) {
    const fs::path file = s_dir / (name + ".json");
    std::ofstream(file) << c.dump(2);
    return vestigeCli("plan " + shellQuote(file.string()) + " -o " + shellQuote((s_dir / name).string()));
  }

  static inline fs::path s_dir;
};

TEST_F(CliPlanWarnings, CroppedScanAndImplausibleBodySizeMakeTheVerdictProvisional) {
  // The follow-up without its slices above 20 mm below the true liver's top: the scan cuts through the dome.
  const auto liver = dicom::loadMask(s_dir / "phantom" / "truth" / "followup" / "liver.nii.gz");
  const core::IndexBox box = core::boundingBox(liver);
  const double liverTopZ = liver.geometry.indexToLps({0, 0, double(box.hi[2])})[2];
  const fs::path cropped = s_dir / "followup-cropped";
  fs::create_directories(cropped);
  std::size_t kept = 0, dropped = 0;
  for (const auto& e : fs::directory_iterator(s_dir / "phantom" / "followup" / "dicom")) {
    const auto header = dicom::readInstanceHeader(e.path());
    ASSERT_FALSE(header.frameHeaders.empty());
    if (header.frameHeaders.front().positionLps[2] > liverTopZ - 20.0) {
      ++dropped;
      continue;
    }
    fs::copy_file(e.path(), cropped / e.path().filename());
    ++kept;
  }
  ASSERT_GT(dropped, 10u);
  ASSERT_GT(kept, 50u);

  json c = caseFile();
  c["followup"]["series"] = cropped.string();
  // 200 cm and 150 kg: BSA 2.89 m2 (Mosteller), TELV 2868 mL (Vauthey), against a phantom liver of about 1.5 L.
  c["patient"]["height_cm"] = 200;
  c["patient"]["weight_kg"] = 150;
  const CliRun run = plan(c, "provisional");
  ASSERT_EQ(run.exitCode, 0) << run.output;
  EXPECT_NE(run.output.find("PROVISIONAL"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("WARNING [liver_cut_by_scan] followup"), std::string::npos) << run.output;

  const json p = json::parse(readText(s_dir / "provisional" / "plan.json"));
  EXPECT_TRUE(p.at("verdict_provisional").get<bool>());
  // No sign_off in the case file: plan.json and the console say which confirmations are missing.
  EXPECT_EQ(p.at("sign_off").at("missing"), json({"livers", "statuses"}));
  EXPECT_TRUE(p.at("sign_off").at("livers").is_null());
  EXPECT_NE(run.output.find("liver outlines not confirmed"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("follow-up statuses not confirmed"), std::string::npos) << run.output;
  const auto found = codes(p);
  EXPECT_TRUE(has(found, "liver_cut_by_scan")) << p.at("warnings").dump(1);
  EXPECT_TRUE(has(found, "liver_volume_unusual")) << p.at("warnings").dump(1);
  for (const auto& w : p.at("warnings"))
    if (w.at("code") == "liver_cut_by_scan") {
      EXPECT_EQ(w.at("scan"), "followup");
      EXPECT_NE(w.at("message").get<std::string>().find("top slice"), std::string::npos) << w.dump();
      // The place is in the cropped scan's top slice.
      EXPECT_NEAR(w.at("place_lps")[2].get<double>(), liverTopZ - 20.0, 2.0) << w.dump();
    } else if (w.at("code") == "liver_volume_unusual") {
      EXPECT_LT(w.at("value").get<double>(), -36.0) << w.dump(); // percent below TELV
    }

  const std::string html = readText(s_dir / "provisional" / "report.html");
  EXPECT_NE(html.find("class=\"verdict provisional\""), std::string::npos);
  EXPECT_EQ(html.find("class=\"verdict ok\""), std::string::npos);
  EXPECT_NE(html.find("PROVISIONAL"), std::string::npos);
  EXPECT_NE(html.find("[liver_volume_unusual]"), std::string::npos);
  const fs::path text = s_dir / "provisional" / "report.txt";
  ASSERT_EQ(std::system(("pdftotext -f 1 -l 1 " + shellQuote((s_dir / "provisional" / "report.pdf").string()) + " " +
                         shellQuote(text.string()))
                            .c_str()),
            0);
  const std::string page1 = readText(text);
  EXPECT_NE(page1.find("PROVISIONAL"), std::string::npos) << page1;
  EXPECT_NE(page1.find("liver_cut_by_scan"), std::string::npos) << page1;
  EXPECT_NE(page1.find("not confirmed"), std::string::npos) << page1; // the sign-off table on page 1
}

TEST_F(CliPlanWarnings, TrueLiversAndTheirBodySizeGiveAFinalVerdict) {
  json c = caseFile();
  c["followup_liver"] = (s_dir / "phantom" / "truth" / "followup" / "liver.nii.gz").string();
  c["baseline_liver"] = (s_dir / "phantom" / "truth" / "baseline" / "liver.nii.gz").string();
  // Without warnings the verdict is final once a person has confirmed the livers and the statuses (issue 16).
  c["sign_off"] = {{"livers", {{"by", "test"}, {"utc", "2026-12-03T20:00:00Z"}}},
                   {"statuses", {{"by", "test"}, {"utc", "2026-12-03T20:01:00Z"}, {"note", "as planned"}}}};
  const CliRun run = plan(c, "final");
  ASSERT_EQ(run.exitCode, 0) << run.output;
  const json p = json::parse(readText(s_dir / "final" / "plan.json"));
  EXPECT_FALSE(p.at("verdict_provisional").get<bool>()) << p.at("warnings").dump(1);
  EXPECT_TRUE(p.at("warnings").empty()) << p.at("warnings").dump(1);
  EXPECT_TRUE(p.at("sign_off").at("complete").get<bool>());
  EXPECT_EQ(p.at("sign_off").at("statuses").at("by"), "test");
  EXPECT_EQ(run.output.find("PROVISIONAL"), std::string::npos) << run.output;
  const std::string html = readText(s_dir / "final" / "report.html");
  EXPECT_NE(html.find("class=\"verdict ok\""), std::string::npos);
  EXPECT_EQ(html.find("PROVISIONAL"), std::string::npos);
  EXPECT_NE(html.find("2026-12-03T20:01:00Z"), std::string::npos); // who confirmed what and when
}

} // namespace
