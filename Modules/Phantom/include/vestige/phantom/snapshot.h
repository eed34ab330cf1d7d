#pragma once
// Grey-level PNG snapshots of a volume (for documentation): an axial or coronal plane through an LPS point, with
// square pixels (the slice axis is resampled linearly), viewed as radiologists do (patient's right on the left of
// the image, anterior up / superior up).
#include "vestige/core/image.h"

#include <filesystem>

namespace vestige::phantom {

enum class SnapshotPlane { Axial, Coronal };

void writeSnapshotPng(const core::Image& image, SnapshotPlane plane, const core::Vec3& throughLps, double windowCenter,
                      double windowWidth, const std::filesystem::path& path);

} // namespace vestige::phantom
