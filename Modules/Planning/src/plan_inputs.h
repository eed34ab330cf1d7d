#pragma once
// Private to Planning: turning case-file entries into images and masks (the parts that call Segmentation and
// Lesions), so that plan.cpp reads as the sequence of steps.
#include "vestige/core/image.h"
#include "vestige/core/progress.h"
#include "vestige/planning/case_file.h"
#include "vestige/planning/plan_result.h"

#include <optional>
#include <string>
#include <vector>

namespace vestige::planning::detail {

struct LoadedScan {
  core::Image image;
  SeriesSummary summary;
  std::vector<std::string> notes;
  std::optional<double> headerHeightCm; // PatientSize / PatientWeight of a DICOM series, when given
  std::optional<double> headerWeightKg;
};

// A DICOM folder/file (through the catalog and series loader) or a volume file.
[[nodiscard]] LoadedScan loadScan(const SeriesRef& ref, const std::string& key, unsigned threads,
                                  core::Progress* progress);

// A liver mask from a file (conformed to the grid) or, when path is empty, by automatic segmentation (CT only).
[[nodiscard]] core::Mask liverMask(const std::optional<std::filesystem::path>& path, const LoadedScan& scan,
                                   const std::string& key, core::Progress* progress);

// The baseline extent of one original site as a mask on the baseline grid. Throws naming spec.key when the mark
// lies outside the baseline image or yields an empty mask.
// Balls (point + diameter, line markups) are limited to the baseline liver.
[[nodiscard]] core::Mask lesionMask(const LesionSpec& spec, const LoadedScan& baseline, const core::Mask& baselineLiver,
                                    core::Progress* progress);

// Longest diameter (mm) of a mask: the largest distance between two of its boundary voxel centres.
[[nodiscard]] double longestDiameterMm(const core::Mask& mask);

struct FollowupStatus {
  std::string status;                       // visible, shrunk, disappeared
  std::optional<double> followupDiameterMm; // when something is seen
  double followupVolumeMl = 0.0;            // lesion tissue found at the site
  double referenceVolumeMl = 0.0;           // the baseline lesion it is compared with
  core::Mask followupLesion;                // what is seen at the site on the follow-up grid (may be empty)
};

// Status of a site from the follow-up image at its projected extent (grid of the follow-up), configured as
// lesions::assessOriginalSite says (polarity and reference volume from the baseline site).
[[nodiscard]] FollowupStatus classifySite(const LoadedScan& baseline, const core::Mask& baselineSite,
                                          const core::Mask& baselineLiver, const LoadedScan& followup,
                                          const core::Mask& projectedSite, const core::Mask& followupLiver);

} // namespace vestige::planning::detail
