#pragma once
// Robust intensity statistics shared by the liver and lesion segmentations.
#include <vector>

namespace vestige::segmentation::detail {

struct RobustStats {
  double median = 0.0;
  double spread = 0.0; // 1.4826 x median absolute deviation (= SD for a normal distribution)
};

// values is reordered. Empty input gives zeros.
[[nodiscard]] RobustStats robustStats(std::vector<float>& values);

// Centre of the most populated bin of width binHu among values in [lowHu, highHu).
[[nodiscard]] double histogramMode(const std::vector<float>& values, double lowHu, double highHu, double binHu);

} // namespace vestige::segmentation::detail
