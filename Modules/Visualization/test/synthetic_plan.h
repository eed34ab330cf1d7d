#pragma once
// A synthetic plan with known truth for Visualization and Report tests: a liver-shaped ellipsoid in a CT-like body,
// three original sites (one still visible, two disappeared), resection zones = sites grown by the margin and clipped
// to the liver, remnant = liver minus zones. Built directly, so the tests do not depend on the planning pipeline.
#include "vestige/core/image.h"
#include "vestige/planning/plan_result.h"

#include <cmath>
#include <string>

namespace vestige::testplan {

struct Sphere {
  core::Vec3 centre;
  double radius;
};

inline bool inEllipsoid(const core::Vec3& p, const core::Vec3& c, const core::Vec3& r) {
  double s = 0;
  for (int a = 0; a < 3; ++a)
    s += std::pow((p[a] - c[a]) / r[a], 2);
  return s <= 1.0;
}

inline core::ImageGeometry planGeometry() {
  core::ImageGeometry g;
  g.size = {120, 100, 48};
  g.spacingMm = {1.6, 1.6, 3.0};
  g.originLps = {-130.0, -80.0, 0.0};
  return g;
}

struct SyntheticPlan {
  planning::PlanSummary summary;
  planning::PlanMasks masks;
};

inline SyntheticPlan makeSyntheticPlan(const core::ImageGeometry& g = planGeometry(), double marginMm = 10.0) {
  SyntheticPlan plan;
  const core::Vec3 liverCentre{-45, 0, 70}, liverRadii{70, 55, 48};
  const Sphere sites[3] = {{{-65, -10, 75}, 10.0}, {{-25, 20, 60}, 7.0}, {{-50, 22, 95}, 6.0}};
  const char* ids[3] = {"L1", "L2", "L3"};
  const char* status[3] = {"shrunk", "disappeared", "disappeared"};
  const Sphere visible{{-65, -10, 75}, 6.0};

  auto& m = plan.masks;
  m.followup = core::Image(g, -1000.0F);
  m.liver = core::Mask(g, 0);
  m.projectedSites = core::LabelMap(g, 0);
  m.resection = core::Mask(g, 0);
  m.remnant = core::Mask(g, 0);
  m.visibleTumour = core::Mask(g, 0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
        const std::size_t v = m.liver.linearIndex(i, j, k);
        const bool body = inEllipsoid(p, {-35, 0, 70}, {125, 90, 200});
        const bool liver = inEllipsoid(p, liverCentre, liverRadii);
        float hu = body ? 40.0F : -1000.0F;
        if (liver)
          hu = 105.0F;
        m.liver.voxels[v] = liver;
        bool zone = false;
        for (int s = 0; s < 3; ++s) {
          const double d = core::distanceMm(p, sites[s].centre);
          if (d <= sites[s].radius && m.projectedSites.voxels[v] == 0)
            m.projectedSites.voxels[v] = static_cast<std::uint16_t>(s + 1);
          zone = zone || d <= sites[s].radius + marginMm;
        }
        m.resection.voxels[v] = liver && zone;
        m.remnant.voxels[v] = liver && !zone;
        if (core::distanceMm(p, visible.centre) <= visible.radius) {
          m.visibleTumour.voxels[v] = 1;
          hu = 45.0F;
        }
        m.followup.voxels[v] = hu;
      }

  auto& s = plan.summary;
  s.vestigeVersion = "0.1.0";
  s.createdUtc = "2026-11-26T22:00:00Z";
  s.baseline = {"baseline/",  "1.2.3.1",     "1.2.3",  "1.2.3.9",           "CT",
                "2026-01-10", "baseline CT", "SYN001", "Synthetic^Patient", g};
  s.followup = {"followup/",  "1.2.3.2",      "1.2.4",  "1.2.3.9",           "CT",
                "2026-04-02", "follow-up CT", "SYN001", "Synthetic^Patient", g};
  s.heightCm = 170;
  s.weightKg = 70;
  s.bsaM2 = 1.8181;
  s.telvMl = 1509.7;
  s.marginMm = marginMm;
  s.liverMl = core::maskVolumeMl(m.liver);
  s.tumourMl = core::maskVolumeMl(m.visibleTumour);
  s.resectedMl = core::maskVolumeMl(m.resection);
  s.remnantMl = core::maskVolumeMl(m.remnant);
  s.usableRemnantMl = s.remnantMl;
  s.remnantPieces = 1;
  s.flrPercent = 100.0 * s.remnantMl / (s.liverMl - s.tumourMl);
  s.sflrPercent = 100.0 * s.remnantMl / *s.telvMl;
  s.flrThresholdPercent = 30.0;
  s.flrSufficient = s.flrPercent >= 30.0;
  for (int k = 0; k < 3; ++k) {
    planning::LesionResult l;
    l.id = ids[k];
    l.markKind = "center+diameter";
    l.status = status[k];
    l.baselineCenterLps = sites[k].centre;
    l.baselineDiameterMm = 2 * sites[k].radius;
    l.projectedCenterLps = sites[k].centre;
    l.projectedVolumeMl = core::maskVolumeMl(core::extractLabel(m.projectedSites, static_cast<std::uint16_t>(k + 1)));
    l.baselineVolumeMl = l.projectedVolumeMl;
    if (k == 0)
      l.followupDiameterMm = 2 * visible.radius;
    l.uncertaintyMm = 1.5 + 0.5 * k;
    l.growMm = marginMm + l.uncertaintyMm;
    l.depthBelowSurfaceMm = 20.0 + 5 * k;
    l.missingMetastasis = k == 2;
    s.lesions.push_back(l);
  }
  planning::Scenario all{"all_original_sites", {"L1", "L2", "L3"}, s.resectedMl, s.remnantMl, s.remnantMl, 1,
                         s.flrPercent,         s.sflrPercent};
  planning::Scenario visibleOnly{"visible_only",
                                 {"L1"},
                                 s.resectedMl * 0.4,
                                 s.liverMl - s.resectedMl * 0.4,
                                 s.liverMl - s.resectedMl * 0.4,
                                 1,
                                 100.0 * (s.liverMl - s.resectedMl * 0.4) / (s.liverMl - s.tumourMl),
                                 std::nullopt};
  s.scenarios = {all, visibleOnly};
  s.registration.seconds = 12.5;
  s.registration.minJacobian = 0.62;
  s.registration.maxJacobian = 1.41;
  s.registration.liverDice = 0.95;
  s.registration.metric = "mutual information";
  return plan;
}

} // namespace vestige::testplan
