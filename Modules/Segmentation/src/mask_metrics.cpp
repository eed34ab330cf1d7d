#include "vestige/segmentation/mask_metrics.h"

#include "vestige/segmentation/mask_ops.h"

#include "vestige/core/error.h"

#include <algorithm>
#include <cmath>

namespace vestige::segmentation {

namespace {

// Voxels of the mask with a 6-neighbour outside it (or on the volume's border).
core::Mask surfaceOf(const core::Mask& m) {
  const auto& n = m.geometry.size;
  core::Mask s(m.geometry, 0);
  for (std::size_t k = 0; k < n[2]; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (!m.at(i, j, k))
          continue;
        const bool border = i == 0 || j == 0 || k == 0 || i + 1 == n[0] || j + 1 == n[1] || k + 1 == n[2];
        s.at(i, j, k) = (border || !m.at(i - 1, j, k) || !m.at(i + 1, j, k) || !m.at(i, j - 1, k) ||
                         !m.at(i, j + 1, k) || !m.at(i, j, k - 1) || !m.at(i, j, k + 1))
                            ? 1
                            : 0;
      }
  return s;
}

} // namespace

MaskComparison compareMasks(const core::Mask& test, const core::Mask& reference) {
  if (!core::sameGrid(test.geometry, reference.geometry))
    throw core::Error(core::ErrorCode::InconsistentData,
                      "masks on different grids: " + core::describe(test.geometry) + " vs " +
                          core::describe(reference.geometry),
                      "mask comparison");
  MaskComparison c;
  std::size_t a = 0, b = 0, both = 0;
  for (std::size_t v = 0; v < test.voxels.size(); ++v) {
    a += test.voxels[v] != 0;
    b += reference.voxels[v] != 0;
    both += (test.voxels[v] && reference.voxels[v]);
  }
  c.testVolumeMl = core::maskVolumeMl(test);
  c.referenceVolumeMl = core::maskVolumeMl(reference);
  c.dice = (a + b) ? 2.0 * double(both) / double(a + b) : 1.0;
  c.volumeErrorFraction = b ? (double(a) - double(b)) / double(b) : 0.0;
  if (a == 0 || b == 0)
    return c;
  const core::Mask sa = surfaceOf(test), sb = surfaceOf(reference);
  const auto da = distanceToMaskMm(sa), db = distanceToMaskMm(sb);
  std::vector<float> all;
  for (std::size_t v = 0; v < sa.voxels.size(); ++v) {
    if (sa.voxels[v])
      all.push_back(db[v]);
    if (sb.voxels[v])
      all.push_back(da[v]);
  }
  double sum = 0.0;
  for (const float d : all)
    sum += d;
  c.meanSurfaceDistanceMm = sum / double(all.size());
  const auto p95 = all.begin() + long(0.95 * double(all.size() - 1));
  std::nth_element(all.begin(), p95, all.end());
  c.hausdorff95Mm = *p95;
  return c;
}

double longestDiameterMm(const core::Mask& mask) {
  const auto& g = mask.geometry;
  const core::Mask s = surfaceOf(mask);
  std::vector<core::Vec3> points;
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v)
        if (s.voxels[v])
          points.push_back(g.indexToLps({double(i), double(j), double(k)}));
  if (points.size() < 2)
    return 0.0;
  // The diameter's end points are extreme along the diameter's direction: keep the extremes along many directions
  // (a Fibonacci sphere) and compare those pairwise instead of all surface points.
  constexpr int kDirections = 400;
  std::vector<std::size_t> extremes;
  for (int d = 0; d < kDirections; ++d) {
    const double z = 1.0 - (d + 0.5) / kDirections, r = std::sqrt(1.0 - z * z), phi = d * 2.399963229728653;
    const core::Vec3 dir{r * std::cos(phi), r * std::sin(phi), z};
    std::size_t best = 0;
    for (std::size_t p = 1; p < points.size(); ++p)
      if (core::dot(points[p], dir) > core::dot(points[best], dir))
        best = p;
    extremes.push_back(best);
    std::size_t worst = 0;
    for (std::size_t p = 1; p < points.size(); ++p)
      if (core::dot(points[p], dir) < core::dot(points[worst], dir))
        worst = p;
    extremes.push_back(worst);
  }
  std::sort(extremes.begin(), extremes.end());
  extremes.erase(std::unique(extremes.begin(), extremes.end()), extremes.end());
  double best = 0.0;
  for (std::size_t x = 0; x < extremes.size(); ++x)
    for (std::size_t y = x + 1; y < extremes.size(); ++y)
      best = std::max(best, core::distanceMm(points[extremes[x]], points[extremes[y]]));
  return best;
}

core::Vec3 centroidLps(const core::Mask& mask) {
  const auto& g = mask.geometry;
  core::Vec3 sum{0, 0, 0};
  std::size_t n = 0;
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v)
        if (mask.voxels[v]) {
          sum = core::add(sum, core::Vec3{double(i), double(j), double(k)});
          ++n;
        }
  if (n == 0)
    throw core::Error(core::ErrorCode::InconsistentData, "empty mask has no centroid", "mask");
  return g.indexToLps(core::scale(sum, 1.0 / double(n)));
}

} // namespace vestige::segmentation
