#pragma once
// Overlap and surface metrics between two masks on one grid, computed the way the literature reports them
// (Documentation/segmentation.md): Dice, mean symmetric surface distance (ASSD), HD95, volume error.
#include "vestige/core/image.h"

namespace vestige::segmentation {

struct MaskComparison {
  double dice = 0.0;
  double meanSurfaceDistanceMm = 0.0; // mean over both surfaces of the distance to the other surface
  double hausdorff95Mm = 0.0;
  double volumeErrorFraction = 0.0; // (V_test - V_ref) / V_ref
  double testVolumeMl = 0.0;
  double referenceVolumeMl = 0.0;
};

// Both masks must share a grid (core::Error(InconsistentData) otherwise); `test` may be resampled first with
// dicom::conformMask.
[[nodiscard]] MaskComparison compareMasks(const core::Mask& test, const core::Mask& reference);

// Longest distance between two voxel centres of the mask's surface, in mm (0 for an empty mask).
[[nodiscard]] double longestDiameterMm(const core::Mask& mask);
// Centroid of the non-zero voxels, LPS mm.
[[nodiscard]] core::Vec3 centroidLps(const core::Mask& mask);

} // namespace vestige::segmentation
