#pragma once
// DICOM Enhanced SR following TID 1500 (Measurement Report): one volumetric ROI measurement group
// (TID 1411) per segment of a SEG written by writeSegmentation.
#include "vestige/dicom/seg_writer.h"

#include <optional>

namespace vestige::dicom {

struct SrMeasurement {
  CodedConcept quantity; // e.g. {"118565006", "SCT", "Volume"}
  double value = 0.0;
  CodedConcept unit; // UCUM, e.g. {"ml", "UCUM", "milliliter"}
};

struct SrQualitative {
  CodedConcept concept;
  std::string text;
};

struct SrMeasurementGroup {
  std::string trackingId;         // e.g. "Site L1"
  unsigned referencedSegment = 0; // segment number in the SEG (1-based)
  CodedConcept finding;           // e.g. {"14799000", "SCT", "Neoplasm, Secondary"}
  CodedConcept findingSite;       // optional (empty value: absent)
  std::vector<SrMeasurement> measurements;
  std::vector<SrQualitative> qualitative;
};

// Writes the report referencing `seg` (and through it the source series). Written atomically.
WrittenObject writeMeasurementReport(const SeriesEntry& source, const WrittenObject& seg,
                                     const std::vector<SrMeasurementGroup>& groups, const DerivedSeriesInfo& info,
                                     const std::filesystem::path& file);

} // namespace vestige::dicom
