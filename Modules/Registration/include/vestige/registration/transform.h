#pragma once
// The result of a registration: the spatial map between the follow-up (fixed) and the baseline (moving) scan.
//
// Direction convention (ITK's): the transform maps FOLLOW-UP LPS points to BASELINE LPS points, x -> T(x). That
// is the direction needed to resample baseline images and masks onto the follow-up grid (each follow-up voxel
// looks up its baseline value at T(x)). Points picked on the baseline (lesion sites) need the INVERSE,
// T^-1, which baselineToFollowupLps computes by Newton iteration on T.
#include "vestige/core/geometry.h"

#include <memory>

namespace vestige::registration {

class Transform {
public:
  struct Impl; // ITK composite transform + a resampled total field (src/transform_impl.h)

  Transform(); // identity
  explicit Transform(std::shared_ptr<const Impl> impl);

  // T(x): follow-up LPS mm -> baseline LPS mm (exact: the displacement field as optimised, then the affine).
  [[nodiscard]] core::Vec3 followupToBaselineLps(const core::Vec3& followupLps) const;
  // T^-1(p): baseline LPS mm -> follow-up LPS mm. Newton iteration to 1e-3 mm; throws core::Error(Internal) if it
  // does not converge (T is then not invertible at p, which registration prevents).
  [[nodiscard]] core::Vec3 baselineToFollowupLps(const core::Vec3& baselineLps) const;
  // Determinant of dT/dx at a follow-up point (central differences, 0.5 mm).
  [[nodiscard]] double jacobianDeterminantAt(const core::Vec3& followupLps) const;

  [[nodiscard]] const Impl& impl() const { return *m_impl; }

private:
  std::shared_ptr<const Impl> m_impl;
};

} // namespace vestige::registration
