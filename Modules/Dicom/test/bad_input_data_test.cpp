// Bad input, generated from real files: every case gets a clear error (the right code, the file or series
// named) or a documented handling, nothing crashes, and no input file changes.
#include "dicom_test_util.h"
#include "vestige/core/error.h"
#include "vestige/dicom/catalog.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/testing/test_support.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sys/fsuid.h>

using namespace vestige;
using namespace vestige::dicom;
namespace fs = std::filesystem;
using core::ErrorCode;

namespace {

// Copies the first n slices (by file name) of the HCC_009 unenhanced baseline (10 mm, 20 slices) into a fresh
// folder, so each case starts from real files and mutates only its own copies.
class BadInput : public ::testing::Test {
protected:
  void SetUp() override {
    m_data = vestige::testing::dataSet("hcc-tace-seg-009");
    if (m_data.empty())
      GTEST_SKIP() << "shared test data set 'hcc-tace-seg-009' is not available";
    m_before = vestige::testing::fingerprintTree(m_data);
    m_source = test::findFolder(m_data / "02-15-1998-NA-PP CAPLIVER PROTO.-10975", "2.000000-PRE LIVER");
    ASSERT_FALSE(m_source.empty());
    m_dir = vestige::testing::freshTempDir("bad-input");
    for (const auto& e : fs::directory_iterator(m_source))
      m_sourceFiles.push_back(e.path());
    std::sort(m_sourceFiles.begin(), m_sourceFiles.end());
  }
  void TearDown() override {
    if (m_data.empty())
      return;
    EXPECT_EQ(vestige::testing::fingerprintTree(m_data), m_before) << "an input file changed";
    std::error_code ec;
    fs::permissions(m_dir, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(m_dir, ec);
  }

  // Copies slices in volume order (sorted by position, so "the middle one" is a real middle slice).
  std::vector<fs::path> copySlices(std::size_t n, const fs::path& into) {
    fs::create_directories(into);
    std::vector<std::pair<double, fs::path>> byZ;
    for (const auto& f : m_sourceFiles)
      byZ.push_back({readInstanceHeader(f).frameHeaders.at(0).positionLps[2], f});
    std::sort(byZ.begin(), byZ.end());
    std::vector<fs::path> out;
    for (std::size_t k = 0; k < n && k < byZ.size(); ++k) {
      const fs::path dst = into / ("slice_" + std::to_string(k) + ".dcm");
      fs::copy_file(byZ[k].second, dst);
      out.push_back(dst);
    }
    return out;
  }
  std::vector<fs::path> copySlices(std::size_t n) { return copySlices(n, m_dir); }

  static void edit(const fs::path& file, const std::function<void(DcmDataset&)>& change) {
    DcmFileFormat ff;
    ASSERT_TRUE(ff.loadFile(file.c_str()).good());
    ff.loadAllDataIntoMemory(); // the file is overwritten below: nothing may still be read lazily from it
    change(*ff.getDataset());
    ASSERT_TRUE(ff.saveFile(file.c_str(), EXS_LittleEndianExplicit).good());
  }

  static void setPosition(DcmDataset& ds, double x, double y, double z) {
    ds.putAndInsertString(DCM_ImagePositionPatient,
                          (std::to_string(x) + "\\" + std::to_string(y) + "\\" + std::to_string(z)).c_str());
  }

  static double z(const fs::path& file) { return readInstanceHeader(file).frameHeaders.at(0).positionLps[2]; }

  // Runs f, expects core::Error with code, and the message mentions each of `mentions`.
  static void expectError(const std::function<void()>& f, ErrorCode code, const std::vector<std::string>& mentions) {
    try {
      f();
      ADD_FAILURE() << "expected an error (" << core::errorCodeName(code) << ")";
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      for (const auto& m : mentions)
        EXPECT_NE(std::string(e.what()).find(m), std::string::npos) << "'" << m << "' not in: " << e.what();
    }
  }

  fs::path m_data, m_source, m_dir;
  std::vector<fs::path> m_sourceFiles;
  std::map<std::string, std::string> m_before;
};

void truncate(const fs::path& file, std::uintmax_t keep) {
  fs::resize_file(file, keep);
}

} // namespace

TEST_F(BadInput, GoodCopyLoads) {
  copySlices(8);
  const LoadedSeries s = loadSeries(m_dir);
  EXPECT_EQ(s.image.geometry.size[2], 8u);
  EXPECT_TRUE(s.notes.empty());
}

TEST_F(BadInput, TruncatedInPixelDataIsNamed) {
  const auto files = copySlices(8);
  truncate(files[3], fs::file_size(files[3]) / 2);
  expectError([&] { (void)readInstanceHeader(files[3]); }, ErrorCode::InvalidFormat, {"slice_3.dcm"});
  // In a folder the truncated slice leaves a gap, and the error names the unreadable file.
  expectError([&] { (void)loadSeries(m_dir); }, ErrorCode::InconsistentData, {"missing slice", "slice_3.dcm"});
}

TEST_F(BadInput, TruncatedInHeader) {
  const auto files = copySlices(1);
  truncate(files[0], 300);
  expectError([&] { (void)loadSeries(files[0]); }, ErrorCode::NotFound, {"slice_0.dcm"});
}

TEST_F(BadInput, WrongMagic) {
  const auto files = copySlices(1);
  {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(128);
    f.write("XXXX", 4);
  }
  expectError([&] { (void)readInstanceHeader(files[0]); }, ErrorCode::InvalidFormat, {"slice_0.dcm"});
}

TEST_F(BadInput, ZeroLengthFile) {
  const auto files = copySlices(1);
  truncate(files[0], 0);
  expectError([&] { (void)readInstanceHeader(files[0]); }, ErrorCode::InvalidFormat, {"empty file"});
  expectError([&] { (void)loadSeries(m_dir); }, ErrorCode::NotFound, {"no DICOM image series", "empty file"});
}

TEST_F(BadInput, NonDicomFileAlone) {
  std::ofstream(m_dir / "notes.bin") << "this is not a DICOM file at all, just some text of some length....";
  expectError([&] { (void)loadSeries(m_dir / "notes.bin"); }, ErrorCode::NotFound, {"notes.bin"});
}

TEST_F(BadInput, NonDicomFilesMixedInAreSkippedWithNote) {
  copySlices(6);
  std::ofstream(m_dir / "README.txt") << "hello";
  std::ofstream(m_dir / "random.bin") << std::string(2000, 'x');
  const LoadedSeries s = loadSeries(m_dir);
  EXPECT_EQ(s.image.geometry.size[2], 6u);
  ASSERT_FALSE(s.notes.empty());
  EXPECT_NE(s.notes.back().find("2 file(s)"), std::string::npos) << s.notes.back();
}

TEST_F(BadInput, MissingSlice) {
  const auto files = copySlices(8);
  fs::remove(files[4]);
  expectError([&] { (void)loadSeries(m_dir); }, ErrorCode::InconsistentData,
              {"1 missing slice", "slice_3.dcm", "slice_5.dcm"});
}

TEST_F(BadInput, DuplicateFileOfSameInstanceIsIgnoredWithNote) {
  const auto files = copySlices(6);
  fs::copy_file(files[2], m_dir / "copy_of_slice_2.dcm");
  const LoadedSeries s = loadSeries(m_dir);
  EXPECT_EQ(s.image.geometry.size[2], 6u);
  ASSERT_FALSE(s.notes.empty());
  EXPECT_NE(s.notes.front().find("duplicate"), std::string::npos);
}

TEST_F(BadInput, TwoDifferentImagesAtOnePosition) {
  const auto files = copySlices(6);
  fs::copy_file(files[2], m_dir / "other.dcm");
  edit(m_dir / "other.dcm", [](DcmDataset& ds) { ds.putAndInsertString(DCM_SOPInstanceUID, "1.2.3.4.5.6.7.8.9"); });
  expectError([&] { (void)loadSeries(m_dir); }, ErrorCode::InconsistentData, {"duplicate slice position", "other.dcm"});
}

TEST_F(BadInput, MixedSeriesAskForUid) {
  copySlices(4, m_dir / "a");
  const auto b = copySlices(4, m_dir / "b");
  for (const auto& f : b)
    edit(f, [](DcmDataset& ds) { ds.putAndInsertString(DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.9.7777.1"); });
  expectError([&] { (void)loadSeries(m_dir); }, ErrorCode::Ambiguous,
              {"2 image series", "1.2.826.0.1.3680043.9.7777.1"});
  LoadOptions pick;
  pick.seriesUid = "1.2.826.0.1.3680043.9.7777.1";
  EXPECT_EQ(loadSeries(m_dir, pick).image.geometry.size[2], 4u);
  pick.seriesUid = "9.9.9";
  expectError([&] { (void)loadSeries(m_dir, pick); }, ErrorCode::NotFound, {"9.9.9", "--series"});
}

TEST_F(BadInput, LocalizerMixedInIsDroppedWithNote) {
  const auto files = copySlices(6);
  fs::copy_file(files[0], m_dir / "scout.dcm");
  edit(m_dir / "scout.dcm", [](DcmDataset& ds) {
    ds.putAndInsertString(DCM_SOPInstanceUID, "1.2.826.0.1.3680043.9.7777.2");
    ds.putAndInsertString(DCM_ImageType, "ORIGINAL\\PRIMARY\\LOCALIZER");
    ds.putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\0\\-1");
  });
  const LoadedSeries s = loadSeries(m_dir);
  EXPECT_EQ(s.image.geometry.size[2], 6u);
  ASSERT_FALSE(s.notes.empty());
  EXPECT_NE(s.notes.front().find("localizer"), std::string::npos);
  EXPECT_NE(s.notes.front().find("scout.dcm"), std::string::npos);
}

TEST_F(BadInput, UnflaggedOddOrientationMinorityIsDropped) {
  const auto files = copySlices(12);
  edit(files[11], [](DcmDataset& ds) { ds.putAndInsertString(DCM_ImageOrientationPatient, "0\\1\\0\\0\\0\\-1"); });
  const LoadedSeries s = loadSeries(m_dir);
  EXPECT_EQ(s.image.geometry.size[2], 11u);
  EXPECT_NE(s.notes.front().find("another orientation"), std::string::npos);
}

TEST_F(BadInput, MixedOrientations) {
  const auto files = copySlices(6);
  for (std::size_t k = 0; k < 3; ++k)
    edit(files[k], [](DcmDataset& ds) { ds.putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\0\\-1"); });
  expectError([&] { (void)loadSeries(m_dir); }, ErrorCode::InconsistentData, {"mixed orientations"});
}

TEST_F(BadInput, NonUniformSpacing) {
  const auto files = copySlices(6);
  const double z3 = z(files[3]);
  edit(files[3], [&](DcmDataset& ds) {
    const auto p = readInstanceHeader(files[3]).frameHeaders[0].positionLps;
    setPosition(ds, p[0], p[1], z3 + 3.0);
  });
  expectError([&] { (void)loadSeries(m_dir); }, ErrorCode::InconsistentData,
              {"non-uniform slice spacing", "slice_3.dcm"});
}

TEST_F(BadInput, GantryTiltIsRefused) {
  const auto files = copySlices(6);
  for (std::size_t k = 0; k < files.size(); ++k) {
    const auto p = readInstanceHeader(files[k]).frameHeaders[0].positionLps;
    edit(files[k], [&](DcmDataset& ds) {
      setPosition(ds, p[0], p[1] + double(k) * 1.5, p[2]); // ~8.5 degrees of shear over 10 mm steps
      ds.putAndInsertString(DCM_GantryDetectorTilt, "8.5");
    });
  }
  expectError([&] { (void)loadSeries(m_dir); }, ErrorCode::Unsupported, {"gantry tilt"});
}

TEST_F(BadInput, InconsistentRowsColumns) {
  const auto files = copySlices(6);
  // A whole 256 x 256 slice (header and pixel data) among 512 x 512 ones.
  edit(files[2], [](DcmDataset& ds) {
    ds.putAndInsertUint16(DCM_Rows, 256);
    ds.putAndInsertUint16(DCM_Columns, 256);
    const std::vector<Uint16> pixels(256 * 256, 0);
    ds.putAndInsertUint16Array(DCM_PixelData, pixels.data(), pixels.size());
  });
  expectError([&] { (void)loadSeries(m_dir); }, ErrorCode::InconsistentData,
              {"inconsistent Rows/Columns", "slice_2.dcm"});
}

TEST_F(BadInput, RowsColumnsThatDoNotMatchThePixelDataAreNamed) {
  // Only the header says 256 x 256 (the data are 512 x 512): the file is refused by name, the gap it leaves too.
  const auto files = copySlices(6);
  edit(files[2], [](DcmDataset& ds) {
    ds.putAndInsertUint16(DCM_Rows, 256);
    ds.putAndInsertUint16(DCM_Columns, 256);
  });
  expectError([&] { (void)loadSeries(m_dir); }, ErrorCode::InconsistentData,
              {"slice_2.dcm", "more than the header declares", "Rows, Columns or BitsAllocated do not match the data"});
}

TEST_F(BadInput, HugeDeclaredDimensions) {
  const auto files = copySlices(1);
  edit(files[0], [](DcmDataset& ds) {
    ds.putAndInsertUint16(DCM_Rows, 65535);
    ds.putAndInsertUint16(DCM_Columns, 65535);
    ds.putAndInsertString(DCM_NumberOfFrames, "99999");
  });
  expectError([&] { (void)readInstanceHeader(files[0]); }, ErrorCode::InvalidFormat, {"implausibly large"});
}

TEST_F(BadInput, DeclaredSizeLargerThanData) {
  const auto files = copySlices(1);
  edit(files[0], [](DcmDataset& ds) { ds.putAndInsertUint16(DCM_Rows, 1024); });
  expectError([&] { (void)readInstanceHeader(files[0]); }, ErrorCode::InvalidFormat, {"pixel data hold", "declares"});
}

TEST_F(BadInput, MissingImagePosition) {
  const auto files = copySlices(4);
  edit(files[1], [](DcmDataset& ds) { delete ds.remove(DCM_ImagePositionPatient); });
  expectError([&] { (void)loadSeries(m_dir); }, ErrorCode::InvalidFormat, {"ImagePositionPatient", "slice_1.dcm"});
}

TEST_F(BadInput, MissingPixelSpacing) {
  const auto files = copySlices(4);
  for (const auto& f : files)
    edit(f, [](DcmDataset& ds) { delete ds.remove(DCM_PixelSpacing); });
  expectError([&] { (void)loadSeries(m_dir); }, ErrorCode::InvalidFormat, {"PixelSpacing"});
}

TEST_F(BadInput, NegativeOrMissingSpacingBetweenSlicesIsTolerated) {
  const auto files = copySlices(5);
  for (const auto& f : files)
    edit(f, [](DcmDataset& ds) { ds.putAndInsertString(DCM_SpacingBetweenSlices, "-10"); });
  const LoadedSeries s = loadSeries(m_dir);
  EXPECT_NEAR(s.image.geometry.spacingMm[2], 10.0, 1e-3);
}

TEST_F(BadInput, FileNamesAndInstanceNumbersDoNotDecideOrder) {
  const auto files = copySlices(6);
  // Reverse the instance numbers and shuffle names: geometry must still follow positions.
  for (std::size_t k = 0; k < files.size(); ++k)
    edit(files[k], [&](DcmDataset& ds) { ds.putAndInsertString(DCM_InstanceNumber, std::to_string(100 - k).c_str()); });
  fs::rename(files[0], m_dir / "zzz.dcm");
  const LoadedSeries s = loadSeries(m_dir);
  EXPECT_NEAR(s.image.geometry.originLps[2], std::min(z(m_dir / "zzz.dcm"), z(files[5])), 1e-3);
  EXPECT_GT(s.image.geometry.spacingMm[2], 0.0);
}

TEST_F(BadInput, PermissionDenied) {
  const auto files = copySlices(2);
  fs::permissions(files[0], fs::perms::none);
  // Root bypasses permission bits; drop the file-system uid to 'nobody' for this check (and back).
  fs::permissions(m_dir, fs::perms::all);
  const int previous = setfsuid(65534);
  std::string message;
  ErrorCode code = ErrorCode::Internal;
  try {
    (void)readInstanceHeader(files[0]);
  } catch (const core::Error& e) {
    message = e.what();
    code = e.code();
  }
  setfsuid(previous);
  EXPECT_EQ(code, ErrorCode::PermissionDenied) << message;
  EXPECT_NE(message.find("slice_0.dcm"), std::string::npos) << message;
}

TEST_F(BadInput, MissingFolderAndMissingFile) {
  expectError([&] { (void)loadSeries(m_dir / "nope"); }, ErrorCode::NotFound, {"nope"});
  expectError([&] { (void)readImage(m_dir / "nope.nii.gz"); }, ErrorCode::NotFound, {"nope.nii.gz"});
}

TEST_F(BadInput, EmptyFolder) {
  fs::create_directories(m_dir / "empty");
  expectError([&] { (void)loadSeries(m_dir / "empty"); }, ErrorCode::NotFound, {"no DICOM image series"});
}

TEST_F(BadInput, TruncatedCompressedPixelData) {
  const fs::path compressed = vestige::testing::dataSet("dicom-compressed");
  if (compressed.empty())
    GTEST_SKIP() << "shared test data set 'dicom-compressed' is not available";
  for (const char* name : {"jpeg2000_lossless_1.2.840.10008.1.2.4.90.dcm", "jpegls_lossless_1.2.840.10008.1.2.4.80.dcm",
                           "rle_lossless_1.2.840.10008.1.2.5.dcm"}) {
    SCOPED_TRACE(name);
    const fs::path copy = m_dir / name;
    fs::copy_file(compressed / name, copy);
    truncate(copy, fs::file_size(copy) * 2 / 3);
    try {
      (void)loadSeries(copy);
      ADD_FAILURE() << "a truncated compressed file loaded";
    } catch (const core::Error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
    fs::remove(copy);
  }
}

TEST_F(BadInput, TruncatedVolumeFile) {
  copySlices(4);
  const LoadedSeries s = loadSeries(m_dir);
  const fs::path nii = m_dir / "vol.nii.gz";
  writeImage(s.image, nii);
  truncate(nii, fs::file_size(nii) / 2);
  expectError([&] { (void)readImage(nii); }, ErrorCode::InvalidFormat, {"vol.nii.gz"});
  expectError([&] { writeImage(s.image, m_dir / "vol.png"); }, ErrorCode::InvalidArgument, {"vol.png"});
}

TEST_F(BadInput, MaskOnAnotherGridIsRefused) {
  copySlices(4);
  const LoadedSeries s = loadSeries(m_dir);
  core::ImageGeometry other = s.image.geometry;
  other.originLps[2] += 500.0; // a mask of another body region
  const core::Mask mask(other, 1);
  expectError([&] { (void)conformMask(mask, s.image.geometry, "liver mask"); }, ErrorCode::InconsistentData,
              {"liver mask"});
}
