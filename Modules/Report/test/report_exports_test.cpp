// Exports that never take the report down. A follow-up series whose headers hold over-long Decimal Strings, over-long
// SH/LO values and Latin-1 names (as independently made scans do) still gives report.html, report.pdf and a SEG, SR
// and Secondary Captures without a dciodvfy Error line; an export that cannot be written is listed with its reason
// while report.html and report.pdf are still written.
#include "../../Dicom/test/bad_header_series.h"
#include "../../Visualization/test/synthetic_plan.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_writer.h"
#include "vestige/report/report.h"
#include "vestige/testing/test_support.h"
#include "vestige/visualization/render.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>

// Liver outline pictures the report adds: axial and coronal through the liver's centre and through each follow-up
// place a warning names.
inline std::size_t liverOutlinePictures(const vestige::planning::PlanSummary& s) {
  std::size_t places = 1;
  for (const auto& w : s.warnings)
    places += (w.placeLps && w.scan != "baseline") ? 1 : 0;
  return 2 * places;
}

namespace vestige::report {
namespace {

namespace fs = std::filesystem;

using vestige::testing::dciodvfyErrors;

class ReportExports : public ::testing::Test {
protected:
  void SetUp() override {
    m_dir = testing::freshTempDir("report-exports");
    m_plan = testplan::makeSyntheticPlan();
    dicom::SeriesWriteInfo info;
    info.patientName = "Synthetic^Patient";
    info.patientId = "SYN001";
    info.studyDate = "20260402";
    info.seriesDescription = "follow-up CT";
    const std::string uid = dicom::writeImageSeries(m_plan.masks.followup, info, m_dir / "followup");
    m_plan.summary.followup.source = (m_dir / "followup").string();
    m_plan.summary.followup.seriesUid = uid;
    m_options.renders = false; // the render tests cover the 3D views; these tests need no display
    m_options.meshes = false;
  }
  void TearDown() override { fs::remove_all(m_dir); }

  fs::path m_dir;
  testplan::SyntheticPlan m_plan;
  ReportOptions m_options;
};

TEST_F(ReportExports, BadHeaderFollowupGivesReportAndValidDicom) {
  testing_bad_headers::spoilSeriesHeaders(m_dir / "followup");
  std::string sourceOutput;
  ASSERT_GE(dciodvfyErrors(*fs::directory_iterator(m_dir / "followup"), sourceOutput), 5) << "the source is spoiled";

  const ReportFiles files = writeReport(m_plan.summary, m_plan.masks, m_dir / "out", m_options);
  EXPECT_TRUE(fs::exists(files.html));
  EXPECT_TRUE(fs::exists(files.pdf));
  for (const FailedExport& f : files.failed)
    ADD_FAILURE() << f.name << ": " << f.reason;
  // SEG, SR, one SC per picture (liver outline and site slices)
  const std::size_t expected = 2 + liverOutlinePictures(m_plan.summary) + 2 * m_plan.summary.lesions.size();
  ASSERT_EQ(files.dicom.size(), expected);
  int total = 0;
  for (const fs::path& f : files.dicom) {
    std::string output;
    const int errors = dciodvfyErrors(f, output);
    EXPECT_EQ(errors, 0) << f << "\n" << output;
    std::printf("dciodvfy %s: %d error lines\n", f.filename().string().c_str(), errors);
    total += errors;
  }
  EXPECT_EQ(total, 0) << "over " << files.dicom.size() << " objects";

  // Remnant and resection zone are told from the liver; metastases coded as such (the default diagnosis).
  const auto segments = dicom::readSegmentation(files.dicom[0]);
  ASSERT_GE(segments.size(), 4U);
  EXPECT_EQ(segments[0].typeMeaning, "Liver");
  EXPECT_EQ(segments[1].typeMeaning, "Future liver remnant");
  EXPECT_EQ(segments[2].typeMeaning, "Resection zone");
  EXPECT_EQ(segments[3].typeMeaning, "Neoplasm, Secondary");
}

TEST_F(ReportExports, HccCaseCodesItsTumoursAsHcc) {
  m_plan.summary.diagnosis = "hcc";
  const ReportFiles files = writeReport(m_plan.summary, m_plan.masks, m_dir / "out", m_options);
  ASSERT_TRUE(files.failed.empty());
  const auto segments = dicom::readSegmentation(files.dicom.at(0));
  ASSERT_EQ(segments.size(), 3 + m_plan.summary.lesions.size() + 1);
  for (std::size_t s = 3; s < segments.size(); ++s)
    EXPECT_EQ(segments[s].typeMeaning, "Hepatocellular carcinoma") << segments[s].label;
  std::string output;
  EXPECT_EQ(dciodvfyErrors(files.dicom.at(0), output), 0) << output;
}

TEST_F(ReportExports, UnwritableDicomFolderIsReportedAndTheReportStillWritten) {
  fs::create_directories(m_dir / "out");
  std::ofstream(m_dir / "out" / "dicom") << "a file where the dicom folder belongs";
  const ReportFiles files = writeReport(m_plan.summary, m_plan.masks, m_dir / "out", m_options);
  EXPECT_TRUE(fs::exists(files.html));
  EXPECT_TRUE(fs::exists(files.pdf));
  EXPECT_TRUE(files.dicom.empty());
  std::vector<std::string> names;
  for (const FailedExport& f : files.failed) {
    names.push_back(f.name);
    EXPECT_FALSE(f.reason.empty()) << f.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"DICOM SEG", "DICOM SR", "DICOM Secondary Capture"}));
  // The report says which exports are missing and why.
  std::ifstream in(files.html);
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("DICOM SEG not written"), std::string::npos);
  // Everything else is there: the site pictures.
  EXPECT_EQ(files.images.size(), liverOutlinePictures(m_plan.summary) + 2 * m_plan.summary.lesions.size());
}

TEST_F(ReportExports, UnreadableFollowupIsReportedAndTheReportStillWritten) {
  const fs::path broken = m_dir / "broken";
  fs::create_directories(broken);
  std::ofstream(broken / "IM0001.dcm") << "not a DICOM file";
  m_plan.summary.followup.source = broken.string();
  const ReportFiles files = writeReport(m_plan.summary, m_plan.masks, m_dir / "out", m_options);
  EXPECT_TRUE(fs::exists(files.html));
  EXPECT_TRUE(fs::exists(files.pdf));
  ASSERT_EQ(files.failed.size(), 1U);
  EXPECT_EQ(files.failed[0].name, "DICOM exports (SEG, SR, Secondary Capture)");
  EXPECT_NE(files.failed[0].reason.find(broken.string()), std::string::npos) << files.failed[0].reason;
}

// Site pictures (and so their Secondary Captures) carry their reading aids in the pixels: the title, the R/L and
// A/P letters, the legend and the scale bar label change the picture against the bare slice in those places only.
TEST_F(ReportExports, SitePicturesCarryBurnedInAnnotation) {
  m_options.dicom = false;
  const ReportFiles files = writeReport(m_plan.summary, m_plan.masks, m_dir / "out", m_options);
  ASSERT_FALSE(files.images.empty());
  const visualization::RgbImage annotated =
      visualization::readPng(files.images[liverOutlinePictures(m_plan.summary)].file); // site L1, axial
  const visualization::RgbImage bare =
      visualization::renderSiteSlice(m_plan.summary, m_plan.masks, 0, visualization::SlicePlane::Axial);
  ASSERT_EQ(annotated.width, bare.width);
  ASSERT_EQ(annotated.height, bare.height);
  const int w = bare.width, h = bare.height;
  auto changed = [&](int x0, int y0, int x1, int y1) {
    int n = 0;
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x)
        for (int c = 0; c < 3; ++c) {
          const std::size_t i = (static_cast<std::size_t>(y) * w + x) * 3 + c;
          if (annotated.rgb[i] != bare.rgb[i]) {
            ++n;
            break;
          }
        }
    return n;
  };
  EXPECT_GT(changed(0, 0, w / 2, 30), 100) << "title";
  EXPECT_GT(changed(0, h / 2 - 20, 30, h / 2 + 10), 20) << "R";
  EXPECT_GT(changed(w - 30, h / 2 - 20, w, h / 2 + 10), 20) << "L";
  EXPECT_GT(changed(w / 2 - 15, h - 30, w / 2 + 15, h), 20) << "P";
  EXPECT_GT(changed(w / 2, h - 140, w, h - 20), 500) << "legend";
  EXPECT_GT(changed(0, h - 60, 80, h - 20), 50) << "scale bar and its label";
  EXPECT_EQ(changed(w / 4, h / 4, 3 * w / 4, 3 * h / 4 - 60), 0) << "the centre of the picture is left alone";
}

} // namespace
} // namespace vestige::report
