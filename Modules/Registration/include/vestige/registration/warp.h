#pragma once
// Carrying baseline data onto the follow-up with a registration's transform. Images and masks are pulled
// (every follow-up voxel x takes the baseline value at T(x)); points are pushed through T^-1.
#include "vestige/core/image.h"
#include "vestige/registration/transform.h"

#include <string>
#include <vector>

namespace vestige::registration {

enum class Interpolation { Linear, BSpline };

// The baseline image seen on the follow-up grid `target`; `outside` where T(x) falls off the baseline.
[[nodiscard]] core::Image warpImage(const core::Image& baseline, const Transform& transform,
                                    const core::ImageGeometry& target, Interpolation interpolation, float outside);

// A baseline mask on the follow-up grid: linear interpolation of the 0/1 mask, inside when >= 0.5 (so volumes are
// preserved better than by nearest neighbour).
[[nodiscard]] core::Mask warpMask(const core::Mask& baseline, const Transform& transform,
                                  const core::ImageGeometry& target);

// A baseline label map on the follow-up grid, label-preserving: each voxel takes the label whose (linearly
// interpolated) indicator is largest at T(x); only labels present in the input appear in the output.
[[nodiscard]] core::LabelMap warpLabelMap(const core::LabelMap& baseline, const Transform& transform,
                                          const core::ImageGeometry& target);

struct MappedPoint {
  std::string name;
  core::Vec3 baselineLps{};
  core::Vec3 followupLps{};
  double uncertaintyMm = 0.0; // see uncertainty.h; 0 when the registration has no uncertainty map
};

} // namespace vestige::registration
