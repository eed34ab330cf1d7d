// `vestige plan` against the phantom's ground truth (issue 6): every true original site (its baseline extent
// carried by the TRUE deformation) lies inside the resection with at least margin - 1 mm clearance from the
// remnant on >= 99 % of its boundary; volumes equal the written masks; FLR/sFLR recompute by hand.
#include "vestige/dicom/image_io.h"
#include "vestige/phantom/displacement_field.h"
#include "vestige/phantom/phantom.h"
#include "vestige/planning/plan.h"
#include "vestige/planning/resection.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

using namespace vestige;
namespace fs = std::filesystem;

namespace {

// Boundary voxels of a mask: set voxels with at least one face neighbour unset.
std::vector<std::size_t> boundary(const core::Mask& m) {
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

double volumeMl(const core::Mask& m) {
  return core::maskVolumeMl(m);
}

} // namespace

TEST(PlanPhantom, TrueSitesResectedWithClearanceAndVolumesConsistent) {
  const fs::path dir = vestige::testing::freshTempDir("plan-phantom");
  phantom::PhantomOptions options;
  options.seed = 7; // not the default seed
  const phantom::CaseTruth truth = phantom::writePhantomCase(dir / "case", options);
  const planning::CaseFile caseFile = planning::readCaseFile(dir / "case" / phantom::layout::kCaseFile);
  const planning::PlanRun run = planning::runPlan(caseFile, dir / "out");
  const planning::PlanSummary& p = run.summary;

  // Written masks and plan.json agree (volumes = voxel counts within 0.5 %).
  const planning::PlanMasks written = planning::readPlanMasks(dir / "out");
  const planning::PlanSummary readBack = planning::readPlanSummary(dir / "out");
  EXPECT_NEAR(volumeMl(written.liver), readBack.liverMl, 0.005 * readBack.liverMl);
  EXPECT_NEAR(volumeMl(written.resection), readBack.resectedMl, 0.005 * readBack.resectedMl);
  EXPECT_NEAR(volumeMl(written.remnant), readBack.remnantMl, 0.005 * readBack.remnantMl);
  EXPECT_NEAR(readBack.resectedMl + readBack.remnantMl, readBack.liverMl, 0.005 * readBack.liverMl);

  // FLR and sFLR by hand from the written masks and the cited formulas.
  const double bsa = std::sqrt(*caseFile.patient.heightCm * *caseFile.patient.weightKg / 3600.0);
  const double telv = -794.41 + 1267.28 * bsa;
  EXPECT_NEAR(p.flrPercent, 100.0 * p.usableRemnantMl / (p.liverMl - p.tumourMl), 0.1);
  ASSERT_TRUE(p.sflrPercent.has_value());
  EXPECT_NEAR(*p.sflrPercent, 100.0 * p.usableRemnantMl / telv, 0.1);
  EXPECT_EQ(p.flrSufficient, *p.sflrPercent >= 30.0);
  ASSERT_EQ(p.scenarios.size(), 2u);
  EXPECT_LE(p.scenarios[1].resectedMl, p.scenarios[0].resectedMl); // visible-only resects less

  // Every true original site: inside the resection, clearance >= margin - 1 mm on >= 99 % of its boundary.
  const phantom::DisplacementField field = phantom::readDisplacementField(dir / "case" / phantom::layout::kField);
  const core::Image remnantDistance = planning::distanceToMaskMm(written.remnant, caseFile.marginMm + 5.0);
  ASSERT_EQ(truth.lesions.size(), caseFile.lesions.size());
  for (std::size_t k = 0; k < truth.lesions.size(); ++k) {
    SCOPED_TRACE(truth.lesions[k].id);
    const core::Mask baselineSite = dicom::readMaskFile(dir / "case" / truth.lesions[k].baselineMask);
    const core::Mask trueSite = phantom::warpMask(baselineSite, field);
    ASSERT_TRUE(core::sameGrid(trueSite.geometry, written.resection.geometry, 1e-3));
    std::size_t outside = 0;
    for (std::size_t n = 0; n < trueSite.voxels.size(); ++n)
      outside += trueSite.voxels[n] && !written.resection.voxels[n];
    EXPECT_EQ(outside, 0u) << "true site voxels outside the resection";
    const auto edge = boundary(trueSite);
    std::size_t clear = 0;
    for (const std::size_t n : edge)
      clear += remnantDistance.voxels[n] >= caseFile.marginMm - 1.0;
    EXPECT_GE(double(clear), 0.99 * double(edge.size())) << clear << " of " << edge.size() << " boundary voxels clear";
    // The image-based status end to end (after automatic registration) is reported, not asserted here: the
    // Lesions module's tests assert it at known projections; Documentation/planning.md lists these figures.
    std::printf("site %s: truth %s, plan %s, uncertainty %.1f mm\n", truth.lesions[k].id.c_str(),
                phantom::lesionFateName(truth.lesions[k].fate), p.lesions[k].status.c_str(),
                p.lesions[k].uncertaintyMm);
  }
  EXPECT_GT(p.registration.minJacobian, 0.0);
}
