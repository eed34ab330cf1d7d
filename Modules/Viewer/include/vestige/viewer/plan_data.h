#pragma once
// A plan folder as the viewer shows it: plan.json, the masks on the follow-up grid, the registration's transform,
// the baseline series and the 3D surfaces. Plain data (no Qt, no VTK) so that loading runs on a worker thread and
// tests can check it directly. Every part is optional: what cannot be read is named in `problems` and the rest is
// still shown. Reading never writes into the plan folder. Geometry is LPS millimetres.
#include "vestige/core/image.h"
#include "vestige/core/progress.h"
#include "vestige/planning/plan_result.h"
#include "vestige/registration/transform.h"
#include "vestige/visualization/scene.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vestige::viewer {

inline constexpr const char* kAllSites = "all_original_sites";
inline constexpr const char* kVisibleOnly = "visible_only";

struct PlanImages {
  std::filesystem::path folder;
  std::optional<planning::PlanSummary> summary; // absent when plan.json is missing or unreadable
  planning::PlanMasks masks;                    // each part empty when it could not be read
  // Label k+1: the ring of site k's uncertainty reach (voxels within uncertaintyMm of the projected site, outside
  // it), on the follow-up grid. Empty without projected sites.
  core::LabelMap uncertaintyReach;
  core::Image baseline;                             // the baseline series, from plan.json's baseline source
  std::optional<registration::Transform> transform; // follow-up LPS -> baseline LPS (registration/transform.h5)
  std::vector<core::Vec3> resectionBoundaryLps;     // centres of resection voxels with a face neighbour outside
  std::vector<std::string> problems;                // what could not be read, for the window to say
};

// The surfaces of both scenarios: "all original sites" as the report draws them, and the resection and remnant of
// "visible only" (recomputed from the stored liver and projected sites with each site's grow distance).
struct PlanSurfaces {
  visualization::Scene allSites;
  visualization::Scene visibleOnlyZones; // objects "resection" and "remnant" only
  std::vector<std::string> problems;
};

// The parts that need the baseline side: read after the follow-up so that the first slices show sooner.
struct LinkedParts {
  core::Image baseline;
  std::optional<registration::Transform> transform;
  core::LabelMap uncertaintyReach;
  std::vector<std::string> problems;
};

// None of these throws for a missing or unreadable part (Cancelled still propagates).
// plan.json, the follow-up, the masks and the resection boundary.
[[nodiscard]] PlanImages loadFollowupImages(const std::filesystem::path& folder, core::Progress* progress = nullptr);
// The registration, the baseline series and the uncertainty rings of a plan whose follow-up part is read.
[[nodiscard]] LinkedParts loadLinkedParts(const PlanImages& images, core::Progress* progress = nullptr);
void mergeLinkedParts(PlanImages& images, LinkedParts&& parts);
// Everything but the surfaces (the three calls above).
[[nodiscard]] PlanImages loadPlanImages(const std::filesystem::path& folder, core::Progress* progress = nullptr);
[[nodiscard]] PlanSurfaces buildPlanSurfaces(const PlanImages& images, core::Progress* progress = nullptr);

// Signed distance from a follow-up point to the nearest resection boundary voxel centre: negative inside the zone.
// Empty when the plan has no resection.
[[nodiscard]] std::optional<double> distanceToResectionBoundaryMm(const PlanImages& images, const core::Vec3& lps);

// Index of the scenario called `name` in plan.json, if present.
[[nodiscard]] std::optional<std::size_t> scenarioIndex(const planning::PlanSummary& summary, const std::string& name);

} // namespace vestige::viewer
