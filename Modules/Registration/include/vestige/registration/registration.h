#pragma once
// Registration of a baseline (pre-chemotherapy) scan onto a follow-up scan: automatic initialisation (centres of
// the liver masks, or of the body), rigid -> affine (NCC or Mattes mutual information, see Metric) -> deformable,
// multi-resolution, on resampled isotropic copies of the images restricted to the liver (masks given) or the body.
// The deformable stage depends on the modalities: CT <-> CT (same contrast), a cubic B-spline displacement in three
// levels (control grid 4x, 2x, 1x gridSpacingMm) with membrane regularisation, fitted by stochastic gradient descent
// on the mean squared difference after a quantile map of the baseline's intensities onto the follow-up's;
// CT <-> MR, diffeomorphic demons (Gaussian-smoothed field, fieldSmoothingMm) on the sum of squared differences
// against a pseudo-CT (the follow-up remapped to the baseline's intensities through the joint histogram).
// Geometry is LPS mm throughout.
#include "vestige/core/image.h"
#include "vestige/core/progress.h"
#include "vestige/registration/transform.h"

#include <optional>
#include <string>
#include <vector>

namespace vestige::registration {

enum class Metric {
  Auto,              // Ncc when both images have the same contrast (both MR, or neither), MutualInformation otherwise
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
  double gridSpacingMm = 16.0;     // B-spline control points (same contrast), finest level; 2x and 4x before
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
  // drive the deformation. B-spline samples landing in them are skipped and the field inside is interpolated from
  // around them; for demons (CT <-> MR) they are also filled with the median liver intensity (needs movingMask).
  const core::Mask* movingLesions = nullptr;
};

struct StageStats {
  std::string name; // "rigid-8mm", "rigid-4mm", "affine-4mm", then "deformable" and "uncertainty" (perturbed run)
  // Linear stages "ncc" or "mi"; deformable ones "ssd" (B-spline, mean squared difference after the quantile map)
  // or "ssd-remapped" (demons against the pseudo-CT).
  std::string metric;
  double metricValue = 0.0; // final value (ITK's sign: lower is better)
  unsigned iterations = 0;
  double seconds = 0.0;
  double spacingMm = 0.0; // image spacing of the stage; for the B-spline stage its finest control-point spacing
};

struct RegistrationResult {
  Transform transform;               // follow-up LPS -> baseline LPS (see transform.h)
  core::ImageGeometry fixedGeometry; // the follow-up grid (default target of warps)
  // Metric of the rigid and affine stages, "ncc" or "mi"; the deformable stage's is in its StageStats.
  std::string metric;
  std::vector<StageStats> stages;
  // Jacobian determinant of T over the fixed liver mask (the registration region when no mask was given),
  // sampled on the 3 mm grid of the total displacement field (displacement_field.nii.gz, central differences);
  // folding = fraction of those samples with determinant <= 0.
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
