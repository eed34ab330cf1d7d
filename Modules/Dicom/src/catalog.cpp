#include "vestige/dicom/catalog.h"

#include "dcmtk_util.h"
#include "vestige/core/error.h"
#include "vestige/core/file_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using vestige::core::Error;
using vestige::core::ErrorCode;

namespace vestige::dicom {

using namespace detail;

namespace {

constexpr const char* kDicomDirSopClass = "1.2.840.10008.1.3.10";

bool contains(const std::string& haystack, const char* needle) {
  return haystack.find(needle) != std::string::npos;
}

// Plane position / orientation / pixel measures / rescale of one functional-group item (shared or per-frame).
struct FunctionalGroups {
  bool hasPosition = false, hasOrientation = false, hasSpacing = false, hasRescale = false;
  core::Vec3 position{};
  std::array<double, 6> orientation{};
  double spacing[2] = {0, 0};
  double thickness = 0, betweenSlices = 0;
  double slope = 1, intercept = 0;
};

void readGroups(DcmItem& groups, FunctionalGroups& out) {
  DcmItem* item = nullptr;
  if (groups.findAndGetSequenceItem(DCM_PlanePositionSequence, item).good() && item)
    out.hasPosition = getDoubles(*item, DCM_ImagePositionPatient, out.position.data(), 3);
  if (groups.findAndGetSequenceItem(DCM_PlaneOrientationSequence, item).good() && item)
    out.hasOrientation = getDoubles(*item, DCM_ImageOrientationPatient, out.orientation.data(), 6);
  if (groups.findAndGetSequenceItem(DCM_PixelMeasuresSequence, item).good() && item) {
    out.hasSpacing = getDoubles(*item, DCM_PixelSpacing, out.spacing, 2);
    getDouble(*item, DCM_SliceThickness, out.thickness);
    getDouble(*item, DCM_SpacingBetweenSlices, out.betweenSlices);
  }
  if (groups.findAndGetSequenceItem(DCM_PixelValueTransformationSequence, item).good() && item) {
    double s = 1, i = 0;
    if (getDouble(*item, DCM_RescaleSlope, s) && getDouble(*item, DCM_RescaleIntercept, i)) {
      out.hasRescale = true;
      out.slope = s;
      out.intercept = i;
    }
  }
}

void merge(FunctionalGroups& perFrame, const FunctionalGroups& shared) {
  if (!perFrame.hasPosition && shared.hasPosition) {
    perFrame.hasPosition = true;
    perFrame.position = shared.position;
  }
  if (!perFrame.hasOrientation && shared.hasOrientation) {
    perFrame.hasOrientation = true;
    perFrame.orientation = shared.orientation;
  }
  if (!perFrame.hasSpacing && shared.hasSpacing) {
    perFrame.hasSpacing = true;
    perFrame.spacing[0] = shared.spacing[0];
    perFrame.spacing[1] = shared.spacing[1];
    perFrame.thickness = shared.thickness;
    perFrame.betweenSlices = shared.betweenSlices;
  }
  if (!perFrame.hasRescale && shared.hasRescale) {
    perFrame.hasRescale = true;
    perFrame.slope = shared.slope;
    perFrame.intercept = shared.intercept;
  }
}

// Enhanced (multi-frame) objects keep geometry in functional groups rather than at the top level.
void readFrameHeaders(DcmDataset& ds, InstanceHeader& h) {
  FunctionalGroups shared;
  DcmItem* sharedItem = nullptr;
  if (ds.findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, sharedItem).good() && sharedItem)
    readGroups(*sharedItem, shared);

  FunctionalGroups top;
  top.hasPosition = getDoubles(ds, DCM_ImagePositionPatient, top.position.data(), 3);
  top.hasOrientation = getDoubles(ds, DCM_ImageOrientationPatient, top.orientation.data(), 6);
  top.hasSpacing = getDoubles(ds, DCM_PixelSpacing, top.spacing, 2);
  double s = 1, i = 0;
  if (getDouble(ds, DCM_RescaleSlope, s) && getDouble(ds, DCM_RescaleIntercept, i)) {
    top.hasRescale = true;
    top.slope = s;
    top.intercept = i;
  } else if (getDouble(ds, DCM_RescaleIntercept, i)) {
    top.hasRescale = true;
    top.intercept = i;
  }
  getDouble(ds, DCM_SliceThickness, top.thickness);
  getDouble(ds, DCM_SpacingBetweenSlices, top.betweenSlices);

  DcmSequenceOfItems* perFrameSeq = nullptr;
  const bool enhanced = ds.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, perFrameSeq).good() && perFrameSeq;
  h.frameHeaders.clear();
  h.frameHeaders.reserve(h.frames);
  for (unsigned f = 0; f < h.frames; ++f) {
    FunctionalGroups g;
    if (enhanced && f < perFrameSeq->card())
      readGroups(*perFrameSeq->getItem(f), g);
    merge(g, shared);
    merge(g, top);
    FrameHeader fh;
    fh.file = h.file;
    fh.frameIndex = f;
    fh.hasPosition = g.hasPosition;
    fh.positionLps = g.position;
    fh.hasOrientation = g.hasOrientation;
    fh.orientation = g.orientation;
    fh.rescaleSlope = g.slope;
    fh.rescaleIntercept = g.intercept;
    h.frameHeaders.push_back(fh);
    if (f == 0) {
      h.pixelSpacingRow = g.spacing[0];
      h.pixelSpacingColumn = g.spacing[1];
      h.sliceThicknessMm = g.thickness;
      h.spacingBetweenSlicesMm = g.betweenSlices;
    }
  }
}

// Pixel data that are stored uncompressed must be at least as long as the header says; compressed ones are
// checked when decoded.
void checkPixelDataLength(DcmDataset& ds, const InstanceHeader& h) {
  DcmElement* pixel = nullptr;
  if (ds.findAndGetElement(DCM_PixelData, pixel).bad() || !pixel) {
    return;
  }
  if (DcmXfer(ds.getOriginalXfer()).isEncapsulated())
    return; // compressed: checked when decoded
  const Uint32 length = pixel->getLength();
  const double expected = double(h.rows) * h.columns * h.frames * h.samplesPerPixel * (h.bitsAllocated / 8.0);
  const std::string declared = std::to_string(h.rows) + "x" + std::to_string(h.columns) + "x" +
                               std::to_string(h.frames) + " frames of " + std::to_string(h.bitsAllocated) + " bits (" +
                               std::to_string(static_cast<long long>(expected)) + " bytes)";
  if (double(length) < expected)
    throw Error(ErrorCode::InvalidFormat,
                "pixel data hold " + std::to_string(length) + " bytes but the header declares " + declared,
                h.file.string());
  // Longer than declared (beyond the pad byte to an even length): Rows, Columns or BitsAllocated are wrong, and
  // reading the declared part would give a plausible-looking but scrambled image.
  if (double(length) > 2.0 * std::ceil(expected / 2.0))
    throw Error(ErrorCode::InvalidFormat,
                "pixel data hold " + std::to_string(length) + " bytes, more than the header declares: " + declared +
                    "; Rows, Columns or BitsAllocated do not match the data",
                h.file.string());
}

} // namespace

const char* seriesKindName(SeriesKind kind) noexcept {
  switch (kind) {
  case SeriesKind::Image:
    return "image";
  case SeriesKind::Localizer:
    return "localizer";
  case SeriesKind::Segmentation:
    return "segmentation";
  case SeriesKind::StructuredReport:
    return "structured report";
  case SeriesKind::SecondaryCapture:
    return "secondary capture";
  case SeriesKind::Other:
    return "other";
  }
  return "other";
}

namespace {

// Loads the header of file. Values over 4 KiB (pixel data) are not loaded, only their lengths parsed:
// header-only, but a file cut short inside the pixel data is still noticed.
void loadHeader(const fs::path& file, DcmFileFormat& ff) {
  silenceDcmtkLog();
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec)
    throw Error(ErrorCode::NotFound, "cannot read file size: " + ec.message(), file.string());
  if (size == 0)
    throw Error(ErrorCode::InvalidFormat, "empty file (0 bytes)", file.string());
  core::requireReadable(file);

  const OFCondition status = ff.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect);
  if (status.bad())
    throw Error(ErrorCode::InvalidFormat, std::string("not a readable DICOM file (") + status.text() + ")",
                file.string());
}

InstanceHeader extractHeader(DcmFileFormat& ff, const fs::path& file) {
  DcmDataset& ds = *ff.getDataset();
  DcmMetaInfo& meta = *ff.getMetaInfo();
  InstanceHeader h;
  h.file = file;
  h.sopClassUid = getString(ds, DCM_SOPClassUID);
  if (h.sopClassUid.empty())
    h.sopClassUid = getString(meta, DCM_MediaStorageSOPClassUID);
  if (h.sopClassUid == kDicomDirSopClass)
    throw Error(ErrorCode::Unsupported, "DICOMDIR index (the files it lists are scanned directly)", file.string());
  h.sopInstanceUid = getString(ds, DCM_SOPInstanceUID);
  if (h.sopClassUid.empty() || h.sopInstanceUid.empty() || getString(ds, DCM_SeriesInstanceUID).empty())
    throw Error(ErrorCode::InvalidFormat, "not a DICOM instance (no SOP Class, SOP Instance or Series UID)",
                file.string());
  h.transferSyntaxUid = getString(meta, DCM_TransferSyntaxUID);
  if (h.transferSyntaxUid.empty())
    h.transferSyntaxUid = DcmXfer(ds.getOriginalXfer()).getXferID();
  h.imageType = getStringArray(ds, DCM_ImageType);
  h.instanceNumber = static_cast<int>(getLong(ds, DCM_InstanceNumber, 0));
  h.rows = static_cast<unsigned>(getLong(ds, DCM_Rows, 0));
  h.columns = static_cast<unsigned>(getLong(ds, DCM_Columns, 0));
  const std::string frames = getString(ds, DCM_NumberOfFrames);
  h.frames = frames.empty() ? 1u : static_cast<unsigned>(std::max(1L, std::atol(frames.c_str())));
  h.bitsAllocated = static_cast<unsigned>(getLong(ds, DCM_BitsAllocated, 0));
  h.bitsStored = static_cast<unsigned>(getLong(ds, DCM_BitsStored, 0));
  h.samplesPerPixel = static_cast<unsigned>(getLong(ds, DCM_SamplesPerPixel, 1));
  h.pixelSigned = getLong(ds, DCM_PixelRepresentation, 0) == 1;
  getDouble(ds, DCM_GantryDetectorTilt, h.gantryTiltDeg);
  h.hasPixelData = ds.tagExists(DCM_PixelData);
  const std::string upperType = h.imageType;
  h.localizer = contains(upperType, "LOCALIZER") || contains(upperType, "SCOUT") || contains(upperType, "TOPOGRAM");
  h.derived = upperType.rfind("DERIVED", 0) == 0;
  if (h.hasPixelData) {
    // Only these sizes exist in DICOM images; any other value would reach the decoders (GDCM prints a warning per
    // slice and then fails) instead of being refused here, once, with the file named.
    if (h.bitsAllocated != 1 && h.bitsAllocated != 8 && h.bitsAllocated != 16 && h.bitsAllocated != 32 &&
        h.bitsAllocated != 64)
      throw Error(ErrorCode::InvalidFormat,
                  "BitsAllocated " + std::to_string(h.bitsAllocated) + " is not 1, 8, 16, 32 or 64", file.string());
    if (h.frames > 100000 || static_cast<double>(h.rows) * h.columns * h.frames > 4.0e9)
      throw Error(ErrorCode::InvalidFormat,
                  "declared image size " + std::to_string(h.rows) + "x" + std::to_string(h.columns) + "x" +
                      std::to_string(h.frames) + " is implausibly large",
                  file.string());
    readFrameHeaders(ds, h);
    checkPixelDataLength(ds, h);
  }
  return h;
}

} // namespace

InstanceHeader readInstanceHeader(const fs::path& file) {
  DcmFileFormat ff;
  loadHeader(file, ff);
  return extractHeader(ff, file);
}

namespace {

struct ParsedFile {
  InstanceHeader header;
  std::string patientId, patientName, studyUid, studyDate, studyDescription, accession;
  std::string seriesUid, modality, seriesDescription, seriesDate, frameOfReference;
  int seriesNumber = 0;
  double patientSizeM = 0.0, patientWeightKg = 0.0; // 0: not given
};

ParsedFile parseFile(const fs::path& file) {
  ParsedFile p;
  DcmFileFormat ff;
  loadHeader(file, ff);
  p.header = extractHeader(ff, file);
  DcmDataset& ds = *ff.getDataset();
  convertToUtf8(ds); // names and descriptions go to plan.json and reports, which are UTF-8
  p.patientId = getString(ds, DCM_PatientID);
  p.patientName = getString(ds, DCM_PatientName);
  p.studyUid = getString(ds, DCM_StudyInstanceUID);
  p.studyDate = isoDate(getString(ds, DCM_StudyDate));
  p.studyDescription = getString(ds, DCM_StudyDescription);
  p.accession = getString(ds, DCM_AccessionNumber);
  p.seriesUid = getString(ds, DCM_SeriesInstanceUID);
  p.modality = getString(ds, DCM_Modality);
  p.seriesDescription = getString(ds, DCM_SeriesDescription);
  p.seriesDate = isoDate(getString(ds, DCM_SeriesDate));
  p.frameOfReference = getString(ds, DCM_FrameOfReferenceUID);
  p.seriesNumber = static_cast<int>(getLong(ds, DCM_SeriesNumber, 0));
  getDouble(ds, DCM_PatientSize, p.patientSizeM);
  getDouble(ds, DCM_PatientWeight, p.patientWeightKg);
  return p;
}

std::string orientationLabel(const std::array<double, 6>& iop) {
  const core::Vec3 row{iop[0], iop[1], iop[2]}, col{iop[3], iop[4], iop[5]};
  const core::Vec3 n = core::normalized(core::cross(row, col));
  const double ax = std::abs(n[0]), ay = std::abs(n[1]), az = std::abs(n[2]);
  const double best = std::max({ax, ay, az});
  if (best < 0.99)
    return "oblique";
  return best == az ? "axial" : (best == ay ? "coronal" : "sagittal");
}

bool sameOrientation(const std::array<double, 6>& a, const std::array<double, 6>& b) {
  for (int i = 0; i < 6; ++i)
    if (std::abs(a[i] - b[i]) > 1e-3)
      return false;
  return true;
}

SeriesKind classify(const std::string& modality, const std::string& sopClass, bool allLocalizers) {
  if (modality == "SEG" || sopClass == "1.2.840.10008.5.1.4.1.1.66.4")
    return SeriesKind::Segmentation;
  if (modality == "SR" || sopClass.rfind("1.2.840.10008.5.1.4.1.1.88.", 0) == 0)
    return SeriesKind::StructuredReport;
  if (sopClass.rfind("1.2.840.10008.5.1.4.1.1.7", 0) == 0)
    return SeriesKind::SecondaryCapture;
  // Radiotherapy objects (RT Dose grids, RT Image, ...; SOP classes 1.2.840.10008.5.1.4.1.1.481.*) have pixels but
  // are not scans of the patient: their frames are placed by GridFrameOffsetVector, not by per-frame positions.
  if (modality.rfind("RT", 0) == 0 || sopClass.rfind("1.2.840.10008.5.1.4.1.1.481.", 0) == 0)
    return SeriesKind::Other;
  if (allLocalizers)
    return SeriesKind::Localizer;
  return SeriesKind::Image;
}

void summarise(SeriesEntry& s) {
  std::sort(s.instances.begin(), s.instances.end(), [](const InstanceHeader& a, const InstanceHeader& b) {
    return a.instanceNumber != b.instanceNumber ? a.instanceNumber < b.instanceNumber : a.file < b.file;
  });
  std::size_t localizers = 0;
  bool derived = false;
  const InstanceHeader* reference = nullptr;
  for (const auto& inst : s.instances) {
    localizers += inst.localizer ? 1 : 0;
    derived = derived || inst.derived;
    s.frameCount += inst.frames;
    s.multiframe = s.multiframe || inst.frames > 1;
    if (!inst.localizer && inst.hasPixelData && !reference)
      reference = &inst;
  }
  s.localizerCount = localizers;
  s.derived = derived;
  s.kind = classify(s.modality, s.instances.empty() ? "" : s.instances.front().sopClassUid,
                    localizers == s.instances.size());
  if (!reference)
    return;
  auto& g = s.geometry;
  g.rows = reference->rows;
  g.columns = reference->columns;
  g.pixelSpacingRow = reference->pixelSpacingRow;
  g.pixelSpacingColumn = reference->pixelSpacingColumn;
  g.sliceThicknessMm = reference->sliceThicknessMm;
  if (reference->frameHeaders.empty() || !reference->frameHeaders.front().hasOrientation) {
    g.orientation = "unknown";
    return;
  }
  const auto& iop = reference->frameHeaders.front().orientation;
  g.orientation = orientationLabel(iop);
  const core::Vec3 normal =
      core::normalized(core::cross(core::Vec3{iop[0], iop[1], iop[2]}, core::Vec3{iop[3], iop[4], iop[5]}));
  std::vector<double> along;
  for (const auto& inst : s.instances) {
    if (inst.localizer)
      continue;
    for (const auto& f : inst.frameHeaders) {
      if (!f.hasPosition)
        continue;
      if (f.hasOrientation && !sameOrientation(f.orientation, iop))
        g.orientation = "mixed";
      along.push_back(core::dot(f.positionLps, normal));
    }
  }
  std::sort(along.begin(), along.end());
  along.erase(std::unique(along.begin(), along.end(), [](double a, double b) { return std::abs(a - b) < 1e-3; }),
              along.end());
  g.slices = along.size();
  if (along.size() > 1) {
    std::vector<double> steps;
    for (std::size_t n = 1; n < along.size(); ++n)
      steps.push_back(along[n] - along[n - 1]);
    std::nth_element(steps.begin(), steps.begin() + steps.size() / 2, steps.end());
    g.sliceSpacingMm = steps[steps.size() / 2];
  }
}

std::vector<fs::path> listFiles(const fs::path& root) {
  std::vector<fs::path> files;
  std::error_code ec;
  const auto status = fs::status(root, ec);
  if (ec || !fs::exists(status))
    throw Error(ErrorCode::NotFound, "no such file or folder", root.string());
  if (!fs::is_directory(status)) {
    files.push_back(root);
    return files;
  }
  core::requireReadable(root, true);
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  if (ec)
    throw Error(ErrorCode::Io, "cannot list folder: " + ec.message(), root.string());
  for (; it != end; it.increment(ec)) {
    if (ec)
      throw Error(ErrorCode::Io, "cannot list folder: " + ec.message(), root.string());
    if (it->is_regular_file(ec) && !ec)
      files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool looksLikeNonDicomByName(const fs::path& file) {
  const std::string ext = core::fullExtension(file);
  static const char* kSkip[] = {".md",  ".txt", ".json", ".nrrd", ".nii", ".nii.gz", ".mha", ".mhd", ".png", ".jpg",
                                ".csv", ".xml", ".html", ".pdf",  ".py",  ".sh",     ".gz",  ".xz",  ".zip"};
  for (const char* s : kSkip)
    if (ext == s)
      return true;
  return file.filename().string().rfind(".unpacked", 0) == 0;
}

} // namespace

Catalog scanCatalog(const fs::path& root, const CatalogOptions& options, core::Progress* progress) {
  Catalog catalog;
  catalog.root = root;
  const std::vector<fs::path> files = listFiles(root);
  catalog.filesSeen = files.size();

  std::vector<std::optional<ParsedFile>> parsed(files.size());
  std::vector<std::string> failures(files.size());
  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<bool> cancelled{false};
  auto parseOne = [&](std::size_t n) {
    if (looksLikeNonDicomByName(files[n])) {
      failures[n] = "not DICOM (file type " + core::fullExtension(files[n]) + ")";
    } else {
      try {
        parsed[n] = parseFile(files[n]);
      } catch (const Error& e) {
        failures[n] = e.message();
      } catch (const std::exception& e) {
        failures[n] = e.what();
      }
    }
    ++done;
  };
  auto worker = [&] {
    for (std::size_t n = next++; n < files.size() && !cancelled; n = next++)
      parseOne(n);
  };
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, files.size() / 16)));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(worker);
  // The calling thread works too and reports progress between files.
  for (std::size_t n = next++; n < files.size(); n = next++) {
    parseOne(n);
    if (progress && (n % 32 == 0)) {
      try {
        core::reportProgress(progress, "Scanning DICOM files", double(done) / double(files.size()));
      } catch (...) {
        cancelled = true;
        for (auto& t : pool)
          t.join();
        throw;
      }
    }
  }
  for (auto& t : pool)
    t.join();
  core::reportProgress(progress, "Scanning DICOM files", 1.0);

  // Group: patient -> study -> series, in first-seen order of sorted file names.
  std::map<std::string, std::size_t> patientIndex, studyIndex, seriesIndex;
  for (std::size_t n = 0; n < files.size(); ++n) {
    if (!parsed[n]) {
      catalog.skipped.push_back({files[n], failures[n]});
      continue;
    }
    ParsedFile& p = *parsed[n];
    const std::string patientKey = p.patientId + "\x1f" + p.patientName;
    auto [pit, newPatient] = patientIndex.try_emplace(patientKey, catalog.patients.size());
    if (newPatient)
      catalog.patients.push_back({p.patientId, p.patientName, {}});
    PatientEntry& patient = catalog.patients[pit->second];
    auto [sit, newStudy] = studyIndex.try_emplace(patientKey + "\x1f" + p.studyUid, patient.studies.size());
    if (newStudy)
      patient.studies.push_back({p.studyUid, p.studyDate, p.studyDescription, p.accession, {}});
    StudyEntry& study = patient.studies[sit->second];
    auto [rit, newSeries] =
        seriesIndex.try_emplace(patientKey + "\x1f" + p.studyUid + "\x1f" + p.seriesUid, study.series.size());
    if (newSeries) {
      SeriesEntry s;
      s.seriesUid = p.seriesUid;
      s.modality = p.modality;
      s.description = p.seriesDescription;
      s.date = p.seriesDate.empty() ? p.studyDate : p.seriesDate;
      s.seriesNumber = p.seriesNumber;
      s.frameOfReferenceUid = p.frameOfReference;
      s.studyUid = p.studyUid;
      s.studyDate = p.studyDate;
      s.studyDescription = p.studyDescription;
      s.patientId = p.patientId;
      s.patientName = p.patientName;
      if (std::isfinite(p.patientSizeM) && p.patientSizeM > 0.0)
        s.patientHeightCm = 100.0 * p.patientSizeM;
      if (std::isfinite(p.patientWeightKg) && p.patientWeightKg > 0.0)
        s.patientWeightKg = p.patientWeightKg;
      study.series.push_back(std::move(s));
    }
    study.series[rit->second].instances.push_back(std::move(p.header));
  }
  for (auto& patient : catalog.patients) {
    std::sort(patient.studies.begin(), patient.studies.end(),
              [](const StudyEntry& a, const StudyEntry& b) { return a.date < b.date; });
    for (auto& study : patient.studies) {
      for (auto& series : study.series)
        summarise(series);
      std::sort(study.series.begin(), study.series.end(), [](const SeriesEntry& a, const SeriesEntry& b) {
        return a.seriesNumber != b.seriesNumber ? a.seriesNumber < b.seriesNumber : a.seriesUid < b.seriesUid;
      });
    }
  }
  return catalog;
}

std::vector<const SeriesEntry*> allSeries(const Catalog& catalog) {
  std::vector<const SeriesEntry*> out;
  for (const auto& p : catalog.patients)
    for (const auto& st : p.studies)
      for (const auto& se : st.series)
        out.push_back(&se);
  return out;
}

const SeriesEntry* findSeries(const Catalog& catalog, const std::string& uid) {
  for (const auto* s : allSeries(catalog))
    if (s->seriesUid == uid)
      return s;
  return nullptr;
}

std::string catalogToJson(const Catalog& catalog) {
  using nlohmann::json;
  json patients = json::array();
  for (const auto& p : catalog.patients) {
    json studies = json::array();
    for (const auto& st : p.studies) {
      json series = json::array();
      for (const auto& se : st.series) {
        const auto& g = se.geometry;
        series.push_back({{"series_uid", se.seriesUid},
                          {"series_number", se.seriesNumber},
                          {"modality", se.modality},
                          {"description", se.description},
                          {"date", se.date},
                          {"kind", seriesKindName(se.kind)},
                          {"instances", se.instances.size()},
                          {"frames", se.frameCount},
                          {"multiframe", se.multiframe},
                          {"derived", se.derived},
                          {"localizers", se.localizerCount},
                          {"frame_of_reference_uid", se.frameOfReferenceUid},
                          {"transfer_syntax", se.instances.empty() ? "" : se.instances.front().transferSyntaxUid},
                          {"folder", se.instances.empty() ? "" : se.instances.front().file.parent_path().string()},
                          {"geometry",
                           {{"rows", g.rows},
                            {"columns", g.columns},
                            {"slices", g.slices},
                            {"pixel_spacing_mm", {g.pixelSpacingRow, g.pixelSpacingColumn}},
                            {"slice_spacing_mm", g.sliceSpacingMm},
                            {"slice_thickness_mm", g.sliceThicknessMm},
                            {"orientation", g.orientation}}}});
      }
      studies.push_back({{"study_uid", st.studyUid},
                         {"date", st.date},
                         {"description", st.description},
                         {"accession_number", st.accessionNumber},
                         {"series", series}});
    }
    patients.push_back({{"patient_id", p.patientId}, {"patient_name", p.patientName}, {"studies", studies}});
  }
  json skipped = json::array();
  for (const auto& s : catalog.skipped)
    skipped.push_back({{"file", s.file.string()}, {"reason", s.reason}});
  json root = {
      {"root", catalog.root.string()}, {"files_seen", catalog.filesSeen}, {"patients", patients}, {"skipped", skipped}};
  return root.dump(2, ' ', false, nlohmann::json::error_handler_t::replace); // file names need not be UTF-8
}

std::string catalogToText(const Catalog& catalog) {
  std::ostringstream out;
  char line[512];
  for (const auto& p : catalog.patients) {
    out << "Patient " << (p.patientId.empty() ? "(no ID)" : p.patientId) << "  " << p.patientName << '\n';
    for (const auto& st : p.studies) {
      out << "  Study " << (st.date.empty() ? "(no date)" : st.date) << "  " << st.description << "  [" << st.studyUid
          << "]\n";
      for (const auto& se : st.series) {
        const auto& g = se.geometry;
        std::string flags;
        if (se.kind != SeriesKind::Image)
          flags += std::string(" ") + seriesKindName(se.kind);
        if (se.derived)
          flags += " derived";
        if (se.localizerCount && se.kind != SeriesKind::Localizer)
          flags += " +" + std::to_string(se.localizerCount) + " localizer(s)";
        if (se.multiframe)
          flags += " multi-frame";
        std::snprintf(line, sizeof line,
                      "    #%-4d %-3s %-34.34s %4zu inst %4ux%-4u x%4zu  %.3fx%.3f mm  step %.2f mm  thick %.2f mm  "
                      "%-8s%s\n",
                      se.seriesNumber, se.modality.c_str(), se.description.empty() ? "-" : se.description.c_str(),
                      se.instances.size(), g.columns, g.rows, g.slices, g.pixelSpacingColumn, g.pixelSpacingRow,
                      g.sliceSpacingMm, g.sliceThicknessMm, g.orientation.c_str(), flags.c_str());
        out << line << "          UID " << se.seriesUid << '\n';
      }
    }
  }
  out << catalog.filesSeen << " files, " << allSeries(catalog).size() << " series";
  if (!catalog.skipped.empty())
    out << ", " << catalog.skipped.size() << " skipped (not DICOM images; --json lists each with its reason)";
  out << '\n';
  return out.str();
}

} // namespace vestige::dicom
