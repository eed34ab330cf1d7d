#pragma once
// Helpers for the phantom's per-slice parallel work (core::parallelFor runs it).
#include <cstdint>

namespace vestige::phantom::detail {

// A well-mixed 64-bit value from a seed and a stream number (SplitMix64), for per-slice random generators that
// make the output independent of the number of threads.
[[nodiscard]] std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t stream) noexcept;

// Displacements rounded to 1/1024 mm (exact in binary floating point): the written field then compresses several
// times better, at an error far below anything measured on it.
[[nodiscard]] inline float quantize(double mm) noexcept {
  return static_cast<float>(static_cast<double>(static_cast<long long>(mm * 1024.0 + (mm >= 0 ? 0.5 : -0.5))) / 1024.0);
}

} // namespace vestige::phantom::detail
