#pragma once
// The digital phantom: a synthetic upper abdomen (portal-venous CT) at two time points, before and after
// chemotherapy, with exact ground truth. Anatomy is analytic (signed-distance shapes in baseline LPS mm), the
// follow-up is the same anatomy seen through a known smooth deformation T (rigid re-positioning + breathing) on a
// different grid, with some lesions shrunk or gone. See Documentation/phantom.md for what is modelled and its limits.
#include "vestige/core/geometry.h"
#include "vestige/core/progress.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vestige::phantom {

enum class FollowupModality { Ct, Mr };
enum class LesionFate { Visible, Shrunk, Disappeared };

[[nodiscard]] const char* lesionFateName(LesionFate fate) noexcept; // "visible", "shrunk", "disappeared"
[[nodiscard]] LesionFate parseLesionFate(const std::string& name);  // throws core::Error(InvalidArgument)

// What the generator is asked for, per lesion.
struct LesionPlan {
  std::string id;                   // "L1", ...
  double baselineDiameterMm = 20.0; // diameter of the sphere of the requested baseline volume
  LesionFate fate = LesionFate::Visible;
  double followupVolumeFraction = 1.0; // follow-up volume / baseline volume (Shrunk: in (0, 1); Disappeared: 0)
  bool necroticCore = false;
};

// Six metastases: one stays (34 mm), two shrink, three disappear (16, 13 and 12 mm).
[[nodiscard]] std::vector<LesionPlan> defaultLesionPlan();

struct PhantomOptions {
  std::uint64_t seed = 1;
  FollowupModality followupModality = FollowupModality::Ct;
  std::vector<LesionPlan> lesions = defaultLesionPlan();
  unsigned threads = 0;              // 0: all cores
  std::filesystem::path snapshotDir; // when set: axial and coronal PNGs through the liver, both time points
};

// Ground truth of one lesion. Volumes in mL; "requested" = what the generator was asked for, "mask" = voxel count of
// the written mask x voxel volume. Follow-up values are zero when the lesion disappeared.
struct LesionTruth {
  std::string id;
  LesionFate fate = LesionFate::Visible;
  core::Vec3 baselineCentreLps{};
  core::Vec3 followupCentreLps{}; // T^-1 of the baseline centre: where the site is at follow-up
  double baselineDiameterMm = 0.0;
  double baselineRequestedMl = 0.0;
  double followupRequestedMl = 0.0;
  double baselineMaskMl = 0.0;
  double followupMaskMl = 0.0;
  std::string baselineMask; // path relative to the case folder
  std::string followupMask; // empty when disappeared
};

// A landmark pair (vessel bifurcation): the same anatomical point at both time points, LPS mm.
struct LandmarkPair {
  std::string name;
  core::Vec3 baselineLps{};
  core::Vec3 followupLps{};
};

struct CaseTruth {
  std::vector<LesionTruth> lesions;
  std::vector<LandmarkPair> landmarks;
  double baselineLiverMl = 0.0; // liver mask volumes (parenchyma with intrahepatic vessels and lesions)
  double followupLiverMl = 0.0;
  double jacobianMin = 1.0; // of T over the follow-up liver
  double jacobianMax = 1.0;
  double seconds = 0.0; // wall time of generation + writing
};

// Relative paths inside a case folder (also in case.json).
namespace layout {
inline constexpr const char* kCaseFile = "case.json";
inline constexpr const char* kBaselineSeries = "baseline/dicom";
inline constexpr const char* kFollowupSeries = "followup/dicom";
inline constexpr const char* kBaselineTruth = "truth/baseline"; // liver, lesions, vessels, anatomy, lesion_<id>
inline constexpr const char* kFollowupTruth = "truth/followup";
inline constexpr const char* kField = "truth/displacement_followup_to_baseline.nii.gz";
inline constexpr const char* kLandmarks = "truth/landmarks.json";
inline constexpr const char* kLesions = "truth/lesions.json";
inline constexpr const char* kTransform = "truth/transform.json";
} // namespace layout

// Generates the phantom case into outDir (must be absent or empty), all-or-nothing (built in a temporary sibling
// folder and renamed). Deterministic per seed (any number of threads).
CaseTruth writePhantomCase(const std::filesystem::path& outDir, const PhantomOptions& options,
                           core::Progress* progress = nullptr);

// Reads truth/lesions.json and truth/landmarks.json of a case folder written by this module.
[[nodiscard]] CaseTruth readCaseTruth(const std::filesystem::path& caseDir);

} // namespace vestige::phantom
