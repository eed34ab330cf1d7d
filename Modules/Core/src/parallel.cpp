#include "vestige/core/parallel.h"

#include "vestige/core/itk_bridge.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace vestige::core {

void parallelFor(std::size_t n, unsigned threads, Progress* progress, std::string_view stage,
                 const std::function<void(std::size_t)>& body) {
  initializeItkFactories(); // before any worker creates its first ITK object (itk_bridge.h says why)
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(n, 1)));
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::atomic<bool> stop{false};
  std::exception_ptr failure;
  std::mutex failureMutex;
  auto work = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n || stop.load())
        return;
      try {
        body(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failureMutex);
        if (!failure)
          failure = std::current_exception();
        stop = true;
        return;
      }
      done.fetch_add(1);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back(work);
  try {
    while (done.load() < n && !stop.load()) {
      reportProgress(progress, stage, static_cast<double>(done.load()) / static_cast<double>(n));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } catch (...) {
    stop = true;
    for (std::thread& t : pool)
      t.join();
    throw;
  }
  for (std::thread& t : pool)
    t.join();
  if (failure)
    std::rethrow_exception(failure);
  reportProgress(progress, stage, 1.0);
}

} // namespace vestige::core
