// The derived-object writers on a real scanner series: the HCC_009 follow-up CT (TCIA HCC-TACE-Seg, 70 slices).
// SEG, SR and Secondary Capture pass dciodvfy without an Error line, keep the patient and study of the scan, and
// the SEG reads back equal to the masks written.
#include "dicom_test_util.h"

#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/sc_writer.h"
#include "vestige/dicom/seg_writer.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/dicom/sr_writer.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>

namespace vestige::dicom {
namespace {

namespace fs = std::filesystem;

using vestige::testing::dciodvfyErrors;

TEST(DicomWritersData, Hcc009FollowupSegSrAndCapture) {
  VESTIGE_REQUIRE_DATA(root, "hcc-tace-seg-009");
  const fs::path series = test::findFolder(root, "105.000000-NA");
  ASSERT_FALSE(series.empty());
  const LoadedSeries followup = loadSeries(series);
  const core::ImageGeometry& g = followup.image.geometry;
  ASSERT_EQ(g.size[2], 70U);

  // Soft tissue (0..200 HU) inside an ellipsoid around the image centre stands in for a liver; a sphere in it for a
  // site. What matters here is that real headers, UIDs and geometry flow into valid objects.
  const core::Vec3 centre = g.indexToLps({g.size[0] / 2.0, g.size[1] / 2.0, g.size[2] / 2.0});
  core::Mask organ(g, 0), site(g, 0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
        const core::Vec3 d = core::sub(p, centre);
        const float hu = followup.image.at(i, j, k);
        organ.at(i, j, k) = (d[0] * d[0] / 1e4 + d[1] * d[1] / 6e3 + d[2] * d[2] / 4e3 <= 1.0) && hu > 0 && hu < 200;
        site.at(i, j, k) = core::norm(core::sub(d, {10, 5, 0})) <= 12.0;
      }
  ASSERT_GT(core::countNonZero(organ), 10000U);

  const fs::path dir = testing::freshTempDir("writers-hcc009");
  std::vector<SegmentSpec> segments = {{"Liver",
                                        "",
                                        {"123037004", "SCT", "Anatomical Structure"},
                                        {"10200004", "SCT", "Liver"},
                                        {},
                                        {129, 199, 132},
                                        "",
                                        organ},
                                       {"Site L1",
                                        "",
                                        {"49755003", "SCT", "Morphologically Altered Structure"},
                                        {"14799000", "SCT", "Neoplasm, Secondary"},
                                        {"10200004", "SCT", "Liver"},
                                        {224, 64, 251},
                                        "L1",
                                        site}};
  const WrittenObject seg = writeSegmentation(followup.series, segments, {}, dir / "seg.dcm");
  std::string output;
  EXPECT_EQ(dciodvfyErrors(seg.file, output), 0) << output;

  const auto back = readSegmentation(seg.file);
  ASSERT_EQ(back.size(), 2U);
  for (std::size_t s = 0; s < 2; ++s) {
    const core::Mask onGrid = conformMask(back[s].mask, g, back[s].label);
    std::size_t differing = 0;
    for (std::size_t v = 0; v < onGrid.voxels.size(); ++v)
      differing += (onGrid.voxels[v] != 0) != (segments[s].mask.voxels[v] != 0);
    EXPECT_EQ(differing, 0U) << back[s].label;
  }
  const Catalog catalog = scanCatalog(seg.file);
  ASSERT_EQ(catalog.patients.size(), 1U);
  EXPECT_EQ(catalog.patients[0].patientId, followup.series.patientId);
  EXPECT_EQ(catalog.patients[0].studies.at(0).studyUid, followup.series.studyUid);

  std::vector<SrMeasurementGroup> groups = {
      {"Liver",
       1,
       {"10200004", "SCT", "Liver"},
       {},
       {{{"118565006", "SCT", "Volume"}, core::maskVolumeMl(organ), {"ml", "UCUM", "milliliter"}}},
       {}},
      {"Site L1",
       2,
       {"14799000", "SCT", "Neoplasm, Secondary"},
       {"10200004", "SCT", "Liver"},
       {{{"118565006", "SCT", "Volume"}, core::maskVolumeMl(site), {"ml", "UCUM", "milliliter"}}},
       {}}};
  const WrittenObject sr = writeMeasurementReport(followup.series, seg, groups, {}, dir / "sr.dcm");
  output.clear();
  EXPECT_EQ(dciodvfyErrors(sr.file, output), 0) << output;

  CapturedImage picture{32, 24, std::vector<std::uint8_t>(32 * 24 * 3, 128), "test picture"};
  const auto captures = writeSecondaryCaptures(followup.series, {picture}, {}, dir);
  ASSERT_EQ(captures.size(), 1U);
  output.clear();
  EXPECT_EQ(dciodvfyErrors(captures[0].file, output), 0) << output;
  fs::remove_all(dir);
}

} // namespace
} // namespace vestige::dicom
