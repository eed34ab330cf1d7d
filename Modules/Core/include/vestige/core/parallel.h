#pragma once
// Runs body(0..n-1) on worker threads. Progress is reported (and cancellation checked) from the calling thread
// only, so core::reportProgress may throw there; the workers then stop at their next item and the error is
// rethrown after they joined. The first exception of a worker is rethrown the same way. body must not report
// progress itself (Progress implementations are not thread-safe).
#include "vestige/core/progress.h"

#include <cstddef>
#include <functional>
#include <string_view>

namespace vestige::core {

// threads: 0 = one per hardware thread; never more than n.
void parallelFor(std::size_t n, unsigned threads, Progress* progress, std::string_view stage,
                 const std::function<void(std::size_t)>& body);

} // namespace vestige::core
