// `vestige plan` against the phantom's ground truth (issue 6): every true original site (its baseline extent
// carried by the TRUE deformation) lies inside the resection with at least margin - 1 mm clearance from the
// remnant on >= 99 % of its boundary; volumes equal the written masks; FLR/sFLR recompute by hand.
#include "plan_truth_checks.h"

#include "vestige/phantom/phantom.h"
#include "vestige/planning/plan.h"
#include "vestige/registration/markups.h"
#include "vestige/registration/registration_io.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace vestige;
namespace fs = std::filesystem;

TEST(PlanPhantom, TrueSitesResectedWithClearanceAndVolumesConsistent) {
  const fs::path dir = vestige::testing::freshTempDir("plan-phantom");
  phantom::PhantomOptions options;
  options.seed = 7; // not the default seed
  const phantom::CaseTruth truth = phantom::writePhantomCase(dir / "case", options);
  const planning::CaseFile caseFile = planning::readCaseFile(dir / "case" / phantom::layout::kCaseFile);
  const planning::PlanRun run = planning::runPlan(caseFile, dir / "out");
  planning::truthchecks::expectPlanMatchesTruth(dir / "case", dir / "out", caseFile, truth, run);

  // registration.json names the follow-up as the fixed image and the baseline as the moving one.
  std::ifstream in(dir / "out" / "registration" / registration::layout::kReport);
  const nlohmann::json report = nlohmann::json::parse(in);
  EXPECT_EQ(report["inputs"]["fixed"], caseFile.followup.series.string());
  EXPECT_EQ(report["inputs"]["moving"], caseFile.baseline.series.string());
  // projected_sites.mrk.json: the projected centres for 3D Slicer, labelled by site id, read back unchanged.
  const auto markups = registration::readMarkups(dir / "out" / "projected_sites.mrk.json");
  ASSERT_EQ(markups.size(), 1u);
  ASSERT_EQ(markups[0].points.size(), run.summary.lesions.size());
  for (std::size_t k = 0; k < markups[0].points.size(); ++k) {
    EXPECT_EQ(markups[0].points[k].label, run.summary.lesions[k].id);
    EXPECT_NEAR(core::distanceMm(markups[0].points[k].lps, run.summary.lesions[k].projectedCenterLps), 0.0, 1e-9);
  }
}
