#include "vestige/core/image.h"

#include <algorithm>
#include <cmath>

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

IndexBox boundingBox(const Mask& mask) noexcept {
  IndexBox b;
  const auto& s = mask.geometry.size;
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (!mask.voxels[i + s[0] * (j + s[1] * k)])
          continue;
        const Size3 p{i, j, k};
        for (int a = 0; a < 3; ++a) {
          b.lo[a] = b.empty ? p[a] : std::min(b.lo[a], p[a]);
          b.hi[a] = b.empty ? p[a] : std::max(b.hi[a], p[a]);
        }
        b.empty = false;
      }
  return b;
}

IndexBox grow(IndexBox b, const ImageGeometry& g, double mm) noexcept {
  for (int a = 0; a < 3; ++a) {
    const auto pad = static_cast<std::size_t>(std::ceil(mm / g.spacingMm[a])) + 1;
    b.lo[a] = b.lo[a] > pad ? b.lo[a] - pad : 0;
    b.hi[a] = std::min(g.size[a] - 1, b.hi[a] + pad);
  }
  return b;
}

} // namespace vestige::core
