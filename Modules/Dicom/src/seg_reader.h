#pragma once
// Private to the Dicom module: DICOM SEG decoding shared by readSegmentation and loadMask.
#include "vestige/core/image.h"
#include "vestige/dicom/mask_io.h"

#include <filesystem>
#include <vector>

namespace vestige::dicom::detail {

// True when file is a readable DICOM file whose SOP class is Segmentation Storage (header only).
[[nodiscard]] bool isSegmentationFile(const std::filesystem::path& file);

// Every segment of the SEG, each on the common grid.
[[nodiscard]] std::vector<Segment> readAllSegments(const std::filesystem::path& segFile);

// One segment (segmentNumber > 0) or the union of all (0) on the common grid, without holding one mask per
// segment in memory. Throws Error(NotFound) when segmentNumber is not one of the SEG's segments.
[[nodiscard]] core::Mask readSegmentMask(const std::filesystem::path& segFile, unsigned segmentNumber);

} // namespace vestige::dicom::detail
