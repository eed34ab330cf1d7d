#pragma once
// Dense displacement fields in ITK's convention: on a grid of the fixed image (here: the follow-up), vector u(x)
// in LPS mm such that x + u(x) is the corresponding point of the moving image (here: the baseline). Stored as a
// 3-component float NIfTI written by ITK (vector components LPS, like ANTs and ITK's DisplacementFieldTransform).
#include "vestige/core/image.h"

#include <array>
#include <filesystem>
#include <vector>

namespace vestige::phantom {

struct DisplacementField {
  core::ImageGeometry geometry;              // LPS mm
  std::vector<std::array<float, 3>> vectors; // LPS mm, x-fastest like core::Volume
};

void writeDisplacementField(const DisplacementField& field, const std::filesystem::path& path);
[[nodiscard]] DisplacementField readDisplacementField(const std::filesystem::path& path);

// Trilinear u at an LPS point (the nearest edge value outside the grid).
[[nodiscard]] core::Vec3 sampleDisplacement(const DisplacementField& field, const core::Vec3& lps);
// x + u(x): a follow-up point mapped to the baseline.
[[nodiscard]] core::Vec3 mapPoint(const DisplacementField& field, const core::Vec3& lps);

// The moving mask seen on the field's grid: trilinear sample at x + u(x), inside when >= 0.5 (outside the moving
// grid counts as 0).
[[nodiscard]] core::Mask warpMask(const core::Mask& moving, const DisplacementField& field);
// The moving image seen on the field's grid (trilinear; `outside` beyond the moving grid).
[[nodiscard]] core::Image warpImage(const core::Image& moving, const DisplacementField& field, float outside);

} // namespace vestige::phantom
