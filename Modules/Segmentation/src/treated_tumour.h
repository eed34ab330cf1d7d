#pragma once
// Tumours treated by chemo-embolisation (TACE) for the liver segmentation: the lipiodol-laden, partly necrotic mass
// neither enhances like parenchyma nor fits in an outline closing, so the parenchyma growth leaves it out.
#include "vestige/core/image.h"
#include "vestige/segmentation/liver_segmentation.h"

namespace vestige::segmentation::detail {

// All on the working grid: image (HU, binned and denoised), denseFraction (fraction of each voxel's CT voxels above
// the lipiodol threshold), body, liver (parenchyma grown so far). Returns the treated masses to add to the liver
// (empty when the image holds no lipiodol cloud reaching into the liver).
[[nodiscard]] core::Mask treatedTumour(const core::Image& image, const core::Image& denseFraction,
                                       const core::Mask& body, const core::Mask& liver,
                                       const LiverIntensityModel& model);

} // namespace vestige::segmentation::detail
