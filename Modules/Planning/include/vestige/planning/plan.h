#pragma once
// `vestige plan`: from a case file to a plan folder. Loads both scans, gets the follow-up liver (given or
// segmented), registers baseline -> follow-up, projects every original site (its full baseline extent) onto the
// follow-up, classifies each as visible / shrunk / disappeared, grows each by margin + its registration
// uncertainty, and computes volumes, FLR and sFLR for two scenarios: all original sites (recommended) and visible
// only. Writes OUT/plan.json, OUT/*.nii.gz and OUT/registration/.
#include "vestige/core/progress.h"
#include "vestige/planning/case_file.h"
#include "vestige/planning/plan_result.h"

#include <filesystem>

namespace vestige::planning {

struct PlanOptions {
  unsigned threads = 0; // 0: all cores
};

struct PlanRun {
  PlanSummary summary;
  PlanMasks masks;
};

[[nodiscard]] PlanRun runPlan(const CaseFile& caseFile, const std::filesystem::path& outDir,
                              const PlanOptions& options = {}, core::Progress* progress = nullptr);

// Scenario figures from resection zones (exposed for tests that recompute by hand).
[[nodiscard]] Scenario makeScenario(const std::string& name, const std::vector<std::string>& ids, double liverMl,
                                    double tumourMl, double resectedMl, double remnantMl, double usableRemnantMl,
                                    std::size_t pieces, const std::optional<double>& telvMl);

} // namespace vestige::planning
