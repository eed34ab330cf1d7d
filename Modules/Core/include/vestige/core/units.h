#pragma once
// Units: lengths are millimetres, volumes millilitres (1 mL = 1000 mm^3), CT intensities Hounsfield units.
namespace vestige::core {

inline constexpr double kMm3PerMl = 1000.0;

[[nodiscard]] constexpr double mm3ToMl(double mm3) noexcept {
  return mm3 / kMm3PerMl;
}
[[nodiscard]] constexpr double mlToMm3(double ml) noexcept {
  return ml * kMm3PerMl;
}

// Hounsfield units of reference tissues, used by sanity checks and the phantom.
inline constexpr double kHuAir = -1000.0;
inline constexpr double kHuWater = 0.0;

} // namespace vestige::core
