#pragma once
// The issue-6 bars of a plan against a case with known truth, shared by the phantom test and the simulated
// 3D-IRCADb follow-up test (both cases are written by the Phantom module with the same layout): every true
// original site (its baseline extent carried by the TRUE deformation onto the follow-up grid) lies inside the
// resection with at least margin - 1 mm clearance from the remnant on >= 99 % of its boundary; volumes in plan.json
// equal the written masks; resected + remnant = liver; FLR/sFLR recompute by hand. The measured figures are printed
// so that a run can be quoted, whether it passes or not.
#include "vestige/core/image.h"
#include "vestige/core/units.h"
#include "vestige/dicom/image_io.h"
#include "vestige/phantom/displacement_field.h"
#include "vestige/phantom/phantom.h"
#include "vestige/planning/plan.h"
#include "vestige/planning/resection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <vector>

namespace vestige::planning::truthchecks {

// Boundary voxels of a mask: set voxels with at least one face neighbour unset.
inline std::vector<std::size_t> boundary(const core::Mask& m) {
  std::vector<std::size_t> out;
  const auto& s = m.geometry.size;
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (!m.at(i, j, k))
          continue;
        const bool edge = i == 0 || j == 0 || k == 0 || i + 1 == s[0] || j + 1 == s[1] || k + 1 == s[2] ||
                          !m.at(i - 1, j, k) || !m.at(i + 1, j, k) || !m.at(i, j - 1, k) || !m.at(i, j + 1, k) ||
                          !m.at(i, j, k - 1) || !m.at(i, j, k + 1);
        if (edge)
          out.push_back(m.linearIndex(i, j, k));
      }
  return out;
}

inline double volumeMl(const core::Mask& m) {
  return core::maskVolumeMl(m);
}

// Volume (mL) of the largest face-connected piece of a mask, by a plain flood fill: an independent count of the
// usable remnant, so that FLR by hand does not rest on the planner's own figure.
inline double largestPieceMl(const core::Mask& m) {
  const auto& s = m.geometry.size;
  std::vector<std::uint8_t> seen(m.voxels.size(), 0);
  std::vector<std::size_t> stack;
  std::size_t largest = 0;
  for (std::size_t start = 0; start < m.voxels.size(); ++start) {
    if (!m.voxels[start] || seen[start])
      continue;
    std::size_t count = 0;
    seen[start] = 1;
    stack.push_back(start);
    while (!stack.empty()) {
      const std::size_t n = stack.back();
      stack.pop_back();
      ++count;
      const std::size_t i = n % s[0], j = (n / s[0]) % s[1], k = n / (s[0] * s[1]);
      const auto visit = [&](std::size_t q) {
        if (m.voxels[q] && !seen[q]) {
          seen[q] = 1;
          stack.push_back(q);
        }
      };
      if (i > 0)
        visit(n - 1);
      if (i + 1 < s[0])
        visit(n + 1);
      if (j > 0)
        visit(n - s[0]);
      if (j + 1 < s[1])
        visit(n + s[0]);
      if (k > 0)
        visit(n - s[0] * s[1]);
      if (k + 1 < s[2])
        visit(n + s[0] * s[1]);
    }
    largest = std::max(largest, count);
  }
  return core::mm3ToMl(double(largest) * m.geometry.voxelVolumeMm3());
}

// All bars for the plan `run` written to outDir from caseFile (case folder caseDir, truth as generated). Fatal
// failures (ASSERT) end this function, so call it last in a test.
inline void expectPlanMatchesTruth(const std::filesystem::path& caseDir, const std::filesystem::path& outDir,
                                   const CaseFile& caseFile, const phantom::CaseTruth& truth, const PlanRun& run) {
  const PlanSummary& p = run.summary;

  // Written masks and plan.json agree (volumes = voxel counts within 0.5 %).
  const PlanMasks written = readPlanMasks(outDir);
  const PlanSummary readBack = readPlanSummary(outDir);
  std::printf("volumes (plan.json / written mask, mL): liver %.1f / %.1f, resected %.1f / %.1f, remnant %.1f / %.1f; "
              "resected + remnant %.1f; visible tumour %.1f, usable remnant %.1f in %zu piece(s)\n",
              readBack.liverMl, volumeMl(written.liver), readBack.resectedMl, volumeMl(written.resection),
              readBack.remnantMl, volumeMl(written.remnant), readBack.resectedMl + readBack.remnantMl, p.tumourMl,
              p.usableRemnantMl, p.remnantPieces);
  EXPECT_NEAR(volumeMl(written.liver), readBack.liverMl, 0.005 * readBack.liverMl);
  EXPECT_NEAR(volumeMl(written.resection), readBack.resectedMl, 0.005 * readBack.resectedMl);
  EXPECT_NEAR(volumeMl(written.remnant), readBack.remnantMl, 0.005 * readBack.remnantMl);
  EXPECT_NEAR(readBack.resectedMl + readBack.remnantMl, readBack.liverMl, 0.005 * readBack.liverMl);

  // FLR and sFLR by hand from the cited formulas (Mosteller BSA, Vauthey TELV: the case files' defaults).
  ASSERT_TRUE(caseFile.patient.heightCm && caseFile.patient.weightKg) << "the truth cases carry height and weight";
  const double bsa = std::sqrt(*caseFile.patient.heightCm * *caseFile.patient.weightKg / 3600.0);
  const double telv = -794.41 + 1267.28 * bsa;
  const double flrByHand = 100.0 * p.usableRemnantMl / (p.liverMl - p.tumourMl);
  const double sflrByHand = 100.0 * p.usableRemnantMl / telv;
  std::printf("FLR %.2f %% (by hand %.2f %%), sFLR %.2f %% (by hand %.2f %%, TELV %.1f mL), sufficient %s; visible "
              "only: resected %.1f mL, FLR %.2f %%\n",
              p.flrPercent, flrByHand, p.sflrPercent.value_or(std::nan("")), sflrByHand, telv,
              p.flrSufficient ? "yes" : "no", p.scenarios.size() > 1 ? p.scenarios[1].resectedMl : 0.0,
              p.scenarios.size() > 1 ? p.scenarios[1].flrPercent : 0.0);
  EXPECT_NEAR(p.flrPercent, flrByHand, 0.1);
  ASSERT_TRUE(p.sflrPercent.has_value());
  EXPECT_NEAR(*p.sflrPercent, sflrByHand, 0.1);
  // The same from the written masks alone: largest remnant piece, liver, visible tumour inside the liver.
  core::Mask tumourInLiver = written.visibleTumour;
  for (std::size_t n = 0; n < tumourInLiver.voxels.size(); ++n)
    tumourInLiver.voxels[n] = tumourInLiver.voxels[n] && written.liver.voxels[n];
  const double usableWrittenMl = largestPieceMl(written.remnant);
  const double flrFromMasks = 100.0 * usableWrittenMl / (volumeMl(written.liver) - volumeMl(tumourInLiver));
  std::printf("from the written masks: usable remnant %.1f mL, visible tumour in liver %.1f mL, FLR %.2f %%, sFLR "
              "%.2f %%\n",
              usableWrittenMl, volumeMl(tumourInLiver), flrFromMasks, 100.0 * usableWrittenMl / telv);
  EXPECT_NEAR(usableWrittenMl, readBack.usableRemnantMl, 0.005 * readBack.usableRemnantMl);
  EXPECT_NEAR(readBack.flrPercent, flrFromMasks, 0.1);
  ASSERT_TRUE(readBack.sflrPercent.has_value());
  EXPECT_NEAR(*readBack.sflrPercent, 100.0 * usableWrittenMl / telv, 0.1);
  // Both truth cases are written with liver_condition "chemotherapy": minimum sFLR 30 %.
  EXPECT_TRUE(caseFile.patient.liverCondition == LiverCondition::Chemotherapy);
  EXPECT_EQ(p.flrSufficient, *p.sflrPercent >= 30.0);
  ASSERT_EQ(p.scenarios.size(), 2u);
  EXPECT_LE(p.scenarios[1].resectedMl, p.scenarios[0].resectedMl); // visible-only resects less

  // Every true original site: inside the resection, clearance >= margin - 1 mm on >= 99 % of its boundary.
  const phantom::DisplacementField field = phantom::readDisplacementField(caseDir / phantom::layout::kField);
  const core::Image remnantDistance = distanceToMaskMm(written.remnant, caseFile.marginMm + 5.0);
  ASSERT_EQ(truth.lesions.size(), caseFile.lesions.size());
  ASSERT_EQ(p.lesions.size(), caseFile.lesions.size());
  // For explaining failures only: a true-site voxel outside the resection is either outside the plan's liver (the
  // resection never leaves it) or inside it but beyond the grown projected site.
  const core::Mask trueLiver = dicom::readMaskFile(caseDir / phantom::layout::kFollowupTruth / "liver.nii.gz");
  const bool trueLiverOnGrid = core::sameGrid(trueLiver.geometry, written.liver.geometry, 1e-3);
  if (trueLiverOnGrid)
    std::printf("follow-up liver: plan %.1f mL, truth %.1f mL\n", volumeMl(written.liver), volumeMl(trueLiver));
  for (std::size_t k = 0; k < truth.lesions.size(); ++k) {
    SCOPED_TRACE(truth.lesions[k].id);
    const core::Mask baselineSite = dicom::readMaskFile(caseDir / truth.lesions[k].baselineMask);
    const core::Mask trueSite = phantom::warpMask(baselineSite, field);
    ASSERT_TRUE(core::sameGrid(trueSite.geometry, written.resection.geometry, 1e-3));
    std::size_t outside = 0, voxels = 0, outsidePlanLiver = 0, outsideTrueLiver = 0;
    for (std::size_t n = 0; n < trueSite.voxels.size(); ++n) {
      voxels += trueSite.voxels[n] != 0;
      if (trueSite.voxels[n] && !written.resection.voxels[n]) {
        ++outside;
        outsidePlanLiver += !written.liver.voxels[n];
        outsideTrueLiver += trueLiverOnGrid && !trueLiver.voxels[n];
      }
    }
    const auto edge = boundary(trueSite);
    std::size_t clear = 0;
    double closest = std::numeric_limits<double>::infinity();
    for (const std::size_t n : edge) {
      clear += remnantDistance.voxels[n] >= caseFile.marginMm - 1.0;
      closest = std::min(closest, double(remnantDistance.voxels[n]));
    }
    // The projected-centre error against the true follow-up centre is printed beside the uncertainty, to show where
    // the clearance bar fails and why.
    std::printf("site %s: truth %s, plan %s; %zu voxels, %zu outside the resection (%zu of them outside the plan's "
                "liver, %zu outside the true follow-up liver); clearance >= %.1f mm on %zu of %zu "
                "boundary voxels (%.1f %%), closest %.1f mm; centre error %.1f mm, uncertainty %.1f mm, grown by "
                "%.1f mm\n",
                truth.lesions[k].id.c_str(), phantom::lesionFateName(truth.lesions[k].fate),
                p.lesions[k].status.c_str(), voxels, outside, outsidePlanLiver, outsideTrueLiver,
                caseFile.marginMm - 1.0, clear, edge.size(),
                edge.empty() ? 0.0 : 100.0 * double(clear) / double(edge.size()), closest,
                core::distanceMm(p.lesions[k].projectedCenterLps, truth.lesions[k].followupCentreLps),
                p.lesions[k].uncertaintyMm, p.lesions[k].growMm);
    // The image-based status end to end (automatic livers, registration, projection), against the truth; the case
    // file holds no radiologist's override, so this is the image's reading.
    ASSERT_TRUE(caseFile.lesions[k].followupStatus.empty()) << "the case file must not give the status";
    EXPECT_EQ(p.lesions[k].status, phantom::lesionFateName(truth.lesions[k].fate)) << "status of the site";
    EXPECT_GT(voxels, 0u) << "the true site must not be empty (or the checks below cannot fail)";
    EXPECT_EQ(outside, 0u) << "true site voxels outside the resection";
    EXPECT_GE(double(clear), 0.99 * double(edge.size())) << clear << " of " << edge.size() << " boundary voxels clear";
  }
  std::printf("registration: %.0f s, Jacobian %.3f .. %.3f, liver Dice %.3f\n", p.registration.seconds,
              p.registration.minJacobian, p.registration.maxJacobian,
              p.registration.liverDice ? *p.registration.liverDice : -1.0);
  EXPECT_GT(p.registration.minJacobian, 0.0);
}

} // namespace vestige::planning::truthchecks
