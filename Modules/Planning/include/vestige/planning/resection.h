#pragma once
// Resection zones on the follow-up grid: each projected original site grown by its own distance (margin +
// that site's registration uncertainty), limited to the liver; zones merge where they overlap; the remnant is the
// liver minus all zones and may fall apart into pieces. All distances in mm, measured between voxel centres in
// LPS space (anisotropic spacing handled).
#include "vestige/core/image.h"
#include "vestige/core/progress.h"

#include <vector>

namespace vestige::planning {

// Remnant parts smaller than this are slivers, counted in fragmentsMl rather than as pieces.
inline constexpr double kMinPieceMl = 1.0;

struct ResectionZones {
  core::LabelMap zones;          // label k+1 = zone of site k (where zones overlap: the nearest site)
  core::Mask resection;          // union of zones: grown sites within (liver or the site itself)
  core::Mask remnant;            // liver minus resection
  core::Mask usableRemnant;      // the largest face-connected piece of the remnant
  std::size_t remnantPieces = 0; // face-connected parts of at least kMinPieceMl
  double fragmentsMl = 0.0;      // total volume of smaller parts
  double resectedMl = 0.0;
  double remnantMl = 0.0;
  double usableRemnantMl = 0.0;
};

// sites[k] and liver must share one grid; growMm[k] >= 0 is the distance site k is grown by.
[[nodiscard]] ResectionZones planResection(const core::Mask& liver, const std::vector<const core::Mask*>& sites,
                                           const std::vector<double>& growMm, core::Progress* progress = nullptr);

// Distance in mm from each voxel centre to the nearest non-zero voxel centre of mask (0 inside), limited to
// voxels within maxMm + one voxel of the mask (others hold +infinity). Exact Euclidean (Maurer).
[[nodiscard]] core::Image distanceToMaskMm(const core::Mask& mask, double maxMm);

} // namespace vestige::planning
