// One-click marks in the case model (CaseSession, issue 16) on the phantom (seed 1) of the viewer_phantom_plan
// fixture: a click at each of the six truth lesion centres on the baseline, accepted, gives a site whose mask has
// Dice >= 0.85 against the truth lesion (the bar of issue 16). The session runs the one-click segmentation of
// Segmentation (issue 5) bounded by the automatic baseline liver, as `vestige plan` runs a "click" lesion.
// Measured (this code): L1 0.889, L2 0.827, L3 0.736, L4 0.717, L5 0.575, L6 0.460: the outline reaches 3-6 mm past
// the phantom's lesions (L6: 3.0 mL against 0.9 mL, longest diameter 23.9 against 12 mm; the same with the truth
// liver as bound), so the bar is not met and the test is listed in VESTIGE_UNMET_BAR_TESTS. Headless.
#include "case_session.h"

#include "vestige/core/error.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/segmentation/mask_metrics.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>

namespace {

namespace fs = std::filesystem;
using namespace vestige;
using nlohmann::json;
using viewer::CaseSession;
using viewer::Date;

TEST(CaseClick, OneClickAtEachLesionCentreMatchesTheTruth) {
  const char* plan = std::getenv("VESTIGE_VIEWER_PLAN");
  ASSERT_NE(plan, nullptr) << "VESTIGE_VIEWER_PLAN (set by CTest) names the fixture's plan folder";
  const fs::path caseFolder = fs::path(plan).parent_path() / "case";
  std::ifstream in(caseFolder / "truth" / "lesions.json");
  const json truth = json::parse(in);
  ASSERT_EQ(truth.at("lesions").size(), 6u);

  // The case's baseline and follow-up with no marks yet, as `vestige view --baseline DIR --followup DIR` opens them.
  const std::unique_ptr<CaseSession> session = CaseSession::fromSeries({caseFolder / "baseline" / "dicom", {}, {}, {}},
                                                                       {caseFolder / "followup" / "dicom", {}, {}, {}});
  ASSERT_TRUE(session->lesions().empty());
  std::size_t k = 0;
  for (const json& t : truth.at("lesions")) {
    const std::string truthId = t.at("id").get<std::string>();
    core::Vec3 centre{};
    for (int a = 0; a < 3; ++a)
      centre[a] = t.at("baseline_centre_lps")[a].get<double>();
    const viewer::ClickProposal& p = session->proposeClick(centre);
    EXPECT_GT(p.volumeMl, 0.0);
    const std::string id = session->acceptProposal();
    EXPECT_EQ(id, "L" + std::to_string(++k)); // the next id, in marking order
    const viewer::SessionLesion* l = session->lesion(id);
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->kind, lesions::MarkKind::Click);
    const core::Mask mask = core::extractLabel(session->lesionLabels(), l->label);
    const core::Mask truthMask =
        dicom::conformMask(dicom::loadMask(caseFolder / t.at("baseline_mask").get<std::string>()),
                           session->image(Date::Baseline).geometry, truthId);
    const double dice = segmentation::compareMasks(mask, truthMask).dice;
    std::cout << "[ measured ] click at " << truthId << " centre -> " << id << ": Dice " << dice << ", " << l->volumeMl
              << " mL (truth " << core::maskVolumeMl(truthMask) << "), longest diameter " << l->diameterMm
              << " mm (truth " << t.at("baseline_diameter_mm").get<double>() << ")\n";
    EXPECT_GE(dice, 0.85) << truthId;
  }
  EXPECT_EQ(session->editCount(), 6u);
}

} // namespace
