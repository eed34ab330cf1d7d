// `vestige plan` against the phantom's ground truth (issue 6): every true original site (its baseline extent
// carried by the TRUE deformation) lies inside the resection with at least margin - 1 mm clearance from the
// remnant on >= 99 % of its boundary; volumes equal the written masks; FLR/sFLR recompute by hand.
#include "plan_truth_checks.h"

#include "vestige/phantom/phantom.h"
#include "vestige/planning/plan.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

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
}
