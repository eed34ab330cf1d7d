// SEG, SR and Secondary Capture writers on a small synthetic CT series: every object passes dciodvfy without an
// Error line, and the SEG read back through readSegmentation equals the masks written, voxel for voxel.
#include "vestige/core/error.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/sc_writer.h"
#include "vestige/dicom/seg_writer.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/dicom/series_writer.h"
#include "vestige/dicom/sr_writer.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

namespace vestige::dicom {
namespace {

namespace fs = std::filesystem;

// Error lines dciodvfy prints for the file, with the full output for the failure message.
using vestige::testing::dciodvfyErrors;

core::Mask ellipsoid(const core::ImageGeometry& g, const core::Vec3& centre, const core::Vec3& radii) {
  core::Mask m(g, 0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
        double s = 0;
        for (int a = 0; a < 3; ++a)
          s += std::pow((p[a] - centre[a]) / radii[a], 2);
        m.at(i, j, k) = s <= 1.0 ? 1 : 0;
      }
  return m;
}

class DicomWriters : public ::testing::Test {
protected:
  void SetUp() override {
    m_dir = testing::freshTempDir("dicom-writers");
    core::ImageGeometry g;
    g.size = {48, 40, 14};
    g.spacingMm = {0.9, 0.9, 2.5};
    g.originLps = {-20.0, -15.0, 80.0};
    // A slightly rotated axial acquisition, so a swapped axis or sign would show.
    const double c = std::cos(0.1), s = std::sin(0.1);
    g.direction = {{{c, -s, 0}, {s, c, 0}, {0, 0, 1}}};
    core::Image ct(g, -1000.0F);
    for (std::size_t v = 0; v < ct.voxels.size(); ++v)
      ct.voxels[v] = static_cast<float>(v % 200) - 100.0F;
    SeriesWriteInfo info;
    info.patientName = "Test^Writers";
    info.patientId = "W001";
    info.studyDate = "20260101";
    info.studyDescription = "writer test";
    info.seriesDescription = "synthetic CT";
    writeImageSeries(ct, info, m_dir / "ct");
    m_loaded = loadSeries(m_dir / "ct");
    m_geometry = m_loaded.image.geometry;
    const core::Vec3 centre = m_geometry.indexToLps({24, 20, 7});
    m_liver = ellipsoid(m_geometry, centre, {18, 14, 13});
    m_site = ellipsoid(m_geometry, core::add(centre, {5, 3, 2}), {5, 5, 5});
    m_remnant = m_liver;
    const core::Mask zone = ellipsoid(m_geometry, core::add(centre, {5, 3, 2}), {9, 9, 9});
    for (std::size_t v = 0; v < m_remnant.voxels.size(); ++v)
      m_remnant.voxels[v] = m_liver.voxels[v] && !zone.voxels[v];
  }
  void TearDown() override { fs::remove_all(m_dir); }

  std::vector<SegmentSpec> segments() const {
    std::vector<SegmentSpec> s;
    s.push_back({"Liver",
                 "whole liver",
                 {"123037004", "SCT", "Anatomical Structure"},
                 {"10200004", "SCT", "Liver"},
                 {},
                 {200, 230, 201},
                 "",
                 m_liver});
    s.push_back({"Future liver remnant",
                 "",
                 {"123037004", "SCT", "Anatomical Structure"},
                 {"10200004", "SCT", "Liver"},
                 {},
                 {102, 187, 106},
                 "",
                 m_remnant});
    s.push_back({"Site L1",
                 "disappeared",
                 {"49755003", "SCT", "Morphologically Altered Structure"},
                 {"14799000", "SCT", "Neoplasm, Secondary"},
                 {"10200004", "SCT", "Liver"},
                 {224, 64, 251},
                 "L1",
                 m_site});
    s.push_back({"Empty",
                 "",
                 {"49755003", "SCT", "Morphologically Altered Structure"},
                 {"14799000", "SCT", "Neoplasm, Secondary"},
                 {},
                 {1, 2, 3},
                 "",
                 core::Mask(m_geometry, 0)});
    return s;
  }

  fs::path m_dir;
  LoadedSeries m_loaded;
  core::ImageGeometry m_geometry;
  core::Mask m_liver, m_remnant, m_site;
};

TEST_F(DicomWriters, SegPassesDciodvfyAndRoundTrips) {
  DerivedSeriesInfo info;
  info.seriesDescription = "Vestige plan segmentation";
  const fs::path file = m_dir / "seg.dcm";
  const WrittenObject seg = writeSegmentation(m_loaded.series, segments(), info, file);
  ASSERT_TRUE(fs::exists(file));
  std::string output;
  EXPECT_EQ(dciodvfyErrors(file, output), 0) << output;

  const std::vector<Segment> back = readSegmentation(file);
  const auto written = segments();
  ASSERT_EQ(back.size(), written.size());
  for (std::size_t s = 0; s < back.size(); ++s) {
    EXPECT_EQ(back[s].number, s + 1);
    EXPECT_EQ(back[s].label, written[s].label);
    EXPECT_EQ(back[s].typeMeaning, written[s].type.meaning);
    GridMatch match{};
    const core::Mask onGrid = conformMask(back[s].mask, m_geometry, written[s].label, &match);
    EXPECT_NE(match, GridMatch::Resampled) << written[s].label;
    ASSERT_EQ(onGrid.voxels.size(), written[s].mask.voxels.size());
    std::size_t differing = 0;
    for (std::size_t v = 0; v < onGrid.voxels.size(); ++v)
      differing += (onGrid.voxels[v] != 0) != (written[s].mask.voxels[v] != 0);
    EXPECT_EQ(differing, 0U) << written[s].label;
  }
  EXPECT_GT(core::countNonZero(m_site), 100U); // the test masks are not trivially small
}

TEST_F(DicomWriters, SegKeepsPatientAndStudyOfTheSource) {
  const WrittenObject seg = writeSegmentation(m_loaded.series, segments(), {}, m_dir / "seg.dcm");
  const Catalog catalog = scanCatalog(m_dir / "seg.dcm");
  ASSERT_EQ(catalog.patients.size(), 1U);
  EXPECT_EQ(catalog.patients[0].patientId, "W001");
  ASSERT_EQ(catalog.patients[0].studies.size(), 1U);
  EXPECT_EQ(catalog.patients[0].studies[0].studyUid, m_loaded.series.studyUid);
  ASSERT_EQ(catalog.patients[0].studies[0].series.size(), 1U);
  EXPECT_EQ(catalog.patients[0].studies[0].series[0].frameOfReferenceUid, m_loaded.series.frameOfReferenceUid);
  EXPECT_EQ(catalog.patients[0].studies[0].series[0].seriesUid, seg.seriesInstanceUid);
}

TEST_F(DicomWriters, SegRefusesMasksOfAnotherGridAndLeavesNoFile) {
  auto s = segments();
  core::ImageGeometry other = m_geometry;
  other.originLps[2] += 2.5; // one slice off
  s[1].mask.geometry = other;
  const fs::path file = m_dir / "bad.dcm";
  try {
    (void)writeSegmentation(m_loaded.series, s, {}, file);
    FAIL() << "expected an error";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::InconsistentData);
    EXPECT_NE(std::string(e.what()).find("Future liver remnant"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(file));
  // Masks on a shifted grid but all consistent with each other: the source slices do not match.
  auto shifted = segments();
  for (auto& spec : shifted)
    spec.mask.geometry = other;
  EXPECT_THROW((void)writeSegmentation(m_loaded.series, shifted, {}, file), core::Error);
  EXPECT_FALSE(fs::exists(file));
}

TEST_F(DicomWriters, SrAndSecondaryCapturePassDciodvfy) {
  const WrittenObject seg = writeSegmentation(m_loaded.series, segments(), {}, m_dir / "seg.dcm");
  std::vector<SrMeasurementGroup> groups;
  groups.push_back({"Liver",
                    1,
                    {"10200004", "SCT", "Liver"},
                    {},
                    {{{"118565006", "SCT", "Volume"}, 1234.5, {"ml", "UCUM", "milliliter"}}},
                    {}});
  groups.push_back({"Site L1",
                    3,
                    {"14799000", "SCT", "Neoplasm, Secondary"},
                    {"10200004", "SCT", "Liver"},
                    {{{"118565006", "SCT", "Volume"}, 0.52, {"ml", "UCUM", "milliliter"}},
                     {{"111020", "DCM", "Depth"}, 12.3, {"mm", "UCUM", "millimeter"}}},
                    {{{"status", "99VESTIGE", "Follow-up status"}, "disappeared"}}});
  DerivedSeriesInfo info;
  info.seriesDescription = "Vestige plan measurements";
  info.seriesNumber = 901;
  const WrittenObject sr = writeMeasurementReport(m_loaded.series, seg, groups, info, m_dir / "sr.dcm");
  std::string output;
  EXPECT_EQ(dciodvfyErrors(sr.file, output), 0) << output;
  EXPECT_FALSE(sr.sopInstanceUid.empty());
  // Patient and study of the follow-up, and the measurements are in the file.
  const Catalog catalog = scanCatalog(sr.file);
  ASSERT_EQ(catalog.patients.size(), 1U);
  EXPECT_EQ(catalog.patients[0].patientId, "W001");
  EXPECT_EQ(catalog.patients[0].studies.at(0).studyUid, m_loaded.series.studyUid);
  std::ifstream in(sr.file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(bytes.find("1234.5"), std::string::npos);
  EXPECT_NE(bytes.find(seg.sopInstanceUid), std::string::npos);

  CapturedImage picture;
  picture.width = 64;
  picture.height = 48;
  picture.rgb.assign(64 * 48 * 3, 0);
  for (std::size_t p = 0; p < picture.rgb.size(); ++p)
    picture.rgb[p] = static_cast<std::uint8_t>(p % 251);
  picture.description = "anterior view";
  info.seriesNumber = 902;
  const auto captures = writeSecondaryCaptures(m_loaded.series, {picture, picture}, info, m_dir / "sc");
  ASSERT_EQ(captures.size(), 2U);
  for (const WrittenObject& sc : captures) {
    std::string scOutput;
    EXPECT_EQ(dciodvfyErrors(sc.file, scOutput), 0) << scOutput;
  }
  EXPECT_EQ(captures[0].seriesInstanceUid, captures[1].seriesInstanceUid);
  EXPECT_NE(captures[0].sopInstanceUid, captures[1].sopInstanceUid);
}

} // namespace
} // namespace vestige::dicom
