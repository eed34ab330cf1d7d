#include "vestige/visualization/scene.h"

#include "vestige/core/error.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <exception>
#include <thread>
#include <vector>

namespace vestige::visualization {

RoleStyle styleOf(Role role) noexcept {
  // Okabe-Ito colours (Okabe & Ito 2008, "Color Universal Design"): they stay apart under deuteranopia, protanopia
  // and tritanopia, and no two meaningful structures form a red/green or magenta/red pair. The three site statuses
  // differ in lightness as well as hue (blue, sky blue, reddish purple) so that they separate in grey too.
  switch (role) {
  case Role::Remnant:
    return {{0, 158, 115}, 0.3F, "Future liver remnant"};
  case Role::Resection:
    return {{230, 159, 0}, 0.3F, "Resection zone (site + margin + uncertainty)"};
  case Role::SiteDisappeared:
    return {{204, 121, 167}, 0.75F, "Original site, disappeared (ghost)"};
  case Role::SiteShrunk:
    return {{86, 180, 233}, 0.75F, "Original site, shrunk (ghost)"};
  case Role::SiteVisible:
    return {{0, 114, 178}, 0.75F, "Original site, still visible (ghost)"};
  case Role::VisibleTumour:
    return {{240, 228, 66}, 1.0F, "Tumour visible on follow-up"};
  case Role::Vessels:
    return {{235, 235, 235}, 1.0F, "Vessels"};
  case Role::Liver:
    return {{0, 158, 115}, 0.2F, "Liver"};
  }
  return {};
}

Role siteRoleOf(const std::string& status) noexcept {
  if (status == "disappeared")
    return Role::SiteDisappeared;
  return status == "shrunk" ? Role::SiteShrunk : Role::SiteVisible;
}

namespace {

std::string fileStem(const std::string& id) {
  std::string out;
  for (char c : id)
    out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_');
  return out.empty() ? std::string("site") : out;
}

} // namespace

Scene buildPlanScene(const planning::PlanSummary& summary, const planning::PlanMasks& masks, const core::Mask& vessels,
                     const SurfaceOptions& options, core::Progress* progress) {
  struct Job {
    std::string name;
    std::string label;
    Role role;
    core::Mask mask;
  };
  std::vector<Job> jobs;
  jobs.push_back({"remnant", styleOf(Role::Remnant).legend, Role::Remnant, masks.remnant});
  jobs.push_back({"resection", styleOf(Role::Resection).legend, Role::Resection, masks.resection});
  for (std::size_t k = 0; k < summary.lesions.size(); ++k) {
    const planning::LesionResult& lesion = summary.lesions[k];
    const Role role = siteRoleOf(lesion.status);
    const core::Mask site = masks.projectedSites.empty()
                                ? core::Mask{}
                                : core::extractLabel(masks.projectedSites, static_cast<std::uint16_t>(k + 1));
    jobs.push_back({"site_" + fileStem(lesion.id), "Site " + lesion.id + " (" + lesion.status + ")", role, site});
  }
  jobs.push_back({"visible_tumour", styleOf(Role::VisibleTumour).legend, Role::VisibleTumour, masks.visibleTumour});
  if (!vessels.empty())
    jobs.push_back({"vessels", styleOf(Role::Vessels).legend, Role::Vessels, vessels});

  // The surfaces are independent VTK pipelines: two workers build them (smoothing the liver-sized ones dominates
  // the report's time); this thread reports progress, which is where Ctrl-C is raised.
  std::vector<Mesh> meshes(jobs.size());
  std::vector<std::exception_ptr> errors(jobs.size());
  std::vector<std::atomic<bool>> finished(jobs.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  auto work = [&] {
    for (std::size_t j = next++; j < jobs.size() && !stop; j = next++) {
      try {
        if (!jobs[j].mask.empty())
          meshes[j] = surfaceFromMask(jobs[j].mask, options);
      } catch (...) {
        errors[j] = std::current_exception();
      }
      finished[j] = true;
    }
  };
  const unsigned workers = std::max(1U, std::min(2U, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < workers; ++w)
    pool.emplace_back(work);
  try {
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      while (!finished[j]) {
        core::reportProgress(progress, "surfaces", static_cast<double>(j) / static_cast<double>(jobs.size()));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  } catch (...) {
    stop = true;
    for (auto& t : pool)
      t.join();
    throw;
  }
  for (auto& t : pool)
    t.join();

  Scene scene;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    if (errors[j])
      std::rethrow_exception(errors[j]);
    if (jobs[j].mask.empty())
      continue;
    if (meshes[j].empty()) {
      scene.notes.push_back(jobs[j].label + ": empty, no surface");
      continue;
    }
    scene.objects.push_back({jobs[j].name, jobs[j].label, jobs[j].role, std::move(meshes[j])});
  }
  core::reportProgress(progress, "surfaces", 1.0);
  return scene;
}

MeshFiles writeSceneMeshes(const Scene& scene, const std::filesystem::path& folder) {
  MeshFiles files;
  std::vector<ColoredMesh> colored;
  for (const SceneObject& object : scene.objects) {
    const auto stl = folder / (object.name + ".stl");
    const auto obj = folder / (object.name + ".obj");
    writeStl(object.mesh, stl);
    writeObj(object.mesh, obj);
    files.files.push_back(stl);
    files.files.push_back(obj);
    const RoleStyle style = styleOf(object.role);
    // glTF colour factors are linear; the palette is sRGB.
    auto linear = [](unsigned char c) {
      const double v = c / 255.0;
      return static_cast<float>(v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4));
    };
    colored.push_back({object.name,
                       {linear(style.color.r), linear(style.color.g), linear(style.color.b), style.opacity},
                       &object.mesh});
  }
  if (!colored.empty()) {
    const auto glb = folder / "plan.glb";
    writeGlb(colored, glb);
    files.files.push_back(glb);
  }
  return files;
}

} // namespace vestige::visualization
