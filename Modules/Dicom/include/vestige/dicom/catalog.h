#pragma once
// The catalog: a header-only scan of a folder tree into patients -> studies -> series. Files that are not
// DICOM, are truncated or are DICOMDIR indexes are listed with the reason they were skipped, never silently
// dropped. Geometry is LPS mm.
#include "vestige/core/geometry.h"
#include "vestige/core/progress.h"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vestige::dicom {

// One frame of one file: where it lies and how to turn stored values into physical ones.
struct FrameHeader {
  std::filesystem::path file;
  unsigned frameIndex = 0;             // 0-based frame within a multi-frame file
  core::Vec3 positionLps{};            // ImagePositionPatient: centre of the first voxel
  std::array<double, 6> orientation{}; // ImageOrientationPatient: row (x direction) then column direction cosines
  bool hasPosition = false;
  bool hasOrientation = false;
  double rescaleSlope = 1.0;
  double rescaleIntercept = 0.0;
};

// What every instance of a series told us in its header.
struct InstanceHeader {
  std::filesystem::path file;
  std::string sopInstanceUid;
  std::string sopClassUid;
  std::string transferSyntaxUid;
  std::string imageType; // e.g. "ORIGINAL\PRIMARY\AXIAL"
  int instanceNumber = 0;
  unsigned rows = 0;
  unsigned columns = 0;
  unsigned frames = 1;
  unsigned bitsAllocated = 0;
  unsigned bitsStored = 0;
  unsigned samplesPerPixel = 1;
  bool pixelSigned = false;
  double pixelSpacingRow = 0.0;    // mm between rows (DICOM PixelSpacing[0])
  double pixelSpacingColumn = 0.0; // mm between columns (DICOM PixelSpacing[1])
  double sliceThicknessMm = 0.0;
  double spacingBetweenSlicesMm = 0.0; // as declared (may be missing, zero or negative)
  double gantryTiltDeg = 0.0;
  bool localizer = false; // ImageType says LOCALIZER / SCOUT, or the SOP class is not a volume slice
  bool derived = false;   // ImageType value 1 is DERIVED
  bool hasPixelData = false;
  std::vector<FrameHeader> frameHeaders; // one per frame
};

struct SeriesGeometrySummary {
  unsigned rows = 0;
  unsigned columns = 0;
  std::size_t slices = 0; // frames with distinct positions along the slice normal
  double pixelSpacingRow = 0.0;
  double pixelSpacingColumn = 0.0;
  double sliceSpacingMm = 0.0; // median step between positions along the normal (0 if one slice)
  double sliceThicknessMm = 0.0;
  std::string orientation; // "axial", "coronal", "sagittal", "oblique", "mixed" or "unknown"
};

enum class SeriesKind { Image, Localizer, Segmentation, StructuredReport, SecondaryCapture, Other };

[[nodiscard]] const char* seriesKindName(SeriesKind kind) noexcept;

struct SeriesEntry {
  std::string seriesUid;
  std::string modality;
  std::string description;
  std::string date; // SeriesDate (YYYY-MM-DD when known), else the study date
  int seriesNumber = 0;
  std::string frameOfReferenceUid;
  SeriesKind kind = SeriesKind::Image;
  bool derived = false;           // any instance DERIVED
  std::size_t localizerCount = 0; // localizer / scout instances mixed into the series
  bool multiframe = false;
  std::size_t frameCount = 0;
  SeriesGeometrySummary geometry;
  std::vector<InstanceHeader> instances;
  // Study / patient context, repeated here so a series can be loaded on its own.
  std::string studyUid;
  std::string studyDate;
  std::string studyDescription;
  std::string patientId;
  std::string patientName;
  // PatientSize (converted from m) and PatientWeight of the series' first instance, when given and above zero
  // (scanners write 0 for "unknown"). Body size at the time of this scan, for the expected liver volume.
  std::optional<double> patientHeightCm;
  std::optional<double> patientWeightKg;
};

struct StudyEntry {
  std::string studyUid;
  std::string date; // YYYY-MM-DD
  std::string description;
  std::string accessionNumber;
  std::vector<SeriesEntry> series;
};

struct PatientEntry {
  std::string patientId;
  std::string patientName;
  std::vector<StudyEntry> studies;
};

struct SkippedFile {
  std::filesystem::path file;
  std::string reason;
};

struct Catalog {
  std::filesystem::path root;
  std::vector<PatientEntry> patients;
  std::vector<SkippedFile> skipped;
  std::size_t filesSeen = 0;
};

struct CatalogOptions {
  unsigned threads = 0; // 0: hardware concurrency
};

// Scans root (a folder, recursively, or a single file). Header-only: pixel data are not read. Throws
// core::Error when root is missing or unreadable; individual bad files only land in Catalog::skipped.
[[nodiscard]] Catalog scanCatalog(const std::filesystem::path& root, const CatalogOptions& options = {},
                                  core::Progress* progress = nullptr);

// Reads the header of one file (no pixel data). Throws core::Error(InvalidFormat) naming the file when it is not
// a readable DICOM image file.
[[nodiscard]] InstanceHeader readInstanceHeader(const std::filesystem::path& file);

// Every series of the catalog, in patient/study/series order.
[[nodiscard]] std::vector<const SeriesEntry*> allSeries(const Catalog& catalog);
// The series with that UID, or nullptr.
[[nodiscard]] const SeriesEntry* findSeries(const Catalog& catalog, const std::string& seriesUid);

// Machine-readable form (used by `vestige dicom ls --json`).
[[nodiscard]] std::string catalogToJson(const Catalog& catalog);
// Table for people.
[[nodiscard]] std::string catalogToText(const Catalog& catalog);

} // namespace vestige::dicom
