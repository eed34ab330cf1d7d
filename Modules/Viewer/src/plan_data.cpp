#include "vestige/viewer/plan_data.h"

#include "vestige/core/error.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/planning/resection.h"
#include "vestige/registration/registration_io.h"
#include "vestige/visualization/mesh.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vestige::viewer {

namespace fs = std::filesystem;

namespace {

// Runs one read; a failure becomes a line in `problems` instead of an exception (cancellation still propagates).
template <class F> void attempt(std::vector<std::string>& problems, const std::string& what, F&& read) {
  try {
    read();
  } catch (const core::Error& e) {
    if (e.code() == core::ErrorCode::Cancelled)
      throw;
    problems.push_back(what + ": " + e.what());
  } catch (const std::exception& e) {
    problems.push_back(what + ": " + e.what());
  }
}

template <class V> void readPart(PlanImages& out, const char* file, V& target, V (*reader)(const fs::path&)) {
  const fs::path path = out.folder / file;
  if (!fs::exists(path)) {
    out.problems.push_back(std::string(file) + " is missing");
    return;
  }
  attempt(out.problems, file, [&] { target = reader(path); });
}

// Voxels within each site's uncertainty of its projected site, outside the site: computed on a box around each
// site so that six sites cost six small distance maps, not six whole-scan ones.
core::LabelMap uncertaintyReachOf(const core::LabelMap& sites, const std::vector<planning::LesionResult>& lesions) {
  core::LabelMap reach(sites.geometry, 0);
  for (std::size_t k = 0; k < lesions.size(); ++k) {
    const auto label = static_cast<std::uint16_t>(k + 1);
    const core::Mask site = core::extractLabel(sites, label);
    const double mm = lesions[k].uncertaintyMm;
    const core::IndexBox box = core::grow(core::boundingBox(site), site.geometry, mm + 2.0);
    if (box.empty || mm <= 0.0)
      continue;
    const core::Mask local = core::crop(site, box);
    const core::Image distance = planning::distanceToMaskMm(local, mm);
    const core::Size3& n = local.geometry.size;
    for (std::size_t k3 = 0; k3 < n[2]; ++k3)
      for (std::size_t j = 0; j < n[1]; ++j)
        for (std::size_t i = 0; i < n[0]; ++i)
          if (!local.at(i, j, k3) && distance.at(i, j, k3) <= mm)
            reach.at(i + box.lo[0], j + box.lo[1], k3 + box.lo[2]) = label;
  }
  return reach;
}

std::vector<core::Vec3> boundaryCentres(const core::Mask& mask) {
  std::vector<core::Vec3> out;
  const core::Size3& n = mask.geometry.size;
  const core::IndexBox box = core::boundingBox(mask);
  if (box.empty)
    return out;
  auto inside = [&](long i, long j, long k) {
    return i >= 0 && j >= 0 && k >= 0 && i < long(n[0]) && j < long(n[1]) && k < long(n[2]) &&
           mask.at(std::size_t(i), std::size_t(j), std::size_t(k)) != 0;
  };
  for (long k = long(box.lo[2]); k <= long(box.hi[2]); ++k)
    for (long j = long(box.lo[1]); j <= long(box.hi[1]); ++j)
      for (long i = long(box.lo[0]); i <= long(box.hi[0]); ++i)
        if (inside(i, j, k) && (!inside(i - 1, j, k) || !inside(i + 1, j, k) || !inside(i, j - 1, k) ||
                                !inside(i, j + 1, k) || !inside(i, j, k - 1) || !inside(i, j, k + 1)))
          out.push_back(mask.geometry.indexToLps({double(i), double(j), double(k)}));
  return out;
}

core::Image readBaseline(const planning::SeriesSummary& series) {
  if (series.source.empty())
    throw core::Error(core::ErrorCode::NotFound, "plan.json names no baseline source", "baseline");
  if (dicom::isVolumeFile(series.source))
    return dicom::readImage(series.source);
  dicom::LoadOptions options;
  options.seriesUid = series.seriesUid;
  return dicom::loadSeries(series.source, options).image;
}

} // namespace

PlanImages loadFollowupImages(const fs::path& folder, core::Progress* progress) {
  PlanImages out;
  out.folder = folder;
  if (!fs::is_directory(folder)) {
    out.problems.push_back("not a folder: " + folder.string());
    return out;
  }
  core::reportProgress(progress, "plan.json", 0.0);
  if (!fs::exists(folder / "plan.json"))
    out.problems.push_back("plan.json is missing: no sites, figures or baseline series to show");
  else
    attempt(out.problems, "plan.json", [&] { out.summary = planning::readPlanSummary(folder); });

  core::reportProgress(progress, "follow-up", 0.1);
  readPart(out, "followup.nii.gz", out.masks.followup, &dicom::readImage);
  core::reportProgress(progress, "masks", 0.3);
  readPart(out, "liver.nii.gz", out.masks.liver, &dicom::readMaskFile);
  readPart(out, "projected_sites.nii.gz", out.masks.projectedSites, &dicom::readLabelMapFile);
  readPart(out, "resection.nii.gz", out.masks.resection, &dicom::readMaskFile);
  readPart(out, "remnant.nii.gz", out.masks.remnant, &dicom::readMaskFile);
  readPart(out, "visible_tumour.nii.gz", out.masks.visibleTumour, &dicom::readMaskFile);
  // A mask off the follow-up grid would be drawn in the wrong place: refuse it rather than guess.
  auto checkGrid = [&](auto& mask, const char* name) {
    if (!mask.empty() && !out.masks.followup.empty() && !core::sameGrid(mask.geometry, out.masks.followup.geometry)) {
      out.problems.push_back(std::string(name) + " is not on the follow-up grid; not shown");
      mask = {};
    }
  };
  checkGrid(out.masks.liver, "liver.nii.gz");
  checkGrid(out.masks.projectedSites, "projected_sites.nii.gz");
  checkGrid(out.masks.resection, "resection.nii.gz");
  checkGrid(out.masks.remnant, "remnant.nii.gz");
  checkGrid(out.masks.visibleTumour, "visible_tumour.nii.gz");

  out.resectionBoundaryLps = boundaryCentres(out.masks.resection);
  core::reportProgress(progress, "follow-up", 1.0);
  return out;
}

LinkedParts loadLinkedParts(const PlanImages& images, core::Progress* progress) {
  LinkedParts out;
  core::reportProgress(progress, "registration", 0.0);
  const std::string regFolder = images.summary && !images.summary->registration.folder.empty()
                                    ? images.summary->registration.folder
                                    : "registration";
  if (fs::is_directory(images.folder))
    attempt(out.problems, "registration",
            [&] { out.transform = registration::loadRegistration(images.folder / regFolder).transform; });
  core::reportProgress(progress, "baseline series", 0.3);
  if (images.summary)
    attempt(out.problems, "baseline series", [&] { out.baseline = readBaseline(images.summary->baseline); });
  core::reportProgress(progress, "overlays", 0.9);
  if (images.summary && !images.masks.projectedSites.empty())
    out.uncertaintyReach = uncertaintyReachOf(images.masks.projectedSites, images.summary->lesions);
  core::reportProgress(progress, "baseline", 1.0);
  return out;
}

void mergeLinkedParts(PlanImages& images, LinkedParts&& parts) {
  images.baseline = std::move(parts.baseline);
  images.transform = std::move(parts.transform);
  images.uncertaintyReach = std::move(parts.uncertaintyReach);
  images.problems.insert(images.problems.end(), parts.problems.begin(), parts.problems.end());
}

PlanImages loadPlanImages(const fs::path& folder, core::Progress* progress) {
  core::SubProgress first(progress, 0.0, 0.5), second(progress, 0.5, 1.0);
  PlanImages images = loadFollowupImages(folder, &first);
  mergeLinkedParts(images, loadLinkedParts(images, &second));
  return images;
}

PlanSurfaces buildPlanSurfaces(const PlanImages& images, core::Progress* progress) {
  PlanSurfaces out;
  if (!images.summary || images.masks.liver.empty()) {
    out.problems.push_back("no 3D surfaces: plan.json or liver.nii.gz is missing");
    return out;
  }
  attempt(out.problems, "surfaces", [&] {
    core::SubProgress all(progress, 0.0, 0.8);
    out.allSites = visualization::buildPlanScene(*images.summary, images.masks, {}, {}, &all);
  });
  // "Visible only" resects the sites still seen on the follow-up, each grown by the distance the plan used.
  attempt(out.problems, "visible-only zones", [&] {
    std::vector<core::Mask> sites;
    std::vector<double> grow;
    const auto& lesions = images.summary->lesions;
    for (std::size_t k = 0; k < lesions.size(); ++k)
      if (lesions[k].status != "disappeared" && !images.masks.projectedSites.empty()) {
        sites.push_back(core::extractLabel(images.masks.projectedSites, static_cast<std::uint16_t>(k + 1)));
        grow.push_back(lesions[k].growMm);
      }
    std::vector<const core::Mask*> pointers;
    for (const auto& s : sites)
      pointers.push_back(&s);
    const planning::ResectionZones zones = planning::planResection(images.masks.liver, pointers, grow);
    core::reportProgress(progress, "visible-only surfaces", 0.9);
    using visualization::Role;
    const std::pair<const core::Mask*, Role> parts[] = {{&zones.resection, Role::Resection},
                                                        {&zones.remnant, Role::Remnant}};
    for (const auto& [mask, role] : parts) {
      visualization::Mesh mesh = visualization::surfaceFromMask(*mask);
      if (!mesh.empty())
        out.visibleOnlyZones.objects.push_back({role == Role::Resection ? "resection" : "remnant",
                                                visualization::styleOf(role).legend, role, std::move(mesh)});
    }
  });
  core::reportProgress(progress, "surfaces", 1.0);
  return out;
}

std::optional<double> distanceToResectionBoundaryMm(const PlanImages& images, const core::Vec3& lps) {
  if (images.resectionBoundaryLps.empty())
    return std::nullopt;
  double best = std::numeric_limits<double>::infinity();
  for (const core::Vec3& p : images.resectionBoundaryLps)
    best = std::min(best, (p[0] - lps[0]) * (p[0] - lps[0]) + (p[1] - lps[1]) * (p[1] - lps[1]) +
                              (p[2] - lps[2]) * (p[2] - lps[2]));
  best = std::sqrt(best);
  const core::Mask& zone = images.masks.resection;
  const core::Vec3 index = zone.geometry.lpsToIndex(lps);
  bool inside = true;
  std::size_t at[3] = {0, 0, 0};
  for (int a = 0; a < 3; ++a) {
    const double r = std::floor(index[a] + 0.5);
    inside = inside && r >= 0.0 && r < double(zone.geometry.size[a]);
    at[a] = inside ? std::size_t(r) : 0;
  }
  inside = inside && zone.at(at[0], at[1], at[2]) != 0;
  return inside ? -best : best;
}

std::optional<std::size_t> scenarioIndex(const planning::PlanSummary& summary, const std::string& name) {
  for (std::size_t s = 0; s < summary.scenarios.size(); ++s)
    if (summary.scenarios[s].name == name)
      return s;
  return std::nullopt;
}

} // namespace vestige::viewer
