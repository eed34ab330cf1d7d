#pragma once
// Per-site uncertainty of the baseline -> follow-up mapping, in mm.
//
// The registration runs its deformable stage twice: the main run and a perturbed one (CT<->CT: other random
// samples and a B-spline grid 1.25 times coarser, 20 mm instead of 16 mm by default; CT<->MR: demons with other
// smoothing, coarse levels only). Where the image
// content pins the deformation down, the two agree; where it does not (a lesion that vanished, homogeneous
// parenchyma far from edges, the edge of the field of view), they drift apart. The uncertainty at a follow-up
// point x is
//     U(x) = kFloorMm + kAgreementFactor * max over a 10 mm neighbourhood of |T_main(x) - T_perturbed(x)|
// i.e. a floor for what both runs get wrong together (interpolation, the working spacing) plus a multiple of
// their local disagreement. The constants were set on the phantom (seed 1) and are checked on other seeds and
// simulated follow-ups in the tests (Documentation/registration.md).
#include "vestige/core/image.h"
#include "vestige/registration/transform.h"

namespace vestige::registration {

inline constexpr double kUncertaintyFloorMm = 1.5;
inline constexpr double kUncertaintyAgreementFactor = 1.0;

// Uncertainty (mm) of the follow-up position of a baseline point: U at T^-1(p); when the point maps outside the
// uncertainty map, 1.5 x kUncertaintyFloorMm + kUncertaintyAgreementFactor x 1 mm (3.25 mm).
[[nodiscard]] double pointUncertaintyMm(const core::Image& uncertaintyMm, const Transform& transform,
                                        const core::Vec3& baselineLps);
// Uncertainty (mm) of a baseline mask (a lesion site): the largest U over the mask's voxels mapped to the
// follow-up, so that a margin grown by it covers every part of the site.
[[nodiscard]] double maskUncertaintyMm(const core::Image& uncertaintyMm, const Transform& transform,
                                       const core::Mask& baselineMask);

} // namespace vestige::registration
