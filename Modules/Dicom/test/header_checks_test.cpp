// Header values that must not reach the volume or the JSON writers unchecked: text in a non-UTF-8 character set
// (decoded, never fatal) and geometry / rescale numbers that are NaN, infinite, absurd or inconsistent with the
// pixel data (refused with InvalidFormat, naming the file and the key). Each input is a small series written by
// the series writer, then one header value changed with DCMTK.
#include "vestige/core/error.h"
#include "vestige/dicom/catalog.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/dicom/series_writer.h"
#include "vestige/testing/test_support.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>

namespace fs = std::filesystem;
using namespace vestige;

namespace {

core::Image smallCt() {
  core::ImageGeometry g;
  g.size = {16, 12, 4};
  g.spacingMm = {0.75, 0.75, 2.5};
  g.originLps = {-6.0, -4.5, 100.0};
  core::Image image(g, 40.0f);
  image.at(3, 4, 1) = -1000.0f;
  return image;
}

std::vector<fs::path> sliceFiles(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(folder))
    files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// A fresh 4-slice CT series whose files are then changed by edit (on every file, or on the first only).
fs::path seriesWith(const std::string& tag, const std::function<void(DcmDataset&)>& edit, bool everyFile = true) {
  const fs::path folder = vestige::testing::freshTempDir("header-checks-" + tag) / "series";
  dicom::SeriesWriteInfo info;
  info.patientName = "TEST^PATIENT";
  info.patientId = "HC1";
  info.studyDate = "20260101";
  (void)dicom::writeImageSeries(smallCt(), info, folder);
  for (const fs::path& file : sliceFiles(folder)) {
    DcmFileFormat ff;
    EXPECT_TRUE(ff.loadFile(file.c_str()).good());
    edit(*ff.getDataset());
    EXPECT_TRUE(ff.saveFile(file.c_str(), EXS_LittleEndianExplicit).good());
    if (!everyFile)
      break;
  }
  return folder;
}

void put(DcmDataset& ds, const DcmTagKey& tag, const std::string& value) {
  // Written as raw bytes: the point is a header as found in the wild, not one DCMTK would write.
  ASSERT_TRUE(ds.putAndInsertString(tag, value.c_str()).good());
}

// loadSeries must throw InvalidFormat whose message names key and whose context (or message) names a file.
void expectRefused(const fs::path& folder, const std::string& key) {
  try {
    (void)dicom::loadSeries(folder);
    ADD_FAILURE() << "accepted a series with a bad " << key;
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::InvalidFormat) << e.what();
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    EXPECT_NE((std::string(e.what()) + e.context()).find(".dcm"), std::string::npos) << "names no file: " << e.what();
  }
}

} // namespace

TEST(HeaderText, Latin1PatientNameIsDecodedToUtf8) {
  const fs::path folder = seriesWith("latin1", [](DcmDataset& ds) {
    put(ds, DCM_SpecificCharacterSet, "ISO_IR 100");
    put(ds, DCM_PatientName, "M\xFCller^J\xF6rg");            // Müller^Jörg in Latin-1
    put(ds, DCM_SeriesDescription, "Abdomen \xE9t\xE9 \xB5"); // été µ
  });
  const dicom::Catalog catalog = dicom::scanCatalog(folder);
  const auto series = dicom::allSeries(catalog);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series.front()->description, "Abdomen \xC3\xA9t\xC3\xA9 \xC2\xB5");
  const std::string json = dicom::catalogToJson(catalog); // threw on invalid UTF-8 before
  EXPECT_NE(json.find("M\xC3\xBCller^J\xC3\xB6rg"), std::string::npos) << json;
  EXPECT_TRUE(nlohmann::json::accept(json));
}

TEST(HeaderText, UndecodableBytesAreReplacedNotFatal) {
  // Bytes that do not decode in the declared character set (here: not UTF-8 under a UTF-8 declaration), and high
  // bytes with no declared set, are read as Latin-1, the most common unstated character set: valid UTF-8 results.
  for (const auto& [charset, expected] : {std::pair<std::string, std::string>{"ISO_IR 192", "Bad\xC3\xBF\xC3\x83^Name"},
                                          {"", "Bad\xC3\xBF\xC3\x83^Name"}}) {
    const fs::path folder = seriesWith("bad-utf8", [&](DcmDataset& ds) {
      if (!charset.empty())
        put(ds, DCM_SpecificCharacterSet, charset);
      else
        ds.findAndDeleteElement(DCM_SpecificCharacterSet);
      put(ds, DCM_PatientName, "Bad\xFF\xC3^Name");
    });
    const std::string json = dicom::catalogToJson(dicom::scanCatalog(folder));
    EXPECT_NE(json.find(expected), std::string::npos) << "'" << charset << "': " << json;
  }
}

TEST(HeaderNumbers, NanPixelSpacingIsRefused) {
  expectRefused(seriesWith("nan-spacing", [](DcmDataset& ds) { put(ds, DCM_PixelSpacing, "NaN\\0.75"); }),
                "PixelSpacing");
}

TEST(HeaderNumbers, InfinitePositionIsRefused) {
  expectRefused(seriesWith(
                    "inf-position", [](DcmDataset& ds) { put(ds, DCM_ImagePositionPatient, "-6\\inf\\100"); }, false),
                "ImagePositionPatient");
}

TEST(HeaderNumbers, ZeroOrParallelOrientationIsRefusedAsOrientation) {
  // Used to be reported as "duplicate slice position".
  expectRefused(
      seriesWith("zero-iop", [](DcmDataset& ds) { put(ds, DCM_ImageOrientationPatient, "0\\0\\0\\0\\0\\0"); }),
      "ImageOrientationPatient");
  expectRefused(
      seriesWith("parallel-iop", [](DcmDataset& ds) { put(ds, DCM_ImageOrientationPatient, "1\\0\\0\\1\\0\\0"); }),
      "ImageOrientationPatient");
}

TEST(HeaderNumbers, UnusableRescaleIsRefused) {
  for (const char* slope : {"NaN", "1e308", "0"})
    expectRefused(seriesWith("slope", [&](DcmDataset& ds) { put(ds, DCM_RescaleSlope, slope); }), "RescaleSlope");
  expectRefused(seriesWith("intercept", [](DcmDataset& ds) { put(ds, DCM_RescaleIntercept, "-inf"); }),
                "RescaleIntercept");
}

TEST(HeaderNumbers, NanSliceThicknessIsRefused) {
  expectRefused(seriesWith("nan-thickness", [](DcmDataset& ds) { put(ds, DCM_SliceThickness, "NaN"); }),
                "SliceThickness");
}

TEST(HeaderNumbers, OneSliceWithoutPixelSpacingIsInvalidFormat) {
  // Used to be "0.0000 differs" with exit 7 (inconsistent) where the documented code is 6 (missing key).
  const fs::path folder = seriesWith(
      "no-spacing", [](DcmDataset& ds) { ds.findAndDeleteElement(DCM_PixelSpacing); }, false);
  expectRefused(folder, "PixelSpacing");
}

TEST(HeaderNumbers, PixelDataLongerThanDeclaredIsRefused) {
  // Columns = 1 over 16 x 12 pixel data: reading the declared part would give a scrambled 1 x 12 image.
  const fs::path folder =
      seriesWith("columns", [](DcmDataset& ds) { ASSERT_TRUE(ds.putAndInsertUint16(DCM_Columns, 1).good()); });
  try {
    (void)dicom::loadSeries(folder);
    ADD_FAILURE() << "accepted Columns = 1 over 16 x 12 pixel data";
  } catch (const core::Error& e) {
    // Every file is refused by the catalog (listed as skipped); the loader names one with the reason.
    EXPECT_NE(std::string(e.what()).find("more than the header declares"), std::string::npos) << e.what();
  }
}

TEST(HeaderNumbers, OddBitsAllocatedIsRefusedByName) {
  const fs::path folder =
      seriesWith("bits7", [](DcmDataset& ds) { ASSERT_TRUE(ds.putAndInsertUint16(DCM_BitsAllocated, 7).good()); });
  try {
    (void)dicom::loadSeries(folder);
    ADD_FAILURE() << "accepted BitsAllocated 7";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("BitsAllocated 7"), std::string::npos) << e.what();
  }
}

TEST(HeaderNumbers, RtObjectsAreNotImageSeries) {
  const fs::path folder = seriesWith("rtdose", [](DcmDataset& ds) { put(ds, DCM_Modality, "RTDOSE"); });
  const dicom::Catalog catalog = dicom::scanCatalog(folder);
  ASSERT_EQ(dicom::allSeries(catalog).size(), 1u);
  EXPECT_EQ(dicom::allSeries(catalog).front()->kind, dicom::SeriesKind::Other);
  EXPECT_THROW((void)dicom::loadSeries(folder), core::Error);
}
