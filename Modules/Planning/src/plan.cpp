#include "vestige/planning/plan.h"
#include "vestige/core/format.h"

#include "plan_inputs.h"
#include "plan_warnings.h"
#include "vestige/core/error.h"
#include "vestige/core/version.h"
#include "vestige/planning/resection.h"
#include "vestige/registration/markups.h"
#include "vestige/registration/registration.h"
#include "vestige/registration/registration_io.h"
#include "vestige/registration/uncertainty.h"
#include "vestige/registration/warp.h"
#include "vestige/segmentation/mask_metrics.h"
#include "vestige/segmentation/mask_ops.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <ctime>

namespace fs = std::filesystem;

namespace vestige::planning {

using core::Error;
using core::ErrorCode;

namespace {

// Follow-up CT values below this are air or lung, never liver.
constexpr float kAirOrLungHu = -300.0F;

std::string utcNow() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// The voxel whose centre is nearest to an LPS point (clamped to the grid).
std::array<std::size_t, 3> nearestVoxel(const core::ImageGeometry& g, const core::Vec3& lps) {
  const core::Vec3 idx = g.lpsToIndex(lps);
  std::array<std::size_t, 3> out{};
  for (int a = 0; a < 3; ++a)
    out[a] = std::size_t(std::lround(std::clamp(idx[a], 0.0, double(g.size[a] - 1))));
  return out;
}

// Distance (mm) from a follow-up point to the outside of the liver: how deep a site lies below the surface.
double depthBelowSurfaceMm(const core::Image& outsideDistance, const core::Vec3& lps) {
  const auto& g = outsideDistance.geometry;
  const core::Vec3 idx = g.lpsToIndex(lps);
  if (!g.contains(idx))
    return 0.0;
  const auto v = nearestVoxel(g, lps);
  const float d = outsideDistance.at(v[0], v[1], v[2]);
  return std::isfinite(d) ? double(d) : 0.0;
}

core::Mask notMask(const core::Mask& m) {
  core::Mask out(m.geometry, 0);
  for (std::size_t n = 0; n < m.voxels.size(); ++n)
    out.voxels[n] = m.voxels[n] ? 0 : 1;
  return out;
}

double overlapFraction(const core::Mask& site, const core::Mask& region) {
  std::size_t inside = 0, total = 0;
  for (std::size_t n = 0; n < site.voxels.size(); ++n)
    if (site.voxels[n]) {
      ++total;
      inside += region.voxels[n] ? 1 : 0;
    }
  return total ? double(inside) / double(total) : 0.0;
}

// The projected extent must never be empty: a site smaller than a follow-up voxel keeps the voxel of its centre.
void keepCentreVoxel(core::Mask& projected, const core::Vec3& centreLps) {
  if (core::countNonZero(projected) > 0)
    return;
  const core::Vec3 idx = projected.geometry.lpsToIndex(centreLps);
  if (!projected.geometry.contains(idx))
    return;
  const auto v = nearestVoxel(projected.geometry, centreLps);
  projected.at(v[0], v[1], v[2]) = 1;
}

} // namespace

Scenario makeScenario(const std::string& name, const std::vector<std::string>& ids, double liverMl, double tumourMl,
                      double resectedMl, double remnantMl, double usableRemnantMl, std::size_t pieces,
                      const std::optional<double>& telvMl) {
  Scenario s;
  s.name = name;
  s.lesionIds = ids;
  s.resectedMl = resectedMl;
  s.remnantMl = remnantMl;
  s.usableRemnantMl = usableRemnantMl;
  s.remnantPieces = pieces;
  s.flrPercent = flrPercent(usableRemnantMl, liverMl, tumourMl);
  if (telvMl)
    s.sflrPercent = sflrPercent(usableRemnantMl, *telvMl);
  return s;
}

PlanRun runPlan(const CaseFile& c, const fs::path& outDir, const PlanOptions& options, core::Progress* progress) {
  // Without a site there is nothing to resect and no verdict to give: "sufficient, 0 mL resected" would read as a
  // plan. Refused before any work.
  if (c.lesions.empty())
    throw Error(ErrorCode::InvalidArgument, "no lesions to plan: the case file lists none", "case file lesions");
  const auto start = std::chrono::steady_clock::now();
  PlanRun run;
  PlanSummary& p = run.summary;
  p.vestigeVersion = core::kVersion;
  p.createdUtc = utcNow();
  p.liverCondition = c.patient.liverCondition;
  p.diagnosis = c.diagnosis;
  p.bsaFormula = c.bsaFormula;
  p.telvFormula = c.telvFormula;
  p.marginMm = c.marginMm;
  p.signOff = c.signOff; // who confirmed the livers and statuses: until both, the verdict is provisional
  p.flrThresholdPercent = minimumSflrPercent(c.patient.liverCondition);

  // 1. Scans and livers.
  core::SubProgress loadBase(progress, 0.00, 0.05), loadFollow(progress, 0.05, 0.10);
  const detail::LoadedScan baseline = detail::loadScan(c.baseline, "baseline", options.threads, &loadBase);
  const detail::LoadedScan followup = detail::loadScan(c.followup, "followup", options.threads, &loadFollow);
  p.baseline = baseline.summary;
  p.followup = followup.summary;
  p.notes.insert(p.notes.end(), baseline.notes.begin(), baseline.notes.end());
  p.notes.insert(p.notes.end(), followup.notes.begin(), followup.notes.end());
  detail::resolveBodySize(p, c, baseline, followup);
  core::SubProgress segFollow(progress, 0.10, 0.18), segBase(progress, 0.18, 0.26);
  core::Mask followLiver = detail::liverMask(c.followupLiver, followup, "followup_liver", &segFollow);
  const core::Mask baseLiver = detail::liverMask(c.baselineLiver, baseline, "baseline_liver", &segBase);
  // Outlines that need a human look make the verdict provisional (Documentation/planning.md, "Warnings").
  detail::addOutlineWarnings(p.warnings, followup, followLiver, "followup");
  detail::addOutlineWarnings(p.warnings, baseline, baseLiver, "baseline");

  // 2. Original sites on the baseline.
  std::vector<core::Mask> sites;
  core::SubProgress lesionProgress(progress, 0.26, 0.30);
  for (const auto& spec : c.lesions)
    sites.push_back(detail::lesionMask(spec, baseline, baseLiver, &lesionProgress));

  // 3. Registration baseline -> follow-up. The original sites are expected to shrink or vanish by the follow-up:
  // handed to the registration, they are kept out of the image forces, so that a vanished tumour does not pull
  // the field that carries its own site (Documentation/registration.md, "Lesion sites").
  core::Mask allSites(baseline.image.geometry, 0);
  for (const core::Mask& site : sites)
    for (std::size_t n = 0; n < site.voxels.size(); ++n)
      allSites.voxels[n] |= site.voxels[n];
  registration::RegistrationInputs inputs{&followup.image, &baseline.image, &followLiver, &baseLiver, &allSites};
  registration::RegistrationOptions regOptions;
  regOptions.metric = registration::parseMetric(c.registrationMetric);
  regOptions.fixedModality = followup.summary.modality;
  regOptions.movingModality = baseline.summary.modality;
  regOptions.threads = options.threads;
  core::SubProgress regProgress(progress, 0.30, 0.85);
  const registration::RegistrationResult reg = registration::registerImages(inputs, regOptions, &regProgress);
  const fs::path regDir = outDir / "registration";
  // The follow-up is the fixed image (the transform maps follow-up LPS to baseline LPS), the baseline the moving one.
  const auto pathOf = [](const std::optional<fs::path>& f) { return f ? f->string() : std::string(); };
  registration::saveRegistration(
      reg, {c.followup.series.string(), c.baseline.series.string(), pathOf(c.followupLiver), pathOf(c.baselineLiver)},
      regDir);
  p.registration.seconds = reg.seconds;
  p.registration.minJacobian = reg.jacobianMin;
  p.registration.maxJacobian = reg.jacobianMax;
  p.registration.repairedFoldVoxels = reg.repairedFoldVoxels;
  p.registration.liverDice = reg.diceAfter;
  p.registration.metric = reg.metric;
  p.registration.folder = "registration"; // relative to the plan folder, which is built elsewhere and moved
  p.notes.insert(p.notes.end(), reg.notes.begin(), reg.notes.end());
  if (reg.jacobianMin <= 0.0)
    p.notes.push_back("registration folds inside the liver (minimum Jacobian " + core::formatFixed(reg.jacobianMin, 2) +
                      "): projected sites are unreliable");

  // 4. Project, classify, measure each site.
  const core::ImageGeometry& fg = followup.image.geometry;
  run.masks.followup = followup.image;
  run.masks.projectedSites = core::LabelMap(fg, 0);
  run.masks.visibleTumour = core::Mask(fg, 0);
  const core::Image outsideDistance = distanceToMaskMm(notMask(followLiver), 300.0);
  std::vector<core::Mask> projected;
  std::vector<double> grow;
  for (std::size_t k = 0; k < c.lesions.size(); ++k) {
    core::reportProgress(progress, "Projecting sites", 0.85 + 0.05 * double(k) / double(c.lesions.size()));
    const LesionSpec& spec = c.lesions[k];
    LesionResult r;
    r.id = spec.id;
    r.markKind = name(spec.kind);
    r.baselineCenterLps = segmentation::centroidLps(sites[k]); // sites are never empty
    r.baselineVolumeMl = core::maskVolumeMl(sites[k]);
    r.baselineDiameterMm = detail::longestDiameterMm(sites[k]);
    core::Mask site = registration::warpMask(sites[k], reg.transform, fg);
    r.projectedCenterLps = reg.transform.baselineToFollowupLps(r.baselineCenterLps);
    keepCentreVoxel(site, r.projectedCenterLps);
    r.projectedVolumeMl = core::maskVolumeMl(site);
    r.uncertaintyMm = reg.uncertaintyMm.empty()
                          ? registration::kUncertaintyFloorMm
                          : registration::maskUncertaintyMm(reg.uncertaintyMm, reg.transform, sites[k]);
    r.growMm = c.marginMm + r.uncertaintyMm;
    r.depthBelowSurfaceMm = depthBelowSurfaceMm(outsideDistance, r.projectedCenterLps);
    const detail::FollowupStatus status =
        detail::classifySite(baseline, sites[k], baseLiver, followup, site, followLiver);
    r.status = spec.followupStatus.empty() ? status.status : spec.followupStatus;
    r.statusOverridden = !spec.followupStatus.empty() && spec.followupStatus != status.status;
    r.note = spec.note;
    r.statusReferenceMl = status.referenceVolumeMl;
    if (r.status != "disappeared") {
      r.followupDiameterMm = status.followupDiameterMm;
      r.followupVolumeMl = status.followupVolumeMl;
    }
    if (r.status != "disappeared")
      for (std::size_t n = 0; n < status.followupLesion.voxels.size(); ++n)
        if (status.followupLesion.voxels[n])
          run.masks.visibleTumour.voxels[n] = 1;
    for (std::size_t n = 0; n < site.voxels.size(); ++n)
      if (site.voxels[n] && run.masks.projectedSites.voxels[n] == 0)
        run.masks.projectedSites.voxels[n] = static_cast<std::uint16_t>(k + 1);
    projected.push_back(std::move(site));
    grow.push_back(r.growMm);
    p.lesions.push_back(r);
  }

  // 5. The liver includes its tumours: a site lies within its uncertainty of where it was projected, and the
  // tumour it held was liver tissue. Where that region reaches past the follow-up liver outline (the automatic
  // outline misses tumours at the dome or in treated masses; the registration has its error) it is counted as
  // liver, so that the resection can cover every possible position of the site and resected + remnant = liver
  // holds exactly. The reach is the uncertainty plus half a voxel (the projected mask keeps voxels whose centre
  // maps inside the site, so its outline is itself known to half a voxel). Air and lung are never counted (on CT:
  // below -300 HU).
  const bool ct = followup.summary.modality != "MR";
  const double halfVoxelMm = 0.5 * *std::max_element(fg.spacingMm.begin(), fg.spacingMm.end());
  core::Mask addedTissue(fg, 0);
  for (std::size_t k = 0; k < projected.size(); ++k) {
    const core::Mask reach = segmentation::dilateMm(projected[k], p.lesions[k].uncertaintyMm + halfVoxelMm);
    for (std::size_t n = 0; n < followLiver.voxels.size(); ++n)
      if (!followLiver.voxels[n] && reach.voxels[n] &&
          (projected[k].voxels[n] || !ct || followup.image.voxels[n] > kAirOrLungHu)) {
        followLiver.voxels[n] = 1;
        addedTissue.voxels[n] = 1;
      }
  }
  const double addedMl = core::maskVolumeMl(addedTissue);
  if (addedMl > 0.0)
    p.notes.push_back("projected sites, within their uncertainty, reach " + core::formatFixed(addedMl, 1) +
                      " mL past the follow-up liver outline; that tissue is counted as liver");
  run.masks.liver = followLiver;

  // 6. Volumes and the two scenarios.
  p.liverMl = core::maskVolumeMl(followLiver);
  std::size_t tumourVoxels = 0;
  for (std::size_t n = 0; n < followLiver.voxels.size(); ++n)
    tumourVoxels += (run.masks.visibleTumour.voxels[n] && followLiver.voxels[n]) ? 1 : 0;
  p.tumourMl = core::mm3ToMl(double(tumourVoxels) * fg.voxelVolumeMm3());
  if (p.heightCm && p.weightKg) {
    p.bsaM2 = bodySurfaceAreaM2(*p.heightCm, *p.weightKg, p.bsaFormula);
    p.telvMl = totalEstimatedLiverVolumeMl(*p.bsaM2, p.telvFormula);
    if (auto w = detail::liverVolumeWarning(p.liverMl, p.tumourMl, *p.telvMl))
      p.warnings.push_back(*w);
  }
  if (addedMl > 0.0)
    if (auto w = detail::addedTissueWarning(addedMl, p.liverMl, segmentation::centroidLps(addedTissue)))
      p.warnings.push_back(*w);
  std::vector<const core::Mask*> all, visible;
  std::vector<double> growAll, growVisible;
  std::vector<std::string> idsAll, idsVisible;
  for (std::size_t k = 0; k < projected.size(); ++k) {
    all.push_back(&projected[k]);
    growAll.push_back(grow[k]);
    idsAll.push_back(p.lesions[k].id);
    if (p.lesions[k].status != "disappeared") {
      visible.push_back(&projected[k]);
      growVisible.push_back(grow[k]);
      idsVisible.push_back(p.lesions[k].id);
    }
  }
  core::SubProgress zonesAll(progress, 0.90, 0.95), zonesVisible(progress, 0.95, 0.99);
  const ResectionZones za = planResection(followLiver, all, growAll, &zonesAll);
  const ResectionZones zv = planResection(followLiver, visible, growVisible, &zonesVisible);
  p.scenarios.push_back(makeScenario("all_original_sites", idsAll, p.liverMl, p.tumourMl, za.resectedMl, za.remnantMl,
                                     za.usableRemnantMl, za.remnantPieces, p.telvMl));
  p.scenarios.push_back(makeScenario("visible_only", idsVisible, p.liverMl, p.tumourMl, zv.resectedMl, zv.remnantMl,
                                     zv.usableRemnantMl, zv.remnantPieces, p.telvMl));
  for (std::size_t k = 0; k < projected.size(); ++k)
    p.lesions[k].missingMetastasis =
        p.lesions[k].status == "disappeared" && overlapFraction(projected[k], zv.remnant) > 0.0;
  const Scenario& recommended = p.scenarios.front();
  p.resectedMl = za.resectedMl;
  p.remnantMl = za.remnantMl;
  p.usableRemnantMl = za.usableRemnantMl;
  p.remnantPieces = za.remnantPieces;
  p.flrPercent = recommended.flrPercent;
  p.sflrPercent = recommended.sflrPercent;
  // The verdict uses sFLR when height and weight are known (the cited thresholds are standardised), FLR otherwise.
  p.flrSufficient = (p.sflrPercent ? *p.sflrPercent : p.flrPercent) >= p.flrThresholdPercent;
  if (!p.sflrPercent)
    p.notes.push_back(
        "no height/weight in the case file or the DICOM headers: sFLR not computed; the verdict uses measured FLR");
  if (za.remnantPieces > 1)
    p.notes.push_back("the remnant falls apart into " + std::to_string(za.remnantPieces) +
                      " pieces of 1 mL or more; only the largest (" + core::formatFixed(za.usableRemnantMl, 0) +
                      " mL) counts as FLR");
  if (za.fragmentsMl > 0.0)
    p.notes.push_back("slivers under 1 mL left between zones: " + core::formatFixed(za.fragmentsMl, 2) +
                      " mL in all, not counted as FLR");
  run.masks.resection = za.resection;
  run.masks.remnant = za.remnant;

  // The projected site centres for 3D Slicer (and the viewer), labelled by site id, in LPS mm.
  registration::Markup centres{registration::MarkupType::Fiducial, "projected sites", {}};
  for (const LesionResult& r : p.lesions)
    centres.points.push_back(
        {r.id, r.projectedCenterLps, "uncertainty " + core::formatFixed(r.uncertaintyMm, 1) + " mm"});
  registration::writeMarkups({centres}, outDir / "projected_sites.mrk.json");
  writePlanFolder(p, run.masks, outDir);
  core::reportProgress(progress, "Plan", 1.0);
  (void)start;
  return run;
}

} // namespace vestige::planning
