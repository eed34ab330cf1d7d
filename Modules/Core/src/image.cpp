#include "vestige/core/image.h"

#include <algorithm>

namespace vestige::core {

std::size_t countNonZero(const Mask& mask) noexcept {
  return static_cast<std::size_t>(
      std::count_if(mask.voxels.begin(), mask.voxels.end(), [](std::uint8_t v) { return v != 0; }));
}

double maskVolumeMl(const Mask& mask) noexcept {
  return mm3ToMl(static_cast<double>(countNonZero(mask)) * mask.geometry.voxelVolumeMm3());
}

Mask extractLabel(const LabelMap& labels, std::uint16_t label) {
  Mask m(labels.geometry, 0);
  for (std::size_t n = 0; n < labels.voxels.size(); ++n)
    m.voxels[n] = labels.voxels[n] == label ? 1 : 0;
  return m;
}

} // namespace vestige::core
