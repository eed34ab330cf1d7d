// `vestige plan` on a simulated follow-up of a real baseline, 3D-IRCADb patient 17 (issue 6): the Phantom module
// in-paints L1 (disappeared) and shrinks L2 to 40 % on the real CT, deforms it with a known field and writes the
// follow-up with its truth and case.json. The plan (automatic liver segmentation on both real-anatomy scans,
// registration, projection, resection) is checked with the same bars as the phantom plan: every true original
// site inside the resection with margin - 1 mm clearance on >= 99 % of its boundary, volumes = written masks,
// resected + remnant = liver, FLR/sFLR by hand.
#include "plan_truth_checks.h"

#include "vestige/phantom/simulate_followup.h"
#include "vestige/planning/plan.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <system_error>

using namespace vestige;
namespace fs = std::filesystem;

namespace {

// 3D-IRCADb is CC BY-NC-ND: whatever is derived from it is removed when the test ends, passed or not.
struct RemoveOnExit {
  fs::path dir;
  ~RemoveOnExit() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

} // namespace

TEST(PlanIrcadbSimulated, TrueSitesResectedWithClearanceAndVolumesConsistent) {
  VESTIGE_REQUIRE_DATA(data, "ircadb1-17");
  const fs::path dir = vestige::testing::freshTempDir("plan-ircadb");
  const RemoveOnExit cleanup{dir};
  phantom::BaselineInputs inputs;
  inputs.series = data / "PATIENT_DICOM";
  inputs.liverMask = data / "MASKS_DICOM/liver";
  inputs.lesionMasks = {data / "MASKS_DICOM/livertumor1", data / "MASKS_DICOM/livertumor2"};
  phantom::SimulateFollowupOptions options;
  options.seed = 31; // not the default seed, nor one the registration tests use (21-23)
  options.threads = 2;
  const phantom::CaseTruth truth = phantom::simulateFollowup(inputs, options, dir / "case");
  const planning::CaseFile caseFile = planning::readCaseFile(dir / "case" / phantom::layout::kCaseFile);
  planning::PlanOptions planOptions;
  planOptions.threads = 2;
  const planning::PlanRun run = planning::runPlan(caseFile, dir / "out", planOptions);
  planning::truthchecks::expectPlanMatchesTruth(dir / "case", dir / "out", caseFile, truth, run);
}
