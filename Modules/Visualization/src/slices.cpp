// Slices through a site with outlines, drawn on the CPU: they need no display and come out identical on every
// machine, which keeps their tests exact.
#include "vestige/visualization/render.h"

#include "vestige/core/error.h"

#include <algorithm>
#include <cmath>

namespace vestige::visualization {

const char* slicePlaneName(SlicePlane plane) noexcept {
  return plane == SlicePlane::Axial ? "axial" : "coronal";
}

namespace {

enum : std::uint8_t { kLiver = 1, kResection = 2, kSite = 4, kTumour = 8 };

template <class T> bool sample(const core::Volume<T>& v, const core::Vec3& index, T& out) {
  if (v.empty())
    return false;
  const auto& n = v.geometry.size;
  const double r[3] = {std::floor(index[0] + 0.5), std::floor(index[1] + 0.5), std::floor(index[2] + 0.5)};
  for (int a = 0; a < 3; ++a)
    if (r[a] < 0 || r[a] >= static_cast<double>(n[a]))
      return false;
  out = v.at(static_cast<std::size_t>(r[0]), static_cast<std::size_t>(r[1]), static_cast<std::size_t>(r[2]));
  return true;
}

void blend(std::uint8_t* px, Rgb8 c, double alpha) {
  px[0] = static_cast<std::uint8_t>(std::lround(px[0] * (1 - alpha) + c.r * alpha));
  px[1] = static_cast<std::uint8_t>(std::lround(px[1] * (1 - alpha) + c.g * alpha));
  px[2] = static_cast<std::uint8_t>(std::lround(px[2] * (1 - alpha) + c.b * alpha));
}

} // namespace

RgbImage renderSiteSlice(const planning::PlanSummary& summary, const planning::PlanMasks& masks,
                         std::size_t lesionIndex, SlicePlane plane, const SliceOptions& options) {
  if (lesionIndex >= summary.lesions.size())
    throw core::Error(core::ErrorCode::InvalidArgument, "no lesion " + std::to_string(lesionIndex + 1), "slice");
  if (masks.followup.empty())
    throw core::Error(core::ErrorCode::InvalidArgument, "plan has no follow-up image", "slice");
  const planning::LesionResult& lesion = summary.lesions[lesionIndex];
  const core::ImageGeometry& g = masks.followup.geometry;
  const int w = options.pixels;
  const int h = options.pixels;
  const double pixelMm = options.fieldOfViewMm / options.pixels;
  // Radiological display: the patient's right on the image's left (+x = L to the right), anterior (axial) or
  // superior (coronal) up.
  const core::Vec3 axisU{1, 0, 0};
  const core::Vec3 axisV = plane == SlicePlane::Axial ? core::Vec3{0, 1, 0} : core::Vec3{0, 0, -1};
  const core::Vec3 centre = lesion.projectedCenterLps;
  const std::uint16_t siteLabel = static_cast<std::uint16_t>(lesionIndex + 1);
  const Role siteRole = siteRoleOf(lesion.status);

  RgbImage image;
  image.width = w;
  image.height = h;
  image.rgb.assign(static_cast<std::size_t>(w) * h * 3, 0);
  std::vector<std::uint8_t> labels(static_cast<std::size_t>(w) * h, 0);
  const double lo = options.windowCenterHu - options.windowWidthHu / 2;
  for (int v = 0; v < h; ++v)
    for (int u = 0; u < w; ++u) {
      const double du = (u + 0.5 - w / 2.0) * pixelMm, dv = (v + 0.5 - h / 2.0) * pixelMm;
      const core::Vec3 p = core::add(centre, core::add(core::scale(axisU, du), core::scale(axisV, dv)));
      const core::Vec3 index = g.lpsToIndex(p);
      float hu = 0;
      std::uint8_t* px = &image.rgb[(static_cast<std::size_t>(v) * w + u) * 3];
      if (!sample(masks.followup, index, hu))
        continue; // outside the scan: black
      const double t = std::clamp((hu - lo) / options.windowWidthHu, 0.0, 1.0);
      px[0] = px[1] = px[2] = static_cast<std::uint8_t>(std::lround(t * 255));
      std::uint8_t m = 0;
      std::uint16_t l = 0;
      std::uint8_t bit = 0;
      if (sample(masks.liver, index, m) && m)
        bit |= kLiver;
      if (sample(masks.resection, index, m) && m)
        bit |= kResection;
      if (sample(masks.projectedSites, index, l) && l == siteLabel)
        bit |= kSite;
      if (sample(masks.visibleTumour, index, m) && m)
        bit |= kTumour;
      labels[static_cast<std::size_t>(v) * w + u] = bit;
    }

  // Outlines two pixels wide (both sides of each boundary), drawn liver first and the site last so it stays on top;
  // the site and resection are also faintly filled so a small site is visible at a glance.
  const std::pair<std::uint8_t, Rgb8> layers[] = {{kLiver, styleOf(Role::Liver).color},
                                                  {kResection, styleOf(Role::Resection).color},
                                                  {kTumour, styleOf(Role::VisibleTumour).color},
                                                  {kSite, styleOf(siteRole).color}};
  for (int v = 0; v < h; ++v)
    for (int u = 0; u < w; ++u) {
      const std::uint8_t here = labels[static_cast<std::size_t>(v) * w + u];
      std::uint8_t* px = &image.rgb[(static_cast<std::size_t>(v) * w + u) * 3];
      if (here & kResection)
        blend(px, styleOf(Role::Resection).color, 0.12);
      if (here & kSite)
        blend(px, styleOf(siteRole).color, 0.25);
      for (const auto& [bit, color] : layers) {
        bool edge = false;
        const int du[4] = {1, -1, 0, 0}, dv[4] = {0, 0, 1, -1};
        for (int n = 0; n < 4 && !edge; ++n) {
          const int uu = u + du[n], vv = v + dv[n];
          if (uu < 0 || vv < 0 || uu >= w || vv >= h)
            continue;
          edge = ((labels[static_cast<std::size_t>(vv) * w + uu] ^ here) & bit) != 0;
        }
        if (edge) {
          px[0] = color.r;
          px[1] = color.g;
          px[2] = color.b;
        }
      }
    }

  // Cross at the projected centre (the site's centre may be invisible on the CT). Text, legend and the labelled
  // scale bar are burned in by the report (Report/src/annotate.cpp), which has the fonts.
  const Rgb8 cross = styleOf(siteRole).color;
  const int cu = w / 2, cv = h / 2, arm = std::max(6, static_cast<int>(4.0 / pixelMm));
  for (int d = -arm; d <= arm; ++d) {
    if (std::abs(d) < 2)
      continue;
    for (int t = 0; t < 2; ++t) {
      const int points[2][2] = {{cu + d, cv + t}, {cu + t, cv + d}};
      for (const auto& q : points)
        if (q[0] >= 0 && q[1] >= 0 && q[0] < w && q[1] < h) {
          std::uint8_t* px = &image.rgb[(static_cast<std::size_t>(q[1]) * w + q[0]) * 3];
          px[0] = cross.r;
          px[1] = cross.g;
          px[2] = cross.b;
        }
    }
  }
  return image;
}

} // namespace vestige::visualization
