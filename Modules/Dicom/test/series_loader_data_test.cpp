// Series loading on real data: geometry, HU, compressed transfer syntaxes, multi-frame objects.
#include "dicom_test_util.h"
#include "vestige/core/error.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace vestige;
using namespace vestige::dicom;
namespace fs = std::filesystem;

TEST(SeriesLoaderData, Ircadb17CtGeometryAndHu) {
  VESTIGE_REQUIRE_DATA(root, "ircadb1-17");
  const LoadedSeries s = loadSeries(root / "PATIENT_DICOM");
  const auto& g = s.image.geometry;
  EXPECT_EQ(g.size, (core::Size3{512, 512, 119}));
  EXPECT_NEAR(g.spacingMm[0], 0.743, 1e-3);
  EXPECT_NEAR(g.spacingMm[1], 0.743, 1e-3);
  EXPECT_NEAR(g.spacingMm[2], 1.6, 1e-3);
  // IPP = 0\0\(1.6 i): slice k sits at z = 1.6 k.
  EXPECT_NEAR(g.indexToLps({0, 0, 118})[2], 118 * 1.6, 1e-3);
  const auto [lo, hi] = std::minmax_element(s.image.voxels.begin(), s.image.voxels.end());
  EXPECT_GE(*lo, -1024.0f);
  EXPECT_LE(*hi, 1023.0f);
}

TEST(SeriesLoaderData, Hcc009BaselineSortedAlongNormal) {
  VESTIGE_REQUIRE_DATA(root, "hcc-tace-seg-009");
  const fs::path folder = test::findFolder(root, "4.000000-Recon 2 LIVER");
  ASSERT_FALSE(folder.empty());
  const LoadedSeries s = loadSeries(folder);
  EXPECT_EQ(s.image.geometry.size, (core::Size3{512, 512, 69}));
  EXPECT_NEAR(s.image.geometry.spacingMm[2], 2.5, 1e-3);
  // Slice positions ascend along +z (direction column 2 is the normal of IOP 1\0\0\0\1\0).
  EXPECT_NEAR(s.image.geometry.direction[2][2], 1.0, 1e-9);
  for (std::size_t k = 1; k < s.series.instances.size(); ++k)
    EXPECT_LT(s.series.instances[k - 1].frameHeaders[0].positionLps[2],
              s.series.instances[k].frameHeaders[0].positionLps[2]);
  // Liver HU of portal-venous CT near the image centre-left of the patient (right side of the image).
  EXPECT_GT(test::roiMean(s.image, 140, 160, 250, 270, 40), -200.0);
}

TEST(SeriesLoaderData, FolderWithSeveralSeriesAsksForUid) {
  VESTIGE_REQUIRE_DATA(root, "hcc-tace-seg-009");
  try {
    (void)loadSeries(root);
    FAIL() << "expected Ambiguous";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::Ambiguous);
    EXPECT_NE(std::string(e.what()).find("6 image series"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--series"), std::string::npos);
  }
}

namespace {
core::Image loadOne(const fs::path& file) {
  return loadSeries(file).image;
}
} // namespace

TEST(SeriesLoaderData, CompressedTransferSyntaxesDecode) {
  VESTIGE_REQUIRE_DATA(root, "dicom-compressed");
  const core::Image reference = loadOne(root / "reference_uncompressed_implicitLE_1.2.840.10008.1.2.dcm");
  ASSERT_EQ(reference.voxels.size(), 512u * 512u);
  // Lossless syntaxes are bit-exact; lossy ones within the errors PROVENANCE.md measured.
  const std::pair<const char*, float> cases[] = {
      {"jpeg2000_lossless_1.2.840.10008.1.2.4.90.dcm", 0.0f},   {"jpeg_lossless_p14_1.2.840.10008.1.2.4.57.dcm", 0.0f},
      {"jpeg_lossless_sv1_1.2.840.10008.1.2.4.70.dcm", 0.0f},   {"jpegls_lossless_1.2.840.10008.1.2.4.80.dcm", 0.0f},
      {"rle_lossless_1.2.840.10008.1.2.5.dcm", 0.0f},           {"jpeg2000_1.2.840.10008.1.2.4.91.dcm", 5.0f},
      {"jpegls_nearlossless_1.2.840.10008.1.2.4.81.dcm", 1.0f}, {"jpeg_extended_1.2.840.10008.1.2.4.51.dcm", 36.5f},
      {"jpeg_baseline_1.2.840.10008.1.2.4.50.dcm", 64.5f}};
  for (const auto& [name, maxError] : cases) {
    SCOPED_TRACE(name);
    const core::Image img = loadOne(root / name);
    ASSERT_EQ(img.voxels.size(), reference.voxels.size());
    EXPECT_TRUE(core::sameGrid(img.geometry, reference.geometry));
    float worst = 0;
    for (std::size_t n = 0; n < img.voxels.size(); ++n)
      worst = std::max(worst, std::abs(img.voxels[n] - reference.voxels[n]));
    EXPECT_LE(worst, maxError);
  }
}

TEST(SeriesLoaderData, Jpeg2000FragmentHasPlausibleHu) {
  VESTIGE_REQUIRE_DATA(root, "dicom-compressed");
  // Neck slice: air in front of the neck; NEMA CT1 (chest): heart.
  const core::Image neck = loadOne(root / "jpeg2000_lossless_1.2.840.10008.1.2.4.90.dcm");
  const double air = test::roiMean(neck, 180, 280, 70, 90);
  EXPECT_NEAR(air, -1000.0, 60.0);
  const core::Image chest = loadOne(root / "jpeg2000_lossless_CT1_J2KR_clunie_1.2.840.10008.1.2.4.90.dcm");
  const double heart = test::roiMean(chest, 230, 250, 200, 220);
  EXPECT_GE(heart, 30.0);
  EXPECT_LE(heart, 150.0);
}

TEST(SeriesLoaderData, MultiFrameObjectsUsePerFrameGeometry) {
  VESTIGE_REQUIRE_DATA(root, "dicom-multiframe");
  const LoadedSeries mr = loadSeries(root / "enhanced_mr_siemens_XA10_6frames.dcm");
  EXPECT_EQ(mr.image.geometry.size, (core::Size3{64, 64, 6}));
  EXPECT_NEAR(mr.image.geometry.spacingMm[2], 2.4, 0.01);
  EXPECT_EQ(mr.series.modality, "MR");
  const LoadedSeries legacy = loadSeries(root / "legacy_converted_enhanced_ct_dcmqi_24x38x3.dcm");
  EXPECT_EQ(legacy.image.geometry.size, (core::Size3{24, 38, 3})); // 24 columns x 38 rows x 3 frames
  const auto [lo, hi] = std::minmax_element(legacy.image.voxels.begin(), legacy.image.voxels.end());
  EXPECT_GE(*lo, -1024.0f - 1.0f);
  EXPECT_LE(*hi, 1.0f);
  const LoadedSeries ct = loadSeries(root / "enhanced_ct_NEMA_CT0012_eCT_Supplemental_2frames.dcm");
  EXPECT_EQ(ct.image.geometry.size, (core::Size3{512, 512, 2}));
  EXPECT_NEAR(ct.image.geometry.spacingMm[2], 10.0, 0.01);
  // The fragmented JPEG copy decodes to the same grid (values differ by design, see PROVENANCE.md).
  const LoadedSeries jpeg = loadSeries(root / "enhanced_ct_NEMA_CT0012_jpeg_extended_4.51_fragmented_noBOT.dcm");
  EXPECT_TRUE(core::sameGrid(jpeg.image.geometry, ct.image.geometry));
}
