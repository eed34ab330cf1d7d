#pragma once
// Rendering the analytic anatomy onto a voxel grid: partial-volume edges (a linear ramp one voxel wide across
// each surface), tissue values from a table (CT HU or MR units), scanner noise, and the ground-truth masks taken
// at the voxel centres. The follow-up is rendered by evaluating the anatomy at T(x).
#include "anatomy.h"
#include "deformation.h"

#include "vestige/core/image.h"
#include "vestige/core/progress.h"

#include <array>
#include <cstdint>
#include <vector>

namespace vestige::phantom::detail {

struct TissueTable {
  std::array<float, kTissueCount> value{};
  std::array<float, kTissueCount> texture{}; // amplitude of the anatomical texture
};

// Portal-venous CT in HU; steatosis lowers the liver's attenuation (follow-up after chemotherapy).
[[nodiscard]] TissueTable ctTable(double liverShiftHu = 0.0);
// T1-weighted hepatobiliary phase (gadoxetic acid, fat suppressed), arbitrary units.
[[nodiscard]] TissueTable mrTable();

enum class NoiseKind { None, Ct, Mr };

struct NoiseModel {
  NoiseKind kind = NoiseKind::Ct;
  double sigma = 12.0;        // CT: HU after the in-plane correlation; MR: per channel
  double biasAmplitude = 0.0; // MR: relative coil-sensitivity variation across the field
};

struct RenderRequest {
  const Anatomy* anatomy = nullptr;
  const FollowupTransform* transform = nullptr; // nullptr: baseline (identity)
  std::vector<double> lesionFactor;             // per lesion: radial scale, 0 = gone
  TissueTable table;
  NoiseModel noise;
  std::uint64_t noiseSeed = 1;
  core::ImageGeometry grid; // LPS mm
  unsigned threads = 0;
};

struct RenderResult {
  core::Image image;
  core::Mask liver;       // liver parenchyma incl. intrahepatic vessels and lesions; without IVC and gallbladder
  core::LabelMap lesions; // lesion i -> label i + 1
  core::LabelMap vessels; // 1 portal venous system, 2 hepatic veins + IVC (as 3D-IRCADb's portalvein / venoussystem)
  core::LabelMap anatomy; // Structure labels
};

[[nodiscard]] RenderResult render(const RenderRequest& request, core::Progress* progress);

} // namespace vestige::phantom::detail
