#pragma once
// Automatic liver segmentation of a contrast CT (no click needed), with tumours counted as liver. Classic image
// analysis, no trained model: the liver's intensity model is learnt from the image itself (the largest soft-tissue
// organ on the patient's right, at whichever histogram peak it lies), kept below the diaphragm (from the lung's
// base), then grown as one piece that thin bridges cannot carry into neighbouring organs, and closed over tumours
// and vessels. See Documentation/segmentation.md for the method and measured accuracy.
#include "vestige/core/image.h"
#include "vestige/core/progress.h"

#include <optional>
#include <string>
#include <vector>

namespace vestige::segmentation {

struct LiverSegmentationOptions {
  std::optional<core::Vec3> seedLps;     // a point in the liver parenchyma (LPS mm), when the automatic pick fails
  std::optional<core::BoundsLps> boxLps; // only voxels inside this LPS box can be liver
  double workingSpacingMm = 1.4;         // in-plane resolution the analysis runs at (voxels are binned to it)
};

// The liver's intensity model found in the image (HU).
struct LiverIntensityModel {
  double medianHu = 0.0;
  double spreadHu = 0.0; // robust standard deviation (1.4826 x median absolute deviation)
  double lowerHu = 0.0;  // parenchyma accepted in [lowerHu, upperHu]
  double upperHu = 0.0;
};

struct LiverSegmentation {
  core::Mask liver; // on the CT's grid
  LiverIntensityModel model;
  double volumeMl = 0.0;
  std::vector<std::string> notes; // what was decided automatically, for the user to see
};

// ct: HU on any grid (LPS mm). Throws core::Error(InvalidArgument) for a seed or box outside the image,
// Error(Unsupported) when the values are not Hounsfield units (an MR, a CT without its rescale: no air at -1000 HU
// or no fat and soft tissue), Error(InconsistentData) when no liver-like organ is found (not an abdominal CT?).
[[nodiscard]] LiverSegmentation segmentLiver(const core::Image& ct, const LiverSegmentationOptions& options = {},
                                             core::Progress* progress = nullptr);

} // namespace vestige::segmentation
