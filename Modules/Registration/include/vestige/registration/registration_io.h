#pragma once
// A registration folder, readable without Vestige:
//   transform.h5            ITK composite transform (affine + displacement field), follow-up LPS -> baseline LPS, the
//                           direction ITK's ResampleImageFilter and antsApplyTransforms expect for images
//   displacement_field.nii.gz  the same map as a dense displacement field u(x) = T(x) - x on a 3 mm grid over the
//                           follow-up image (ITK/ANTs convention, vector components in LPS mm)
//   uncertainty_mm.nii.gz   per-site uncertainty (when estimated), on a coarse follow-up grid
//   registration.json       stages, metric values, iterations, seconds, Jacobian, Dice, inputs
//   moved_baseline.nii.gz   the baseline resampled onto the follow-up grid (written by the CLI)
#include "vestige/registration/registration.h"
#include "vestige/registration/warp.h"

#include <filesystem>
#include <string>
#include <vector>

namespace vestige::registration {

namespace layout {
inline constexpr const char* kTransform = "transform.h5";
inline constexpr const char* kField = "displacement_field.nii.gz";
inline constexpr const char* kUncertainty = "uncertainty_mm.nii.gz";
inline constexpr const char* kReport = "registration.json";
inline constexpr const char* kMovedBaseline = "moved_baseline.nii.gz";
} // namespace layout

// Free-form facts about the inputs (paths, series UIDs) stored in registration.json under "inputs".
struct RegistrationProvenance {
  std::string fixed;
  std::string moving;
  std::string fixedMask;
  std::string movingMask;
};

// Writes transform, field, uncertainty and registration.json into dir (created if needed), each file atomically.
void saveRegistration(const RegistrationResult& result, const RegistrationProvenance& provenance,
                      const std::filesystem::path& dir);
// Reads a folder written by saveRegistration (stats, transform, uncertainty). Throws core::Error naming the file.
[[nodiscard]] RegistrationResult loadRegistration(const std::filesystem::path& dir);

// Named LPS points: {"points": [{"name": "L1", "lps": [x, y, z]}, ...]} (also accepts a bare array of such
// objects, and 3D Slicer markups, every control point of every markup, named by its label; see markups.h).
struct NamedPoint {
  std::string name;
  core::Vec3 lps{};
};
[[nodiscard]] std::vector<NamedPoint> readPointsJson(const std::filesystem::path& path);
// {"points": [{"name", "baseline_lps", "followup_lps", "uncertainty_mm"}], "direction": "baseline->followup"}.
void writeMappedPointsJson(const std::vector<MappedPoint>& points, const std::filesystem::path& path);

// Landmark pairs {"pairs": [{"name", "baseline_lps": [..], "followup_lps": [..]}]} (Data/registration/*.json).
struct LandmarkPair {
  std::string name;
  core::Vec3 baselineLps{};
  core::Vec3 followupLps{};
};
[[nodiscard]] std::vector<LandmarkPair> readLandmarkPairsJson(const std::filesystem::path& path);

// Target registration error of each pair: |T^-1(baseline) - followup| in mm (T^-1 = identity when transform is
// null: the error before registration).
struct TreSummary {
  std::vector<double> errorsMm;
  double meanMm = 0.0;
  double p95Mm = 0.0;
  double maxMm = 0.0;
};
[[nodiscard]] TreSummary summarizeErrors(std::vector<double> errorsMm);
[[nodiscard]] TreSummary landmarkTre(const std::vector<LandmarkPair>& pairs, const Transform* transform);

} // namespace vestige::registration
