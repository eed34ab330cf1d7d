#include "vestige/lesions/followup_status.h"

#include "vestige/core/error.h"
#include "vestige/segmentation/mask_metrics.h"
#include "vestige/segmentation/mask_ops.h"

#include <algorithm>
#include <cmath>

namespace vestige::lesions {

namespace {

using core::Error;
using core::ErrorCode;

// Parenchyma is learnt from the liver this far around the site (and not closer than the site's tolerance).
constexpr double kParenchymaRingMm = 25.0;
constexpr std::size_t kMinParenchymaVoxels = 200;
constexpr int kHysteresisSteps = 4; // voxels the weak threshold may extend a lesion by

void requireGrid(const core::Mask& m, const core::ImageGeometry& g, const char* what) {
  if (!core::sameGrid(m.geometry, g, 0.01))
    throw Error(ErrorCode::InconsistentData,
                std::string(what) + " is not on the follow-up grid: " + core::describe(m.geometry) + " vs " +
                    core::describe(g),
                what);
}

// Median over the 3x3x3 neighbourhood (clamped at the border): noise down, lesion edges kept where they are.
float boxMedian(const core::Image& im, std::size_t i, std::size_t j, std::size_t k) {
  const auto& n = im.geometry.size;
  float values[27];
  int count = 0;
  for (long dk = -1; dk <= 1; ++dk)
    for (long dj = -1; dj <= 1; ++dj)
      for (long di = -1; di <= 1; ++di) {
        const long x = long(i) + di, y = long(j) + dj, z = long(k) + dk;
        if (x < 0 || y < 0 || z < 0 || x >= long(n[0]) || y >= long(n[1]) || z >= long(n[2]))
          continue;
        values[count++] = im.at(std::size_t(x), std::size_t(y), std::size_t(z));
      }
  std::nth_element(values, values + count / 2, values + count);
  return values[count / 2];
}

struct Robust {
  double median = 0.0;
  double spread = 0.0;
};

Robust robust(std::vector<float> v) {
  Robust r;
  if (v.empty())
    return r;
  auto mid = v.begin() + long(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  r.median = *mid;
  for (auto& x : v)
    x = float(std::fabs(x - r.median));
  std::nth_element(v.begin(), mid, v.end());
  r.spread = 1.4826 * *mid;
  return r;
}

FollowupAssessment assessOnGrid(const core::Image& followup, const core::Mask& projectedSite,
                                const core::Mask& followupLiver, double baselineVolumeMl,
                                const FollowupStatusOptions& options);

} // namespace

FollowupAssessment assessFollowup(const core::Image& followup, const core::Mask& projectedSite,
                                  const core::Mask& followupLiver, double baselineVolumeMl,
                                  const FollowupStatusOptions& options) {
  requireGrid(projectedSite, followup.geometry, "projected site");
  requireGrid(followupLiver, followup.geometry, "follow-up liver");
  if (core::countNonZero(projectedSite) == 0)
    throw Error(ErrorCode::InconsistentData, "the projected site is empty", "projected site");
  if (!(baselineVolumeMl > 0.0))
    throw Error(ErrorCode::InvalidArgument, "baseline volume must be positive", "baseline volume");
  // Everything the assessment looks at lies within the parenchyma ring around the site: work on that box (plus a
  // few voxels for the 3x3x3 medians) instead of the whole follow-up, which is many times larger.
  const auto& g = followup.geometry;
  const double reachMm = std::max(kParenchymaRingMm, 2.0 * options.siteToleranceMm);
  const double voxelMm = *std::max_element(g.spacingMm.begin(), g.spacingMm.end());
  const core::IndexBox box = core::grow(core::boundingBox(projectedSite), g, reachMm + 2.0 * voxelMm);
  FollowupAssessment a = assessOnGrid(core::crop(followup, box), core::crop(projectedSite, box),
                                      core::crop(followupLiver, box), baselineVolumeMl, options);
  core::Mask lesion(g, 0);
  const auto& cg = a.lesion.geometry;
  for (std::size_t k = 0; k < cg.size[2]; ++k)
    for (std::size_t j = 0; j < cg.size[1]; ++j)
      for (std::size_t i = 0; i < cg.size[0]; ++i)
        lesion.at(i + box.lo[0], j + box.lo[1], k + box.lo[2]) = a.lesion.at(i, j, k);
  a.lesion = std::move(lesion);
  return a;
}

namespace {

FollowupAssessment assessOnGrid(const core::Image& followup, const core::Mask& projectedSite,
                                const core::Mask& followupLiver, double baselineVolumeMl,
                                const FollowupStatusOptions& options) {
  // Lesion tissue is looked for in the liver only (which includes its tumours): the widened site would otherwise
  // reach lung, fat or bowel at the liver's edge.
  const core::Mask site = segmentation::maskAnd(segmentation::dilateMm(projectedSite, options.siteToleranceMm),
                                                segmentation::dilateMm(followupLiver, 1.0));
  // The ring starts beyond twice the tolerance, and never closer than two voxels: the lesion's partial-volume
  // shell is not parenchyma.
  const auto& g = followup.geometry;
  const double voxelMm = *std::max_element(g.spacingMm.begin(), g.spacingMm.end());
  const core::Mask ring = segmentation::maskAndNot(
      segmentation::maskAnd(segmentation::dilateMm(projectedSite, kParenchymaRingMm), followupLiver),
      segmentation::dilateMm(projectedSite, std::max(2.0 * options.siteToleranceMm, 2.0 * voxelMm)));
  std::vector<float> parenchyma;
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v)
        if (ring.voxels[v])
          parenchyma.push_back(boxMedian(followup, i, j, k));
  if (parenchyma.size() < kMinParenchymaVoxels)
    throw Error(ErrorCode::InconsistentData,
                "too little liver around the projected site to learn the parenchyma (" +
                    std::to_string(parenchyma.size()) + " voxels): is the follow-up liver mask right?",
                "follow-up liver");
  const Robust p = robust(parenchyma);
  FollowupAssessment a;
  a.parenchymaMedian = p.median;
  a.parenchymaSpread = std::max(p.spread, 1e-3);
  const double departure =
      std::max(options.departureSd * a.parenchymaSpread, options.minDepartureFraction * std::fabs(a.parenchymaMedian));

  // Hysteresis: a lesion is where tissue departs clearly (`departure`), extended to its connected surroundings that
  // still depart by half as much (partial volume at its edge, low-contrast rims).
  core::Mask darker(g, 0), brighter(g, 0), darkerWeak(g, 0), brighterWeak(g, 0);
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v) {
        if (!site.voxels[v])
          continue;
        const double x = boxMedian(followup, i, j, k);
        darker.voxels[v] = x < a.parenchymaMedian - departure ? 1 : 0;
        brighter.voxels[v] = x > a.parenchymaMedian + departure ? 1 : 0;
        darkerWeak.voxels[v] = x < a.parenchymaMedian - 0.5 * departure ? 1 : 0;
        brighterWeak.voxels[v] = x > a.parenchymaMedian + 0.5 * departure ? 1 : 0;
      }
  // Noise specks and thin vessels are not lesion tissue: keep what survives a one-voxel opening.
  const double voxel = *std::max_element(g.spacingMm.begin(), g.spacingMm.end());
  auto largestPart = [&](const core::Mask& m) {
    return core::countNonZero(m) ? segmentation::largestComponent(segmentation::openMm(m, 0.75 * voxel)) : m;
  };
  auto extend = [&](const core::Mask& strong, const core::Mask& weak) {
    return segmentation::geodesicDilate(strong, weak, kHysteresisSteps);
  };
  const core::Mask darkPart = largestPart(extend(darker, darkerWeak));
  const core::Mask brightPart = largestPart(extend(brighter, brighterWeak));
  switch (options.polarity) {
  case Polarity::Hypodense:
    a.hypodense = true;
    break;
  case Polarity::Hyperdense:
    a.hypodense = false;
    break;
  case Polarity::Auto:
    a.hypodense = core::countNonZero(darkPart) >= core::countNonZero(brightPart);
    break;
  }
  a.lesion = a.hypodense ? darkPart : brightPart;
  a.lesionVolumeMl = core::maskVolumeMl(a.lesion);
  std::vector<float> inLesion;
  for (std::size_t v = 0; v < a.lesion.voxels.size(); ++v)
    if (a.lesion.voxels[v])
      inLesion.push_back(followup.voxels[v]);
  a.lesionMedian = robust(inLesion).median;
  a.referenceVolumeMl = baselineVolumeMl;
  a.volumeFraction = a.lesionVolumeMl / baselineVolumeMl;
  if (a.lesionVolumeMl < options.minVolumeMl || a.volumeFraction < options.disappearedFraction) {
    a.status = LesionStatus::Disappeared;
  } else {
    a.status = a.volumeFraction >= options.visibleFraction ? LesionStatus::Visible : LesionStatus::Shrunk;
    a.diameterMm = segmentation::longestDiameterMm(a.lesion);
  }
  return a;
}

} // namespace

FollowupAssessment assessOriginalSite(const BaselineSite& baseline, const core::Image& followup,
                                      const core::Mask& projectedSite, const core::Mask& followupLiver,
                                      bool sameModality, FollowupStatusOptions options) {
  if (!core::sameGrid(baseline.mask.geometry, baseline.image.geometry, 0.01) ||
      !core::sameGrid(baseline.liver.geometry, baseline.image.geometry, 0.01))
    throw Error(ErrorCode::InconsistentData, "the baseline site and liver must be on the baseline image's grid",
                "baseline site");
  const double markMl = core::maskVolumeMl(baseline.mask);
  if (!(markMl > 0.0))
    throw Error(ErrorCode::InconsistentData, "the baseline site is empty", "baseline site");
  if (sameModality && options.polarity == Polarity::Auto)
    options.polarity = polarityOf(baseline.image, baseline.mask, baseline.liver);
  double referenceMl = markMl;
  std::optional<double> baselineContrast; // |lesion - parenchyma| at baseline, when the lesion was found there
  // On its own image the mark needs no tolerance (that is for the registration's error): the reference is the
  // lesion tissue inside the mark, so neither a generous mark nor tissue beside it counts.
  FollowupStatusOptions onBaseline = options;
  onBaseline.siteToleranceMm = 0.0;
  try {
    const FollowupAssessment before = assessFollowup(baseline.image, baseline.mask, baseline.liver, markMl, onBaseline);
    if (before.status != LesionStatus::Disappeared) {
      referenceMl = before.lesionVolumeMl;
      baselineContrast = std::fabs(before.lesionMedian - before.parenchymaMedian);
    }
  } catch (const Error& e) {
    if (e.code() != ErrorCode::InconsistentData) // too little liver around the mark: the mark's volume
      throw;
  }
  FollowupAssessment a = assessFollowup(followup, projectedSite, followupLiver, referenceMl, options);
  // What remains of a lesion looks like the lesion: tissue at the site that departs from the parenchyma by less than
  // half the lesion's own contrast at baseline (the partial-volume share the hysteresis also grants an edge) is
  // parenchyma's own variation, not a residue; a lesion that faded to that is not seen on the image, which is what
  // "disappeared" means. Compared within one modality only (CT -> MR contrasts are each scan's own).
  if (sameModality && baselineContrast && a.status != LesionStatus::Disappeared &&
      std::fabs(a.lesionMedian - a.parenchymaMedian) < 0.5 * *baselineContrast) {
    a.status = LesionStatus::Disappeared;
    a.diameterMm.reset();
  }
  return a;
}

Polarity polarityOf(const core::Image& baseline, const core::Mask& lesion, const core::Mask& liver) {
  if (core::countNonZero(lesion) == 0)
    return Polarity::Auto;
  // Everything looked at lies within the 15 mm ring: dilate on that box, not on the whole scan (once per site).
  constexpr double kRingMm = 15.0;
  const auto& g = baseline.geometry;
  const double voxelMm = *std::max_element(g.spacingMm.begin(), g.spacingMm.end());
  const core::IndexBox box = core::grow(core::boundingBox(lesion), g, kRingMm + 2.0 * voxelMm);
  const core::Image image = core::crop(baseline, box);
  const core::Mask site = core::crop(lesion, box);
  const core::Mask ring =
      segmentation::maskAndNot(segmentation::maskAnd(segmentation::dilateMm(site, kRingMm), core::crop(liver, box)),
                               segmentation::dilateMm(site, 3.0));
  std::vector<float> inside, around;
  for (std::size_t v = 0; v < image.voxels.size(); ++v) {
    if (site.voxels[v])
      inside.push_back(image.voxels[v]);
    else if (ring.voxels[v])
      around.push_back(image.voxels[v]);
  }
  if (inside.empty() || around.empty())
    return Polarity::Auto;
  return robust(inside).median < robust(around).median ? Polarity::Hypodense : Polarity::Hyperdense;
}

void applyAssessment(LesionSite& site, const FollowupAssessment& a) {
  if (site.statusSource == StatusSource::Radiologist)
    return;
  site.status = a.status;
  site.statusSource = StatusSource::Image;
  site.followupVolumeMl = a.status == LesionStatus::Disappeared ? 0.0 : a.lesionVolumeMl;
  site.followupDiameterMm = a.diameterMm;
}

void applyFollowupMark(LesionSite& site, const FollowupMark& mark) {
  if (mark.status == LesionStatus::Unknown)
    throw Error(ErrorCode::InvalidArgument, "a follow-up mark must say visible, shrunk or disappeared",
                "lesion " + site.id);
  if (mark.status == LesionStatus::Disappeared && mark.diameterMm)
    throw Error(ErrorCode::InvalidArgument, "a disappeared lesion has no follow-up diameter", "lesion " + site.id);
  site.status = mark.status;
  site.statusSource = StatusSource::Radiologist;
  site.followupDiameterMm = mark.diameterMm;
  if (mark.status == LesionStatus::Disappeared)
    site.followupVolumeMl = 0.0;
  else if (mark.diameterMm) // the radiologist measured a diameter: the volume of that sphere
    site.followupVolumeMl = core::mm3ToMl(3.14159265358979 / 6.0 * std::pow(*mark.diameterMm, 3));
}

} // namespace vestige::lesions
