#pragma once
// Writing derived DICOM objects that belong to an existing image series (the follow-up CT): shared description of
// the new series, and the DICOM Segmentation (SEG) writer. The SR and Secondary Capture writers use the same types
// (sr_writer.h, sc_writer.h). Every object carries the patient, study and frame of reference of the source series
// and passes dciodvfy.
#include "vestige/core/image.h"
#include "vestige/core/progress.h"
#include "vestige/core/version.h"
#include "vestige/dicom/catalog.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vestige::dicom {

// A coded concept (DICOM Code Sequence Macro): e.g. {"10200004", "SCT", "Liver"}.
struct CodedConcept {
  std::string value;
  std::string scheme;
  std::string meaning;
};

// The new series a derived object starts.
struct DerivedSeriesInfo {
  std::string seriesDescription;
  int seriesNumber = 900;
  std::string seriesInstanceUid; // generated when empty
  std::string manufacturer = "Vestige";
  std::string modelName = "vestige";
  std::string softwareVersion = core::kVersion;
  std::string contentLabel = "VESTIGE"; // SEG ContentLabel (CS: upper case, digits, '_' and space)
  std::string contentDescription;
};

// What was written.
struct WrittenObject {
  std::filesystem::path file;
  std::string sopClassUid;
  std::string sopInstanceUid;
  std::string seriesInstanceUid;
};

struct SegmentSpec {
  std::string label;                              // SegmentLabel (LO, at most 64 characters)
  std::string description;                        // SegmentDescription, optional
  CodedConcept category;                          // SegmentedPropertyCategoryCodeSequence
  CodedConcept type;                              // SegmentedPropertyTypeCodeSequence
  CodedConcept anatomicRegion;                    // AnatomicRegionSequence, optional (empty value: absent)
  std::array<std::uint8_t, 3> rgb{128, 128, 128}; // recommended display colour (stored as CIELab)
  std::string trackingId;                         // optional TrackingID (with a generated TrackingUID)
  core::Mask mask;                                // on the source series' grid
};

// Writes a binary SEG on `source` (a single-frame image series whose instances are sorted along the slice normal,
// as loadSeries returns them). Masks must lie on the grid of the loaded series (Error(InconsistentData) naming the
// segment otherwise). Only frames holding a voxel are stored, except one frame for an empty segment so that segment
// numbers stay 1..n in the given order. Each frame references its source instance. Written atomically.
WrittenObject writeSegmentation(const SeriesEntry& source, const std::vector<SegmentSpec>& segments,
                                const DerivedSeriesInfo& info, const std::filesystem::path& file,
                                core::Progress* progress = nullptr);

} // namespace vestige::dicom
