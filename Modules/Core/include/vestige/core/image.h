#pragma once
// Plain 3D images: a geometry (LPS mm) and voxels in x-fastest order (index = i + nx*(j + ny*k)).
// Intensity images are float (CT in Hounsfield units, MR in scanner units); masks are 0/1 bytes;
// label maps are 16-bit labels.
#include "vestige/core/geometry.h"
#include "vestige/core/units.h"

#include <cstdint>
#include <vector>

namespace vestige::core {

template <class T> struct Volume {
  using ValueType = T;
  ImageGeometry geometry;
  std::vector<T> voxels;

  Volume() = default;
  explicit Volume(const ImageGeometry& g, T fill = T{}) : geometry(g), voxels(g.voxelCount(), fill) {}

  [[nodiscard]] std::size_t linearIndex(std::size_t i, std::size_t j, std::size_t k) const noexcept {
    return i + geometry.size[0] * (j + geometry.size[1] * k);
  }
  [[nodiscard]] T& at(std::size_t i, std::size_t j, std::size_t k) noexcept { return voxels[linearIndex(i, j, k)]; }
  [[nodiscard]] const T& at(std::size_t i, std::size_t j, std::size_t k) const noexcept {
    return voxels[linearIndex(i, j, k)];
  }
  [[nodiscard]] bool empty() const noexcept { return voxels.empty(); }
};

using Image = Volume<float>;
using Mask = Volume<std::uint8_t>;
using LabelMap = Volume<std::uint16_t>;

[[nodiscard]] std::size_t countNonZero(const Mask& mask) noexcept;
// Volume of the non-zero voxels, in millilitres.
[[nodiscard]] double maskVolumeMl(const Mask& mask) noexcept;
// Mask of voxels equal to label.
[[nodiscard]] Mask extractLabel(const LabelMap& labels, std::uint16_t label);

} // namespace vestige::core
