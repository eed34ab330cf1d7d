#pragma once
// Ground-truth volumes are large and written many at a time: a NIfTI writer with fast (level 1) gzip, so that a
// whole case is written in seconds. Geometry is LPS mm, as everywhere.
#include "vestige/core/image.h"

#include <filesystem>

namespace vestige::phantom::detail {

void writeNiftiFast(const core::Mask& mask, const std::filesystem::path& path);
void writeNiftiFast(const core::LabelMap& labels, const std::filesystem::path& path);

} // namespace vestige::phantom::detail
