#include "seg_reader.h"

#include "dcmtk_util.h"
#include "vestige/core/error.h"
#include "vestige/core/file_util.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmfg/fginterface.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmfg/fgseg.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace fs = std::filesystem;
using vestige::core::Error;
using vestige::core::ErrorCode;

namespace vestige::dicom::detail {

namespace {

// Bounds on what a SEG may ask us to allocate: beyond these the file is hostile or broken, not a liver CT.
constexpr std::size_t kMaxPlanes = 20000;
constexpr std::uint64_t kMaxVoxels = std::uint64_t{1} << 31;
constexpr std::uint64_t kMaxTotalMaskBytes = std::uint64_t{8} << 30;

struct FramePlacement {
  unsigned segmentNumber = 0;
  std::size_t slice = 0;
};

struct SegmentInfo {
  unsigned number = 0;
  std::string label;
  std::string categoryMeaning;
  std::string typeMeaning;
};

// Everything needed to decode the frames, with the pixel data still owned by the DCMTK file object.
struct DecodedSeg {
  std::unique_ptr<DcmFileFormat> file;
  std::unique_ptr<DcmSegmentation> seg;
  bool binary = true;
  unsigned maxFractional = 0;
  std::size_t rows = 0;
  std::size_t columns = 0;
  core::ImageGeometry geometry;
  std::vector<SegmentInfo> segments;
  std::vector<FramePlacement> frames;
  const Uint8* pixels = nullptr; // at least as many bytes as the declared frames need
};

std::string str(const OFString& s) {
  return std::string(s.c_str());
}

[[noreturn]] void fail(ErrorCode code, const std::string& message, const fs::path& file) {
  throw Error(code, message, file.string());
}

std::unique_ptr<DcmFileFormat> openDicom(const fs::path& file) {
  core::requireReadable(file);
  detail::silenceDcmtkLog();
  auto ff = std::make_unique<DcmFileFormat>();
  const OFCondition cond = ff->loadFile(file.c_str());
  if (cond.bad())
    fail(ErrorCode::InvalidFormat, std::string("not a readable DICOM file (DCMTK: ") + cond.text() + ")", file);
  return ff;
}

std::string sopClassOf(DcmDataset& dataset) {
  OFString sopClass;
  dataset.findAndGetOFString(DCM_SOPClassUID, sopClass);
  return str(sopClass);
}

// Returns the frame's group, preferring per-frame over shared as the functional group rules require.
template <class G> G* group(FGInterface& fg, std::size_t frame, DcmFGTypes::E_FGType type) {
  return dynamic_cast<G*>(fg.get(static_cast<Uint32>(frame), type));
}

core::Vec3 orientationColumn(const std::array<double, 6>& iop, int which) {
  return core::normalized({iop[3 * which], iop[3 * which + 1], iop[3 * which + 2]});
}

// Builds the common grid from the frames' plane positions: the slice axis is the normal of the (shared)
// orientation, its step the declared SpacingBetweenSlices when every gap is a whole multiple of it, else the
// smallest gap. Planes without frames (segments stored sparsely) become empty slices.
void placeFrames(DecodedSeg& out, FGInterface& fg, std::size_t frameCount, const fs::path& file) {
  std::array<double, 6> iop{};
  double spacingRow = 0.0;
  double spacingColumn = 0.0;
  double declaredStep = 0.0;
  double thickness = 0.0;
  std::vector<core::Vec3> positions(frameCount);
  out.frames.resize(frameCount);

  for (std::size_t f = 0; f < frameCount; ++f) {
    const std::string which = "frame " + std::to_string(f + 1);
    auto* orientation = group<FGPlaneOrientationPatient>(fg, f, DcmFGTypes::EFG_PLANEORIENTPATIENT);
    std::array<double, 6> frameIop{};
    if (!orientation ||
        orientation
            ->getImageOrientationPatient(frameIop[0], frameIop[1], frameIop[2], frameIop[3], frameIop[4], frameIop[5])
            .bad())
      fail(ErrorCode::InconsistentData, which + " has no ImageOrientationPatient (PlaneOrientationSequence)", file);
    if (f == 0) {
      iop = frameIop;
    } else {
      for (int n = 0; n < 6; ++n)
        if (std::abs(iop[n] - frameIop[n]) > 1e-4)
          fail(ErrorCode::InconsistentData, which + " has another orientation than frame 1", file);
    }

    auto* measures = group<FGPixelMeasures>(fg, f, DcmFGTypes::EFG_PIXELMEASURES);
    Float64 row = 0.0;
    Float64 column = 0.0;
    if (!measures || measures->getPixelSpacing(row, 0).bad() || measures->getPixelSpacing(column, 1).bad() ||
        !(row > 0.0) || !(column > 0.0))
      fail(ErrorCode::InconsistentData, which + " has no valid PixelSpacing (PixelMeasuresSequence)", file);
    if (f == 0) {
      spacingRow = row;
      spacingColumn = column;
      Float64 value = 0.0;
      if (measures->getSpacingBetweenSlices(value).good())
        declaredStep = value;
      if (measures->getSliceThickness(value).good())
        thickness = value;
    } else if (std::abs(row - spacingRow) > 1e-4 || std::abs(column - spacingColumn) > 1e-4) {
      fail(ErrorCode::InconsistentData, which + " has another PixelSpacing than frame 1", file);
    }

    auto* position = group<FGPlanePosPatient>(fg, f, DcmFGTypes::EFG_PLANEPOSPATIENT);
    Float64 x = 0.0;
    Float64 y = 0.0;
    Float64 z = 0.0;
    if (!position || position->getImagePositionPatient(x, y, z).bad() || !std::isfinite(x) || !std::isfinite(y) ||
        !std::isfinite(z))
      fail(ErrorCode::InconsistentData, which + " has no ImagePositionPatient (PlanePositionSequence)", file);
    positions[f] = {x, y, z};

    auto* segmentation = group<FGSegmentation>(fg, f, DcmFGTypes::EFG_SEGMENTATION);
    Uint16 number = 0;
    if (!segmentation || segmentation->getReferencedSegmentNumber(number).bad())
      fail(ErrorCode::InconsistentData, which + " has no ReferencedSegmentNumber (SegmentIdentificationSequence)",
           file);
    out.frames[f].segmentNumber = number;
  }

  const core::Vec3 rowDir = orientationColumn(iop, 0);
  const core::Vec3 colDir = orientationColumn(iop, 1);
  if (std::abs(core::norm(rowDir) - 1.0) > 1e-3 || std::abs(core::norm(colDir) - 1.0) > 1e-3 ||
      std::abs(core::dot(rowDir, colDir)) > 1e-3)
    fail(ErrorCode::InconsistentData, "ImageOrientationPatient is not two orthogonal unit vectors", file);
  const core::Vec3 normal = core::cross(rowDir, colDir);

  // Frames must differ only along the normal; a frame shifted in-plane cannot share the grid.
  const double inPlaneTol = 0.05 * std::min(spacingRow, spacingColumn);
  std::vector<double> distance(frameCount);
  for (std::size_t f = 0; f < frameCount; ++f) {
    distance[f] = core::dot(positions[f], normal);
    const core::Vec3 inPlane = core::sub(positions[f], core::scale(normal, distance[f]));
    const core::Vec3 firstInPlane = core::sub(positions[0], core::scale(normal, distance[0]));
    if (core::distanceMm(inPlane, firstInPlane) > inPlaneTol)
      fail(ErrorCode::InconsistentData,
           "frame " + std::to_string(f + 1) + " is shifted in-plane by " +
               std::to_string(core::distanceMm(inPlane, firstInPlane)) + " mm against frame 1",
           file);
  }

  std::vector<double> planes = distance;
  std::sort(planes.begin(), planes.end());
  planes.erase(std::unique(planes.begin(), planes.end(), [](double a, double b) { return std::abs(a - b) < 0.01; }),
               planes.end());

  const auto onLattice = [&](double step) {
    for (std::size_t n = 1; n < planes.size(); ++n) {
      const double ratio = (planes[n] - planes[0]) / step;
      if (std::abs(ratio - std::round(ratio)) > 0.05)
        return false;
    }
    return true;
  };
  double step = 0.0;
  if (planes.size() == 1) {
    step = declaredStep > 0.0 ? declaredStep : (thickness > 0.0 ? thickness : 1.0);
  } else {
    double smallestGap = planes[1] - planes[0];
    for (std::size_t n = 2; n < planes.size(); ++n)
      smallestGap = std::min(smallestGap, planes[n] - planes[n - 1]);
    if (declaredStep > 0.0 && declaredStep <= smallestGap + 0.01 && onLattice(declaredStep))
      step = declaredStep;
    else if (onLattice(smallestGap))
      step = smallestGap;
    else
      fail(ErrorCode::InconsistentData,
           "frame positions are not on a regular slice grid (smallest gap " + std::to_string(smallestGap) + " mm)",
           file);
  }

  const double span = (planes.back() - planes.front()) / step;
  if (!(span < double(kMaxPlanes)))
    fail(ErrorCode::Unsupported,
         "frames span " + std::to_string(span) + " slices of " + std::to_string(step) + " mm; more than " +
             std::to_string(kMaxPlanes) + " is not a plausible segmentation",
         file);
  const std::size_t planeCount = static_cast<std::size_t>(std::llround(span)) + 1;
  if (std::uint64_t(out.rows) * out.columns * planeCount > kMaxVoxels)
    fail(ErrorCode::Unsupported,
         "grid of " + std::to_string(out.columns) + "x" + std::to_string(out.rows) + "x" + std::to_string(planeCount) +
             " voxels is too large",
         file);

  for (std::size_t f = 0; f < frameCount; ++f)
    out.frames[f].slice = static_cast<std::size_t>(std::llround((distance[f] - planes.front()) / step));

  core::ImageGeometry& g = out.geometry;
  g.size = {out.columns, out.rows, planeCount};
  // PixelSpacing is (row spacing, column spacing): the step along a column is the distance between rows.
  g.spacingMm = {spacingColumn, spacingRow, step};
  const core::Vec3 firstInPlane = core::sub(positions[0], core::scale(normal, distance[0]));
  g.originLps = core::add(firstInPlane, core::scale(normal, planes.front()));
  for (int a = 0; a < 3; ++a) {
    g.direction[a][0] = rowDir[a];
    g.direction[a][1] = colDir[a];
    g.direction[a][2] = normal[a];
  }
}

std::vector<SegmentInfo> readSegmentInfos(DcmSegmentation& seg, DcmDataset& dataset, const fs::path& file) {
  DcmSequenceOfItems* sequence = nullptr;
  if (dataset.findAndGetSequence(DCM_SegmentSequence, sequence).bad() || !sequence || sequence->card() == 0)
    fail(ErrorCode::InvalidFormat, "SegmentSequence is missing or empty", file);
  const unsigned long count = sequence->card();
  if (seg.getNumberOfSegments() != count)
    fail(ErrorCode::InvalidFormat,
         "SegmentSequence has " + std::to_string(count) + " items but DCMTK read " +
             std::to_string(seg.getNumberOfSegments()) + " valid segments",
         file);
  std::vector<SegmentInfo> infos;
  for (unsigned long n = 0; n < count; ++n) {
    Uint16 number = 0;
    DcmItem* item = sequence->getItem(n);
    if (!item || item->findAndGetUint16(DCM_SegmentNumber, number).bad() || number == 0)
      fail(ErrorCode::InvalidFormat, "segment item " + std::to_string(n + 1) + " has no SegmentNumber", file);
    for (const SegmentInfo& known : infos)
      if (known.number == number)
        fail(ErrorCode::InconsistentData, "SegmentNumber " + std::to_string(number) + " occurs twice", file);
    DcmSegment* segment = seg.getSegment(n + 1);
    if (!segment)
      fail(ErrorCode::InvalidFormat, "segment " + std::to_string(number) + " could not be read", file);
    SegmentInfo info;
    info.number = number;
    OFString value;
    if (segment->getSegmentLabel(value).good())
      info.label = str(value);
    if (segment->getSegmentedPropertyCategoryCode().getCodeMeaning(value).good())
      info.categoryMeaning = str(value);
    if (segment->getSegmentedPropertyTypeCode().getCodeMeaning(value).good())
      info.typeMeaning = str(value);
    infos.push_back(info);
  }
  return infos;
}

DecodedSeg decode(const fs::path& file) {
  DecodedSeg out;
  out.file = openDicom(file);
  DcmDataset& dataset = *out.file->getDataset();
  const std::string sopClass = sopClassOf(dataset);
  if (sopClass != UID_SegmentationStorage)
    fail(ErrorCode::InvalidArgument,
         "not a DICOM SEG (SOP class " + (sopClass.empty() ? std::string("missing") : sopClass) + ")", file);

  // The image pixel attributes are checked here, before DCMTK reads the frames, so that errors name the values.
  Uint16 rows = 0;
  Uint16 columns = 0;
  Uint16 bitsAllocated = 0;
  Sint32 declaredFrames = 0;
  if (dataset.findAndGetUint16(DCM_Rows, rows).bad() || dataset.findAndGetUint16(DCM_Columns, columns).bad() ||
      rows == 0 || columns == 0)
    fail(ErrorCode::InvalidFormat, "Rows/Columns missing or zero", file);
  if (dataset.findAndGetSint32(DCM_NumberOfFrames, declaredFrames).bad() || declaredFrames <= 0)
    fail(ErrorCode::InvalidFormat, "NumberOfFrames missing or not positive", file);
  dataset.findAndGetUint16(DCM_BitsAllocated, bitsAllocated);
  OFString segType;
  dataset.findAndGetOFString(DCM_SegmentationType, segType);
  if (segType == "BINARY") {
    if (bitsAllocated != 1)
      fail(ErrorCode::InvalidFormat, "BINARY segmentation with BitsAllocated " + std::to_string(bitsAllocated), file);
  } else if (segType == "FRACTIONAL") {
    if (bitsAllocated != 8)
      fail(ErrorCode::InvalidFormat, "FRACTIONAL segmentation with BitsAllocated " + std::to_string(bitsAllocated),
           file);
    Uint16 maxValue = 0;
    if (dataset.findAndGetUint16(DCM_MaximumFractionalValue, maxValue).bad() || maxValue == 0)
      fail(ErrorCode::InvalidFormat, "FRACTIONAL segmentation without MaximumFractionalValue", file);
    out.binary = false;
    out.maxFractional = maxValue;
  } else {
    fail(ErrorCode::Unsupported, "SegmentationType '" + str(segType) + "' (only BINARY and FRACTIONAL are read)", file);
  }
  out.rows = rows;
  out.columns = columns;

  // Checked before DCMTK reads the frames so that the message can say what is missing. An encapsulated (RLE) SEG
  // is only measurable after DCMTK has decompressed it.
  const std::uint64_t frameCount = static_cast<std::uint64_t>(declaredFrames);
  const std::uint64_t pixelsPerFrame = std::uint64_t(rows) * columns;
  const std::uint64_t needed = out.binary ? (pixelsPerFrame * frameCount + 7) / 8 : pixelsPerFrame * frameCount;
  const auto requirePixelBytes = [&](std::uint64_t have) {
    if (have < needed)
      fail(ErrorCode::InvalidFormat,
           "PixelData holds " + std::to_string(have) + " bytes but " + std::to_string(frameCount) + " frames of " +
               std::to_string(columns) + "x" + std::to_string(rows) + " need " + std::to_string(needed) +
               " (truncated or corrupt file?)",
           file);
  };
  DcmElement* pixelData = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, pixelData).bad() || !pixelData)
    fail(ErrorCode::InvalidFormat, "no PixelData", file);
  if (!DcmXfer(dataset.getOriginalXfer()).isEncapsulated())
    requirePixelBytes(pixelData->getLength());

  DcmSegmentation* raw = nullptr;
  const OFCondition cond = DcmSegmentation::loadDataset(dataset, raw);
  out.seg.reset(raw);
  if (cond.bad() || !out.seg)
    fail(ErrorCode::InvalidFormat, std::string("DCMTK cannot read the segmentation: ") + cond.text(), file);

  // Pixel data after loadDataset, which has decompressed an RLE-encoded SEG in place.
  if (dataset.findAndGetElement(DCM_PixelData, pixelData).bad() || !pixelData)
    fail(ErrorCode::InvalidFormat, "no PixelData", file);
  Uint8* bytes = nullptr;
  if (pixelData->getUint8Array(bytes).bad() || !bytes)
    requirePixelBytes(0);
  const std::uint64_t have = pixelData->getLength();
  requirePixelBytes(have);
  out.pixels = bytes;

  FGInterface& fg = out.seg->getFunctionalGroups();
  if (fg.getNumberOfFrames() != frameCount)
    fail(ErrorCode::InconsistentData,
         "NumberOfFrames is " + std::to_string(frameCount) + " but PerFrameFunctionalGroupsSequence has " +
             std::to_string(fg.getNumberOfFrames()) + " items",
         file);
  out.segments = readSegmentInfos(*out.seg, dataset, file);
  placeFrames(out, fg, static_cast<std::size_t>(frameCount), file);
  for (std::size_t f = 0; f < out.frames.size(); ++f) {
    const unsigned number = out.frames[f].segmentNumber;
    if (std::none_of(out.segments.begin(), out.segments.end(),
                     [number](const SegmentInfo& s) { return s.number == number; }))
      fail(ErrorCode::InconsistentData,
           "frame " + std::to_string(f + 1) + " refers to segment " + std::to_string(number) +
               ", which the SegmentSequence does not define",
           file);
  }
  return out;
}

// Sets the voxels of frame f that are in the segment. Binary frames are bit-packed without padding between
// frames (first pixel in the least significant bit), so a frame may start mid-byte.
void paintFrame(const DecodedSeg& seg, std::size_t f, core::Mask& mask) {
  const std::size_t perFrame = seg.rows * seg.columns;
  std::uint8_t* slice = mask.voxels.data() + seg.frames[f].slice * perFrame;
  if (seg.binary) {
    const std::uint64_t firstBit = std::uint64_t(f) * perFrame;
    for (std::size_t p = 0; p < perFrame; ++p) {
      const std::uint64_t bit = firstBit + p;
      if ((seg.pixels[bit >> 3] >> (bit & 7)) & 1U)
        slice[p] = 1;
    }
  } else {
    const Uint8* values = seg.pixels + std::uint64_t(f) * perFrame;
    for (std::size_t p = 0; p < perFrame; ++p)
      if (2U * values[p] >= seg.maxFractional)
        slice[p] = 1;
  }
}

} // namespace

bool isSegmentationFile(const fs::path& file) {
  DcmFileFormat ff;
  // Header only: stop before the pixel data.
  if (ff.loadFileUntilTag(file.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect, DCM_PixelData)
          .bad())
    return false;
  return sopClassOf(*ff.getDataset()) == UID_SegmentationStorage;
}

std::vector<Segment> readAllSegments(const fs::path& segFile) {
  const DecodedSeg seg = decode(segFile);
  const std::uint64_t bytes = std::uint64_t(seg.geometry.voxelCount()) * seg.segments.size();
  if (bytes > kMaxTotalMaskBytes)
    fail(ErrorCode::Unsupported,
         std::to_string(seg.segments.size()) + " segments on " + core::describe(seg.geometry) +
             " need more memory than allowed; load one segment at a time",
         segFile);
  std::vector<Segment> result;
  result.reserve(seg.segments.size());
  for (const SegmentInfo& info : seg.segments) {
    Segment s;
    s.number = info.number;
    s.label = info.label;
    s.categoryMeaning = info.categoryMeaning;
    s.typeMeaning = info.typeMeaning;
    s.mask = core::Mask(seg.geometry, 0);
    for (std::size_t f = 0; f < seg.frames.size(); ++f)
      if (seg.frames[f].segmentNumber == info.number)
        paintFrame(seg, f, s.mask);
    result.push_back(std::move(s));
  }
  return result;
}

core::Mask readSegmentMask(const fs::path& segFile, unsigned segmentNumber) {
  const DecodedSeg seg = decode(segFile);
  if (segmentNumber > 0 && std::none_of(seg.segments.begin(), seg.segments.end(),
                                        [&](const SegmentInfo& s) { return s.number == segmentNumber; })) {
    std::string known;
    for (const SegmentInfo& s : seg.segments)
      known += (known.empty() ? "" : ", ") + std::to_string(s.number) + " '" + s.label + "'";
    fail(ErrorCode::NotFound, "no segment " + std::to_string(segmentNumber) + " (segments: " + known + ")", segFile);
  }
  core::Mask mask(seg.geometry, 0);
  for (std::size_t f = 0; f < seg.frames.size(); ++f)
    if (segmentNumber == 0 || seg.frames[f].segmentNumber == segmentNumber)
      paintFrame(seg, f, mask);
  return mask;
}

} // namespace vestige::dicom::detail
