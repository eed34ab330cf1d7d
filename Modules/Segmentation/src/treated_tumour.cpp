#include "treated_tumour.h"

#include "intensity_stats.h"
#include "vestige/segmentation/mask_ops.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vestige::segmentation::detail {

namespace {

// Tissue, as opposed to fat and air.
constexpr double kTissueLowHu = -30.0;
constexpr double kMaxSpeckMl = 1.0;
// Specks closer than twice this belong to one treated mass.
constexpr double kSpeckCloudClosingMm = 10.0;
// A treated mass reaches at least this far into the parenchyma found so far, and is no speck of calcification.
constexpr double kMinTreatedInLiverMl = 1.0;
constexpr double kMinTreatedTumourMl = 20.0;
// A treated mass (necrosis, viable tumour, lipiodol's partial volume) is on the whole about as dense as parenchyma;
// a cloud of dense specks around a much brighter region is contrast: oral contrast in the stomach, whose bright
// contents break into specks at its edges, or blood. Median of the hull without dense voxels minus the parenchyma's
// median, measured on HCC_009: follow-up series 105 +16 HU and 107 -19 HU (treated mass), baseline series 103
// +91 HU (stomach with oral contrast, taken as a treated mass without this test).
constexpr double kMaxTreatedAboveParenchymaHu = 50.0;
// The hull of the specks misses the treated mass's speck-free edges and lower pole: tumour tissue (unenhanced or
// necrotic), denser than fluid (bile, stomach and bowel contents, 0-20 HU) and not brighter than parenchyma.
constexpr double kMassLowHu = 30.0;
// How far from the hull those edges are sought: about the gap the speck cloud bridges (twice its closing radius)
// plus a few mm; 50 mm reaches into the stomach wall and the heart.
constexpr double kMassReachMm = 25.0;
// Opening that cuts the abdominal wall muscles and thin bands of stomach or bowel wall from the mass.
constexpr double kMassOpeningMm = 5.0;
// Enclosure test: rays in the 26 neighbour directions, through tissue, meet the liver or the mass within this
// distance in at least this fraction of directions (8 of 26: a voxel against the liver on one side only passes,
// one that sticks out into fat or bowel does not). Repeated, each round counting what the last one took as mass, so
// that a rim fills from the hull outwards. More rounds fill a rim that bulges far out of the liver
// (an earlier synthetic scene: 81 % of the mass with 3 rounds, 99.6 % with 6) but creep along sheets of tissue: 6
// rounds took 77 mL of enhancing stomach wall on HCC_009's other follow-up series (107, parenchyma 130 HU) and 11 mL of
// abdominal wall on series 105.
constexpr double kEnclosureRayMm = 40.0;
constexpr double kMinEnclosedFraction = 0.3;
constexpr int kEnclosureRounds = 3;

// Fraction of the 26 neighbour directions in which a ray from voxel v, through tissue (not fat or air), meets `known`
// within maxMm.
double enclosedFraction(const core::Image& image, const core::Mask& known, std::size_t v, double maxMm) {
  const auto& g = image.geometry;
  const long nx = long(g.size[0]), ny = long(g.size[1]), nz = long(g.size[2]);
  const long i0 = long(v % g.size[0]), j0 = long((v / g.size[0]) % g.size[1]), k0 = long(v / (g.size[0] * g.size[1]));
  int hits = 0, rays = 0;
  for (int dk = -1; dk <= 1; ++dk)
    for (int dj = -1; dj <= 1; ++dj)
      for (int di = -1; di <= 1; ++di) {
        if (!di && !dj && !dk)
          continue;
        ++rays;
        const double stepMm =
            std::sqrt(di * di * g.spacingMm[0] * g.spacingMm[0] + dj * dj * g.spacingMm[1] * g.spacingMm[1] +
                      dk * dk * g.spacingMm[2] * g.spacingMm[2]);
        const long steps = long(maxMm / stepMm);
        long i = i0, j = j0, k = k0;
        for (long s = 0; s < steps; ++s) {
          i += di;
          j += dj;
          k += dk;
          if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz)
            break;
          const std::size_t u = std::size_t((k * ny + j) * nx + i);
          if (known.voxels[u]) {
            ++hits;
            break;
          }
          if (image.voxels[u] <= kTissueLowHu)
            break;
        }
      }
  return double(hits) / double(rays);
}

// The treated mass's speck-free edges and lower pole: tumour-density tissue near the hull, connected to it once thin
// bands are cut, and enclosed by the liver and the mass rather than sticking out into neighbouring organs.
core::Mask treatedMassEdges(const core::Image& image, const core::Mask& body, const core::Mask& liver,
                            const core::Mask& hull, const LiverIntensityModel& model) {
  core::Mask known = maskOr(liver, hull);
  const auto toHull = distanceToMaskMm(hull);
  core::Mask candidates(image.geometry, 0);
  for (std::size_t v = 0; v < candidates.voxels.size(); ++v)
    candidates.voxels[v] = body.voxels[v] && !known.voxels[v] && toHull[v] <= kMassReachMm &&
                                   image.voxels[v] > kMassLowHu && image.voxels[v] < model.upperHu
                               ? 1
                               : 0;
  candidates = openMm(candidates, kMassOpeningMm);
  const int anyDistance = int(image.geometry.size[0] + image.geometry.size[1] + image.geometry.size[2]);
  candidates = maskAnd(geodesicDilate(hull, maskOr(candidates, hull), anyDistance), candidates);
  core::Mask edges(image.geometry, 0);
  for (int round = 0; round < kEnclosureRounds; ++round) {
    std::vector<std::size_t> enclosed;
    for (std::size_t v = 0; v < candidates.voxels.size(); ++v)
      if (candidates.voxels[v] && !edges.voxels[v] &&
          enclosedFraction(image, known, v, kEnclosureRayMm) >= kMinEnclosedFraction)
        enclosed.push_back(v);
    if (enclosed.empty())
      break;
    for (const std::size_t v : enclosed)
      edges.voxels[v] = known.voxels[v] = 1;
  }
  return edges;
}

} // namespace

// Lipiodol (iodised oil) left in a tumour by chemo-embolisation (TACE) shows as dense specks scattered through the
// treated, partly necrotic mass, which neither enhances like parenchyma nor fits in an outline closing. A cloud of
// specks that reaches into the liver marks that mass; its convex hull (per axial and coronal slice: tumours are
// round) counts as liver, as every tumour does for volumetry, and so do the mass's speck-free edges around it.
core::Mask treatedTumour(const core::Image& image, const core::Image& denseFrac, const core::Mask& body,
                         const core::Mask& liver, const LiverIntensityModel& model) {
  const core::Mask dense = maskAnd(thresholdMask(denseFrac, 0.0, 2.0), body);
  const Components parts = connectedComponents(dense);
  const double voxelMl = image.geometry.voxelVolumeMm3() * 1e-3;
  // Bone and contrast-filled vessels are dense too, but they form large connected structures; specks are small.
  core::Mask specks(image.geometry, 0);
  for (std::size_t v = 0; v < dense.voxels.size(); ++v)
    specks.voxels[v] = parts.labels[v] && double(parts.sizes[parts.labels[v]]) * voxelMl < kMaxSpeckMl ? 1 : 0;
  const core::Mask tissue = thresholdMask(image, kTissueLowHu, 1e9);
  const core::Mask cloud = maskAnd(closeMm(specks, kSpeckCloudClosingMm), tissue);
  const Components clusters = connectedComponents(cloud);
  std::vector<std::size_t> inLiver(clusters.sizes.size(), 0);
  for (std::size_t v = 0; v < cloud.voxels.size(); ++v)
    if (liver.voxels[v])
      ++inLiver[clusters.labels[v]];
  core::Mask treated(image.geometry, 0);
  for (std::size_t v = 0; v < cloud.voxels.size(); ++v) {
    const auto l = clusters.labels[v];
    treated.voxels[v] = l && double(inLiver[l]) * voxelMl > kMinTreatedInLiverMl &&
                                double(clusters.sizes[l]) * voxelMl > kMinTreatedTumourMl
                            ? 1
                            : 0;
  }
  // Axial and coronal hulls together come closer to the mass's 3D hull than either alone.
  const core::Mask hull = maskAnd(maskOr(convexHullPerSlice(treated, 2), convexHullPerSlice(treated, 1)), tissue);
  std::vector<float> hullValues;
  for (std::size_t v = 0; v < hull.voxels.size(); ++v)
    if (hull.voxels[v] && !dense.voxels[v])
      hullValues.push_back(image.voxels[v]);
  if (hullValues.empty() || robustStats(hullValues).median > model.medianHu + kMaxTreatedAboveParenchymaHu)
    return core::Mask(image.geometry, 0);
  return maskOr(hull, treatedMassEdges(image, body, liver, hull, model));
}

} // namespace vestige::segmentation::detail
