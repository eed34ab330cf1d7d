#pragma once
// Checks that say when a liver outline needs a human look before its volume is used: the liver cut off by the
// edge of the scan, an outline reaching above the diaphragm (into the lung base or the heart), a scan too thick for
// small residual lesions. Each check derives its limits from the scan's own geometry or from anatomy (the reasons
// are next to the constants in liver_checks.cpp). Places are LPS millimetres.
#include "vestige/core/image.h"

#include <optional>
#include <string>
#include <vector>

namespace vestige::segmentation {

struct LiverWarning {
  std::string code;                   // liver_cut_by_scan, liver_above_dome, thick_slices
  std::string message;                // one line with the figure and the place, for people
  std::optional<core::Vec3> placeLps; // where to look (absent for whole-scan findings)
  double value = 0.0;                 // the figure the message gives, in `unit`
  std::string unit;                   // "cm2", "mL", "mm"
};

// Thickest slice spacing (mm) at which a residual lesion of the smallest size a surgeon resects still spans two
// slices; beyond it the scan gets a thick_slices warning.
inline constexpr double kThickSliceMm = 3.0;

// Runs every check on a liver mask on the grid of `image`. isCt: the dome check reads lung as CT air (below
// -400 HU) and is skipped on other modalities. The scan-edge and slice-thickness checks need no intensities.
[[nodiscard]] std::vector<LiverWarning> checkLiverOutline(const core::Image& image, const core::Mask& liver, bool isCt);

// The single checks, for tests and for callers that want one.
[[nodiscard]] std::optional<LiverWarning> checkLiverAtScanEdge(const core::Mask& liver);
[[nodiscard]] std::optional<LiverWarning> checkLiverAboveDome(const core::Image& ct, const core::Mask& liver);
[[nodiscard]] std::optional<LiverWarning> checkSliceThickness(const core::ImageGeometry& geometry);

} // namespace vestige::segmentation
