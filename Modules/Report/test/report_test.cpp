// The report of a synthetic plan with known figures: HTML and PDF hold every required item; DICOM objects written
// from a follow-up series pass dciodvfy and the SEG reads back equal to the plan's masks.
#include "../../Visualization/test/synthetic_plan.h"

#include "vestige/core/error.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/dicom/series_writer.h"
#include "vestige/report/report.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

namespace vestige::report {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
    ++n;
  return n;
}

int dciodvfyErrors(const fs::path& file, std::string& output) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(("dciodvfy \"" + file.string() + "\" 2>&1").c_str(), "r"), pclose);
  char buffer[4096];
  int errors = 0;
  while (pipe && fgets(buffer, sizeof buffer, pipe.get()) != nullptr) {
    output += buffer;
    errors += std::string(buffer).rfind("Error", 0) == 0;
  }
  return errors;
}

std::string fixed(double v, int d) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", d, v);
  return b;
}

class Report : public ::testing::Test {
protected:
  void SetUp() override { m_dir = testing::freshTempDir("report"); }
  void TearDown() override { fs::remove_all(m_dir); }
  fs::path m_dir;
};

TEST_F(Report, HtmlAndPdfHoldEveryRequiredItem) {
  const auto plan = testplan::makeSyntheticPlan();
  ReportOptions options;
  options.renders = false; // the render tests cover the 3D views; this test needs no display
  options.dicom = false;
  const ReportFiles files = writeReport(plan.summary, plan.masks, m_dir, options);
  ASSERT_TRUE(fs::exists(files.html));
  ASSERT_TRUE(fs::exists(files.pdf));
  const std::string html = slurp(files.html);
  const auto& s = plan.summary;
  EXPECT_NE(html.find("Synthetic^Patient"), std::string::npos);
  EXPECT_NE(html.find("SYN001"), std::string::npos);
  EXPECT_NE(html.find(s.followup.seriesUid), std::string::npos);
  EXPECT_NE(html.find(s.baseline.seriesUid), std::string::npos);
  EXPECT_NE(html.find("not a certified medical device"), std::string::npos);
  EXPECT_NE(html.find("not weights"), std::string::npos);
  EXPECT_NE(html.find("FLR " + fixed(s.flrPercent, 1) + " %"), std::string::npos);
  EXPECT_NE(html.find("sFLR " + fixed(*s.sflrPercent, 1) + " %"), std::string::npos);
  EXPECT_NE(html.find("minimum 30 %"), std::string::npos);
  EXPECT_NE(html.find(fixed(s.liverMl, 1) + " mL"), std::string::npos);
  EXPECT_NE(html.find(fixed(s.remnantMl, 1) + " mL"), std::string::npos);
  EXPECT_NE(html.find("all_original_sites"), std::string::npos);
  EXPECT_NE(html.find("visible_only"), std::string::npos);
  EXPECT_NE(html.find("Registration quality"), std::string::npos);
  EXPECT_NE(html.find("0.62 / 1.41"), std::string::npos);
  for (const auto& l : s.lesions) {
    EXPECT_NE(html.find("<td>" + l.id + "</td>"), std::string::npos) << l.id;
    EXPECT_NE(html.find(fixed(l.depthBelowSurfaceMm, 1) + " mm"), std::string::npos) << l.id;
    EXPECT_NE(html.find(fixed(s.marginMm, 1) + " + " + fixed(l.uncertaintyMm, 1) + " mm"), std::string::npos);
  }
  // Only L3 is flagged as a missing metastasis.
  EXPECT_EQ(count(html, "<tr class=\"flag\">"), 1U);
  EXPECT_NE(html.find("Site L3 (disappeared"), std::string::npos);
  // Self-contained: one embedded PNG per picture (two slices per site), no external references.
  EXPECT_EQ(files.images.size(), 2 * s.lesions.size());
  EXPECT_EQ(count(html, "src=\"data:image/png;base64,iVBORw0KGgo"), files.images.size());
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("src=\"file"), std::string::npos);
  // A real multi-page PDF.
  const std::string pdf = slurp(files.pdf);
  EXPECT_EQ(pdf.rfind("%PDF-", 0), 0U);
  EXPECT_GE(count(pdf, "/Type /Page\n") + count(pdf, "/Type /Page "), 2U);
  // Meshes: STL + OBJ per object and the glTF scene.
  EXPECT_EQ(files.meshes.size(), 2 * 6 + 1);
  // No DICOM was asked for: the notes do not claim a skip either.
  EXPECT_TRUE(files.dicom.empty());
}

TEST_F(Report, InsufficientRemnantIsSaidSo) {
  auto plan = testplan::makeSyntheticPlan();
  plan.summary.flrSufficient = false;
  const std::string html = reportHtml(plan.summary, {});
  EXPECT_NE(html.find("Remnant INSUFFICIENT"), std::string::npos);
  EXPECT_EQ(html.find("Remnant sufficient"), std::string::npos);
}

TEST_F(Report, DicomExportsPassDciodvfyAndSegEqualsTheMasks) {
  auto plan = testplan::makeSyntheticPlan();
  dicom::SeriesWriteInfo info;
  info.patientName = "Synthetic^Patient";
  info.patientId = "SYN001";
  info.studyDate = "20260402";
  info.seriesDescription = "follow-up CT";
  const std::string uid = dicom::writeImageSeries(plan.masks.followup, info, m_dir / "followup");
  plan.summary.followup.source = (m_dir / "followup").string();
  plan.summary.followup.seriesUid = uid;
  ReportOptions options;
  options.renders = false;
  options.meshes = false;
  const ReportFiles files = writeReport(plan.summary, plan.masks, m_dir / "out", options);
  ASSERT_EQ(files.dicom.size(), 2U + 2 * plan.summary.lesions.size()) << "SEG, SR and one SC per picture";
  for (const fs::path& f : files.dicom) {
    std::string output;
    EXPECT_EQ(dciodvfyErrors(f, output), 0) << f << "\n" << output;
  }
  const auto segments = dicom::readSegmentation(files.dicom[0]);
  const dicom::LoadedSeries followup = dicom::loadSeries(m_dir / "followup");
  std::vector<std::pair<std::string, core::Mask>> expected = {{"Liver", plan.masks.liver},
                                                              {"Future liver remnant", plan.masks.remnant},
                                                              {"Resection zone", plan.masks.resection}};
  for (std::size_t k = 0; k < plan.summary.lesions.size(); ++k)
    expected.emplace_back("Site " + plan.summary.lesions[k].id,
                          core::extractLabel(plan.masks.projectedSites, static_cast<std::uint16_t>(k + 1)));
  expected.emplace_back("Visible tumour", plan.masks.visibleTumour);
  ASSERT_EQ(segments.size(), expected.size());
  for (std::size_t s = 0; s < segments.size(); ++s) {
    EXPECT_EQ(segments[s].label, expected[s].first);
    const core::Mask back = dicom::conformMask(segments[s].mask, followup.image.geometry, segments[s].label);
    std::size_t differing = 0;
    for (std::size_t v = 0; v < back.voxels.size(); ++v)
      differing += (back.voxels[v] != 0) != (expected[s].second.voxels[v] != 0);
    EXPECT_EQ(differing, 0U) << segments[s].label;
  }
  EXPECT_EQ(segments[3].typeMeaning, "Neoplasm, Secondary");
  EXPECT_EQ(segments[0].typeMeaning, "Liver");
}

TEST_F(Report, VolumeFileFollowupSkipsDicomWithANote) {
  auto plan = testplan::makeSyntheticPlan();
  plan.summary.followup.source = (m_dir / "followup.nii.gz").string();
  std::ofstream(m_dir / "followup.nii.gz") << "x";
  ReportOptions options;
  options.renders = false;
  options.meshes = false;
  const ReportFiles files = writeReport(plan.summary, plan.masks, m_dir / "out", options);
  EXPECT_TRUE(files.dicom.empty());
  ASSERT_EQ(files.notes.size(), 1U);
  EXPECT_NE(files.notes[0].find("DICOM export skipped"), std::string::npos);
  EXPECT_NE(slurp(files.html).find("DICOM export skipped"), std::string::npos);
}

} // namespace
} // namespace vestige::report
