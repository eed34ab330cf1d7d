// Values held to their Value Representation (vr_rules.h), and the SEG, SR and Secondary Capture written on a
// follow-up series whose headers carry over-long Decimal Strings, over-long SH/LO and Latin-1 names: every object
// passes dciodvfy without an Error line while the source itself does not.
#include "vestige/core/error.h"
#include "vestige/dicom/catalog.h"
#include "vestige/dicom/sc_writer.h"
#include "vestige/dicom/seg_writer.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/dicom/series_writer.h"
#include "vestige/dicom/sr_writer.h"
#include "vestige/dicom/vr_rules.h"
#include "vestige/testing/test_support.h"

#include "bad_header_series.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>

namespace vestige::dicom {
namespace {

namespace fs = std::filesystem;

using vestige::testing::dciodvfyErrors;

TEST(VrRules, DecimalStringKeepsTheNumberInSixteenCharacters) {
  EXPECT_EQ(formatDecimalString(0.78125), "0.78125");
  EXPECT_EQ(formatDecimalString(-189.70000000000002), "-189.7");
  EXPECT_EQ(formatDecimalString(-0.0), "0");
  EXPECT_EQ(formatDecimalString(1234567.123456789), "1234567.12345679");
  std::mt19937 random(7);
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-12, 12);
  for (int n = 0; n < 20000; ++n) {
    const double v = mantissa(random) * std::pow(10.0, exponent(random));
    const std::string s = formatDecimalString(v);
    ASSERT_LE(s.size(), 16U) << v;
    const double back = std::strtod(s.c_str(), nullptr);
    // At least 9 significant digits survive even for the longest negatives with exponents.
    ASSERT_LE(std::abs(back - v), 1e-9 * std::abs(v)) << v << " -> " << s;
  }
}

TEST(VrRules, OverLongDecimalStringsAreReformattedNotCut) {
  EXPECT_EQ(validDecimalString("0.78125000000000000\\-195.80000000000000"), "0.78125\\-195.8");
  EXPECT_EQ(validDecimalString("0.70312500000000011"), "0.703125"); // 1e-16 away: the 15 digits that fit
  EXPECT_EQ(validDecimalString("1.2\\1.2"), "1.2\\1.2");            // valid: unchanged
  EXPECT_EQ(validDecimalString(" 3.5 "), " 3.5 ");
  EXPECT_EQ(validDecimalString("1,5"), ""); // not a DICOM number
  EXPECT_EQ(validDecimalString("-1.2345678901234567e-05"), "-1.23456789e-05");
  EXPECT_EQ(validIntegerString("12.0\\7\\ 42"), "12\\7\\ 42");
  EXPECT_EQ(validIntegerString("99999999999999"), "");
  EXPECT_EQ(validCodeString("Abdomen/Pelvis"), "ABDOMENPELVIS");
  EXPECT_EQ(validCodeString("ORIGINAL\\PRIMARY"), "ORIGINAL\\PRIMARY");
  EXPECT_EQ(validCodeString("A VERY LONG CODE STRING VALUE"), "A VERY LONG CODE");
  EXPECT_EQ(validPersonName("Doe^John^A^Dr^Jr"), "Doe^John^A^Dr^Jr");
  EXPECT_EQ(validPersonName("Doe^John^A^Dr^Jr^PhD"), "Doe^John^A^Dr^Jr PhD");
  EXPECT_EQ(validPersonName(std::string(80, 'x')).size(), 64U);
}

TEST(VrRules, TextIsClippedAtCharacterAndWordBoundaries) {
  const std::string umlauts = "\xc3\xa4\xc3\xa4\xc3\xa4"; // "äää" in UTF-8, 6 bytes
  EXPECT_EQ(clipText(umlauts, 5), "\xc3\xa4\xc3\xa4");
  EXPECT_EQ(clipText("a\nb", 10), "a b");
  EXPECT_EQ(clipText("a\nb", 10, true), "a\nb");
  const std::string description = "Original site, baseline extent projected onto the follow-up; disappeared";
  EXPECT_EQ(shortenAtWord(description, 64), "Original site, baseline extent projected onto the follow-up");
  EXPECT_EQ(shortenAtWord(description, 20), "Original site");
  EXPECT_EQ(shortenAtWord("short", 64), "short");
  EXPECT_EQ(shortenAtWord(std::string(70, 'y'), 64).size(), 64U);
}

class BadHeaderFollowup : public ::testing::Test {
protected:
  void SetUp() override {
    m_dir = testing::freshTempDir("bad-header");
    core::ImageGeometry g;
    g.size = {40, 36, 12};
    g.spacingMm = {0.7031250000000001, 0.7031250000000001, 2.5};
    g.originLps = {-20.000000000000004, -15.3, 80.1};
    const double c = std::cos(0.1), s = std::sin(0.1);
    g.direction = {{{c, -s, 0}, {s, c, 0}, {0, 0, 1}}};
    core::Image ct(g, -1000.0F);
    for (std::size_t v = 0; v < ct.voxels.size(); ++v)
      ct.voxels[v] = static_cast<float>(v % 300) - 150.0F;
    SeriesWriteInfo info;
    info.patientName = "Bad^Header";
    info.patientId = "BH001";
    info.studyDate = "20260101";
    writeImageSeries(ct, info, m_dir / "ct");
    testing_bad_headers::spoilSeriesHeaders(m_dir / "ct");
    m_loaded = loadSeries(m_dir / "ct");
    m_mask = core::Mask(m_loaded.image.geometry, 0);
    for (std::size_t k = 3; k < 9; ++k)
      for (std::size_t j = 10; j < 25; ++j)
        for (std::size_t i = 8; i < 30; ++i)
          m_mask.at(i, j, k) = 1;
  }
  void TearDown() override { fs::remove_all(m_dir); }

  fs::path m_dir;
  LoadedSeries m_loaded;
  core::Mask m_mask;
};

TEST_F(BadHeaderFollowup, SegSrAndCapturesPassDciodvfy) {
  // The source is as bad as intended: dciodvfy reports errors on it (over-long DS, SH, LO).
  std::string sourceOutput;
  EXPECT_GE(dciodvfyErrors(m_loaded.series.instances.front().file, sourceOutput), 5) << sourceOutput;
  // Read through the spoiled headers, the geometry is the one written.
  EXPECT_NEAR(m_loaded.image.geometry.spacingMm[0], 0.703125, 1e-9);

  const std::vector<SegmentSpec> segments{{"Liver",
                                           "Follow-up liver, tumours included",
                                           {"123037004", "SCT", "Anatomical Structure"},
                                           {"10200004", "SCT", "Liver"},
                                           {},
                                           {200, 230, 201},
                                           "",
                                           m_mask}};
  DerivedSeriesInfo info;
  info.seriesDescription = "Vestige plan segmentation";
  const WrittenObject seg = writeSegmentation(m_loaded.series, segments, info, m_dir / "seg.dcm");
  const std::vector<SrMeasurementGroup> groups{{"Liver",
                                                1,
                                                {"10200004", "SCT", "Liver"},
                                                {},
                                                {{{"118565006", "SCT", "Volume"}, 123.4, {"ml", "UCUM", "milliliter"}}},
                                                {}}};
  const WrittenObject sr = writeMeasurementReport(m_loaded.series, seg, groups, info, m_dir / "sr.dcm");
  EXPECT_EQ(sr.sopClassUid, "1.2.840.10008.5.1.4.1.1.88.22"); // Enhanced SR, as the file says
  {
    DcmFileFormat ff;
    ASSERT_TRUE(ff.loadFile(sr.file.string().c_str()).good());
    OFString sopClass;
    ff.getDataset()->findAndGetOFString(DCM_SOPClassUID, sopClass);
    EXPECT_EQ(std::string(sopClass.c_str()), sr.sopClassUid);
  }
  CapturedImage picture{32, 24, std::vector<std::uint8_t>(32 * 24 * 3, 90), "axial view"};
  const auto captures = writeSecondaryCaptures(m_loaded.series, {picture}, info, m_dir / "sc");
  ASSERT_EQ(captures.size(), 1U);

  int total = 0;
  for (const fs::path& file : {seg.file, sr.file, captures[0].file}) {
    std::string output;
    const int errors = dciodvfyErrors(file, output);
    EXPECT_EQ(errors, 0) << file << "\n" << output;
    total += errors;
    std::printf("dciodvfy %s: %d error lines\n", file.filename().string().c_str(), errors);
  }
  EXPECT_EQ(total, 0);

  // The Latin-1 name arrives as UTF-8, whole.
  const Catalog catalog = scanCatalog(seg.file);
  ASSERT_EQ(catalog.patients.size(), 1U);
  EXPECT_EQ(catalog.patients[0].patientName.rfind("M\xc3\xbcller-L\xc3\xbc"
                                                  "denscheid^J\xc3\xbcrgen",
                                                  0),
            0U)
      << catalog.patients[0].patientName;
}

} // namespace
} // namespace vestige::dicom
