#include "vestige/segmentation/liver_segmentation.h"

#include "intensity_stats.h"
#include "treated_tumour.h"
#include "vestige/segmentation/mask_ops.h"

#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"

#include <itkBinShrinkImageFilter.h>
#include <itkMedianImageFilter.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace vestige::segmentation {

namespace {

using namespace detail;
using FloatItk = itk::Image<float, 3>;

constexpr double kPi = 3.14159265358979323846;
// Soft tissue, unenhanced (muscle, steatotic liver: 20-60 HU) to enhanced (liver in the portal phase up to 200 HU),
// in bins narrower than the spread of one organ's voxels (5-10 HU on the working grid).
constexpr double kSoftTissueHistogramLowHu = 0.0;
constexpr double kSoftTissueHistogramHighHu = 250.0;
constexpr double kHistogramBinHu = 5.0;
// An organ's voxels on the working grid lie within about 3 SD (SD 5-10 HU) of its peak; erosion then keeps only
// large solid organs (liver, spleen, kidney; muscle and bowel are thin).
constexpr double kCoreHalfWidthHu = 30.0;
constexpr double kBodyThresholdHu = -400.0;
constexpr double kCoreErosionMm = 8.0;
// Opening radius that cuts the liver from stomach, heart, IVC and kidney where they touch over a thin band.
constexpr double kBridgeRadiusMm = 8.0;
constexpr int kRegrowSteps = 5;
// Tumours and vessels bite into the liver's outline; a large closing restores the outline over them.
constexpr double kOutlineClosingMm = 20.0;
// Below this a working voxel is mostly fat (fat -100 HU, tissue 40+ HU; a 1.5 mm voxel on a fat border mixes both):
// the fat of the hilum and the fissures, which manual masks leave out, is not filled by the closing.
constexpr double kFatMixHu = 20.0;
// Voxels brighter than the parenchyma (vessels) that the outline closing would add are taken only when the liver
// surrounds them: met within kEnclosureReachMm in at least kMinEnclosedDirections of the 26 grid directions.
// Intrahepatic vessels at a bite are; the portal vein at the hilum and the heart above the dome are not.
constexpr double kEnclosureReachMm = 25.0;
constexpr int kMinEnclosedDirections = 22;
constexpr double kFinalClosingMm = 6.0;
// Tissue, as opposed to fat and air.
constexpr double kTissueLowHu = -30.0;
// Lipiodol after TACE: denser than contrast-enhanced blood in any phase but the arterial aorta, found as specks
// (partial volume keeps them near this value even when tiny).
constexpr double kLipiodolHu = 300.0;
// The inferior vena cava (IVC), which manual liver masks leave out, is contrast-filled blood (clearly brighter than
// the parenchyma) that is thick (20-30 mm across, where hepatic veins deep in the liver and smaller vessels are under
// 10 mm), has a vessel's cross-section rather than an organ's per axial slice, runs vertically, and does not end
// inside the liver (it carries on below and above it). Hepatic veins and the portal vein run obliquely. Its
// enhancement is uneven (mixing with unenhanced blood from the kidneys and legs), so 1 SD above the parenchyma's
// median counts as blood: the thickness, cross-section and vertical-run tests keep the parenchyma out (2 SD left a
// third of the IVC of 3D-IRCADb 17 in the liver).
constexpr double kBloodContrastSd = 1.0;
constexpr double kCavaMinRadiusMm = 5.0;
constexpr double kCavaMaxRadiusMm = 20.0;
constexpr double kCavaMinRunMm = 20.0;
constexpr double kCavaMinOutsideFraction = 0.1;
// Partial-volume rim of the vessel wall on the working grid.
constexpr double kCavaMarginMm = 1.5;
// Hypodense tumours at the liver's edge (tissue darker than the parenchyma, not fat) are at least 8 mm thick and the
// liver covers a large part of their surface (on 3D-IRCADb 17 the tumours' missed parts 0.39-0.95); the stomach,
// bowel and muscles, as dark, touch it over a small part of theirs (at most 0.23).
constexpr double kEdgeTumourRadiusMm = 4.0;
constexpr double kMinEdgeTumourContact = 0.3;
// Steps (working voxels) of parenchyma regrown beyond a tumour added at the liver's edge. More steps leak into the
// stomach wall and the heart's muscle, which touch such tumours (3D-IRCADb 17: 3 steps Dice 0.9513 but +2.8 %
// volume, 8 steps 0.9505 and +4.2 %).
constexpr int kBeyondTumourSteps = 2;
// Deepest dome tumour filled between the liver and the lung; the heart, above the left lobe, is taller.
constexpr double kDomeClimbMm = 40.0;
// Halfway between gas (-1000 HU) and lung parenchyma (air mixed with tissue and blood: about -850 HU).
constexpr double kLungParenchymaMinHu = -925.0;
// The diaphragm's dome is smooth over a few centimetres: its height is interpolated on cells of this size.
constexpr double kDiaphragmCellMm = 10.0;

// Voxels are binned by the smallest integer factor that reaches the working spacing (within 5 %): rounding to the
// nearest would leave a 0.98 mm grid at full resolution, four times the work for no gain.
unsigned binFactor(double workingSpacingMm, double spacingMm) {
  return static_cast<unsigned>(std::max(1.0, std::ceil(workingSpacingMm / spacingMm - 0.05)));
}

core::Image binAndDenoise(const core::Image& ct, double workingSpacingMm) {
  return core::translateItkErrors(core::ErrorCode::Internal, "liver segmentation: resampling", [&] {
    auto shrink = itk::BinShrinkImageFilter<FloatItk, FloatItk>::New();
    shrink->SetInput(core::toItk(ct));
    itk::BinShrinkImageFilter<FloatItk, FloatItk>::ShrinkFactorsType factors;
    for (unsigned a = 0; a < 3; ++a)
      factors[a] = binFactor(workingSpacingMm, ct.geometry.spacingMm[a]);
    shrink->SetShrinkFactors(factors);
    auto median = itk::MedianImageFilter<FloatItk, FloatItk>::New();
    median->SetInput(shrink->GetOutput());
    median->SetRadius(1);
    median->Update();
    return core::fromItk<float>(*median->GetOutput());
  });
}

// Fraction of each working-grid voxel's CT voxels above thresholdHu: small dense specks survive binning this way,
// where averaging and the median would erase them.
core::Image denseFraction(const core::Image& ct, double thresholdHu, double workingSpacingMm) {
  core::Image indicator(ct.geometry, 0.0f);
  for (std::size_t v = 0; v < ct.voxels.size(); ++v)
    indicator.voxels[v] = ct.voxels[v] > thresholdHu ? 1.0f : 0.0f;
  return core::translateItkErrors(core::ErrorCode::Internal, "liver segmentation: resampling", [&] {
    auto shrink = itk::BinShrinkImageFilter<FloatItk, FloatItk>::New();
    shrink->SetInput(core::toItk(indicator));
    itk::BinShrinkImageFilter<FloatItk, FloatItk>::ShrinkFactorsType factors;
    for (unsigned a = 0; a < 3; ++a)
      factors[a] = binFactor(workingSpacingMm, ct.geometry.spacingMm[a]);
    shrink->SetShrinkFactors(factors);
    shrink->Update();
    return core::fromItk<float>(*shrink->GetOutput());
  });
}

core::Mask bodyMask(const core::Image& image, const std::optional<core::BoundsLps>& box) {
  core::Mask body = fillHolesPerSlice(largestComponent(thresholdMask(image, kBodyThresholdHu, 1e9)));
  if (box) {
    const auto& g = image.geometry;
    for (std::size_t k = 0; k < g.size[2]; ++k)
      for (std::size_t j = 0; j < g.size[1]; ++j)
        for (std::size_t i = 0; i < g.size[0]; ++i) {
          const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
          bool inside = true;
          for (int a = 0; a < 3; ++a)
            inside = inside && p[a] >= box->min[a] && p[a] <= box->max[a];
          if (!inside)
            body.at(i, j, k) = 0;
        }
  }
  return body;
}

std::vector<core::Vec3> componentCentroidsLps(const Components& c, const core::ImageGeometry& g) {
  std::vector<core::Vec3> sum(c.sizes.size(), core::Vec3{0, 0, 0});
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v)
        if (c.labels[v])
          sum[c.labels[v]] = core::add(sum[c.labels[v]], core::Vec3{double(i), double(j), double(k)});
  for (std::size_t l = 1; l < sum.size(); ++l)
    sum[l] = g.indexToLps(core::scale(sum[l], 1.0 / double(std::max<std::size_t>(c.sizes[l], 1))));
  return sum;
}

std::size_t nearestVoxel(const core::ImageGeometry& g, const core::Vec3& lps, const std::string& what) {
  const core::Vec3 idx = g.lpsToIndex(lps);
  if (!g.contains(idx))
    throw core::Error(core::ErrorCode::InvalidArgument, "point " + core::formatVec(lps) + " lies outside the image",
                      what);
  return g.size[0] * (g.size[1] * std::size_t(std::lround(idx[2])) + std::size_t(std::lround(idx[1]))) +
         std::size_t(std::lround(idx[0]));
}

// Refuses an image whose values are not Hounsfield units (an MR, a CT stored without its rescale): every CT of the
// trunk holds air at -1000 HU (outside the body, lungs, bowel gas) and a body of fat and soft tissue (-150..+250 HU).
// An MR has no negative values near -1000; a CT without its rescale has air near 0 and water near +1000.
void requireHounsfieldUnits(const core::Image& ct) {
  // Every voxel is not needed for a histogram; a prime stride avoids sampling a regular pattern of the grid.
  constexpr std::size_t kStride = 7;
  std::size_t n = 0, air = 0, body = 0;
  for (std::size_t v = 0; v < ct.voxels.size(); v += kStride, ++n) {
    const float hu = ct.voxels[v];
    air += hu >= -1100.0f && hu <= -900.0f ? 1 : 0; // air, with the noise of any CT (tens of HU)
    body += hu >= -150.0f && hu <= 250.0f ? 1 : 0;  // fat to enhanced parenchyma
  }
  const double airFraction = double(air) / double(std::max<std::size_t>(n, 1));
  const double bodyFraction = double(body) / double(std::max<std::size_t>(n, 1));
  // Even a scan cropped to the body holds lung at the dome or gas in the bowel: far more than 1 voxel in 1000. A
  // scan of the abdomen is at least a tenth fat and soft tissue.
  if (airFraction < 1e-3 || bodyFraction < 0.1) {
    std::ostringstream message;
    message.precision(1);
    message << std::fixed << "the image's values are not Hounsfield units (" << 100.0 * airFraction
            << " % of voxels at air's -1000 HU, " << 100.0 * bodyFraction
            << " % at fat or soft tissue): automatic liver segmentation needs a CT in HU, not an MR or a CT stored "
               "without its rescale; give the liver mask instead";
    throw core::Error(core::ErrorCode::Unsupported, message.str(), "liver segmentation");
  }
}

// Lung: air inside the body (the body mask fills the chest per slice) whose parts reach the scan's top slice (the
// thorax goes on above it) and that is aerated tissue rather than gas: lung parenchyma with its vessels lies around
// -850 HU, while gas in the stomach or bowel is air (-1000 HU) and lies below the lungs.
core::Mask lungMask(const core::Image& image, const core::Mask& body, bool up) {
  const auto& g = image.geometry;
  const std::size_t plane = g.size[0] * g.size[1];
  const std::size_t topK = up ? g.size[2] - 1 : 0;
  core::Mask air(g, 0);
  for (std::size_t v = 0; v < air.voxels.size(); ++v)
    air.voxels[v] = body.voxels[v] && image.voxels[v] < kBodyThresholdHu ? 1 : 0;
  const Components parts = connectedComponents(air);
  std::vector<char> reachesTop(parts.sizes.size(), 0);
  for (std::size_t p = 0; p < plane; ++p)
    reachesTop[parts.labels[topK * plane + p]] = 1;
  std::vector<std::vector<float>> values(parts.sizes.size());
  for (std::size_t v = 0; v < air.voxels.size(); ++v)
    if (parts.labels[v] && reachesTop[parts.labels[v]])
      values[parts.labels[v]].push_back(image.voxels[v]);
  std::vector<char> lung(parts.sizes.size(), 0);
  for (std::size_t l = 1; l < parts.sizes.size(); ++l)
    // Halfway between gas (-1000 HU) and lung parenchyma (about -850 HU, -900 in emphysema).
    lung[l] = !values[l].empty() && robustStats(values[l]).median > kLungParenchymaMinHu;
  core::Mask out(g, 0);
  for (std::size_t v = 0; v < air.voxels.size(); ++v)
    out.voxels[v] = lung[parts.labels[v]];
  return out;
}

// The diaphragm as a height per column (LPS z, mm): the liver lies under it, the heart and lungs above it. Where a
// column holds lung, the diaphragm lies under the lung's lowest voxel; elsewhere (under the heart, which sits on the
// diaphragm between the lungs) its height is interpolated smoothly (Laplace's equation, the smoothest surface through
// the known heights) from the columns around. NaN everywhere when the scan holds no lung.
std::vector<double> diaphragmHeightLps(const core::Mask& lung, const core::Mask& coreMask, bool up,
                                       std::vector<std::string>& notes) {
  const auto& g = lung.geometry;
  const std::size_t nx = g.size[0], ny = g.size[1], nz = g.size[2];
  const double z0 = g.indexToLps({0, 0, 0})[2], dz = g.indexToLps({0, 0, 1})[2] - z0;
  std::vector<double> height(nx * ny, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t j = 0; j < ny; ++j)
    for (std::size_t i = 0; i < nx; ++i)
      for (std::size_t kk = 0; kk < nz; ++kk) {
        const std::size_t k = up ? kk : nz - 1 - kk; // from the bottom up
        if (lung.at(i, j, k)) {
          height[j * nx + i] = z0 + dz * double(k);
          break;
        }
      }
  // The diaphragm's highest point is the right dome, over the liver: the lung's base above the liver's core. Lung
  // whose base lies higher (in front of and above the heart) does not rest on the diaphragm; its columns are
  // interpolated like the heart's.
  double domeTop = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t p = 0; p < nx * ny; ++p)
      if (coreMask.voxels[k * nx * ny + p] && !std::isnan(height[p]))
        domeTop = std::isnan(domeTop) ? height[p] : std::max(domeTop, height[p]);
  if (std::isnan(domeTop)) {
    notes.push_back("no lung above the liver: the liver is not bounded by the diaphragm");
    return std::vector<double>(nx * ny, std::numeric_limits<double>::infinity());
  }
  for (auto& h : height)
    if (!std::isnan(h) && h > domeTop)
      h = std::numeric_limits<double>::quiet_NaN();
  notes.push_back("diaphragm dome at z " + std::to_string(int(std::lround(domeTop))) + " mm (LPS), from the lung");
  // Interpolation on a coarse grid (cells of about kDiaphragmCellMm): the diaphragm is smooth at that scale, and
  // Laplace's equation converges in few iterations there.
  const std::size_t f = std::max<std::size_t>(1, std::size_t(std::lround(kDiaphragmCellMm / g.spacingMm[0])));
  const std::size_t cx = (nx + f - 1) / f, cy = (ny + f - 1) / f;
  std::vector<double> coarse(cx * cy, 0.0);
  std::vector<char> known(cx * cy, 0);
  {
    std::vector<double> sum(cx * cy, 0.0);
    std::vector<std::size_t> count(cx * cy, 0);
    for (std::size_t j = 0; j < ny; ++j)
      for (std::size_t i = 0; i < nx; ++i)
        if (!std::isnan(height[j * nx + i])) {
          const std::size_t c = (j / f) * cx + i / f;
          sum[c] += height[j * nx + i];
          ++count[c];
        }
    double mean = 0.0;
    std::size_t nKnown = 0;
    for (std::size_t c = 0; c < cx * cy; ++c)
      if (count[c]) {
        coarse[c] = sum[c] / double(count[c]);
        known[c] = 1;
        mean += coarse[c];
        ++nKnown;
      }
    if (nKnown == 0)
      return height; // unreachable: the dome's columns are known
    mean /= double(nKnown);
    for (std::size_t c = 0; c < cx * cy; ++c)
      if (!known[c])
        coarse[c] = mean;
  }
  for (int iteration = 0; iteration < 4 * int(cx + cy); ++iteration)
    for (std::size_t j = 0; j < cy; ++j)
      for (std::size_t i = 0; i < cx; ++i) {
        const std::size_t c = j * cx + i;
        if (known[c])
          continue;
        double sum = 0.0;
        int n = 0;
        if (i > 0)
          sum += coarse[c - 1], ++n;
        if (i + 1 < cx)
          sum += coarse[c + 1], ++n;
        if (j > 0)
          sum += coarse[c - cx], ++n;
        if (j + 1 < cy)
          sum += coarse[c + cx], ++n;
        coarse[c] = sum / n; // Gauss-Seidel
      }
  for (std::size_t j = 0; j < ny; ++j)
    for (std::size_t i = 0; i < nx; ++i)
      if (std::isnan(height[j * nx + i]))
        height[j * nx + i] = coarse[(j / f) * cx + i / f];
  return height;
}

// Removes from the body everything above the diaphragm (heart, lungs, chest wall above the dome): region growing on
// thick slices otherwise crosses the thin diaphragm into the heart, whose muscle and blood in the equilibrium phase
// are as dense as the liver.
core::Mask belowDiaphragm(const core::Image& image, const core::Mask& body, const core::Mask& coreMask,
                          std::vector<std::string>& notes) {
  const auto& g = image.geometry;
  const bool up = g.indexToLps({0, 0, 1})[2] > g.indexToLps({0, 0, 0})[2];
  const core::Mask lung = lungMask(image, body, up);
  if (countNonZero(lung) == 0) {
    notes.push_back("no lung in the scan's top slice: the liver is not bounded by the diaphragm");
    return body;
  }
  const std::vector<double> height = diaphragmHeightLps(lung, coreMask, up, notes);
  const std::size_t nx = g.size[0], plane = nx * g.size[1];
  const double z0 = g.indexToLps({0, 0, 0})[2], dz = g.indexToLps({0, 0, 1})[2] - z0;
  core::Mask out = body;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t p = 0; p < plane; ++p)
      if (z0 + dz * double(k) >= height[p]) // LPS z grows towards the head
        out.voxels[k * plane + p] = 0;
  return out;
}

double bodyCentreXLps(const core::Mask& body) {
  core::Vec3 centre{0, 0, 0};
  std::size_t n = 0;
  for (std::size_t k = 0, v = 0; k < body.geometry.size[2]; ++k)
    for (std::size_t j = 0; j < body.geometry.size[1]; ++j)
      for (std::size_t i = 0; i < body.geometry.size[0]; ++i, ++v)
        if (body.voxels[v]) {
          centre = core::add(centre, core::Vec3{double(i), double(j), double(k)});
          ++n;
        }
  return body.geometry.indexToLps(core::scale(centre, 1.0 / double(std::max<std::size_t>(n, 1))))[0];
}

// Centres (HU) of the peaks of the soft-tissue histogram on the patient's right: the liver, the largest organ there,
// makes one of them whatever its density (enhanced, unenhanced, steatotic); muscle, kidney and bowel make others.
std::vector<double> softTissuePeaksHu(const core::Image& image, const core::Mask& body, double bodyCentreX) {
  const auto& g = image.geometry;
  const auto bins = std::size_t((kSoftTissueHistogramHighHu - kSoftTissueHistogramLowHu) / kHistogramBinHu);
  std::vector<double> counts(bins, 0.0);
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v) {
        const double hu = image.voxels[v];
        if (!body.voxels[v] || hu < kSoftTissueHistogramLowHu || hu >= kSoftTissueHistogramHighHu ||
            g.indexToLps({double(i), double(j), double(k)})[0] >= bodyCentreX)
          continue;
        counts[std::size_t((hu - kSoftTissueHistogramLowHu) / kHistogramBinHu)] += 1.0;
      }
  // A [1 2 1] smoothing so that noise does not split a peak.
  std::vector<double> smooth(bins, 0.0);
  for (std::size_t b = 0; b < bins; ++b)
    smooth[b] = 2.0 * counts[b] + (b > 0 ? counts[b - 1] : 0.0) + (b + 1 < bins ? counts[b + 1] : 0.0);
  const double highest = *std::max_element(smooth.begin(), smooth.end());
  std::vector<double> peaks;
  for (std::size_t b = 1; b + 1 < bins; ++b)
    // Peaks below a tenth of the highest are small structures, not an organ the size of the liver.
    if (smooth[b] >= smooth[b - 1] && smooth[b] > smooth[b + 1] && smooth[b] >= 0.1 * highest)
      peaks.push_back(kSoftTissueHistogramLowHu + (double(b) + 0.5) * kHistogramBinHu);
  return peaks;
}

// The liver's core: the eroded component of tissue within kCoreHalfWidthHu of a histogram peak that holds the seed,
// or else the largest such component, over all peaks, whose centre lies on the patient's right (LPS x below the
// body's centre). The liver is the largest solid organ there at whatever density the phase and fat give it.
core::Mask findLiverCore(const core::Image& image, const core::Mask& body, const LiverSegmentationOptions& options,
                         std::vector<std::string>& notes) {
  const double bodyCentreX = bodyCentreXLps(body);
  std::vector<double> centres = softTissuePeaksHu(image, body, bodyCentreX);
  std::size_t seed = 0;
  if (options.seedLps) {
    seed = nearestVoxel(image.geometry, *options.seedLps, "--seed");
    centres.assign(1, image.voxels[seed]);
  }
  core::Mask best;
  std::size_t bestSize = 0;
  double bestCentre = 0.0;
  for (const double centre : centres) {
    const core::Mask core = erodeMm(
        maskAnd(thresholdMask(image, centre - kCoreHalfWidthHu, centre + kCoreHalfWidthHu), body), kCoreErosionMm);
    const Components comps = connectedComponents(core);
    const auto centroids = componentCentroidsLps(comps, image.geometry);
    std::uint32_t chosen = 0;
    if (options.seedLps) {
      chosen = comps.labels[seed];
      if (chosen == 0) { // seed near the edge: take the component closest to it
        double nearest = 1e300;
        for (std::uint32_t l = 1; l < comps.sizes.size(); ++l) {
          const double d = core::distanceMm(centroids[l], *options.seedLps);
          if (comps.sizes[l] * image.geometry.voxelVolumeMm3() > 50e3 && d < nearest) {
            nearest = d;
            chosen = l;
          }
        }
      }
    } else {
      for (std::uint32_t l = 1; l < comps.sizes.size(); ++l)
        if (centroids[l][0] < bodyCentreX && comps.sizes[l] > (chosen ? comps.sizes[chosen] : 0))
          chosen = l;
    }
    if (chosen != 0 && comps.sizes[chosen] > bestSize) {
      bestSize = comps.sizes[chosen];
      best = componentMask(comps, image.geometry, chosen);
      bestCentre = centre;
    }
  }
  if (bestSize == 0)
    throw core::Error(core::ErrorCode::InconsistentData,
                      options.seedLps ? "no large soft-tissue organ found at the seed"
                                      : "no liver-like organ found on the patient's right; give a seed point inside "
                                        "the liver",
                      "liver segmentation");
  std::ostringstream note;
  note.precision(0);
  note << std::fixed
       << (options.seedLps ? "liver core chosen at the seed " + core::formatVec(*options.seedLps)
                           : std::string("liver found automatically: largest solid organ on the patient's right"))
       << ", tissue " << bestCentre - kCoreHalfWidthHu << ".." << bestCentre + kCoreHalfWidthHu << " HU";
  notes.push_back(note.str());
  return best;
}

LiverIntensityModel learnModel(const core::Image& image, const core::Mask& coreMask) {
  std::vector<float> values;
  for (std::size_t v = 0; v < coreMask.voxels.size(); ++v)
    if (coreMask.voxels[v])
      values.push_back(image.voxels[v]);
  const RobustStats s = robustStats(values);
  LiverIntensityModel m;
  m.medianHu = s.median;
  m.spreadHu = s.spread;
  // A margin beyond 3 SD keeps partial-volume voxels at the surface.
  m.lowerHu = s.median - 3.0 * s.spread - 10.0;
  m.upperHu = s.median + 3.0 * s.spread + 10.0;
  return m;
}

// Per axial slice, the 8-connected parts of mask no larger than maxAreaMm2 (vessel cross-sections, not organs).
core::Mask smallSliceParts(const core::Mask& mask, double maxAreaMm2) {
  const auto& g = mask.geometry;
  const std::size_t nx = g.size[0], ny = g.size[1], plane = nx * ny;
  const double pixelMm2 = g.spacingMm[0] * g.spacingMm[1];
  core::Mask out(g, 0);
  std::vector<char> seen(plane);
  std::vector<std::size_t> part, stack;
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    const std::size_t base = k * plane;
    std::fill(seen.begin(), seen.end(), 0);
    for (std::size_t start = 0; start < plane; ++start) {
      if (!mask.voxels[base + start] || seen[start])
        continue;
      part.clear();
      stack.assign(1, start);
      seen[start] = 1;
      while (!stack.empty()) {
        const std::size_t p = stack.back();
        stack.pop_back();
        part.push_back(p);
        const long i = long(p % nx), j = long(p / nx);
        for (long dj = -1; dj <= 1; ++dj)
          for (long di = -1; di <= 1; ++di) {
            const long ii = i + di, jj = j + dj;
            if (ii < 0 || jj < 0 || ii >= long(nx) || jj >= long(ny))
              continue;
            const std::size_t q = std::size_t(jj) * nx + std::size_t(ii);
            if (mask.voxels[base + q] && !seen[q]) {
              seen[q] = 1;
              stack.push_back(q);
            }
          }
      }
      if (double(part.size()) * pixelMm2 <= maxAreaMm2)
        for (const std::size_t p : part)
          out.voxels[base + p] = 1;
    }
  }
  return out;
}

// Keeps the voxels of mask that lie on a run of at least minRunMm along z (a vertical tube, not an oblique vessel).
core::Mask verticalRuns(const core::Mask& mask, double minRunMm) {
  const auto& g = mask.geometry;
  const std::size_t plane = g.size[0] * g.size[1];
  const auto minRun = static_cast<std::size_t>(std::ceil(minRunMm / g.spacingMm[2]));
  core::Mask out(g, 0);
  for (std::size_t p = 0; p < plane; ++p)
    for (std::size_t k = 0; k < g.size[2];) {
      if (!mask.voxels[k * plane + p]) {
        ++k;
        continue;
      }
      std::size_t end = k;
      while (end < g.size[2] && mask.voxels[end * plane + p])
        ++end;
      if (end - k >= minRun)
        for (std::size_t kk = k; kk < end; ++kk)
          out.voxels[kk * plane + p] = 1;
      k = end;
    }
  return out;
}

// The IVC: contrast-filled blood (clearly brighter than the parenchyma, below lipiodol and bone) that stays thick
// under an opening, has a vessel's cross-section per axial slice and runs vertically over several centimetres.
core::Mask venaCava(const core::Image& image, const LiverIntensityModel& model, const core::Mask& liver) {
  const core::Mask blood = thresholdMask(image, model.medianHu + kBloodContrastSd * model.spreadHu, kLipiodolHu);
  const core::Mask tubes = verticalRuns(
      smallSliceParts(openMm(blood, kCavaMinRadiusMm), kPi * kCavaMaxRadiusMm * kCavaMaxRadiusMm), kCavaMinRunMm);
  // A vertical vessel wholly inside the liver (a hepatic vein near the dome) is liver in every manual mask.
  const Components parts = connectedComponents(tubes);
  std::vector<std::size_t> outside(parts.sizes.size(), 0);
  for (std::size_t v = 0; v < tubes.voxels.size(); ++v)
    if (parts.labels[v] && !liver.voxels[v])
      ++outside[parts.labels[v]];
  core::Mask cava(liver.geometry, 0);
  for (std::size_t v = 0; v < tubes.voxels.size(); ++v) {
    const auto l = parts.labels[v];
    cava.voxels[v] = l && double(outside[l]) >= kCavaMinOutsideFraction * double(parts.sizes[l]) ? 1 : 0;
  }
  return cava;
}

// For each voxel of candidates, in how many of the 26 grid directions a ray of at most reachMm meets the liver.
std::vector<std::uint8_t> enclosure(const core::Mask& liver, const core::Mask& candidates, double reachMm) {
  const auto& g = liver.geometry;
  const long nx = long(g.size[0]), ny = long(g.size[1]), nz = long(g.size[2]);
  std::vector<std::uint8_t> count(liver.voxels.size(), 0);
  for (int dz = -1; dz <= 1; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        if (!dx && !dy && !dz)
          continue;
        const double stepMm =
            std::sqrt(dx * dx * g.spacingMm[0] * g.spacingMm[0] + dy * dy * g.spacingMm[1] * g.spacingMm[1] +
                      dz * dz * g.spacingMm[2] * g.spacingMm[2]);
        const long steps = long(reachMm / stepMm);
        for (long k = 0, v = 0; k < nz; ++k)
          for (long j = 0; j < ny; ++j)
            for (long i = 0; i < nx; ++i, ++v) {
              if (!candidates.voxels[std::size_t(v)])
                continue;
              for (long s = 1; s <= steps; ++s) {
                const long ii = i + s * dx, jj = j + s * dy, kk = k + s * dz;
                if (ii < 0 || jj < 0 || kk < 0 || ii >= nx || jj >= ny || kk >= nz)
                  break;
                if (liver.voxels[std::size_t((kk * ny + jj) * nx + ii)]) {
                  ++count[std::size_t(v)];
                  break;
                }
              }
            }
      }
  return count;
}

// Fat (below kFatMixHu) inside the mask that is connected through fat to the outside: the hilum's and the fissures'
// fat, which the closings and the per-slice hole filling take wherever the liver wraps around it.
core::Mask openFat(const core::Image& image, const core::Mask& liver) {
  core::Mask open(liver.geometry, 0);
  for (std::size_t v = 0; v < liver.voxels.size(); ++v)
    open.voxels[v] = !liver.voxels[v] || image.voxels[v] < kFatMixHu ? 1 : 0;
  const Components parts = connectedComponents(open);
  std::vector<char> reachesOutside(parts.sizes.size(), 0);
  for (std::size_t v = 0; v < liver.voxels.size(); ++v)
    if (!liver.voxels[v])
      reachesOutside[parts.labels[v]] = 1;
  core::Mask fat(liver.geometry, 0);
  for (std::size_t v = 0; v < liver.voxels.size(); ++v)
    fat.voxels[v] = liver.voxels[v] && open.voxels[v] && reachesOutside[parts.labels[v]] ? 1 : 0;
  return fat;
}

// Hypodense tumours at the liver's edge, which the growth leaves out and which a closing fills only partly (tumour 2 of
// 3D-IRCADb 17 under the heart): thick parts (opening) of tissue darker than the parenchyma but not fat, outside the
// liver, of whose surface the liver covers at least kMinEdgeTumourContact.
core::Mask edgeTumours(const core::Image& image, const core::Mask& body, const core::Mask& liver,
                       const LiverIntensityModel& model) {
  const core::Mask dark =
      maskAndNot(openMm(maskAnd(thresholdMask(image, kFatMixHu, model.lowerHu), body), kEdgeTumourRadiusMm), liver);
  const Components parts = connectedComponents(dark);
  const auto& spacing = image.geometry.spacingMm;
  // Surface: voxels of a part within one voxel of its outside; contact: those within one voxel of the liver.
  const core::Mask inner = erodeMm(dark, 0.1 + *std::min_element(spacing.begin(), spacing.end()));
  const core::Mask nearLiver = dilateMm(liver, 0.1 + *std::max_element(spacing.begin(), spacing.end()));
  std::vector<std::size_t> surface(parts.sizes.size(), 0), contact(parts.sizes.size(), 0);
  for (std::size_t v = 0; v < dark.voxels.size(); ++v)
    if (parts.labels[v] && !inner.voxels[v]) {
      ++surface[parts.labels[v]];
      if (nearLiver.voxels[v])
        ++contact[parts.labels[v]];
    }
  core::Mask out(image.geometry, 0);
  for (std::size_t v = 0; v < dark.voxels.size(); ++v) {
    const auto l = parts.labels[v];
    out.voxels[v] = l && double(contact[l]) >= kMinEdgeTumourContact * double(surface[l]) ? 1 : 0;
  }
  return out;
}

// Under the diaphragm's dome the liver reaches up to the lung with only the diaphragm between them. A tumour at the
// dome (hypodense, calcified, against the diaphragm) is neither parenchyma nor enclosed by it, so the growth stops
// below it. Climbing each column from the liver's top through non-fat tissue (any density: calcification too) and
// meeting lung within maxMm marks voxels between the liver and the dome: tumour or diaphragm. Columns that
// meet fat, or no lung within reach (the heart is taller), take nothing.
core::Mask domeClimb(const core::Image& image, const core::Mask& liver, double maxMm) {
  const auto& g = liver.geometry;
  const std::size_t nx = g.size[0], ny = g.size[1], nz = g.size[2];
  const bool up = g.indexToLps({0, 0, 1})[2] > g.indexToLps({0, 0, 0})[2];
  const long step = up ? 1 : -1;
  const long maxSteps = long(maxMm / g.spacingMm[2]);
  core::Mask out(g, 0);
  for (std::size_t j = 0; j < ny; ++j)
    for (std::size_t i = 0; i < nx; ++i) {
      long topK = -1;
      for (std::size_t kk = 0; kk < nz; ++kk) {
        const std::size_t k = up ? nz - 1 - kk : kk;
        if (liver.at(i, j, k)) {
          topK = long(k);
          break;
        }
      }
      if (topK < 0)
        continue;
      long k = topK + step, n = 0;
      while (k >= 0 && k < long(nz) && n <= maxSteps && image.at(i, j, std::size_t(k)) > kTissueLowHu) {
        k += step;
        ++n;
      }
      if (n == 0 || n > maxSteps || k < 0 || k >= long(nz) || image.at(i, j, std::size_t(k)) > kBodyThresholdHu)
        continue;
      for (long c = topK + step; c != k; c += step)
        out.at(i, j, std::size_t(c)) = 1;
    }
  return out;
}

core::Mask growLiver(const core::Image& image, const core::Image& denseFrac, const core::Mask& body,
                     const core::Mask& coreMask, const LiverIntensityModel& model, core::Progress* progress) {
  const core::Mask parenchyma = maskAnd(thresholdMask(image, model.lowerHu, model.upperHu), body);
  const core::Mask opened = erodeMm(parenchyma, kBridgeRadiusMm);
  core::reportProgress(progress, "liver: growing", 0.5);
  // The opened piece that overlaps the core most is the liver without its bridges.
  const Components comps = connectedComponents(opened);
  std::vector<std::size_t> overlap(comps.sizes.size(), 0);
  for (std::size_t v = 0; v < coreMask.voxels.size(); ++v)
    if (coreMask.voxels[v] && comps.labels[v])
      ++overlap[comps.labels[v]];
  const auto best = static_cast<std::uint32_t>(std::max_element(overlap.begin(), overlap.end()) - overlap.begin());
  core::Mask liver = best ? componentMask(comps, image.geometry, best) : coreMask;
  const double voxel = *std::max_element(image.geometry.spacingMm.begin(), image.geometry.spacingMm.end());
  liver = maskAnd(dilateMm(liver, kBridgeRadiusMm + 0.5 * voxel), parenchyma);
  liver = largestComponent(geodesicDilate(liver, parenchyma, kRegrowSteps));
  core::reportProgress(progress, "liver: tumours and vessels", 0.7);
  const core::Mask grown = liver;
  liver = maskOr(liver, treatedTumour(image, denseFrac, body, liver, model));
  liver = maskOr(liver, maskAnd(domeClimb(image, liver, kDomeClimbMm), body));
  liver = maskOr(liver, edgeTumours(image, body, liver, model));
  // Parenchyma that the growth could only have reached through a tumour (the thin tip of the left lobe beyond a
  // tumour under the heart) is regrown from the tumours just added.
  const core::Mask tumours = maskAndNot(liver, grown);
  liver = maskOr(liver, geodesicDilate(tumours, maskOr(tumours, maskAndNot(parenchyma, liver)), kBeyondTumourSteps));
  // Close the outline over tumours and vessels, but only with tissue (not fat, fat-mixed voxels or air) and
  // nothing brighter than enhanced vessels; vessels (brighter than the parenchyma) only where the liver surrounds
  // them, so that the portal vein at the hilum and the heart above the dome stay out.
  const core::Mask outline = closeMm(liver, kOutlineClosingMm);
  const core::Mask tissue = thresholdMask(image, kFatMixHu, model.upperHu + 30.0);
  core::Mask added = maskAndNot(maskAnd(outline, tissue), liver);
  core::Mask vessels(image.geometry, 0);
  for (std::size_t v = 0; v < added.voxels.size(); ++v)
    vessels.voxels[v] = added.voxels[v] && image.voxels[v] >= model.upperHu ? 1 : 0;
  const auto enclosed = enclosure(liver, vessels, kEnclosureReachMm);
  core::Mask rejected(image.geometry, 0);
  for (std::size_t v = 0; v < added.voxels.size(); ++v)
    if (vessels.voxels[v] && enclosed[v] < kMinEnclosedDirections) {
      added.voxels[v] = 0;
      rejected.voxels[v] = 1;
    }
  liver = maskOr(liver, added);
  liver = largestComponent(openMm(liver, 2.0));
  liver = maskOr(liver, closeMm(liver, kFinalClosingMm));
  liver = fillHolesPerSlice(fillHoles3d(liver));
  // The last closing and the hole filling would put back the hilum's fat and the vessels refused above.
  liver = largestComponent(maskAndNot(maskAndNot(liver, openFat(image, liver)), rejected));
  // Last, so that no closing or hole filling puts the IVC back.
  return largestComponent(maskAndNot(liver, dilateMm(venaCava(image, model, liver), kCavaMarginMm)));
}

} // namespace

LiverSegmentation segmentLiver(const core::Image& ct, const LiverSegmentationOptions& options,
                               core::Progress* progress) {
  if (ct.empty())
    throw core::Error(core::ErrorCode::InvalidArgument, "empty image", "liver segmentation");
  if (options.seedLps)
    (void)nearestVoxel(ct.geometry, *options.seedLps, "--seed");
  requireHounsfieldUnits(ct);
  LiverSegmentation result;
  core::reportProgress(progress, "liver: preparing", 0.0);
  const core::Image image = binAndDenoise(ct, options.workingSpacingMm);
  core::reportProgress(progress, "liver: body", 0.15);
  const core::Mask wholeBody = bodyMask(image, options.boxLps);
  core::reportProgress(progress, "liver: finding the liver", 0.25);
  const core::Mask wholeCore = findLiverCore(image, wholeBody, options, result.notes);
  const core::Mask body = belowDiaphragm(image, wholeBody, wholeCore, result.notes);
  const core::Mask coreMask = maskAnd(wholeCore, body);
  result.model = learnModel(image, coreMask);
  std::ostringstream model;
  model.precision(0);
  model << std::fixed << "liver parenchyma " << result.model.medianHu << " HU (SD " << result.model.spreadHu
        << "), accepted " << result.model.lowerHu << ".." << result.model.upperHu << " HU";
  result.notes.push_back(model.str());
  const core::Mask liver = growLiver(image, denseFraction(ct, kLipiodolHu, options.workingSpacingMm), body, coreMask,
                                     result.model, progress);
  core::reportProgress(progress, "liver: writing", 0.95);
  result.liver = resampleNearest(liver, ct.geometry);
  result.volumeMl = core::maskVolumeMl(result.liver);
  core::reportProgress(progress, "liver: done", 1.0);
  return result;
}

} // namespace vestige::segmentation
