#pragma once
// The known follow-up -> baseline mapping T of a synthetic follow-up, in LPS mm:
//   T(x) = y + b(y),  y = R (x - c) + c + t
// R, t: the patient lying differently on the table (rigid); b: a breathing-like smooth field in baseline space,
// b_z(x, y) depends on the in-plane position only and b_y(x, z) on x and z only, so div b = 0 and the Jacobian
// determinant stays within about 1 % of 1 (organ volumes are preserved, lesion volumes stay as requested).
#include "vestige/core/geometry.h"

#include <cstdint>

namespace vestige::phantom::detail {

struct FollowupTransform {
  core::Mat3 rotation = core::identityMatrix();
  core::Vec3 rotationDeg{};   // about x, y, z (for the record)
  core::Vec3 centreLps{};     // c
  core::Vec3 translationMm{}; // t
  double breathingSiMm = 0.0; // peak b_z (superior positive)
  double breathingApMm = 0.0; // peak b_y (posterior positive)
  core::Vec3 breathingCentreLps{};
  core::Vec3 breathingSigmaMm{80, 50, 70};

  [[nodiscard]] core::Vec3 breathing(const core::Vec3& y) const noexcept;
  // Follow-up LPS -> baseline LPS.
  [[nodiscard]] core::Vec3 apply(const core::Vec3& x) const noexcept;
  // Baseline LPS -> follow-up LPS (fixed-point iteration on the breathing part; converged to 1e-7 mm).
  [[nodiscard]] core::Vec3 inverse(const core::Vec3& p) const noexcept;
  // Determinant of dT/dx at x (central differences).
  [[nodiscard]] double jacobianDeterminant(const core::Vec3& x) const noexcept;
};

// A plausible rigid re-positioning and breathing difference for the seed, centred on `organCentreLps`.
[[nodiscard]] FollowupTransform randomFollowupTransform(std::uint64_t seed, const core::Vec3& organCentreLps);

[[nodiscard]] core::Mat3 rotationXyzDeg(const core::Vec3& degrees);

} // namespace vestige::phantom::detail
