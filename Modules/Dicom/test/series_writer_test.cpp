// Writing DICOM series: the round trip through the Dicom module's loader keeps voxels and LPS geometry, and the
// files pass dciodvfy.
#include "vestige/core/error.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/dicom/series_writer.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

namespace fs = std::filesystem;
using namespace vestige;

namespace {

// An oblique grid (rotated about z and x) with anisotropic spacing: any mix-up of rows, columns, IOP or
// slice order shows as a geometry or voxel mismatch.
core::Image obliqueImage() {
  core::ImageGeometry g;
  g.size = {37, 29, 11};
  g.spacingMm = {0.8, 0.7, 2.5};
  g.originLps = {-12.5, 30.25, -80.0};
  const double a = 0.3, b = 0.2;
  // Columns: rotation about z by a, then about x by b.
  const core::Mat3 rz{{{std::cos(a), -std::sin(a), 0}, {std::sin(a), std::cos(a), 0}, {0, 0, 1}}};
  const core::Mat3 rx{{{1, 0, 0}, {0, std::cos(b), -std::sin(b)}, {0, std::sin(b), std::cos(b)}}};
  core::Mat3 d{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k)
        d[i][j] += rx[i][k] * rz[k][j];
  g.direction = d;
  core::Image image(g);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        image.at(i, j, k) = static_cast<float>(-1000 + 7 * int(i) + 31 * int(j) + 211 * int(k));
  return image;
}

using vestige::testing::dciodvfyErrors;

} // namespace

TEST(SeriesWriter, CtRoundTripKeepsVoxelsAndGeometry) {
  const fs::path dir = vestige::testing::freshTempDir("series-writer") / "ct";
  const core::Image image = obliqueImage();
  dicom::SeriesWriteInfo info;
  info.patientName = "Test^Writer";
  info.studyDate = "20240102";
  const std::string uid = dicom::writeImageSeries(image, info, dir);
  EXPECT_FALSE(uid.empty());
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir))
    files += e.is_regular_file();
  EXPECT_EQ(files, image.geometry.size[2]);
  for (const auto& e : fs::directory_iterator(dir.parent_path()))
    EXPECT_EQ(e.path().filename().string().rfind(".vestige-tmp", 0), std::string::npos) << e.path();

  const dicom::LoadedSeries loaded = dicom::loadSeries(dir);
  EXPECT_EQ(loaded.series.seriesUid, uid);
  EXPECT_EQ(loaded.series.modality, "CT");
  EXPECT_TRUE(core::sameGrid(loaded.image.geometry, image.geometry, 1e-3))
      << core::describe(loaded.image.geometry) << " vs " << core::describe(image.geometry);
  ASSERT_EQ(loaded.image.voxels.size(), image.voxels.size());
  for (std::size_t n = 0; n < image.voxels.size(); ++n)
    ASSERT_FLOAT_EQ(loaded.image.voxels[n], image.voxels[n]) << "voxel " << n;
}

TEST(SeriesWriter, MrRoundTripClampsAtZero) {
  const fs::path dir = vestige::testing::freshTempDir("series-writer") / "mr";
  core::Image image = obliqueImage();
  for (float& v : image.voxels)
    v += 1000.0f; // 0 .. ~3000
  image.voxels[5] = -20.0f;
  dicom::SeriesWriteInfo info;
  info.modality = "MR";
  dicom::writeImageSeries(image, info, dir);
  const dicom::LoadedSeries loaded = dicom::loadSeries(dir);
  EXPECT_EQ(loaded.series.modality, "MR");
  EXPECT_TRUE(core::sameGrid(loaded.image.geometry, image.geometry, 1e-3));
  EXPECT_FLOAT_EQ(loaded.image.voxels[5], 0.0f);
  EXPECT_FLOAT_EQ(loaded.image.voxels[1234], image.voxels[1234]);
}

TEST(SeriesWriter, PassesDciodvfy) {
  if (!fs::exists("/usr/bin/dciodvfy"))
    GTEST_SKIP() << "dciodvfy (dicom3tools) is not installed";
  const fs::path root = vestige::testing::freshTempDir("series-writer");
  for (const char* modality : {"CT", "MR"}) {
    core::Image image = obliqueImage();
    dicom::SeriesWriteInfo info;
    info.modality = modality;
    info.patientName = "Test^Dciodvfy";
    info.patientId = "T1";
    info.derived = std::string(modality) == "MR";
    const fs::path dir = root / modality;
    dicom::writeImageSeries(image, info, dir);
    for (const auto& e : fs::directory_iterator(dir))
      EXPECT_EQ(dciodvfyErrors(e.path()), 0) << e.path();
  }
}

TEST(SeriesWriter, RefusesNonEmptyFolderAndLeavesItAlone) {
  const fs::path dir = vestige::testing::freshTempDir("series-writer");
  std::ofstream(dir / "keep.txt") << "x";
  const auto before = vestige::testing::fingerprintTree(dir);
  try {
    dicom::writeImageSeries(obliqueImage(), {}, dir);
    FAIL() << "expected an error";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::InvalidArgument);
  }
  EXPECT_EQ(vestige::testing::fingerprintTree(dir), before);
}

TEST(SeriesWriter, RejectsUnknownModality) {
  dicom::SeriesWriteInfo info;
  info.modality = "US";
  const fs::path dir = vestige::testing::freshTempDir("series-writer") / "us";
  EXPECT_THROW(dicom::writeImageSeries(obliqueImage(), info, dir), core::Error);
  EXPECT_FALSE(fs::exists(dir));
}
