#pragma once
// Registration of a baseline (pre-chemotherapy) scan onto a follow-up scan: automatic initialisation (centres of
// the liver masks, or of the body), rigid -> affine -> dense deformable (Gaussian-regularised displacement field),
// multi-resolution, on resampled isotropic copies of the images restricted to the liver (masks given) or the body.
// Geometry is LPS mm throughout.
#include "vestige/core/image.h"
#include "vestige/core/progress.h"
#include "vestige/registration/transform.h"

#include <optional>
#include <string>
#include <vector>

namespace vestige::registration {

enum class Metric {
  Auto,              // Ncc when both images have the same modality, MutualInformation otherwise
  Ncc,               // normalised cross-correlation (CT <-> CT)
  MutualInformation, // Mattes mutual information (CT <-> MR)
};
[[nodiscard]] const char* metricName(Metric metric) noexcept; // "auto", "ncc", "mi"
[[nodiscard]] Metric parseMetric(const std::string& name);    // throws core::Error(InvalidArgument)

struct RegistrationOptions {
  Metric metric = Metric::Auto;
  std::string fixedModality = "CT"; // DICOM Modality of each image, used by Metric::Auto
  std::string movingModality = "CT";
  unsigned threads = 0;            // 0: all cores
  double workingSpacingMm = 2.0;   // isotropic spacing of the finest level
  bool deformable = true;          // false: stop after the affine stage
  double gridSpacingMm = 16.0;     // B-spline control points (same modality), finest level; 32 and 64 mm before
  double fieldSmoothingMm = 6.0;   // demons (CT <-> MR): Gaussian that regularises the deformation field
  bool estimateUncertainty = true; // a second, perturbed deformable run (see uncertainty.h)
};

// Inputs: the follow-up is fixed, the baseline is moving. Masks (liver) are optional, each on its own image's
// grid; with a fixed mask the registration concentrates on the liver and Jacobians are reported inside it.
struct RegistrationInputs {
  const core::Image* fixed = nullptr;  // follow-up
  const core::Image* moving = nullptr; // baseline
  const core::Mask* fixedMask = nullptr;
  const core::Mask* movingMask = nullptr;
  // Baseline lesion sites (optional, on the moving grid): expected to change by the follow-up, so they must not
  // drive the deformation. They are filled with the median liver intensity before registering (needs movingMask).
  const core::Mask* movingLesions = nullptr;
};

struct StageStats {
  std::string name;         // "rigid-8mm", "affine-4mm", "deformable-4mm", ...
  std::string metric;       // "ncc" or "mi"
  double metricValue = 0.0; // final value (ITK's sign: lower is better)
  unsigned iterations = 0;
  double seconds = 0.0;
  double spacingMm = 0.0; // image spacing of the stage
};

struct RegistrationResult {
  Transform transform;               // follow-up LPS -> baseline LPS (see transform.h)
  core::ImageGeometry fixedGeometry; // the follow-up grid (default target of warps)
  std::string metric; // metric of the rigid and affine stages, "ncc" or "mi" (the deformable stage uses mi)
  std::vector<StageStats> stages;
  // Jacobian determinant of T over the fixed liver mask (the registration region when no mask was given),
  // sampled at the working spacing; folding = fraction of those samples with determinant <= 0.
  double jacobianMin = 1.0;
  double jacobianMax = 1.0;
  double foldingFraction = 0.0;
  // Voxels of the deformation where it folded or nearly did and was smoothed before the statistics above were
  // taken (0: none); a report must not say "no folding" without this figure.
  std::size_t repairedFoldVoxels = 0;
  bool jacobianInLiver = false;
  std::optional<double> diceBefore; // liver masks, after initialisation only vs. after registration
  std::optional<double> diceAfter;
  // Per-site uncertainty in mm on a coarse grid of the follow-up (empty when not estimated): how far the mapped
  // position of a baseline point that lands at this follow-up voxel may be from the truth. See uncertainty.h.
  core::Image uncertaintyMm;
  double seconds = 0.0;
  std::vector<std::string> notes;
};

// Throws core::Error (InvalidArgument for missing images or masks off their image's grid, Cancelled on
// Ctrl-C, Internal when ITK fails).
[[nodiscard]] RegistrationResult registerImages(const RegistrationInputs& inputs, const RegistrationOptions& options,
                                                core::Progress* progress = nullptr);

} // namespace vestige::registration
