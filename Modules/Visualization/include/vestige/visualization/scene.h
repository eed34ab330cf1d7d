#pragma once
// The 3D scene of a plan: which surfaces are shown, in which colour, with which legend. One palette serves the
// renders, the slice overlays, the glTF file and the DICOM SEG colours, so a structure looks the same everywhere.
#include "vestige/core/progress.h"
#include "vestige/planning/plan_result.h"
#include "vestige/visualization/mesh.h"

#include <array>
#include <string>
#include <vector>

namespace vestige::visualization {

enum class Role {
  Remnant,         // liver left after the planned resection (future liver remnant)
  Resection,       // resection zones (sites + margin + uncertainty, clipped to the liver)
  SiteDisappeared, // original site no longer visible on the follow-up (translucent ghost)
  SiteShrunk,      // original site still visible but shrunk (translucent ghost)
  SiteVisible,     // original site still visible, not shrunk (translucent ghost)
  VisibleTumour,   // tumour visible on the follow-up (solid)
  Vessels,         // vessels, when given
  Liver,           // whole liver (outline on slices)
};

struct Rgb8 {
  unsigned char r = 0, g = 0, b = 0;
};

struct RoleStyle {
  Rgb8 color;
  float opacity = 1.0F;    // in 3D
  const char* legend = ""; // text of the legend entry
};

[[nodiscard]] RoleStyle styleOf(Role role) noexcept;
// The site role of a lesion status ("visible", "shrunk", "disappeared"); unknown statuses count as visible.
[[nodiscard]] Role siteRoleOf(const std::string& status) noexcept;

struct SceneObject {
  std::string name;  // file stem: "remnant", "resection", "site_L1", ...
  std::string label; // legend / caption text
  Role role = Role::Remnant;
  Mesh mesh;
};

struct Scene {
  std::vector<SceneObject> objects;
  std::vector<std::string> notes; // e.g. an empty structure that has no surface
};

// Surfaces of a plan: remnant, resection, every original site (ghost, by status), visible tumour and, when given,
// vessels (a mask on the follow-up grid, may be empty).
[[nodiscard]] Scene buildPlanScene(const planning::PlanSummary& summary, const planning::PlanMasks& masks,
                                   const core::Mask& vessels = {}, const SurfaceOptions& options = {},
                                   core::Progress* progress = nullptr);

struct MeshFiles {
  std::vector<std::filesystem::path> files;
};

// Writes <folder>/<name>.stl and .obj per object and <folder>/plan.glb with all of them in their colours.
[[nodiscard]] MeshFiles writeSceneMeshes(const Scene& scene, const std::filesystem::path& folder);

} // namespace vestige::visualization
