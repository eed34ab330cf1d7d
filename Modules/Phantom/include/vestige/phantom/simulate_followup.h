#pragma once
// A synthetic follow-up of a real baseline CT: chosen lesions in-painted with liver texture (disappeared) or
// shrunk, a known smooth deformation plus rigid offset, resampling onto another grid, a contrast change and new
// noise. Written as a DICOM series with the same ground truth as the phantom (masks, field, landmarks, case.json).
#include "vestige/core/progress.h"
#include "vestige/phantom/phantom.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vestige::phantom {

struct BaselineInputs {
  std::filesystem::path series;                   // DICOM folder (one image series)
  std::filesystem::path liverMask;                // any mask dicom::loadMask reads
  std::vector<std::filesystem::path> lesionMasks; // one per lesion, ids L1, L2, ... in this order
};

struct SimulatedLesionPlan {
  std::string id;
  LesionFate fate = LesionFate::Visible;
  double volumeFraction = 1.0; // Shrunk only
};

struct SimulateFollowupOptions {
  std::uint64_t seed = 1;
  // Empty: L1 disappears, L2 shrinks to 40 % of its volume, the others stay.
  std::vector<SimulatedLesionPlan> plan;
  unsigned threads = 0;
  // When set: axial and coronal PNGs through each changed lesion's site, baseline and follow-up (for checking the
  // in-painting by eye; images of licensed data stay local).
  std::filesystem::path snapshotDir;
};

CaseTruth simulateFollowup(const BaselineInputs& inputs, const SimulateFollowupOptions& options,
                           const std::filesystem::path& outDir, core::Progress* progress = nullptr);

} // namespace vestige::phantom
