// Masks from real data: 3D-IRCADb mask series (volumes known from the source voxels) and dcmqi DICOM SEGs
// (known equal to dcmqi's NRRD label maps, see the data set's PROVENANCE.md), plus broken copies of a SEG.
#include "vestige/core/error.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/testing/test_support.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <vector>

using namespace vestige;
using core::ErrorCode;
using dicom::GridMatch;
namespace fs = std::filesystem;

namespace {

std::size_t mismatches(const core::Mask& a, const core::Mask& b) {
  EXPECT_TRUE(core::sameGrid(a.geometry, b.geometry));
  if (a.voxels.size() != b.voxels.size())
    return std::max(a.voxels.size(), b.voxels.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.voxels.size(); ++i)
    n += (a.voxels[i] != 0) != (b.voxels[i] != 0);
  return n;
}

// The error a call throws, with its text; a call that does not throw core::Error fails the test.
ErrorCode codeOf(const std::function<void()>& f, std::string* what = nullptr) {
  try {
    f();
  } catch (const core::Error& e) {
    if (what)
      *what = e.what();
    return e.code();
  }
  ADD_FAILURE() << "no core::Error thrown";
  return ErrorCode::Internal;
}

void copyPrefix(const fs::path& from, const fs::path& to, std::uintmax_t bytes) {
  std::ifstream in(from, std::ios::binary);
  std::vector<char> buffer(bytes);
  in.read(buffer.data(), static_cast<std::streamsize>(bytes));
  std::ofstream(to, std::ios::binary).write(buffer.data(), in.gcount());
}

// A copy of a SEG with its dataset changed by edit (through DCMTK, so the file itself stays well-formed).
fs::path editedCopy(const fs::path& from, const fs::path& to, const std::function<void(DcmDataset&)>& edit) {
  DcmFileFormat ff;
  EXPECT_TRUE(ff.loadFile(from.c_str()).good());
  ff.loadAllDataIntoMemory();
  edit(*ff.getDataset());
  EXPECT_TRUE(ff.saveFile(to.c_str(), EXS_LittleEndianExplicit).good());
  return to;
}

DcmItem* perFrameItem(DcmDataset& ds, unsigned long frame) {
  DcmItem* item = nullptr;
  ds.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, item, static_cast<signed long>(frame));
  return item;
}

} // namespace

TEST(MaskIoData, IrcadbMaskSeriesMeasureTheKnownVolumesOnTheCtGrid) {
  VESTIGE_REQUIRE_DATA(root, "ircadb1-17");
  const auto before = vestige::testing::fingerprintTree(root);
  const dicom::LoadedSeries ct = dicom::loadSeries(root / "PATIENT_DICOM");
  ASSERT_EQ(ct.image.geometry.size, (core::Size3{512, 512, 119}));

  // Expected volumes: non-zero voxels of the source files x 0.743 x 0.743 x 1.6 mm^3 (issue 2).
  const struct {
    const char* name;
    double ml;
    double tolerance;
  } cases[] = {{"liver", 1860.6, 2.0}, {"livertumor1", 85.6, 0.5}, {"livertumor2", 78.6, 0.5}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const core::Mask raw = dicom::loadMask(root / "MASKS_DICOM" / c.name);
    GridMatch match = GridMatch::Resampled;
    // The masks carry no FrameOfReferenceUID: they pair with the CT by geometry alone.
    const core::Mask mask = dicom::conformMask(raw, ct.image.geometry, c.name, &match);
    EXPECT_EQ(match, GridMatch::Identical);
    EXPECT_NEAR(core::maskVolumeMl(mask), c.ml, c.tolerance);
    std::printf("ircadb1-17 %s: %.2f mL (%zu voxels)\n", c.name, core::maskVolumeMl(mask), core::countNonZero(mask));
  }
  EXPECT_EQ(vestige::testing::fingerprintTree(root), before);
}

TEST(MaskIoData, IrcadbMaskOnTheDcmqiCtGridIsRefused) {
  VESTIGE_REQUIRE_DATA(ircadb, "ircadb1-17");
  VESTIGE_REQUIRE_DATA(dcmqi, "dcmqi-seg");
  const core::Mask liver = dicom::loadMask(ircadb / "MASKS_DICOM" / "liver");
  const dicom::LoadedSeries ct = dicom::loadSeries(dcmqi / "ct-3slice");
  std::string message;
  EXPECT_EQ(codeOf([&] { (void)dicom::conformMask(liver, ct.image.geometry, "ircadb liver mask"); }, &message),
            ErrorCode::InconsistentData);
  EXPECT_NE(message.find("ircadb liver mask"), std::string::npos) << message;
  EXPECT_NE(message.find(core::describe(liver.geometry)), std::string::npos) << message;
  EXPECT_NE(message.find(core::describe(ct.image.geometry)), std::string::npos) << message;
}

TEST(MaskIoData, DcmqiLiverSegEqualsTheNrrdLabelMapAndFitsItsCt) {
  VESTIGE_REQUIRE_DATA(root, "dcmqi-seg");
  const auto segments = dicom::readSegmentation(root / "liver_seg.dcm");
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(segments[0].number, 1u);
  EXPECT_EQ(segments[0].label, "Liver");
  EXPECT_EQ(segments[0].categoryMeaning, "Tissue");
  EXPECT_EQ(segments[0].typeMeaning, "Liver");
  const core::Mask& seg = segments[0].mask;
  EXPECT_EQ(seg.geometry.size, (core::Size3{512, 512, 3}));
  // Frames are stored top-down-ish (frame 1 at z = -128.69 is the lowest); the grid must be ascending in z.
  EXPECT_NEAR(seg.geometry.originLps[2], -128.69, 1e-3);
  EXPECT_GT(core::countNonZero(seg), 1000u);

  const core::Mask nrrd = dicom::loadMask(root / "nrrd" / "liver_seg.nrrd", 1);
  GridMatch match = GridMatch::Resampled;
  const core::Mask onNrrd = dicom::conformMask(seg, nrrd.geometry, "liver_seg.dcm", &match);
  EXPECT_EQ(match, GridMatch::Identical);
  EXPECT_EQ(core::countNonZero(onNrrd), core::countNonZero(nrrd));
  EXPECT_EQ(mismatches(onNrrd, nrrd), 0u);
  std::printf("liver_seg.dcm: %zu voxels, %zu mismatches against liver_seg.nrrd\n", core::countNonZero(onNrrd),
              mismatches(onNrrd, nrrd));

  // The SEG also lands on the CT it was drawn on, and loadMask of the SEG gives the same mask.
  const dicom::LoadedSeries ct = dicom::loadSeries(root / "ct-3slice");
  const core::Mask onCt = dicom::conformMask(dicom::loadMask(root / "liver_seg.dcm"), ct.image.geometry, "liver");
  EXPECT_EQ(core::countNonZero(onCt), core::countNonZero(nrrd));
  EXPECT_EQ(mismatches(dicom::conformMask(onCt, nrrd.geometry, "liver"), nrrd), 0u);
}

TEST(MaskIoData, DcmqiOverlappingSegmentsEqualTheirNrrdLabels) {
  VESTIGE_REQUIRE_DATA(root, "dcmqi-seg");
  const auto before = vestige::testing::fingerprintTree(root);
  const fs::path segFile = root / "partial_overlaps" / "partial_overlaps_seg.dcm";
  const auto segments = dicom::readSegmentation(segFile);
  ASSERT_EQ(segments.size(), 5u);

  // PROVENANCE.md: segment -> (label, type meaning, category meaning, NRRD file, label value).
  const struct {
    const char* label;
    const char* type;
    const char* category;
    const char* nrrd;
    unsigned value;
  } expected[] = {{"GREEN", "Tissue", "Tissue", "partial_overlaps-1.nrrd", 1},
                  {"ORANGE", "Artery", "Tissue", "partial_overlaps-2.nrrd", 2},
                  {"PURPLE", "Capillary", "Tissue", "partial_overlaps-3.nrrd", 3},
                  {"LIGHT_BLUE", "Edema", "Morphologically Altered Structure", "partial_overlaps-1.nrrd", 4},
                  {"DARK_BLUE", "Vein", "Tissue", "partial_overlaps-1.nrrd", 5}};
  core::Mask unionOfSegments;
  for (std::size_t s = 0; s < 5; ++s) {
    SCOPED_TRACE(expected[s].label);
    const dicom::Segment& seg = segments[s];
    EXPECT_EQ(seg.number, s + 1);
    EXPECT_EQ(seg.label, expected[s].label);
    EXPECT_EQ(seg.typeMeaning, expected[s].type);
    EXPECT_EQ(seg.categoryMeaning, expected[s].category);
    const core::Mask nrrd = dicom::loadMask(root / "partial_overlaps" / expected[s].nrrd, expected[s].value);
    const core::Mask onNrrd = dicom::conformMask(seg.mask, nrrd.geometry, seg.label);
    EXPECT_GT(core::countNonZero(nrrd), 0u);
    EXPECT_EQ(mismatches(onNrrd, nrrd), 0u);
    std::printf("partial_overlaps segment %u %s: %zu voxels, %zu mismatches\n", seg.number, seg.label.c_str(),
                core::countNonZero(onNrrd), mismatches(onNrrd, nrrd));
    // loadMask with a segment number gives that segment alone.
    EXPECT_EQ(mismatches(dicom::loadMask(segFile, seg.number), seg.mask), 0u);
    if (s == 0)
      unionOfSegments = seg.mask;
    for (std::size_t n = 0; n < seg.mask.voxels.size(); ++n)
      unionOfSegments.voxels[n] |= seg.mask.voxels[n];
  }
  EXPECT_EQ(mismatches(dicom::loadMask(segFile), unionOfSegments), 0u);

  std::string message;
  EXPECT_EQ(codeOf([&] { (void)dicom::loadMask(segFile, 9); }, &message), ErrorCode::NotFound);
  EXPECT_NE(message.find("DARK_BLUE"), std::string::npos) << message; // lists what there is
  EXPECT_EQ(vestige::testing::fingerprintTree(root), before);
}

TEST(MaskIoData, BrokenSegCopiesGiveCleanErrors) {
  VESTIGE_REQUIRE_DATA(root, "dcmqi-seg");
  const auto before = vestige::testing::fingerprintTree(root);
  const fs::path source = root / "partial_overlaps" / "partial_overlaps_seg.dcm";
  const auto dir = vestige::testing::freshTempDir("mask_io_bad_seg");
  const auto size = fs::file_size(source);

  struct Case {
    std::string name;
    fs::path file;
    ErrorCode code;
    std::string mentions; // what the message must name besides the file
  };
  std::vector<Case> cases;
  for (const double fraction : {0.98, 0.6, 0.1}) {
    const auto file = dir / ("truncated_" + std::to_string(int(fraction * 100)) + ".dcm");
    copyPrefix(source, file, static_cast<std::uintmax_t>(double(size) * fraction));
    cases.push_back({file.filename().string(), file, ErrorCode::InvalidFormat, ""});
  }
  {
    const auto file = dir / "empty.dcm";
    std::ofstream(file, std::ios::binary).flush();
    cases.push_back({"zero-length", file, ErrorCode::InvalidFormat, ""});
  }
  cases.push_back(
      {"frame without position",
       editedCopy(source, dir / "no_position.dcm",
                  [](DcmDataset& ds) { perFrameItem(ds, 1)->findAndDeleteElement(DCM_PlanePositionSequence); }),
       ErrorCode::InconsistentData, "frame 2"});
  cases.push_back({"pixel data shorter than declared",
                   editedCopy(source, dir / "short_pixels.dcm",
                              [](DcmDataset& ds) {
                                const std::vector<Uint8> bytes(512 * 512 / 8 * 5, 0xFF); // 5 of 7 frames
                                ds.putAndInsertUint8Array(DCM_PixelData, bytes.data(),
                                                          static_cast<unsigned long>(bytes.size()));
                              }),
                   ErrorCode::InvalidFormat, "need"});
  cases.push_back({"huge declared dimensions",
                   editedCopy(source, dir / "huge.dcm",
                              [](DcmDataset& ds) {
                                ds.putAndInsertUint16(DCM_Rows, 65535);
                                ds.putAndInsertUint16(DCM_Columns, 65535);
                                ds.putAndInsertString(DCM_NumberOfFrames, "2000000000");
                              }),
                   ErrorCode::InvalidFormat, "need"});
  cases.push_back({"frame refers to an undefined segment",
                   editedCopy(source, dir / "bad_ref.dcm",
                              [](DcmDataset& ds) {
                                DcmItem* ident = nullptr;
                                perFrameItem(ds, 0)->findAndGetSequenceItem(DCM_SegmentIdentificationSequence, ident);
                                ident->putAndInsertUint16(DCM_ReferencedSegmentNumber, 42);
                              }),
                   ErrorCode::InconsistentData, "42"});
  cases.push_back({"frame far away",
                   editedCopy(source, dir / "far.dcm",
                              [](DcmDataset& ds) {
                                DcmItem* plane = nullptr;
                                perFrameItem(ds, 6)->findAndGetSequenceItem(DCM_PlanePositionSequence, plane);
                                plane->putAndInsertString(DCM_ImagePositionPatient,
                                                          "-235.199997\\-226.800003\\89999.310002");
                              }),
                   ErrorCode::Unsupported, "slices"});
  cases.push_back({"frame shifted in-plane",
                   editedCopy(source, dir / "shifted.dcm",
                              [](DcmDataset& ds) {
                                DcmItem* plane = nullptr;
                                perFrameItem(ds, 3)->findAndGetSequenceItem(DCM_PlanePositionSequence, plane);
                                plane->putAndInsertString(DCM_ImagePositionPatient, "-230\\-226.800003\\-127.690002");
                              }),
                   ErrorCode::InconsistentData, "in-plane"});

  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string message;
    EXPECT_EQ(codeOf([&] { (void)dicom::readSegmentation(c.file); }, &message), c.code) << message;
    EXPECT_NE(message.find(c.file.filename().string()), std::string::npos) << message;
    EXPECT_NE(message.find(c.mentions), std::string::npos) << message;
    std::printf("%-40s -> %s\n", c.name.c_str(), message.c_str());
  }
  EXPECT_EQ(vestige::testing::fingerprintTree(root), before);
}

namespace {

// The segment masks of liver_seg.dcm as decoded by the reader, the reference for the re-encoded copies below.
struct LiverSeg {
  fs::path file;
  core::Mask mask; // 512 x 512 x 3; frame f of the file is slice f
};

LiverSeg liverSeg(const fs::path& root) {
  LiverSeg l{root / "liver_seg.dcm", {}};
  const auto segments = dicom::readSegmentation(l.file);
  l.mask = segments.at(0).mask;
  return l;
}

void setPixels(DcmDataset& ds, const std::vector<Uint8>& bytes) {
  ds.findAndDeleteElement(DCM_PixelData);
  ds.putAndInsertUint8Array(DCM_PixelData, bytes.data(), static_cast<unsigned long>(bytes.size()));
}

} // namespace

TEST(MaskIoData, FractionalSegIsThresholdedAtHalfTheMaximum) {
  VESTIGE_REQUIRE_DATA(root, "dcmqi-seg");
  const LiverSeg liver = liverSeg(root);
  const auto dir = vestige::testing::freshTempDir("mask_io_fractional");
  // Probabilities 128..255 inside the liver, 0..127 outside: exactly the binary mask at 50 % of 255.
  std::vector<Uint8> bytes(liver.mask.voxels.size());
  for (std::size_t n = 0; n < bytes.size(); ++n)
    bytes[n] = static_cast<Uint8>((liver.mask.voxels[n] ? 128 : 0) + n % 128);
  const auto file = editedCopy(liver.file, dir / "fractional.dcm", [&](DcmDataset& ds) {
    ds.putAndInsertString(DCM_SegmentationType, "FRACTIONAL");
    ds.putAndInsertString(DCM_SegmentationFractionalType, "PROBABILITY");
    ds.putAndInsertUint16(DCM_MaximumFractionalValue, 255);
    ds.putAndInsertUint16(DCM_BitsAllocated, 8);
    ds.putAndInsertUint16(DCM_BitsStored, 8);
    ds.putAndInsertUint16(DCM_HighBit, 7);
    setPixels(ds, bytes);
  });
  const auto segments = dicom::readSegmentation(file);
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(mismatches(segments[0].mask, liver.mask), 0u);
}

TEST(MaskIoData, BinaryFramesStartingMidByteAreUnpacked) {
  // 509 x 510 pixels per frame is not a multiple of 8: frames 2 and 3 start inside a byte.
  VESTIGE_REQUIRE_DATA(root, "dcmqi-seg");
  const LiverSeg liver = liverSeg(root);
  const auto dir = vestige::testing::freshTempDir("mask_io_odd");
  const std::size_t cols = 509;
  const std::size_t rows = 510;
  core::ImageGeometry croppedGrid = liver.mask.geometry;
  croppedGrid.size = {cols, rows, 3};
  core::Mask cropped(croppedGrid, 0);
  std::vector<Uint8> bytes((cols * rows * 3 + 7) / 8, 0);
  std::size_t bit = 0;
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t j = 0; j < rows; ++j)
      for (std::size_t i = 0; i < cols; ++i, ++bit)
        if (liver.mask.at(i, j, k)) {
          cropped.at(i, j, k) = 1;
          bytes[bit / 8] = static_cast<Uint8>(bytes[bit / 8] | (1u << (bit % 8)));
        }
  ASSERT_GT(core::countNonZero(cropped), 1000u);
  const auto file = editedCopy(liver.file, dir / "odd.dcm", [&](DcmDataset& ds) {
    ds.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(rows));
    ds.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(cols));
    setPixels(ds, bytes);
  });
  const auto segments = dicom::readSegmentation(file);
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(mismatches(segments[0].mask, cropped), 0u);
}

TEST(MaskIoData, SegStoringOneSliceIsEmbeddedIntoTheFullGrid) {
  VESTIGE_REQUIRE_DATA(root, "dcmqi-seg");
  const LiverSeg liver = liverSeg(root);
  const auto dir = vestige::testing::freshTempDir("mask_io_sparse");
  const std::size_t frameBytes = 512 * 512 / 8;
  const auto file = editedCopy(liver.file, dir / "middle_only.dcm", [&](DcmDataset& ds) {
    const Uint8* all = nullptr;
    ASSERT_TRUE(ds.findAndGetUint8Array(DCM_PixelData, all).good());
    const std::vector<Uint8> middle(all + frameBytes, all + 2 * frameBytes);
    DcmSequenceOfItems* perFrame = nullptr;
    ASSERT_TRUE(ds.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, perFrame).good());
    delete perFrame->remove(2UL);
    delete perFrame->remove(0UL);
    ds.putAndInsertString(DCM_NumberOfFrames, "1");
    setPixels(ds, middle);
  });
  const core::Mask seg = dicom::loadMask(file);
  EXPECT_EQ(seg.geometry.size, (core::Size3{512, 512, 1}));
  EXPECT_NEAR(seg.geometry.originLps[2], -127.69, 1e-3);

  const core::Mask nrrd = dicom::loadMask(root / "nrrd" / "liver_seg.nrrd", 1);
  GridMatch match = GridMatch::Identical;
  const core::Mask onNrrd = dicom::conformMask(seg, nrrd.geometry, "middle_only.dcm", &match);
  EXPECT_EQ(match, GridMatch::Embedded);
  core::Mask expected = nrrd;
  for (std::size_t n = 0; n < expected.voxels.size(); ++n)
    if (n / (512 * 512) != 1)
      expected.voxels[n] = 0;
  ASSERT_GT(core::countNonZero(expected), 0u);
  EXPECT_EQ(mismatches(onNrrd, expected), 0u);
}

TEST(MaskIoData, FolderWithOneSegGivesThatSegAndSeveralAreAmbiguous) {
  VESTIGE_REQUIRE_DATA(root, "dcmqi-seg");
  const auto dir = vestige::testing::freshTempDir("mask_io_folder");
  fs::copy(root / "ct-3slice", dir / "ct");
  fs::copy_file(root / "partial_overlaps" / "partial_overlaps_seg.dcm", dir / "seg.dcm");
  const core::Mask fromFolder = dicom::loadMask(dir, 4);
  EXPECT_EQ(mismatches(fromFolder, dicom::loadMask(dir / "seg.dcm", 4)), 0u);
  EXPECT_GT(core::countNonZero(fromFolder), 0u);

  fs::copy_file(root / "liver_seg.dcm", dir / "liver.dcm");
  std::string message;
  EXPECT_EQ(codeOf([&] { (void)dicom::loadMask(dir); }, &message), ErrorCode::Ambiguous);
  EXPECT_NE(message.find("liver.dcm"), std::string::npos) << message;
}

TEST(MaskIoData, MaskSeriesWithAnInterceptKeepsItsBackground) {
  // The same liver mask re-exported CT-style (RescaleIntercept -1024): background is stored 0, not HU 0.
  VESTIGE_REQUIRE_DATA(root, "ircadb1-17");
  const auto dir = vestige::testing::freshTempDir("mask_io_intercept");
  for (const auto& entry : fs::directory_iterator(root / "MASKS_DICOM" / "liver"))
    editedCopy(entry.path(), dir / entry.path().filename(), [](DcmDataset& ds) {
      ds.putAndInsertString(DCM_RescaleIntercept, "-1024");
      ds.putAndInsertString(DCM_RescaleSlope, "1");
    });
  const core::Mask mask = dicom::loadMask(dir);
  EXPECT_NEAR(core::maskVolumeMl(mask), 1860.6, 2.0);
}
