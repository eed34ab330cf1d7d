#include "vestige/segmentation/mask_ops.h"

#include "vestige/core/itk_bridge.h"

#include <itkSignedMaurerDistanceMapImageFilter.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <utility>
#include <vector>

namespace vestige::segmentation {

namespace {

using MaskItk = itk::Image<std::uint8_t, 3>;
using FloatItk = itk::Image<float, 3>;

template <class F> void forEachNeighbour6(const core::Size3& n, std::size_t idx, F&& f) {
  const std::size_t nx = n[0], ny = n[1], nz = n[2];
  const std::size_t i = idx % nx, j = (idx / nx) % ny, k = idx / (nx * ny);
  if (i > 0)
    f(idx - 1);
  if (i + 1 < nx)
    f(idx + 1);
  if (j > 0)
    f(idx - nx);
  if (j + 1 < ny)
    f(idx + nx);
  if (k > 0)
    f(idx - nx * ny);
  if (k + 1 < nz)
    f(idx + nx * ny);
}

} // namespace

std::vector<float> distanceToMaskMm(const core::Mask& mask) {
  if (std::none_of(mask.voxels.begin(), mask.voxels.end(), [](std::uint8_t v) { return v != 0; }))
    return std::vector<float>(mask.voxels.size(), std::numeric_limits<float>::max());
  return core::translateItkErrors(core::ErrorCode::Internal, "distance map", [&] {
    auto filter = itk::SignedMaurerDistanceMapImageFilter<MaskItk, FloatItk>::New();
    filter->SetInput(core::toItk(mask));
    filter->SetUseImageSpacing(true);
    filter->SetSquaredDistance(false);
    filter->SetInsideIsPositive(false);
    filter->SetBackgroundValue(0);
    filter->Update();
    const float* d = filter->GetOutput()->GetBufferPointer();
    std::vector<float> out(mask.voxels.size());
    for (std::size_t v = 0; v < out.size(); ++v)
      out[v] = mask.voxels[v] ? 0.0f : std::max(d[v], 0.0f);
    return out;
  });
}

core::Mask dilateMm(const core::Mask& mask, double radiusMm) {
  const auto d = distanceToMaskMm(mask);
  core::Mask out(mask.geometry, 0);
  for (std::size_t v = 0; v < d.size(); ++v)
    out.voxels[v] = d[v] <= radiusMm ? 1 : 0;
  return out;
}

core::Mask erodeMm(const core::Mask& mask, double radiusMm) {
  core::Mask inverse(mask.geometry, 0);
  for (std::size_t v = 0; v < mask.voxels.size(); ++v)
    inverse.voxels[v] = mask.voxels[v] ? 0 : 1;
  const auto d = distanceToMaskMm(inverse);
  core::Mask out(mask.geometry, 0);
  for (std::size_t v = 0; v < d.size(); ++v)
    out.voxels[v] = (mask.voxels[v] && d[v] > radiusMm) ? 1 : 0;
  return out;
}

core::Mask closeMm(const core::Mask& mask, double radiusMm) {
  return erodeMm(dilateMm(mask, radiusMm), radiusMm);
}

core::Mask openMm(const core::Mask& mask, double radiusMm) {
  // Half a voxel more on the way back so that surviving shapes keep their original edge.
  const double halfVoxel =
      0.5 * std::max({mask.geometry.spacingMm[0], mask.geometry.spacingMm[1], mask.geometry.spacingMm[2]});
  return maskAnd(dilateMm(erodeMm(mask, radiusMm), radiusMm + halfVoxel), mask);
}

Components connectedComponents(const core::Mask& mask) {
  Components c;
  c.labels.assign(mask.voxels.size(), 0);
  c.sizes.push_back(0);
  std::vector<std::size_t> stack;
  for (std::size_t start = 0; start < mask.voxels.size(); ++start) {
    if (!mask.voxels[start] || c.labels[start])
      continue;
    const auto label = static_cast<std::uint32_t>(c.sizes.size());
    std::size_t count = 0;
    stack.push_back(start);
    c.labels[start] = label;
    while (!stack.empty()) {
      const std::size_t v = stack.back();
      stack.pop_back();
      ++count;
      forEachNeighbour6(mask.geometry.size, v, [&](std::size_t u) {
        if (mask.voxels[u] && !c.labels[u]) {
          c.labels[u] = label;
          stack.push_back(u);
        }
      });
    }
    c.sizes.push_back(count);
  }
  return c;
}

core::Mask componentMask(const Components& c, const core::ImageGeometry& g, std::uint32_t label) {
  core::Mask out(g, 0);
  for (std::size_t v = 0; v < c.labels.size(); ++v)
    out.voxels[v] = (label != 0 && c.labels[v] == label) ? 1 : 0;
  return out;
}

core::Mask largestComponent(const core::Mask& mask) {
  const Components c = connectedComponents(mask);
  const auto best = std::max_element(c.sizes.begin(), c.sizes.end()) - c.sizes.begin();
  return componentMask(c, mask.geometry, static_cast<std::uint32_t>(best));
}

core::Mask fillHoles3d(const core::Mask& mask) {
  const auto& n = mask.geometry.size;
  std::vector<std::uint8_t> outside(mask.voxels.size(), 0);
  std::vector<std::size_t> stack;
  auto push = [&](std::size_t v) {
    if (!mask.voxels[v] && !outside[v]) {
      outside[v] = 1;
      stack.push_back(v);
    }
  };
  for (std::size_t k = 0; k < n[2]; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i)
        if (i == 0 || j == 0 || k == 0 || i + 1 == n[0] || j + 1 == n[1] || k + 1 == n[2])
          push(mask.linearIndex(i, j, k));
  while (!stack.empty()) {
    const std::size_t v = stack.back();
    stack.pop_back();
    forEachNeighbour6(n, v, push);
  }
  core::Mask out(mask.geometry, 0);
  for (std::size_t v = 0; v < out.voxels.size(); ++v)
    out.voxels[v] = outside[v] ? 0 : 1;
  return out;
}

core::Mask fillHolesPerSlice(const core::Mask& mask) {
  const auto& n = mask.geometry.size;
  core::Mask out(mask.geometry, 1);
  std::vector<std::size_t> stack;
  for (std::size_t k = 0; k < n[2]; ++k) {
    const std::size_t base = k * n[0] * n[1];
    auto push = [&](std::size_t v) {
      if (!mask.voxels[v] && out.voxels[v]) {
        out.voxels[v] = 0;
        stack.push_back(v);
      }
    };
    for (std::size_t i = 0; i < n[0]; ++i) {
      push(base + i);
      push(base + i + n[0] * (n[1] - 1));
    }
    for (std::size_t j = 0; j < n[1]; ++j) {
      push(base + j * n[0]);
      push(base + j * n[0] + n[0] - 1);
    }
    while (!stack.empty()) {
      const std::size_t v = stack.back();
      stack.pop_back();
      const std::size_t i = v % n[0], j = (v / n[0]) % n[1];
      if (i > 0)
        push(v - 1);
      if (i + 1 < n[0])
        push(v + 1);
      if (j > 0)
        push(v - n[0]);
      if (j + 1 < n[1])
        push(v + n[0]);
    }
  }
  return out;
}

core::Mask geodesicDilate(const core::Mask& seed, const core::Mask& allowed, int steps) {
  core::Mask out = maskAnd(seed, allowed);
  std::vector<std::size_t> front;
  for (std::size_t v = 0; v < out.voxels.size(); ++v)
    if (out.voxels[v])
      front.push_back(v);
  for (int s = 0; s < steps && !front.empty(); ++s) {
    std::vector<std::size_t> next;
    for (const std::size_t v : front)
      forEachNeighbour6(out.geometry.size, v, [&](std::size_t u) {
        if (allowed.voxels[u] && !out.voxels[u]) {
          out.voxels[u] = 1;
          next.push_back(u);
        }
      });
    front.swap(next);
  }
  return out;
}

core::Mask maskAnd(const core::Mask& a, const core::Mask& b) {
  core::Mask out(a.geometry, 0);
  for (std::size_t v = 0; v < out.voxels.size(); ++v)
    out.voxels[v] = (a.voxels[v] && b.voxels[v]) ? 1 : 0;
  return out;
}

core::Mask maskOr(const core::Mask& a, const core::Mask& b) {
  core::Mask out(a.geometry, 0);
  for (std::size_t v = 0; v < out.voxels.size(); ++v)
    out.voxels[v] = (a.voxels[v] || b.voxels[v]) ? 1 : 0;
  return out;
}

core::Mask maskAndNot(const core::Mask& a, const core::Mask& b) {
  core::Mask out(a.geometry, 0);
  for (std::size_t v = 0; v < out.voxels.size(); ++v)
    out.voxels[v] = (a.voxels[v] && !b.voxels[v]) ? 1 : 0;
  return out;
}

core::Mask resampleNearest(const core::Mask& mask, const core::ImageGeometry& target) {
  core::Mask out(target, 0);
  const auto& src = mask.geometry;
  // Index-to-index is affine: evaluate it once per axis and step along rows.
  const core::Vec3 o = src.lpsToIndex(target.indexToLps({0, 0, 0}));
  core::Vec3 step[3];
  for (int a = 0; a < 3; ++a) {
    core::Vec3 e{0, 0, 0};
    e[a] = 1;
    step[a] = core::sub(src.lpsToIndex(target.indexToLps(e)), o);
  }
  for (std::size_t k = 0; k < target.size[2]; ++k)
    for (std::size_t j = 0; j < target.size[1]; ++j) {
      core::Vec3 p = core::add(o, core::add(core::scale(step[1], double(j)), core::scale(step[2], double(k))));
      for (std::size_t i = 0; i < target.size[0]; ++i, p = core::add(p, step[0])) {
        const long si = std::lround(p[0]), sj = std::lround(p[1]), sk = std::lround(p[2]);
        if (si < 0 || sj < 0 || sk < 0 || si >= long(src.size[0]) || sj >= long(src.size[1]) || sk >= long(src.size[2]))
          continue;
        out.at(i, j, k) = mask.at(std::size_t(si), std::size_t(sj), std::size_t(sk));
      }
    }
  return out;
}

core::Mask thresholdMask(const core::Image& image, double lowHu, double highHu) {
  core::Mask m(image.geometry, 0);
  for (std::size_t v = 0; v < m.voxels.size(); ++v)
    m.voxels[v] = (image.voxels[v] > lowHu && image.voxels[v] < highHu) ? 1 : 0;
  return m;
}

core::Mask convexHullPerSlice(const core::Mask& mask, int sliceAxis) {
  const auto& g = mask.geometry;
  const int a0 = sliceAxis == 0 ? 1 : 0, a1 = sliceAxis == 2 ? 1 : 2;
  const auto voxel = [&](std::size_t u, std::size_t w, std::size_t k) -> std::size_t {
    std::size_t idx[3];
    idx[a0] = u;
    idx[a1] = w;
    idx[sliceAxis] = k;
    return g.size[0] * (g.size[1] * idx[2] + idx[1]) + idx[0];
  };
  core::Mask out(g, 0);
  using P = std::pair<long, long>;
  const auto cross = [](const P& o, const P& a, const P& b) {
    return (a.first - o.first) * (b.second - o.second) - (a.second - o.second) * (b.first - o.first);
  };
  for (std::size_t k = 0; k < g.size[sliceAxis]; ++k) {
    std::vector<P> pts;
    for (std::size_t w = 0; w < g.size[a1]; ++w)
      for (std::size_t u = 0; u < g.size[a0]; ++u)
        if (mask.voxels[voxel(u, w, k)])
          pts.push_back({long(u), long(w)});
    if (pts.size() < 3)
      continue;
    std::sort(pts.begin(), pts.end());
    std::vector<P> hull(2 * pts.size());
    std::size_t h = 0;
    for (std::size_t p = 0; p < pts.size(); ++p) { // lower chain
      while (h >= 2 && cross(hull[h - 2], hull[h - 1], pts[p]) <= 0)
        --h;
      hull[h++] = pts[p];
    }
    for (std::size_t p = pts.size() - 1, lower = h + 1; p-- > 0;) { // upper chain
      while (h >= lower && cross(hull[h - 2], hull[h - 1], pts[p]) <= 0)
        --h;
      hull[h++] = pts[p];
    }
    hull.resize(h - 1); // counter-clockwise, last point = first
    if (hull.size() < 3)
      continue;
    const long i0 = pts.front().first, i1 = pts.back().first;
    long j0 = pts.front().second, j1 = j0;
    for (const auto& q : pts) {
      j0 = std::min(j0, q.second);
      j1 = std::max(j1, q.second);
    }
    for (long j = j0; j <= j1; ++j)
      for (long i = i0; i <= i1; ++i) {
        bool inside = true;
        for (std::size_t e = 0; e < hull.size() && inside; ++e)
          inside = cross(hull[e], hull[(e + 1) % hull.size()], P{i, j}) >= 0;
        if (inside)
          out.voxels[voxel(std::size_t(i), std::size_t(j), k)] = 1;
      }
  }
  return out;
}

} // namespace vestige::segmentation
