#include "intensity_stats.h"

#include <algorithm>
#include <cmath>

namespace vestige::segmentation::detail {

namespace {
double medianOf(std::vector<float>& v) {
  const auto mid = v.begin() + static_cast<long>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}
} // namespace

RobustStats robustStats(std::vector<float>& values) {
  RobustStats s;
  if (values.empty())
    return s;
  s.median = medianOf(values);
  for (auto& v : values)
    v = static_cast<float>(std::fabs(v - s.median));
  s.spread = 1.4826 * medianOf(values);
  return s;
}

double histogramMode(const std::vector<float>& values, double lowHu, double highHu, double binHu) {
  const auto bins = static_cast<std::size_t>(std::max(1.0, std::ceil((highHu - lowHu) / binHu)));
  std::vector<std::size_t> counts(bins, 0);
  for (const float v : values)
    if (v >= lowHu && v < highHu)
      ++counts[std::min(bins - 1, static_cast<std::size_t>((v - lowHu) / binHu))];
  const auto best = std::max_element(counts.begin(), counts.end()) - counts.begin();
  return lowHu + (double(best) + 0.5) * binHu;
}

} // namespace vestige::segmentation::detail
