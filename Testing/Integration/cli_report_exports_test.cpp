// `vestige report` when an export cannot be written: the report is still written, stderr names each missing export
// with its reason, and the exit code is 10 (Documentation/cli.md); with every export written it is 0.
#include "../../Modules/Visualization/test/synthetic_plan.h"
#include "cli_run.h"
#include "vestige/dicom/series_writer.h"
#include "vestige/planning/plan_result.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sys/wait.h>

namespace {

namespace fs = std::filesystem;
using namespace vestige;

using vestige::testing::CliRun;
using vestige::testing::shellQuote;
using vestige::testing::vestigeCli;

class CliReportExports : public ::testing::Test {
protected:
  void SetUp() override {
    m_dir = vestige::testing::freshTempDir("cli-report-exports");
    auto plan = testplan::makeSyntheticPlan();
    dicom::SeriesWriteInfo info;
    info.patientName = "Synthetic^Patient";
    info.patientId = "SYN001";
    info.studyDate = "20260402";
    plan.summary.followup.seriesUid = dicom::writeImageSeries(plan.masks.followup, info, m_dir / "followup");
    plan.summary.followup.source = (m_dir / "followup").string();
    planning::writePlanFolder(plan.summary, plan.masks, m_dir / "plan");
  }
  void TearDown() override { fs::remove_all(m_dir); }
  fs::path m_dir;
};

TEST_F(CliReportExports, MissingExportsGiveExitCode10AndTheReport) {
  std::ofstream(m_dir / "plan" / "dicom") << "a file where the dicom folder belongs";
  const CliRun run = vestigeCli("-q report --no-renders --no-meshes '" + (m_dir / "plan").string() + "'");
  EXPECT_EQ(run.exitCode, 10) << run.output;
  EXPECT_TRUE(fs::exists(m_dir / "plan" / "report.html"));
  EXPECT_TRUE(fs::exists(m_dir / "plan" / "report.pdf"));
  EXPECT_NE(run.output.find("3 export(s) missing"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("DICOM SEG: "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("Not a directory"), std::string::npos) << run.output;

  fs::remove(m_dir / "plan" / "dicom");
  const CliRun again = vestigeCli("-q report --no-renders --no-meshes '" + (m_dir / "plan").string() + "'");
  EXPECT_EQ(again.exitCode, 0) << again.output;
  EXPECT_TRUE(fs::exists(m_dir / "plan" / "dicom" / "plan_seg.dcm"));
}

} // namespace
