#include "vestige/segmentation/lesion_segmentation.h"

#include "intensity_stats.h"
#include "vestige/segmentation/mask_ops.h"

#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"

#include <itkMatrix.h>
#include <itkSmoothingRecursiveGaussianImageFilter.h>

#include <algorithm>
#include <cmath>

namespace vestige::segmentation {

namespace {

using namespace detail;
using FloatItk = itk::Image<float, 3>;

constexpr double kClickBallMm = 4.0;        // lesion intensity is sampled this close to the click
constexpr double kShellInnerFraction = 0.6; // surrounding tissue: the sphere's outer shell
constexpr double kMaxGapAlongRayMm = 2.0;   // star shape: a voxel must be seen from the click through the lesion
constexpr double kShapeOpeningFraction = 0.25;
// Surrounding parenchyma is denser than water and fluid-filled neighbours (stomach, gallbladder, cysts).
constexpr double kTissueLowHu = 20.0;
constexpr double kTissueHighHu = 300.0;
// Radiologists outline a lesion up to where it meets normal tissue: the transition zone (partial volume, an
// enhancing or oedematous rim) is added where it still departs from the parenchyma by half an SD, up to this far.
constexpr double kRimMm = 5.0;
constexpr double kRimSd = 0.5;
// The lesion stays within its moment ellipsoid, scaled by this (+ the rim).
constexpr double kEllipsoidScale = 1.1;

struct Crop {
  core::Image image;
  core::Size3 offset{0, 0, 0};
};

Crop cropAround(const core::Image& image, const core::Vec3& centreIndex, double radiusMm) {
  const auto& g = image.geometry;
  core::IndexBox box;
  box.empty = false;
  for (int a = 0; a < 3; ++a) {
    const long r = long(std::ceil(radiusMm / g.spacingMm[a])) + 1;
    const long centre = std::lround(centreIndex[a]);
    box.lo[a] = std::size_t(std::max(0L, centre - r));
    box.hi[a] = std::size_t(std::min(long(g.size[a]) - 1, centre + r));
  }
  return {core::crop(image, box), box.lo};
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

// Keeps the voxels of `region` that the click sees through `candidate` (gaps up to kMaxGapAlongRayMm allowed):
// a lesion is nearly star-shaped around any point of its inner half, a leak through a thin bridge is not.
core::Mask visibleFrom(const core::Mask& region, const core::Mask& candidate, const core::Vec3& clickIndex) {
  const auto& g = region.geometry;
  core::Mask out(g, 0);
  const double minSpacing = *std::min_element(g.spacingMm.begin(), g.spacingMm.end());
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v) {
        if (!region.voxels[v])
          continue;
        const core::Vec3 target{double(i), double(j), double(k)};
        const core::Vec3 delta = core::sub(target, clickIndex);
        core::Vec3 deltaMm{};
        for (int a = 0; a < 3; ++a)
          deltaMm[a] = delta[a] * g.spacingMm[a];
        const double lengthMm = core::norm(deltaMm);
        const int steps = std::max(1, int(std::ceil(lengthMm / (0.5 * minSpacing))));
        const double stepMm = lengthMm / steps;
        double gapMm = 0.0;
        bool visible = true;
        for (int s = 1; s < steps && visible; ++s) {
          const core::Vec3 p = core::add(clickIndex, core::scale(delta, double(s) / steps));
          const bool inside = candidate.at(std::size_t(std::lround(p[0])), std::size_t(std::lround(p[1])),
                                           std::size_t(std::lround(p[2])));
          gapMm = inside ? 0.0 : gapMm + stepMm;
          visible = gapMm <= kMaxGapAlongRayMm;
        }
        out.voxels[v] = visible ? 1 : 0;
      }
  return out;
}

// The solid ellipsoid with the mask's centroid and second moments (semi-axis = sqrt(5 x eigenvalue)).
struct Ellipsoid {
  core::Vec3 centre{};
  double inverseShape[3][3] = {}; // (x-c)^T M (x-c) <= 1 inside
};

Ellipsoid momentEllipsoid(const core::Mask& m) {
  const auto& g = m.geometry;
  std::vector<core::Vec3> pts;
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v)
        if (m.voxels[v])
          pts.push_back(g.indexToLps({double(i), double(j), double(k)}));
  Ellipsoid e;
  if (pts.size() < 10)
    return e;
  for (const auto& p : pts)
    e.centre = core::add(e.centre, core::scale(p, 1.0 / double(pts.size())));
  itk::Matrix<double, 3, 3> cov;
  cov.Fill(0.0);
  for (const auto& p : pts)
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b)
        cov[a][b] += (p[a] - e.centre[a]) * (p[b] - e.centre[b]) / double(pts.size());
  // Solid ellipsoid: covariance = A / 5 with A = semi-axes^2 along the principal axes, so M = (5 cov)^-1.
  const auto inverse = (cov * 5.0).GetInverse();
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b)
      e.inverseShape[a][b] = inverse[a][b];
  return e;
}

// Keeps voxels inside the ellipsoid scaled by `scale` and widened by marginMm: leaks leave a round lesion's shape.
core::Mask clipToEllipsoid(const core::Mask& m, const Ellipsoid& e, double scale, double marginMm) {
  const auto& g = m.geometry;
  core::Mask out = m;
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v) {
        if (!m.voxels[v])
          continue;
        const core::Vec3 d = core::sub(g.indexToLps({double(i), double(j), double(k)}), e.centre);
        const double r = core::norm(d);
        if (r <= marginMm)
          continue;
        // Point on the ray at marginMm closer to the centre must lie inside the scaled ellipsoid.
        const core::Vec3 q = core::scale(d, (r - marginMm) / r);
        double quad = 0.0;
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b)
            quad += q[a] * e.inverseShape[a][b] * q[b];
        out.voxels[v] = quad <= scale * scale ? 1 : 0;
      }
  return out;
}

} // namespace

LesionClickResult segmentLesionFromClick(const core::Image& image, const core::Vec3& clickLps,
                                         const LesionClickOptions& options, core::Progress* progress) {
  const core::Vec3 clickIndex = image.geometry.lpsToIndex(clickLps);
  if (image.empty() || !image.geometry.contains(clickIndex))
    throw core::Error(core::ErrorCode::InvalidArgument,
                      "click " + core::formatVec(clickLps) + " lies outside the image (" +
                          core::describe(image.geometry) + ")",
                      "--click");
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
      core::sub(clickIndex, core::Vec3{double(crop.offset[0]), double(crop.offset[1]), double(crop.offset[2])});
  std::uint32_t label =
      comps.labels[sm.linearIndex(std::size_t(std::lround(localClick[0])), std::size_t(std::lround(localClick[1])),
                                  std::size_t(std::lround(localClick[2])))];
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
  core::Mask lesion = componentMask(comps, g, label);
  lesion = largestComponent(visibleFrom(lesion, candidate, localClick));
  // Strips leaving a round lesion (into a vessel, the stomach wall) are cut by an opening scaled to the lesion:
  // a quarter of the radius of the sphere of the same volume.
  const double equivalentRadiusMm =
      std::cbrt(3.0 * double(core::countNonZero(lesion)) * g.voxelVolumeMm3() / (4.0 * 3.14159265358979));
  const double shapeOpeningMm = std::max(options.openingRadiusMm, kShapeOpeningFraction * equivalentRadiusMm);
  if (shapeOpeningMm > options.openingRadiusMm) {
    const core::Mask rounded = openMm(lesion, shapeOpeningMm);
    const Components parts = connectedComponents(rounded);
    if (parts.sizes.size() > 1)
      lesion = largestComponent(rounded);
  }
  core::reportProgress(progress, "lesion: filling", 0.8);
  core::Mask rim(g, 0);
  for (std::size_t v = 0; v < dist.size(); ++v) {
    const double x = sm.voxels[v];
    const bool departs =
        result.hypodense ? x < result.surroundingHu - kRimSd * spread : x > result.surroundingHu + kRimSd * spread;
    rim.voxels[v] = (departs && dist[v] <= options.maxRadiusMm) ? 1 : 0;
  }
  const double minSpacing = *std::min_element(g.spacingMm.begin(), g.spacingMm.end());
  const Ellipsoid shape = momentEllipsoid(lesion);
  lesion = geodesicDilate(lesion, maskOr(rim, lesion), int(std::lround(kRimMm / minSpacing)));
  lesion = clipToEllipsoid(lesion, shape, kEllipsoidScale, kRimMm);
  const double voxel = *std::max_element(g.spacingMm.begin(), g.spacingMm.end());
  lesion = maskOr(lesion, closeMm(lesion, 2.0 * voxel));
  lesion = fillHolesPerSlice(fillHoles3d(lesion));

  result.mask = core::Mask(image.geometry, 0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        if (lesion.at(i, j, k))
          result.mask.at(i + crop.offset[0], j + crop.offset[1], k + crop.offset[2]) = 1;
  result.volumeMl = core::maskVolumeMl(result.mask);
  core::reportProgress(progress, "lesion: done", 1.0);
  return result;
}

} // namespace vestige::segmentation
