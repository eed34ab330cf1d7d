#include "vestige/segmentation/lesion_segmentation.h"

#include "intensity_stats.h"
#include "vestige/segmentation/mask_metrics.h"
#include "vestige/segmentation/mask_ops.h"

#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"
#include "vestige/core/parallel.h"

#include <itkGradientMagnitudeRecursiveGaussianImageFilter.h>
#include <itkSmoothingRecursiveGaussianImageFilter.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <mutex>
#include <queue>

namespace vestige::segmentation {

namespace {

using namespace detail;
using FloatItk = itk::Image<float, 3>;

constexpr double kClickBallMm = 4.0;        // lesion intensity is sampled this close to the click
constexpr double kShellInnerFraction = 0.6; // surrounding tissue: the sphere's outer shell
// Surrounding parenchyma is denser than water and fluid-filled neighbours (stomach, gallbladder, cysts).
constexpr double kTissueLowHu = 20.0;
constexpr double kTissueHighHu = 300.0;
// Lesion marker: the grown region eroded by this fraction of the click's depth in it (at least 1 mm, at most 6 mm),
// within this multiple of the depth from the click.
constexpr double kMarkerErosionFraction = 0.5;
constexpr double kMarkerMaxErosionMm = 6.0;
constexpr double kMarkerBallDepths = 2.0;
constexpr double kClickMarkerMm = 2.0; // the click's own neighbourhood is always lesion
// Background marker: parenchyma-like voxels (within one SD of the mode) this far beyond the eroded marker, and fat
// or air (a thin fat plane is still below this after light smoothing).
constexpr double kParenchymaGapMm = 3.0;
constexpr double kFatHu = -30.0;
constexpr double kLightSigmaMm = 0.75;
constexpr double kGradientSigmaMm = 1.0;
// Leaks through the watershed (into a vessel, the stomach wall) are cut by an opening scaled to the lesion.
constexpr double kShapeOpeningFraction = 0.25;
// Radiologists outline a lesion up to where the parenchyma is back to normal, a few mm outside the steepest edge
// (partial volume, a viable or oedematous rim nearly as dense as the parenchyma): the rim is grown over voxels of a
// more smoothed image that still depart by max(1 SD, 10 % of the contrast), up to the options' rim length from the
// watershed region, and not within kWallMm of fat or air, where an isodense organ wall or the diaphragm lies.
constexpr double kRimSigmaMm = 2.0;
constexpr double kRimSd = 1.0;
constexpr double kRimContrastFraction = 0.1;
constexpr double kWallMm = 2.0;
constexpr double kValleyMarginHu = 20.0;
constexpr double kValleyReachMm = 3.0;
// With a liver mask: the liver's parenchyma around the lesion is sampled this far from the watershed region.
constexpr double kLocalParenchymaMinMm = 8.0;
constexpr double kLocalParenchymaMaxMm = 20.0;
// Re-seeding: seeds a third of the first result's equivalent radius from its centroid, well inside the lesion.
constexpr double kReseedFraction = 1.0 / 3.0;

struct Crop {
  core::IndexBox box; // in the full image
  core::Image image;
};

Crop cropAround(const core::Image& image, const core::Vec3& centreIndex, double radiusMm) {
  core::IndexBox voxel;
  voxel.empty = false;
  for (int a = 0; a < 3; ++a)
    voxel.lo[a] = voxel.hi[a] = std::size_t(std::lround(centreIndex[a]));
  const core::IndexBox box = core::grow(voxel, image.geometry, radiusMm);
  return {box, core::crop(image, box)};
}

core::Image smooth(const core::Image& image, double sigmaMm) {
  return core::translateItkErrors(core::ErrorCode::Internal, "lesion segmentation: smoothing", [&] {
    auto filter = itk::SmoothingRecursiveGaussianImageFilter<FloatItk, FloatItk>::New();
    filter->SetInput(core::toItk(image));
    filter->SetSigma(sigmaMm);
    filter->Update();
    return core::fromItk<float>(*filter->GetOutput());
  });
}

// Distance (mm) of every voxel of g from an LPS point.
std::vector<float> distancesFrom(const core::ImageGeometry& g, const core::Vec3& lps) {
  std::vector<float> d(g.voxelCount());
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v)
        d[v] = float(core::distanceMm(g.indexToLps({double(i), double(j), double(k)}), lps));
  return d;
}

// The connected part of `m` nearest to the click (dist: mm from the click); empty when m is.
core::Mask partNearest(const core::Mask& m, const std::vector<float>& dist) {
  const Components parts = connectedComponents(m);
  std::uint32_t best = 0;
  float bestDist = std::numeric_limits<float>::max();
  for (std::size_t v = 0; v < dist.size(); ++v)
    if (parts.labels[v] && dist[v] < bestDist) {
      bestDist = dist[v];
      best = parts.labels[v];
    }
  return componentMask(parts, m.geometry, best);
}

double equivalentRadiusMm(const core::Mask& m) {
  return std::cbrt(3.0 * double(core::countNonZero(m)) * m.geometry.voxelVolumeMm3() / (4.0 * 3.14159265358979));
}

// Voxels darker by more than marginHu than the voxels reachMm away on both sides along one of the axes (and than
// the parenchyma): thin dark planes, such as a fat plane too thin to reach fat's HU in a slice.
core::Mask thinDarkPlanes(const core::Image& image, double marginHu, double reachMm, double parenchymaHu) {
  const auto& g = image.geometry;
  core::Mask out(g, 0);
  long step[3], offset[3] = {1, long(g.size[0]), long(g.size[0] * g.size[1])};
  for (int a = 0; a < 3; ++a)
    step[a] = std::max(1L, std::lround(reachMm / g.spacingMm[a]));
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v) {
        const long idx[3] = {long(i), long(j), long(k)};
        const float x = image.voxels[v];
        if (x >= parenchymaHu - marginHu)
          continue;
        for (int a = 0; a < 3; ++a) {
          if (idx[a] - step[a] < 0 || idx[a] + step[a] >= long(g.size[a]))
            continue;
          const float before = image.voxels[v - std::size_t(step[a] * offset[a])];
          const float after = image.voxels[v + std::size_t(step[a] * offset[a])];
          if (x < std::min(before, after) - marginHu) {
            out.voxels[v] = 1;
            break;
          }
        }
      }
  return out;
}

core::Mask complement(const core::Mask& m) {
  core::Mask out(m.geometry, 0);
  for (std::size_t v = 0; v < m.voxels.size(); ++v)
    out.voxels[v] = m.voxels[v] ? 0 : 1;
  return out;
}

core::Image gradientMagnitude(const core::Image& image, double sigmaMm) {
  return core::translateItkErrors(core::ErrorCode::Internal, "lesion segmentation: gradient", [&] {
    auto filter = itk::GradientMagnitudeRecursiveGaussianImageFilter<FloatItk, FloatItk>::New();
    filter->SetInput(core::toItk(image));
    filter->SetSigma(sigmaMm);
    filter->Update();
    return core::fromItk<float>(*filter->GetOutput());
  });
}

// Marker-based watershed (Meyer's flooding): unlabelled voxels (0) take the label of the marker whose flood reaches
// them first when the level rises through `cost`; 6-neighbours, ties first come first served.
void floodFromMarkers(std::vector<std::uint8_t>& labels, const std::vector<float>& cost, const core::Size3& n) {
  struct Item {
    float level;
    std::uint64_t order;
    std::size_t voxel;
    bool operator>(const Item& o) const { return level != o.level ? level > o.level : order > o.order; }
  };
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue;
  std::uint64_t order = 0;
  const std::size_t nx = n[0], nxy = n[0] * n[1];
  auto neighbours = [&](std::size_t v, auto&& f) {
    const std::size_t i = v % nx, j = (v / nx) % n[1], k = v / nxy;
    if (i > 0)
      f(v - 1);
    if (i + 1 < n[0])
      f(v + 1);
    if (j > 0)
      f(v - nx);
    if (j + 1 < n[1])
      f(v + nx);
    if (k > 0)
      f(v - nxy);
    if (k + 1 < n[2])
      f(v + nxy);
  };
  for (std::size_t v = 0; v < labels.size(); ++v)
    if (labels[v])
      queue.push({cost[v], order++, v});
  while (!queue.empty()) {
    const Item item = queue.top();
    queue.pop();
    neighbours(item.voxel, [&](std::size_t u) {
      if (labels[u])
        return;
      labels[u] = labels[item.voxel];
      queue.push({std::max(item.level, cost[u]), order++, u});
    });
  }
}

LesionClickResult segmentFromSeed(const core::Image& image, const core::Vec3& clickLps,
                                  const LesionClickOptions& options, core::Progress* progress) {
  const core::Vec3 clickIndex = image.geometry.lpsToIndex(clickLps);
  if (image.empty() || !image.geometry.contains(clickIndex))
    throw core::Error(core::ErrorCode::InvalidArgument,
                      "click " + core::formatVec(clickLps) + " lies outside the image (" +
                          core::describe(image.geometry) + ")",
                      "--click");
  if (options.liver && options.liver->geometry.size != image.geometry.size)
    throw core::Error(core::ErrorCode::InvalidArgument,
                      "the liver mask's grid (" + core::describe(options.liver->geometry) + ") is not the image's (" +
                          core::describe(image.geometry) + ")",
                      "--liver");
  core::reportProgress(progress, "lesion: sampling", 0.0);
  const Crop crop = cropAround(image, clickIndex, options.maxRadiusMm);
  const core::Image sm = smooth(crop.image, options.smoothingMm);
  const auto& g = sm.geometry;
  const std::vector<float> dist = distancesFrom(g, clickLps);

  std::vector<float> near, shell;
  for (std::size_t v = 0; v < dist.size(); ++v) {
    if (dist[v] <= kClickBallMm)
      near.push_back(sm.voxels[v]);
    else if (dist[v] >= kShellInnerFraction * options.maxRadiusMm && dist[v] <= options.maxRadiusMm &&
             sm.voxels[v] > float(kTissueLowHu) && sm.voxels[v] < float(kTissueHighHu))
      shell.push_back(sm.voxels[v]);
  }
  if (near.empty() || shell.empty())
    throw core::Error(core::ErrorCode::InconsistentData, "no tissue around the click " + core::formatVec(clickLps),
                      "--click");
  LesionClickResult result;
  result.lesionHu = robustStats(near).median;
  result.surroundingHu = histogramMode(shell, kTissueLowHu, kTissueHighHu, 5.0);
  std::vector<float> aroundMode;
  for (const float v : shell)
    if (std::fabs(v - result.surroundingHu) < 40.0)
      aroundMode.push_back(v - float(result.surroundingHu));
  std::vector<float> absDev = aroundMode;
  for (auto& v : absDev)
    v = std::fabs(v);
  std::nth_element(absDev.begin(), absDev.begin() + long(absDev.size() / 2), absDev.end());
  const double spread = absDev.empty() ? 10.0 : std::max(5.0, 1.4826 * absDev[absDev.size() / 2]);
  result.hypodense = result.lesionHu < result.surroundingHu;
  const double mid = 0.5 * (result.lesionHu + result.surroundingHu);
  result.thresholdHu = result.hypodense ? std::max(mid, result.surroundingHu - options.toleranceSd * spread)
                                        : std::min(mid, result.surroundingHu + options.toleranceSd * spread);
  if (std::fabs(result.lesionHu - result.surroundingHu) < 2.0 * spread)
    throw core::Error(core::ErrorCode::InconsistentData,
                      "the click " + core::formatVec(clickLps) + " is not in a lesion: its intensity (" +
                          std::to_string(int(result.lesionHu)) + " HU) is that of the surrounding tissue (" +
                          std::to_string(int(result.surroundingHu)) + " HU)",
                      "--click");
  core::reportProgress(progress, "lesion: growing", 0.4);

  // The lesion is what differs from the surrounding tissue: on the lesion's side of the threshold, and also far on
  // the other side (calcification or an enhancing rim inside a hypodense lesion; a necrotic core in a hyperdense one).
  const double farSide = result.hypodense ? result.surroundingHu + std::max(60.0, 4.0 * spread)
                                          : result.surroundingHu - std::max(60.0, 4.0 * spread);
  core::Mask candidate(g, 0);
  for (std::size_t v = 0; v < dist.size(); ++v) {
    const float x = sm.voxels[v];
    const bool side = result.hypodense ? ((x < result.thresholdHu && x > -100.0f) || x > farSide)
                                       : (x > result.thresholdHu || (x < farSide && x > -100.0f));
    candidate.voxels[v] = (side && dist[v] <= options.maxRadiusMm) ? 1 : 0;
  }
  const core::Mask opened = openMm(candidate, options.openingRadiusMm);
  const Components comps = connectedComponents(opened);
  const core::Vec3 localClick =
      core::sub(clickIndex, core::Vec3{double(crop.box.lo[0]), double(crop.box.lo[1]), double(crop.box.lo[2])});
  const std::size_t clickVoxel =
      sm.linearIndex(std::size_t(std::lround(localClick[0])), std::size_t(std::lround(localClick[1])),
                     std::size_t(std::lround(localClick[2])));
  std::uint32_t label = comps.labels[clickVoxel];
  if (label == 0) { // click on a thin part the opening removed: the nearest component within the click ball
    double best = kClickBallMm;
    for (std::size_t v = 0; v < dist.size(); ++v)
      if (comps.labels[v] && dist[v] <= best) {
        best = dist[v];
        label = comps.labels[v];
      }
  }
  if (label == 0)
    throw core::Error(core::ErrorCode::InconsistentData,
                      "no lesion grows from the click " + core::formatVec(clickLps) + " (too small or too faint)",
                      "--click");
  const core::Mask region = componentMask(comps, g, label);

  // Lesion marker: the region eroded in proportion to the click's depth in it, so that leaks through bridges
  // narrower than the erosion drop off, limited to a ball around the click; the part nearest the click.
  const auto outsideDist = distanceToMaskMm(complement(region));
  double clickDepth = 0.0;
  for (std::size_t v = 0; v < dist.size(); ++v)
    if (dist[v] <= kClickBallMm)
      clickDepth = std::max(clickDepth, double(outsideDist[v]));
  const double erosion = std::clamp(kMarkerErosionFraction * clickDepth, 1.0, kMarkerMaxErosionMm);
  core::Mask marker(g, 0);
  for (std::size_t v = 0; v < dist.size(); ++v)
    marker.voxels[v] = (outsideDist[v] > erosion && dist[v] <= kMarkerBallDepths * clickDepth) ? 1 : 0;
  marker = partNearest(marker, dist);
  for (std::size_t v = 0; v < dist.size(); ++v)
    if (dist[v] <= kClickMarkerMm)
      marker.voxels[v] = 1;

  // Background marker: outside the sphere, fat and air, and tissue that looks like the surrounding parenchyma a few
  // mm beyond the lesion marker. Unlabelled voxels go to whichever marker's flood over the gradient magnitude
  // reaches them first: the boundary settles on the strongest edge between the two.
  const auto markerDist = distanceToMaskMm(marker);
  const core::Image light = smooth(crop.image, kLightSigmaMm);
  core::Mask fatAir(g, 0);
  for (std::size_t v = 0; v < dist.size(); ++v)
    fatAir.voxels[v] = light.voxels[v] < kFatHu ? 1 : 0;
  std::vector<std::uint8_t> labels(dist.size(), 0);
  for (std::size_t v = 0; v < dist.size(); ++v) {
    if (marker.voxels[v])
      labels[v] = 1;
    else if (dist[v] > options.maxRadiusMm || fatAir.voxels[v] ||
             (std::fabs(sm.voxels[v] - result.surroundingHu) < spread && markerDist[v] > erosion + kParenchymaGapMm))
      labels[v] = 2;
  }
  floodFromMarkers(labels, gradientMagnitude(crop.image, kGradientSigmaMm).voxels, g.size);
  core::Mask lesion(g, 0);
  for (std::size_t v = 0; v < dist.size(); ++v)
    lesion.voxels[v] = labels[v] == 1 ? 1 : 0;
  lesion = largestComponent(lesion);
  core::reportProgress(progress, "lesion: rim", 0.7);

  // Strips leaving a round lesion are cut by an opening scaled to it (of the radius of the sphere of equal volume).
  const core::Mask rounded = openMm(lesion, kShapeOpeningFraction * equivalentRadiusMm(lesion));
  if (core::countNonZero(rounded) > 0)
    lesion = partNearest(rounded, dist);

  // Rim (see kRimSigmaMm; its length is the options' rimMm, or liverRimMm with a liver), then the slice-wise convex
  // hulls in all three planes, without fat and air and the wall band beside them.
  const core::Image sm2 = smooth(crop.image, kRimSigmaMm);
  std::vector<float> tissueValues;
  for (std::size_t v = 0; v < dist.size(); ++v)
    if (labels[v] == 2 && dist[v] <= options.maxRadiusMm && std::fabs(sm2.voxels[v] - result.surroundingHu) < 40.0)
      tissueValues.push_back(sm2.voxels[v]);
  const double tissueSpread = robustStats(tissueValues).spread;
  const double delta =
      std::max(kRimContrastFraction * std::fabs(result.surroundingHu - result.lesionHu), kRimSd * tissueSpread);
  const auto fatDist = distanceToMaskMm(fatAir);
  const auto lesionDist = distanceToMaskMm(lesion);
  // Thin dark planes (a fat plane filling part of a slice, pericardial fat) mark where an organ wall begins.
  const core::Mask valley = thinDarkPlanes(light, kValleyMarginHu, kValleyReachMm, result.surroundingHu);
  // With a liver, the lesion stays within it (plus a tolerance for an automatic liver's misses at a tumour on its
  // edge): neighbouring organs nearly as dense as the rim cannot be reached, so the rim may be longer. The rim's
  // reference is then the liver's own parenchyma around the lesion rather than the mode of the whole shell (heart,
  // spleen, a differently enhancing segment): a rim stops where this liver is back to normal. A click off the
  // liver (an exophytic lesion, a liver that missed it) ignores the liver.
  double rimMm = options.rimMm;
  double rimReferenceHu = result.surroundingHu;
  core::Mask inLiver(g, 1);
  if (options.liver) {
    const auto liverDist = distanceToMaskMm(core::crop(*options.liver, crop.box));
    if (liverDist[clickVoxel] <= options.liverToleranceMm) {
      for (std::size_t v = 0; v < dist.size(); ++v)
        inLiver.voxels[v] = liverDist[v] <= options.liverToleranceMm ? 1 : 0;
      rimMm = options.liverRimMm;
      std::vector<float> parenchyma;
      for (std::size_t v = 0; v < dist.size(); ++v)
        if (inLiver.voxels[v] && lesionDist[v] > kLocalParenchymaMinMm && lesionDist[v] <= kLocalParenchymaMaxMm &&
            std::fabs(sm2.voxels[v] - result.surroundingHu) < 40.0)
          parenchyma.push_back(sm2.voxels[v]);
      if (!parenchyma.empty())
        rimReferenceHu = robustStats(parenchyma).median;
    }
  }
  core::Mask allowed(g, 0);
  for (std::size_t v = 0; v < dist.size(); ++v) {
    const double x = sm2.voxels[v];
    const bool departs = result.hypodense ? x < rimReferenceHu - delta : x > rimReferenceHu + delta;
    const bool far = result.hypodense ? sm.voxels[v] > farSide : sm.voxels[v] < farSide;
    const bool tissue = departs && !valley.voxels[v] && x > kFatHu && fatDist[v] > kWallMm;
    allowed.voxels[v] =
        (tissue || far) && inLiver.voxels[v] && lesionDist[v] <= rimMm && dist[v] <= options.maxRadiusMm ? 1 : 0;
  }
  lesion = geodesicDilate(lesion, maskOr(allowed, lesion), std::numeric_limits<int>::max());
  // A lesion's outline is convex where a part of it (necrosis, a viable rim nearly as dense as the parenchyma) departs
  // too little to be grown: every slice in each plane is filled to its convex hull.
  for (int axis : {2, 1, 0})
    lesion = maskOr(lesion, convexHullPerSlice(lesion, axis));
  for (std::size_t v = 0; v < dist.size(); ++v)
    if (fatAir.voxels[v] || !inLiver.voxels[v] || (valley.voxels[v] && labels[v] != 1) ||
        (fatDist[v] <= kWallMm && !allowed.voxels[v] && labels[v] != 1))
      lesion.voxels[v] = 0;
  core::reportProgress(progress, "lesion: filling", 0.9);
  lesion = fillHolesPerSlice(fillHoles3d(largestComponent(lesion)));

  result.mask = core::Mask(image.geometry, 0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        if (lesion.at(i, j, k))
          result.mask.at(i + crop.box.lo[0], j + crop.box.lo[1], k + crop.box.lo[2]) = 1;
  result.volumeMl = core::maskVolumeMl(result.mask);
  core::reportProgress(progress, "lesion: done", 1.0);
  return result;
}

// Seeds spread over a first result: its centroid and the points kReseedFraction of its equivalent radius away along
// each axis that lie inside it (LPS mm).
std::vector<core::Vec3> reseedPoints(const core::Mask& first) {
  const auto& g = first.geometry;
  const core::Vec3 centre = centroidLps(first);
  const double step = kReseedFraction * equivalentRadiusMm(first);
  std::vector<core::Vec3> seeds{centre};
  for (int axis = 0; axis < 3; ++axis)
    for (const double sign : {-1.0, 1.0}) {
      core::Vec3 p = centre;
      p[axis] += sign * step;
      const core::Vec3 index = g.lpsToIndex(p);
      if (g.contains(index) && first.at(std::size_t(std::lround(index[0])), std::size_t(std::lround(index[1])),
                                        std::size_t(std::lround(index[2]))))
        seeds.push_back(p);
    }
  return seeds;
}

} // namespace

LesionClickResult segmentLesionFromClick(const core::Image& image, const core::Vec3& clickLps,
                                         const LesionClickOptions& options, core::Progress* progress) {
  core::SubProgress firstProgress(progress, 0.0, options.reseed ? 0.2 : 1.0);
  LesionClickResult result = segmentFromSeed(image, clickLps, options, &firstProgress);
  if (!options.reseed || core::countNonZero(result.mask) == 0)
    return result;
  // The outline from one seed depends on where the seed is (the intensities sampled around it, the lesion marker
  // grown from it): the same lesion clicked elsewhere gave Dice 0.836-0.861 against one manual mask. Seeds spread
  // over the first result vote, and a voxel is lesion when at least half the runs say so, which makes the result
  // nearly independent of the click. A seed that finds no lesion (on a septum, a calcification) does not vote.
  const std::vector<core::Vec3> seeds = reseedPoints(result.mask);
  std::vector<std::uint8_t> votes(result.mask.voxels.size(), 0);
  int voters = 0;
  std::mutex votesMutex;
  core::SubProgress seedProgress(progress, 0.2, 1.0);
  core::parallelFor(seeds.size(), 0, &seedProgress, "lesion: re-seeding", [&](std::size_t s) {
    core::Mask run;
    try {
      run = segmentFromSeed(image, seeds[s], options, nullptr).mask;
    } catch (const core::Error& e) {
      if (e.code() != core::ErrorCode::InconsistentData)
        throw;
      return;
    }
    const core::IndexBox box = core::boundingBox(run);
    const std::lock_guard<std::mutex> lock(votesMutex);
    ++voters;
    if (box.empty)
      return;
    for (std::size_t k = box.lo[2]; k <= box.hi[2]; ++k)
      for (std::size_t j = box.lo[1]; j <= box.hi[1]; ++j)
        for (std::size_t i = box.lo[0]; i <= box.hi[0]; ++i) {
          const std::size_t v = run.linearIndex(i, j, k);
          votes[v] = std::uint8_t(votes[v] + run.voxels[v]);
        }
  });
  if (voters == 0)
    return result;
  for (std::size_t v = 0; v < votes.size(); ++v)
    result.mask.voxels[v] = 2 * int(votes[v]) >= voters ? 1 : 0;
  result.volumeMl = core::maskVolumeMl(result.mask);
  return result;
}

} // namespace vestige::segmentation
