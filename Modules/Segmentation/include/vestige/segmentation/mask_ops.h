#pragma once
// Binary morphology and connectivity on core::Mask, in LPS millimetres (also used by Lesions and Planning). Erosion and
// dilation by a ball of any radius go through a Euclidean distance map (cost independent of the radius), so large radii
// are cheap.
#include "vestige/core/image.h"

#include <cstdint>
#include <vector>

namespace vestige::segmentation {

// Distance in mm from each voxel's centre to the nearest centre of a non-zero voxel of mask (0 on the mask; the
// largest float everywhere when the mask is empty).
[[nodiscard]] std::vector<float> distanceToMaskMm(const core::Mask& mask);

[[nodiscard]] core::Mask dilateMm(const core::Mask& mask, double radiusMm);
[[nodiscard]] core::Mask erodeMm(const core::Mask& mask, double radiusMm);
[[nodiscard]] core::Mask closeMm(const core::Mask& mask, double radiusMm);
// Opening that keeps the shape of what survives: erosion, then dilation by the radius plus half the largest voxel
// spacing, restricted to the original mask.
[[nodiscard]] core::Mask openMm(const core::Mask& mask, double radiusMm);

// 6-connected components; labels 1..n in `labels`, sizes[label] voxel counts (sizes[0] = 0).
struct Components {
  std::vector<std::uint32_t> labels;
  std::vector<std::size_t> sizes;
};
[[nodiscard]] Components connectedComponents(const core::Mask& mask);
[[nodiscard]] core::Mask largestComponent(const core::Mask& mask);
[[nodiscard]] core::Mask componentMask(const Components& c, const core::ImageGeometry& g, std::uint32_t label);

// Fills cavities not connected (6-neighbours) to the volume border, in 3D.
[[nodiscard]] core::Mask fillHoles3d(const core::Mask& mask);
// Same per axial slice (k), which also closes cavities that open only upwards or downwards.
[[nodiscard]] core::Mask fillHolesPerSlice(const core::Mask& mask);

// Grows `seed` within `allowed` by `steps` 6-neighbour steps (geodesic dilation); seed voxels outside `allowed` are
// dropped.
[[nodiscard]] core::Mask geodesicDilate(const core::Mask& seed, const core::Mask& allowed, int steps);

// Elementwise a & b, a | b, a & !b (same grid).
[[nodiscard]] core::Mask maskAnd(const core::Mask& a, const core::Mask& b);
[[nodiscard]] core::Mask maskOr(const core::Mask& a, const core::Mask& b);
[[nodiscard]] core::Mask maskAndNot(const core::Mask& a, const core::Mask& b);

// Voxels strictly between lowHu and highHu.
[[nodiscard]] core::Mask thresholdMask(const core::Image& image, double lowHu, double highHu);

// Per slice across sliceAxis (0 sagittal, 1 coronal, 2 axial), the convex hull of the mask's voxels in it, filled
// (voxel centres on or inside the hull). Slices with fewer than 3 voxels or collinear voxels stay empty.
[[nodiscard]] core::Mask convexHullPerSlice(const core::Mask& mask, int sliceAxis);

// Nearest-neighbour transfer of a mask onto another grid (through LPS positions).
[[nodiscard]] core::Mask resampleNearest(const core::Mask& mask, const core::ImageGeometry& target);

} // namespace vestige::segmentation
