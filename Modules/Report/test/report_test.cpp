// The report of a synthetic plan with known figures: HTML and PDF hold every required item and say nothing that
// contradicts itself; DICOM objects written from a follow-up series pass dciodvfy and the SEG reads back equal to the
// plan's masks. PDF text is read back with pdftotext (poppler-utils).
#include "../../Visualization/test/synthetic_plan.h"
#include "../src/content.h"

#include "vestige/core/error.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/dicom/series_writer.h"
#include "vestige/report/report.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

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

using vestige::testing::dciodvfyErrors;

// The PDF's text, one entry per page (pdftotext -layout keeps each printed line on one line); nullopt when
// pdftotext is not installed.
std::optional<std::vector<std::string>> pdfPages(const fs::path& pdf) {
  if (std::system("command -v pdftotext >/dev/null 2>&1") != 0)
    return std::nullopt;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(("pdftotext -layout \"" + pdf.string() + "\" - 2>&1").c_str(), "r"),
                                             pclose);
  std::string text;
  char buffer[4096];
  while (pipe && fgets(buffer, sizeof buffer, pipe.get()) != nullptr)
    text += buffer;
  std::vector<std::string> pages(1);
  for (char ch : text) {
    if (ch == '\f')
      pages.emplace_back();
    else
      pages.back() += ch;
  }
  if (pages.back().find_first_not_of(" \n") == std::string::npos)
    pages.pop_back();
  return pages;
}

#define REQUIRE_PDFTOTEXT(pages)                                                                                       \
  if (!(pages))                                                                                                        \
  GTEST_SKIP() << "pdftotext not found: install poppler-utils (scripts/install-deps.sh names it) to check the PDF "    \
                  "text"

// The synthetic plan with `extra` more sites S01, S02, ... (shrunk, not in any scenario): a site table that needs
// several pages.
testplan::SyntheticPlan planWithSites(std::size_t extra) {
  auto plan = testplan::makeSyntheticPlan();
  for (std::size_t k = 1; k <= extra; ++k) {
    planning::LesionResult l = plan.summary.lesions.front();
    l.id = (k < 10 ? "S0" : "S") + std::to_string(k);
    l.followupVolumeMl = 0.5 * l.baselineVolumeMl;
    l.missingMetastasis = false;
    plan.summary.lesions.push_back(l);
  }
  return plan;
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
  using namespace detail;
  EXPECT_NE(html.find("Synthetic, Patient (ID SYN001)"), std::string::npos);
  EXPECT_NE(html.find(s.followup.seriesUid), std::string::npos);
  EXPECT_NE(html.find(s.baseline.seriesUid), std::string::npos);
  EXPECT_NE(html.find("not a certified medical device"), std::string::npos);
  EXPECT_NE(html.find("not weights"), std::string::npos);
  EXPECT_NE(html.find("FLR " + fixed(s.flrPercent, 1) + " %"), std::string::npos);
  EXPECT_NE(html.find("sFLR " + fixed(*s.sflrPercent, 1) + " %"), std::string::npos);
  EXPECT_NE(html.find("minimum 30 %"), std::string::npos);
  EXPECT_NE(html.find(formatMl(s.liverMl) + " mL"), std::string::npos);
  EXPECT_NE(html.find(formatMl(s.remnantMl) + " mL"), std::string::npos);
  EXPECT_NE(html.find("all_original_sites"), std::string::npos);
  EXPECT_NE(html.find("visible_only"), std::string::npos);
  EXPECT_NE(html.find("Registration quality"), std::string::npos);
  EXPECT_NE(html.find("0.62 / 1.41"), std::string::npos);
  EXPECT_NE(html.find("no folding (min Jacobian 0.62)"), std::string::npos);
  for (const auto& l : s.lesions) {
    EXPECT_NE(html.find("<td>" + l.id + "</td>"), std::string::npos) << l.id;
    EXPECT_NE(html.find("<td>" + formatMm(l.depthBelowSurfaceMm) + " mm</td>"), std::string::npos) << l.id;
    EXPECT_NE(html.find("<td>" + formatMm(s.marginMm) + " + " + formatMm(l.uncertaintyMm) + " mm</td>"),
              std::string::npos);
  }
  // Only L3 is flagged as a missing metastasis.
  EXPECT_EQ(count(html, "<tr class=\"flag\">"), 1U);
  EXPECT_NE(html.find("Site L3 (disappeared"), std::string::npos);
  // Self-contained: one embedded PNG per picture (the liver outline, two slices per site), no external references.
  EXPECT_EQ(files.images.size(), liverOutlinePictures(s) + 2 * s.lesions.size());
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
  ASSERT_EQ(files.dicom.size(), 2U + liverOutlinePictures(plan.summary) + 2 * plan.summary.lesions.size())
      << "SEG, SR and one SC per picture";
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

TEST(ReportNumbers, AreRoundedForReading) {
  using namespace detail;
  EXPECT_EQ(formatMl(1509.66), "1,510");
  EXPECT_EQ(formatMl(7.349), "7.3");
  EXPECT_EQ(formatMl(9.96), "10"); // 10.0 is not below 10
  EXPECT_EQ(formatMm(123.6), "124");
  EXPECT_EQ(formatMm(7.25), "7.3");
  EXPECT_EQ(formatMm(-65.0), "-65");
  EXPECT_EQ(formatMm(-0.04), "0.0");
  EXPECT_EQ(formatPercent(42.04), "42.0");
  EXPECT_EQ(formatPercent(1234.56), "1,234.6");
  EXPECT_EQ(formatJacobian(0.1249), "0.12");
  EXPECT_EQ(formatJacobian(-0.051), "-0.05");
  EXPECT_EQ(formatSeconds(754.4), "754");
  EXPECT_EQ(formatSeconds(3599.6), "3,600");
  EXPECT_EQ(formatCount(999), "999");
  EXPECT_EQ(formatCount(74263), "74,263");
  EXPECT_EQ(formatCount(1234567), "1,234,567");
}

TEST(ReportNumbers, PersonNamesLoseTheirCarets) {
  using detail::formatPersonName;
  EXPECT_EQ(formatPersonName("DOE^JOHN^^^"), "DOE, JOHN");
  EXPECT_EQ(formatPersonName("DOE^JOHN^A^DR^JR"), "DOE, DR JOHN A, JR");
  EXPECT_EQ(formatPersonName("DOE^^A"), "DOE, A");
  EXPECT_EQ(formatPersonName("^JOHN"), "JOHN");
  EXPECT_EQ(formatPersonName("DOE "), "DOE");
  EXPECT_EQ(formatPersonName("Yamada^Tarou=\xE5\xB1\xB1\xE7\x94\xB0^\xE5\xA4\xAA\xE9\x83\x8E"), "Yamada, Tarou");
  EXPECT_EQ(formatPersonName(""), "");
}

TEST_F(Report, NumbersInTheReportAreRounded) {
  auto plan = testplan::makeSyntheticPlan();
  plan.summary.liverMl = 1734.56;
  plan.summary.registration.seconds = 754.4;
  plan.summary.lesions[0].baselineVolumeMl = 7.349;
  plan.summary.lesions[0].baselineDiameterMm = 23.6;
  const std::string html = reportHtml(plan.summary, {});
  EXPECT_NE(html.find("<td>1,735 mL</td>"), std::string::npos);
  EXPECT_EQ(html.find("1734"), std::string::npos);
  EXPECT_NE(html.find("<td>754 s</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>24 mm, 7.3 mL</td>"), std::string::npos);
}

TEST_F(Report, RepairedFoldsAreNeverCalledNoFolding) {
  auto plan = testplan::makeSyntheticPlan();
  plan.summary.registration.minJacobian = 0.12;
  plan.summary.registration.repairedFoldVoxels = 74263;
  const std::string html = reportHtml(plan.summary, {});
  EXPECT_EQ(html.find("no folding"), std::string::npos);
  EXPECT_NE(html.find("folds smoothed at 74,263 voxels; min Jacobian 0.12 after repair"), std::string::npos);
  EXPECT_NE(html.find("0.12 / 1.41 after repair"), std::string::npos);
  // Folds left after the repair are said to be there.
  plan.summary.registration.minJacobian = -0.05;
  const std::string folded = reportHtml(plan.summary, {});
  EXPECT_NE(folded.find("FOLDED: min Jacobian -0.05 after folds smoothed at 74,263 voxels"), std::string::npos);
  EXPECT_EQ(folded.find("no folding"), std::string::npos);

  // The PDF says the same.
  plan.summary.registration.minJacobian = 0.12;
  writeReportPdf(plan.summary, {}, m_dir / "report.pdf");
  const auto pages = pdfPages(m_dir / "report.pdf");
  REQUIRE_PDFTOTEXT(pages);
  std::string all;
  for (const std::string& p : *pages)
    all += p;
  EXPECT_EQ(all.find("no folding"), std::string::npos);
  EXPECT_NE(all.find("folds smoothed at 74,263"), std::string::npos);
}

TEST_F(Report, ShrunkSiteShowsItsVolumeBasisAndSaysWhyItsDiameterIsLonger) {
  auto plan = testplan::makeSyntheticPlan();
  planning::LesionResult& l = plan.summary.lesions[0];
  ASSERT_EQ(l.status, "shrunk");
  l.baselineDiameterMm = 120.2;
  l.baselineVolumeMl = 905.2;
  l.followupVolumeMl = 380.2;
  l.followupDiameterMm = 124.3;
  std::string html = reportHtml(plan.summary, {});
  EXPECT_NE(html.find("<td>shrunk: 42.0 % of baseline volume (380 of 905 mL)</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>124 mm (baseline 120 mm): irregular remnant, longer though smaller in volume</td>"),
            std::string::npos);
  EXPECT_EQ(html.find("now 124"), std::string::npos);
  EXPECT_NE(html.find("<td>disappeared: no measurable lesion at the site</td><td>-</td>"), std::string::npos);

  // Equal once rounded, or shorter: nothing to explain.
  l.followupDiameterMm = 120.4;
  html = reportHtml(plan.summary, {});
  EXPECT_NE(html.find("<td>120 mm (baseline 120 mm)</td>"), std::string::npos);
  EXPECT_EQ(html.find("irregular remnant"), std::string::npos);

  // A status the radiologist set is shown as such, with what the image measured.
  l.statusOverridden = true;
  html = reportHtml(plan.summary, {});
  EXPECT_NE(html.find("<td>shrunk (marked by the radiologist; image: 42.0 % of baseline volume (380 of 905 mL))</td>"),
            std::string::npos);
}

TEST_F(Report, HtmlPrintsWithRepeatedHeadersAndNoBackgrounds) {
  const auto plan = testplan::makeSyntheticPlan();
  const std::string html = reportHtml(plan.summary, {});
  EXPECT_NE(html.find("@media print"), std::string::npos);
  EXPECT_NE(html.find("@page{size:A4"), std::string::npos);
  EXPECT_NE(html.find("thead{display:table-header-group}"), std::string::npos);
  EXPECT_NE(html.find("break-inside:avoid"), std::string::npos);
  EXPECT_NE(html.find("background:none !important"), std::string::npos);
  // Every table with a header row (scenarios, sites) has it in a <thead>.
  EXPECT_EQ(count(html, "<thead><tr><th>"), 2U);
  EXPECT_EQ(count(html, "<table>"), count(html, "</tbody></table>"));
}

TEST_F(Report, EveryPdfPageCarriesThePatientAndPageNOfM) {
  auto plan = planWithSites(40);
  plan.summary.followup.patientName = "DOE^JOHN^^^";
  writeReportPdf(plan.summary, {}, m_dir / "report.pdf");
  const auto pages = pdfPages(m_dir / "report.pdf");
  REQUIRE_PDFTOTEXT(pages);
  const std::string pdf = slurp(m_dir / "report.pdf");
  const std::size_t n = count(pdf, "/Type /Page\n") + count(pdf, "/Type /Page ");
  ASSERT_GE(n, 3U);
  ASSERT_EQ(pages->size(), n);
  for (std::size_t p = 0; p < n; ++p) {
    const std::string& page = (*pages)[p];
    EXPECT_NE(page.find("page " + std::to_string(p + 1) + " of " + std::to_string(n)), std::string::npos) << p + 1;
    EXPECT_NE(page.find("Patient DOE, JOHN (ID SYN001)"), std::string::npos) << p + 1;
    EXPECT_EQ(page.find('^'), std::string::npos) << p + 1;
  }
}

TEST_F(Report, LongSiteTableRepeatsItsHeaderOnEveryPage) {
  const auto plan = planWithSites(40);
  writeReportPdf(plan.summary, {}, m_dir / "report.pdf");
  const auto pages = pdfPages(m_dir / "report.pdf");
  REQUIRE_PDFTOTEXT(pages);
  std::size_t pagesWithSites = 0, rowsSeen = 0;
  for (std::size_t p = 0; p < pages->size(); ++p) {
    const std::string& page = (*pages)[p];
    std::size_t firstRow = std::string::npos;
    for (const auto& l : plan.summary.lesions) {
      if (l.id[0] != 'S')
        continue;
      const std::size_t at = page.find(l.id);
      rowsSeen += at != std::string::npos;
      firstRow = std::min(firstRow, at);
    }
    if (firstRow == std::string::npos)
      continue;
    // The header row ("Flag" is a header cell and nowhere else) stands above the first site row of the page.
    const std::size_t header = page.find("Flag");
    EXPECT_LT(header, firstRow) << "page " << p + 1;
    if (pagesWithSites++ > 0) {
      EXPECT_NE(page.find("Original sites (continued)"), std::string::npos) << "page " << p + 1;
    }
  }
  EXPECT_EQ(rowsSeen, 40U);
  EXPECT_GE(pagesWithSites, 2U);
}

TEST_F(Report, FollowupVolumeTravelsThroughPlanJson) {
  auto plan = testplan::makeSyntheticPlan();
  plan.summary.lesions[0].baselineVolumeMl = 905.2;
  plan.summary.lesions[0].followupVolumeMl = 380.2;
  const std::string text = planning::planToJson(plan.summary);
  const planning::PlanSummary back = planning::planFromJson(text, "test");
  ASSERT_TRUE(back.lesions[0].followupVolumeMl.has_value());
  EXPECT_DOUBLE_EQ(*back.lesions[0].followupVolumeMl, 380.2);
  EXPECT_FALSE(back.lesions[1].followupVolumeMl.has_value());
  EXPECT_NE(reportHtml(back, {}).find("shrunk: 42.0 % of baseline volume"), std::string::npos);
  // The status compares with the lesion measured inside the mark when the plan kept it (a generous mark is larger).
  planning::PlanSummary measured = back;
  measured.lesions[0].statusReferenceMl = 760.4;
  const planning::PlanSummary measuredBack = planning::planFromJson(planning::planToJson(measured), "test");
  EXPECT_NE(reportHtml(measuredBack, {}).find("shrunk: 50.0 % of baseline volume (380 of 760 mL)"), std::string::npos);
  // A plan.json written before the follow-up volume was kept still reads, and the status keeps its stated basis.
  auto json = nlohmann::json::parse(text);
  for (auto& l : json["lesions"])
    l.erase("followup_volume_ml");
  const planning::PlanSummary old = planning::planFromJson(json.dump(), "old plan.json");
  EXPECT_FALSE(old.lesions[0].followupVolumeMl.has_value());
  EXPECT_NE(reportHtml(old, {}).find("<td>shrunk: by follow-up volume against baseline volume</td>"),
            std::string::npos);
}

} // namespace
} // namespace vestige::report
