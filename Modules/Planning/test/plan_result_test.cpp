// plan.json round trip and the keys the issue requires.
#include "vestige/planning/plan_result.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace vestige::planning;

TEST(PlanResult, JsonHasRequiredKeysAndRoundTrips) {
  PlanSummary p;
  p.vestigeVersion = "0.1.0";
  p.createdUtc = "2026-11-26T00:00:00Z";
  p.liverMl = 1500;
  p.tumourMl = 20;
  p.resectedMl = 300;
  p.remnantMl = 1200;
  p.usableRemnantMl = 1190;
  p.flrPercent = 1190.0 / 1480.0 * 100;
  p.flrThresholdPercent = 30;
  p.flrSufficient = true;
  p.scenarios.push_back({"all_original_sites", {"L1", "L2"}, 300, 1200, 1190, 1, 80.4, std::nullopt});
  LesionResult l;
  l.id = "L1";
  l.status = "disappeared";
  l.projectedCenterLps = {1, 2, 3};
  l.followupDiameterMm = std::nullopt;
  l.missingMetastasis = true;
  p.lesions.push_back(l);
  p.registration.seconds = 12.5;
  p.registration.minJacobian = 0.6;
  const std::string text = planToJson(p);
  const auto j = nlohmann::json::parse(text);
  for (const char* key : {"liver", "tumour", "resected", "remnant"})
    EXPECT_TRUE(j["volumes_ml"].contains(key)) << key;
  EXPECT_TRUE(j["sflr_percent"].is_null()); // no height/weight
  EXPECT_EQ(j["flr_threshold_percent"], 30.0);
  EXPECT_EQ(j["flr_sufficient"], true);
  EXPECT_EQ(j["scenarios"][0]["name"], "all_original_sites");
  EXPECT_EQ(j["lesions"][0]["projected_center_lps"][2], 3.0);
  EXPECT_EQ(j["lesions"][0]["missing_metastasis"], true);
  EXPECT_EQ(j["registration"]["min_jacobian"], 0.6);
  const PlanSummary back = planFromJson(text, "test");
  EXPECT_EQ(planToJson(back), text);
}
