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

// A box of voxel indices, bounds inclusive. Work that only looks near a mask runs on the box around it.
struct IndexBox {
  Size3 lo{0, 0, 0};
  Size3 hi{0, 0, 0};
  bool empty = true;
};
// The smallest box holding every non-zero voxel (empty for an empty mask).
[[nodiscard]] IndexBox boundingBox(const Mask& mask) noexcept;
// The box grown by mm on every side (at least one voxel more), clipped to the grid.
[[nodiscard]] IndexBox grow(IndexBox box, const ImageGeometry& g, double mm) noexcept;

// The voxels of `box` as a volume of their own (same spacing and direction, origin at the box's first voxel).
template <class T> [[nodiscard]] Volume<T> crop(const Volume<T>& v, const IndexBox& box) {
  ImageGeometry g = v.geometry;
  for (int a = 0; a < 3; ++a)
    g.size[a] = box.hi[a] - box.lo[a] + 1;
  g.originLps = v.geometry.indexToLps({double(box.lo[0]), double(box.lo[1]), double(box.lo[2])});
  Volume<T> out(g);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        out.at(i, j, k) = v.at(i + box.lo[0], j + box.lo[1], k + box.lo[2]);
  return out;
}

} // namespace vestige::core
