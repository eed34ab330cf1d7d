#include "vestige/dicom/series_writer.h"

#include "vestige/core/error.h"
#include "vestige/core/version.h"
#include "vestige/dicom/vr_rules.h"

#include "dcmtk_util.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using vestige::core::Error;
using vestige::core::ErrorCode;

namespace vestige::dicom {

namespace {

// DCMTK's own root would do, but a root of our own keeps generated UIDs recognisable as Vestige's.
constexpr const char* kUidRoot = "1.2.826.0.1.3680043.10.1147";

std::string newUid() {
  char buffer[100];
  dcmGenerateUniqueIdentifier(buffer, kUidRoot);
  return buffer;
}

std::string formatDs(double value) {
  return formatDecimalString(std::abs(value) < 1e-9 ? 0.0 : value);
}

std::string joinDs(const std::vector<double>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i)
    out += (i ? "\\" : "") + formatDs(values[i]);
  return out;
}

std::string todayDate() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[16];
  std::strftime(buffer, sizeof buffer, "%Y%m%d", &tm);
  return buffer;
}

void put(DcmItem& item, const DcmTagKey& tag, const std::string& value, const fs::path& file) {
  const OFCondition status = item.putAndInsertString(tag, value.c_str());
  if (status.bad())
    throw Error(ErrorCode::Internal,
                std::string("cannot set DICOM attribute ") + DcmTag(tag).getTagName() + ": " + status.text(),
                file.string());
}

void putU16(DcmItem& item, const DcmTagKey& tag, Uint16 value, const fs::path& file) {
  const OFCondition status = item.putAndInsertUint16(tag, value);
  if (status.bad())
    throw Error(ErrorCode::Internal,
                std::string("cannot set DICOM attribute ") + DcmTag(tag).getTagName() + ": " + status.text(),
                file.string());
}

struct ResolvedInfo {
  SeriesWriteInfo info;
  bool ct = true;
  double sliceThicknessMm = 0.0;
  std::string seriesDate;
  std::string windowCenter;
  std::string windowWidth;
};

// Everything the series shares, fixed once so that every slice carries identical study/series attributes.
ResolvedInfo resolve(const core::Image& image, const SeriesWriteInfo& info) {
  ResolvedInfo r;
  r.info = info;
  if (info.modality != "CT" && info.modality != "MR")
    throw Error(ErrorCode::InvalidArgument, "modality must be CT or MR, not '" + info.modality + "'");
  r.ct = info.modality == "CT";
  if (r.info.studyInstanceUid.empty())
    r.info.studyInstanceUid = newUid();
  if (r.info.seriesInstanceUid.empty())
    r.info.seriesInstanceUid = newUid();
  if (r.info.frameOfReferenceUid.empty())
    r.info.frameOfReferenceUid = newUid();
  if (r.info.studyDate.empty())
    r.info.studyDate = todayDate();
  if (r.info.studyTime.empty())
    r.info.studyTime = "120000";
  if (r.info.patientId.empty())
    r.info.patientId = "VESTIGE";
  r.sliceThicknessMm = info.sliceThicknessMm > 0.0 ? info.sliceThicknessMm : image.geometry.spacingMm[2];
  if (r.ct) {
    r.windowCenter = "40";
    r.windowWidth = "400";
  } else {
    // MR has no fixed scale: centre the window on the 2nd..98th percentile of the stored values.
    std::vector<float> sample;
    const std::size_t step = std::max<std::size_t>(1, image.voxels.size() / 200000);
    for (std::size_t i = 0; i < image.voxels.size(); i += step)
      sample.push_back(image.voxels[i]);
    std::sort(sample.begin(), sample.end());
    const double lo = sample.empty() ? 0.0 : std::max(0.0f, sample[sample.size() * 2 / 100]);
    const double hi = sample.empty() ? 1.0 : sample[sample.size() * 98 / 100];
    r.windowCenter = formatDs(std::round((lo + hi) / 2.0));
    r.windowWidth = formatDs(std::max(1.0, std::round(hi - lo)));
  }
  return r;
}

void fillCommon(DcmDataset& ds, const ResolvedInfo& r, const fs::path& file) {
  const SeriesWriteInfo& i = r.info;
  put(ds, DCM_SpecificCharacterSet, "ISO_IR 192", file);
  put(ds, DCM_SOPClassUID, r.ct ? UID_CTImageStorage : UID_MRImageStorage, file);
  // Patient
  put(ds, DCM_PatientName, i.patientName, file);
  put(ds, DCM_PatientID, i.patientId, file);
  put(ds, DCM_PatientBirthDate, i.patientBirthDate, file);
  put(ds, DCM_PatientSex, i.patientSex, file);
  // General Study
  put(ds, DCM_StudyInstanceUID, i.studyInstanceUid, file);
  put(ds, DCM_StudyDate, i.studyDate, file);
  put(ds, DCM_StudyTime, i.studyTime, file);
  put(ds, DCM_ReferringPhysicianName, "", file);
  put(ds, DCM_StudyID, "1", file);
  put(ds, DCM_AccessionNumber, i.accessionNumber, file);
  put(ds, DCM_StudyDescription, i.studyDescription, file);
  // General Series
  put(ds, DCM_Modality, i.modality, file);
  put(ds, DCM_SeriesInstanceUID, i.seriesInstanceUid, file);
  put(ds, DCM_SeriesNumber, std::to_string(i.seriesNumber), file);
  put(ds, DCM_SeriesDate, i.studyDate, file);
  put(ds, DCM_SeriesTime, i.studyTime, file);
  put(ds, DCM_SeriesDescription, i.seriesDescription, file);
  put(ds, DCM_PatientPosition, "HFS", file);
  put(ds, DCM_BodyPartExamined, "ABDOMEN", file);
  // Frame of Reference
  put(ds, DCM_FrameOfReferenceUID, i.frameOfReferenceUid, file);
  put(ds, DCM_PositionReferenceIndicator, "", file);
  // General Equipment
  put(ds, DCM_Manufacturer, "Vestige", file);
  put(ds, DCM_ManufacturerModelName, "vestige synthetic", file);
  put(ds, DCM_SoftwareVersions, core::kVersion, file);
  // General Image / Acquisition
  put(ds, DCM_ContentDate, i.studyDate, file);
  put(ds, DCM_ContentTime, i.studyTime, file);
  put(ds, DCM_AcquisitionNumber, "1", file);
  put(ds, DCM_ImageType, i.derived ? "DERIVED\\SECONDARY\\AXIAL" : "ORIGINAL\\PRIMARY\\AXIAL", file);
  if (i.derived)
    put(ds, DCM_DerivationDescription, "Synthesised by vestige (simulated follow-up)", file);
  put(ds, DCM_BurnedInAnnotation, "NO", file);
  // Image Pixel
  putU16(ds, DCM_SamplesPerPixel, 1, file);
  put(ds, DCM_PhotometricInterpretation, "MONOCHROME2", file);
  putU16(ds, DCM_BitsAllocated, 16, file);
  putU16(ds, DCM_BitsStored, 16, file);
  putU16(ds, DCM_HighBit, 15, file);
  putU16(ds, DCM_PixelRepresentation, r.ct ? 1 : 0, file);
  put(ds, DCM_WindowCenter, r.windowCenter, file);
  put(ds, DCM_WindowWidth, r.windowWidth, file);
  if (r.ct) {
    put(ds, DCM_RescaleIntercept, "0", file);
    put(ds, DCM_RescaleSlope, "1", file);
    put(ds, DCM_RescaleType, "HU", file);
    put(ds, DCM_KVP, "120", file);
    put(ds, DCM_ConvolutionKernel, "STANDARD", file);
  } else {
    // MR Image module: a T1-weighted 3D gradient echo, which is what the values imitate.
    put(ds, DCM_ScanningSequence, "GR", file);
    put(ds, DCM_SequenceVariant, "SP\\SK", file);
    put(ds, DCM_ScanOptions, "", file);
    put(ds, DCM_MRAcquisitionType, "3D", file);
    put(ds, DCM_RepetitionTime, "4.5", file);
    put(ds, DCM_EchoTime, "2.1", file);
    put(ds, DCM_EchoTrainLength, "1", file);
    put(ds, DCM_FlipAngle, "10", file);
    put(ds, DCM_MagneticFieldStrength, "1.5", file);
    put(ds, DCM_ImagedNucleus, "1H", file);
  }
}

void writeSlice(const core::Image& image, const ResolvedInfo& r, std::size_t k, const fs::path& file) {
  const core::ImageGeometry& g = image.geometry;
  DcmFileFormat format;
  DcmDataset& ds = *format.getDataset();
  fillCommon(ds, r, file);
  put(ds, DCM_SOPInstanceUID, newUid(), file);
  put(ds, DCM_InstanceNumber, std::to_string(k + 1), file);

  const core::Vec3 position = g.indexToLps({0.0, 0.0, static_cast<double>(k)});
  const core::Vec3 normal = {g.direction[0][2], g.direction[1][2], g.direction[2][2]};
  put(ds, DCM_ImagePositionPatient, joinDs({position[0], position[1], position[2]}), file);
  put(ds, DCM_ImageOrientationPatient,
      joinDs({g.direction[0][0], g.direction[1][0], g.direction[2][0], g.direction[0][1], g.direction[1][1],
              g.direction[2][1]}),
      file);
  // PixelSpacing is (row spacing, column spacing) = (spacing along j, spacing along i).
  put(ds, DCM_PixelSpacing, joinDs({g.spacingMm[1], g.spacingMm[0]}), file);
  put(ds, DCM_SliceThickness, formatDs(r.sliceThicknessMm), file);
  put(ds, DCM_SpacingBetweenSlices, formatDs(g.spacingMm[2]), file);
  put(ds, DCM_SliceLocation, formatDs(core::dot(position, normal)), file);
  putU16(ds, DCM_Rows, static_cast<Uint16>(g.size[1]), file);
  putU16(ds, DCM_Columns, static_cast<Uint16>(g.size[0]), file);

  const std::size_t plane = g.size[0] * g.size[1];
  std::vector<Uint16> pixels(plane);
  const float* source = image.voxels.data() + k * plane;
  for (std::size_t n = 0; n < plane; ++n) {
    const double v = std::round(static_cast<double>(source[n]));
    if (r.ct) {
      pixels[n] = static_cast<Uint16>(static_cast<std::int16_t>(std::clamp(v, -32768.0, 32767.0)));
    } else {
      pixels[n] = static_cast<Uint16>(std::clamp(v, 0.0, 65535.0));
    }
  }
  OFCondition status = ds.putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(plane));
  if (status.bad())
    throw Error(ErrorCode::Internal, std::string("cannot set pixel data: ") + status.text(), file.string());
  // Names and descriptions come from the caller (e.g. a real baseline's header): held to their VR's limits.
  detail::makeValuesValid(ds);
  status = format.saveFile(file.c_str(), EXS_LittleEndianExplicit);
  if (status.bad())
    throw Error(ErrorCode::Io, std::string("cannot write DICOM file: ") + status.text(), file.string());
}

void requireWritableTarget(const fs::path& folder) {
  std::error_code ec;
  if (fs::exists(folder, ec)) {
    if (!fs::is_directory(folder, ec))
      throw Error(ErrorCode::InvalidArgument, "output exists and is not a folder", folder.string());
    if (!fs::is_empty(folder, ec))
      throw Error(ErrorCode::InvalidArgument, "output folder is not empty", folder.string());
  }
}

} // namespace

std::string writeImageSeries(const core::Image& image, const SeriesWriteInfo& info, const fs::path& folder,
                             core::Progress* progress) {
  const core::ImageGeometry& g = image.geometry;
  if (image.voxels.size() != g.voxelCount() || g.voxelCount() == 0)
    throw Error(ErrorCode::Internal,
                "image has " + std::to_string(image.voxels.size()) + " voxels for a grid of " +
                    std::to_string(g.voxelCount()),
                folder.string());
  if (g.size[0] > 65535 || g.size[1] > 65535)
    throw Error(ErrorCode::Unsupported, "slices larger than 65535 pixels cannot be stored in DICOM", folder.string());
  requireWritableTarget(folder);
  const ResolvedInfo resolved = resolve(image, info);

  const fs::path parent = folder.has_parent_path() ? folder.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec)
    throw Error(ErrorCode::Io, "cannot create folder: " + ec.message(), parent.string());
  const fs::path tmp = parent / (".vestige-tmp-" + std::to_string(::getpid()) + "-" + folder.filename().string());
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec)
    throw Error(ErrorCode::Io, "cannot create folder: " + ec.message(), tmp.string());
  try {
    for (std::size_t k = 0; k < g.size[2]; ++k) {
      core::reportProgress(progress, "writing DICOM", static_cast<double>(k) / static_cast<double>(g.size[2]));
      char name[32];
      std::snprintf(name, sizeof name, "IM%05zu.dcm", k + 1);
      writeSlice(image, resolved, k, tmp / name);
    }
    if (fs::exists(folder, ec))
      fs::remove(folder, ec); // empty (checked above): rename cannot replace it on every filesystem
    fs::rename(tmp, folder, ec);
    if (ec)
      throw Error(ErrorCode::Io, "cannot move the finished series into place: " + ec.message(), folder.string());
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  core::reportProgress(progress, "writing DICOM", 1.0);
  return resolved.info.seriesInstanceUid;
}

} // namespace vestige::dicom
