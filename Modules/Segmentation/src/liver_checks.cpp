#include "vestige/segmentation/liver_checks.h"
#include "vestige/core/format.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vestige::segmentation {

namespace {

// Below this a CT voxel is air: lung parenchyma is -900..-700 HU, so -400 keeps partial-volume lung edges and
// leaves out every tissue (fat is about -100 HU).
constexpr float kAirHu = -400.0F;

// A cross-section smaller than this in the scan's first or last slice is the tip of a lobe: what lies past it is a
// few mL at most (a tip tapers), below what changes an FLR figure. Anything larger means the liver goes on past the
// scan and its volume is incomplete.
constexpr double kEdgeAreaCm2 = 1.0;

// Liver above the right dome by more than the diaphragm's thickness (about 5 mm) plus the dome's curvature between
// neighbouring columns is tissue of the thorax. The tolerance also takes one slice for partial volume.
constexpr double kDomeToleranceMm = 10.0;

// Thorax tissue reached by the outline that is worth a look: 1 mL is a 12 mm cube, more than partial volume along
// the diaphragm gives on the 5 mm scans of the development set.
constexpr double kAboveDomeMl = 1.0;

// The heart's right border (right atrium) lies within about 5 cm of the body's midline; the right dome's apex lies
// further out, under the middle of the right lung.
constexpr double kHeartRightOfMidlineMm = 50.0;

// The index axis that runs closest to the patient's head-feet (LPS z) direction, and whether increasing the index
// goes towards the head.
struct SuperiorAxis {
  int axis = 2;
  bool upwards = true;
};

SuperiorAxis superiorAxis(const core::ImageGeometry& g) {
  SuperiorAxis s;
  double best = -1.0;
  for (int a = 0; a < 3; ++a)
    if (std::fabs(g.direction[2][a]) > best) {
      best = std::fabs(g.direction[2][a]);
      s.axis = a;
      s.upwards = g.direction[2][a] > 0.0;
    }
  return s;
}

core::Vec3 centroidLps(const core::ImageGeometry& g, const std::vector<std::size_t>& voxels) {
  core::Vec3 sum{0, 0, 0};
  const std::size_t nx = g.size[0], ny = g.size[1];
  for (std::size_t v : voxels) {
    const core::Vec3 idx{double(v % nx), double((v / nx) % ny), double(v / (nx * ny))};
    sum = core::add(sum, g.indexToLps(idx));
  }
  return core::scale(sum, voxels.empty() ? 0.0 : 1.0 / double(voxels.size()));
}

// Index (i, j, k) of voxel v.
std::array<std::size_t, 3> indexOf(const core::ImageGeometry& g, std::size_t v) {
  return {v % g.size[0], (v / g.size[0]) % g.size[1], v / (g.size[0] * g.size[1])};
}

// Air inside the chest: air voxels connected to air in the scan's top slice, once the air around the body (which
// reaches the in-plane border of the image) is taken out. Gas in the bowel or stomach does not reach the top slice
// of a scan that shows the liver's dome.
core::Mask thoraxAir(const core::Image& ct, const SuperiorAxis& up) {
  const auto& g = ct.geometry;
  core::Mask state(g, 0); // 1 air, 2 outside air, 3 thorax air
  for (std::size_t v = 0; v < ct.voxels.size(); ++v)
    state.voxels[v] = ct.voxels[v] < kAirHu ? 1 : 0;
  std::vector<std::size_t> stack;
  const auto flood = [&](std::uint8_t mark) {
    while (!stack.empty()) {
      const std::size_t v = stack.back();
      stack.pop_back();
      const auto idx = indexOf(g, v);
      for (int a = 0; a < 3; ++a)
        for (int step : {-1, 1}) {
          if ((step < 0 && idx[a] == 0) || (step > 0 && idx[a] + 1 == g.size[a]))
            continue;
          const std::size_t stride = a == 0 ? 1 : (a == 1 ? g.size[0] : g.size[0] * g.size[1]);
          const std::size_t u = step < 0 ? v - stride : v + stride;
          if (state.voxels[u] == 1) {
            state.voxels[u] = mark;
            stack.push_back(u);
          }
        }
    }
  };
  for (std::size_t v = 0; v < state.voxels.size(); ++v) {
    if (state.voxels[v] != 1)
      continue;
    const auto idx = indexOf(g, v);
    bool border = false;
    for (int a = 0; a < 3; ++a)
      if (a != up.axis && (idx[a] == 0 || idx[a] + 1 == g.size[a]))
        border = true;
    if (border) {
      state.voxels[v] = 2;
      stack.push_back(v);
      flood(2);
    }
  }
  const std::size_t top = up.upwards ? g.size[up.axis] - 1 : 0;
  for (std::size_t v = 0; v < state.voxels.size(); ++v)
    if (state.voxels[v] == 1 && indexOf(g, v)[up.axis] == top) {
      state.voxels[v] = 3;
      stack.push_back(v);
      flood(3);
    }
  core::Mask out(g, 0);
  for (std::size_t v = 0; v < state.voxels.size(); ++v)
    out.voxels[v] = state.voxels[v] == 3 ? 1 : 0;
  return out;
}

} // namespace

std::optional<LiverWarning> checkLiverAtScanEdge(const core::Mask& liver) {
  const auto& g = liver.geometry;
  const SuperiorAxis up = superiorAxis(g);
  const double voxelAreaCm2 = g.voxelVolumeMm3() / g.spacingMm[up.axis] / 100.0;
  std::optional<LiverWarning> worst;
  for (const bool first : {true, false}) {
    const std::size_t slice = first ? 0 : g.size[up.axis] - 1;
    std::vector<std::size_t> voxels;
    for (std::size_t v = 0; v < liver.voxels.size(); ++v)
      if (liver.voxels[v] && indexOf(g, v)[up.axis] == slice)
        voxels.push_back(v);
    const double areaCm2 = double(voxels.size()) * voxelAreaCm2;
    if (areaCm2 < kEdgeAreaCm2 || (worst && worst->value >= areaCm2))
      continue;
    const bool topSlice = first != up.upwards;
    LiverWarning w;
    w.code = "liver_cut_by_scan";
    w.value = areaCm2;
    w.unit = "cm2";
    w.placeLps = centroidLps(g, voxels);
    w.message = "the liver outline reaches the " + std::string(topSlice ? "top" : "bottom") + " slice of the scan (" +
                core::formatFixed(areaCm2, 1) + " cm2 in it, around LPS z " + core::formatFixed((*w.placeLps)[2], 1) +
                " mm): either the liver goes on past the scan, and its volume is incomplete (FLR then reads too "
                "high), or the outline leaks there";
    worst = w;
  }
  return worst;
}

std::optional<LiverWarning> checkLiverAboveDome(const core::Image& ct, const core::Mask& liver) {
  const auto& g = ct.geometry;
  const SuperiorAxis up = superiorAxis(g);
  const core::Mask air = thoraxAir(ct, up);
  const int a0 = up.axis == 0 ? 1 : 0, a1 = up.axis == 2 ? 1 : 2; // the two axes across a column
  const std::size_t n = g.size[up.axis];
  const auto voxelAt = [&](std::size_t c0, std::size_t c1, std::size_t h) {
    std::array<std::size_t, 3> idx{};
    idx[a0] = c0;
    idx[a1] = c1;
    idx[up.axis] = up.upwards ? h : n - 1 - h; // h counts slices from the feet up
    return liver.linearIndex(idx[0], idx[1], idx[2]);
  };
  const double sliceMm = g.spacingMm[up.axis];

  // The right dome: the highest point of the liver under the right lung. Only columns on the patient's right of the
  // heart's right border count, so that an outline leaking into the heart cannot raise the dome it is measured
  // against: the heart's right border lies within about 5 cm of the midline (kHeartRightOfMidlineMm), and the
  // midline is the mean LPS x of the body's tissue (above -400 HU). Among those columns, those with thorax air within
  // the diaphragm's reach above the liver's top.
  if (core::countNonZero(liver) == 0)
    return std::nullopt;
  double xSum = 0.0;
  std::size_t count = 0;
  for (std::size_t v = 0; v < ct.voxels.size(); ++v)
    if (ct.voxels[v] > kAirHu) {
      const auto idx = indexOf(g, v);
      xSum += g.indexToLps({double(idx[0]), double(idx[1]), double(idx[2])})[0];
      ++count;
    }
  const double rightOf = xSum / double(std::max<std::size_t>(count, 1)) - kHeartRightOfMidlineMm;
  const std::size_t diaphragmSlices = std::size_t(std::ceil(kDomeToleranceMm / sliceMm));
  std::optional<std::size_t> dome; // in slices from the feet up
  for (std::size_t c1 = 0; c1 < g.size[a1]; ++c1)
    for (std::size_t c0 = 0; c0 < g.size[a0]; ++c0) {
      std::optional<std::size_t> top;
      for (std::size_t h = n; h-- > 0;)
        if (liver.voxels[voxelAt(c0, c1, h)]) {
          top = h;
          break;
        }
      if (!top)
        continue;
      std::array<double, 3> idx{};
      idx[a0] = double(c0);
      idx[a1] = double(c1);
      idx[up.axis] = double(up.upwards ? *top : n - 1 - *top);
      if (g.indexToLps(idx)[0] > rightOf)
        continue;
      bool lungAbove = false;
      for (std::size_t h = *top + 1; h < n && h <= *top + diaphragmSlices + 1; ++h)
        lungAbove = lungAbove || air.voxels[voxelAt(c0, c1, h)];
      if (lungAbove && (!dome || *top > *dome))
        dome = *top;
    }
  if (!dome) // no lung over the right liver in this scan: the dome is not shown, nothing to compare with
    return std::nullopt;

  // Liver above the dome (plus tolerance) anywhere, or with thorax air below it in its column (an outline that
  // climbed past the lung base).
  const std::size_t limit = *dome + diaphragmSlices;
  std::vector<std::size_t> flagged;
  for (std::size_t c1 = 0; c1 < g.size[a1]; ++c1)
    for (std::size_t c0 = 0; c0 < g.size[a0]; ++c0) {
      bool airBelow = false;
      for (std::size_t h = 0; h < n; ++h) {
        const std::size_t v = voxelAt(c0, c1, h);
        if (liver.voxels[v] && (h > limit || airBelow))
          flagged.push_back(v);
        airBelow = airBelow || air.voxels[v];
      }
    }
  const double ml = double(flagged.size()) * g.voxelVolumeMm3() / 1000.0;
  if (ml < kAboveDomeMl)
    return std::nullopt;
  LiverWarning w;
  w.code = "liver_above_dome";
  w.value = ml;
  w.unit = "mL";
  w.placeLps = centroidLps(g, flagged);
  w.message = "the liver outline reaches above the diaphragm's dome (" + core::formatFixed(ml, 1) +
              " mL in the thorax, around LPS " + core::formatVec(*w.placeLps, 0) +
              " mm): check it for a leak into the heart or the lung base";
  return w;
}

std::optional<LiverWarning> checkSliceThickness(const core::ImageGeometry& geometry) {
  const double spacing = geometry.spacingMm[superiorAxis(geometry).axis];
  if (spacing <= kThickSliceMm + 1e-6)
    return std::nullopt;
  LiverWarning w;
  w.code = "thick_slices";
  w.value = spacing;
  w.unit = "mm";
  w.message = "slices " + core::formatFixed(spacing, 1) + " mm apart (thicker than " +
              core::formatFixed(kThickSliceMm, 0) +
              " mm): a residual lesion of 5 mm can fall between slices or blur into the liver, so 'disappeared' is "
              "less certain, and the liver's edges are known to half a slice only";
  return w;
}

std::vector<LiverWarning> checkLiverOutline(const core::Image& image, const core::Mask& liver, bool isCt) {
  std::vector<LiverWarning> out;
  if (auto w = checkLiverAtScanEdge(liver))
    out.push_back(*w);
  if (isCt)
    if (auto w = checkLiverAboveDome(image, liver))
      out.push_back(*w);
  if (auto w = checkSliceThickness(image.geometry))
    out.push_back(*w);
  return out;
}

} // namespace vestige::segmentation
