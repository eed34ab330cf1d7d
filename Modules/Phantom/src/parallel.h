#pragma once
// Runs body(0..n-1) on worker threads. Progress is reported (and cancellation checked) from the calling thread
// only, so core::reportProgress may throw there; the workers then stop at their next item and the error is
// rethrown after they joined. The first exception of a worker is rethrown the same way.
#include "vestige/core/progress.h"

#include <cstddef>
#include <functional>
#include <string_view>

namespace vestige::phantom::detail {

void parallelFor(std::size_t n, unsigned threads, core::Progress* progress, std::string_view stage,
                 const std::function<void(std::size_t)>& body);

// A well-mixed 64-bit value from a seed and a stream number (SplitMix64), for per-slice random generators that
// make the output independent of the number of threads.
[[nodiscard]] std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t stream) noexcept;

// Displacements rounded to 1/1024 mm (exact in binary floating point): the written field then compresses several
// times better, at an error far below anything measured on it.
[[nodiscard]] inline float quantize(double mm) noexcept {
  return static_cast<float>(static_cast<double>(static_cast<long long>(mm * 1024.0 + (mm >= 0 ? 0.5 : -0.5))) / 1024.0);
}

} // namespace vestige::phantom::detail
