#pragma once
// Colour PNGs of a CT slice with mask outlines drawn over it, for a human check of a segmentation. Planes are
// sampled in LPS with square pixels and shown as radiologists look at them (patient's right on the image's left;
// anterior up on axial, superior up on coronal).
#include "vestige/core/image.h"

#include <array>
#include <filesystem>
#include <vector>

namespace vestige::segmentation {

enum class OverlayPlane { Axial, Coronal };

struct OverlayOutline {
  const core::Mask* mask = nullptr; // on any grid; sampled by nearest neighbour
  std::array<std::uint8_t, 3> rgb{255, 64, 64};
};

void writeOverlayPng(const core::Image& image, const std::vector<OverlayOutline>& outlines, OverlayPlane plane,
                     const core::Vec3& throughLps, double windowCenterHu, double windowWidthHu,
                     const std::filesystem::path& path);

} // namespace vestige::segmentation
