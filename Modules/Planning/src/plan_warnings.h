#pragma once
// Private to Planning: the checks that make a plan's verdict provisional (Documentation/planning.md, "Warnings").
#include "plan_inputs.h"
#include "vestige/planning/case_file.h"
#include "vestige/planning/plan_result.h"

#include <optional>
#include <string>
#include <vector>

namespace vestige::planning::detail {

// The liver outline checks of Segmentation (scan edge, diaphragm dome, slice thickness) on one scan's liver;
// scan is "baseline" or "followup".
void addOutlineWarnings(std::vector<PlanWarning>& out, const LoadedScan& loaded, const core::Mask& liver,
                        const std::string& scan);

// Height and weight: the case file's, else PatientSize / PatientWeight from the follow-up's DICOM header (today's
// body), else the baseline's. Header values outside the case file's accepted ranges are ignored with a note.
void resolveBodySize(PlanSummary& p, const CaseFile& c, const LoadedScan& baseline, const LoadedScan& followup);

// The follow-up liver without its tumours against the volume expected for the body size (TELV).
[[nodiscard]] std::optional<PlanWarning> liverVolumeWarning(double liverMl, double tumourMl, double telvMl);

// Tissue the plan counted as liver past the follow-up outline (site reach), when it matters for FLR.
[[nodiscard]] std::optional<PlanWarning> addedTissueWarning(double addedMl, double liverMl, const core::Vec3& placeLps);

} // namespace vestige::planning::detail
