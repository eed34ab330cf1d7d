#pragma once
// What `vestige plan` produces, as plain data, and its folder form (OUT/plan.json + NIfTI masks on the follow-up
// grid). Visualization and Report read either the struct or the folder. LPS mm, volumes in mL (imaging volumes).
#include "vestige/core/image.h"
#include "vestige/planning/case_file.h"
#include "vestige/planning/volumetry.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vestige::planning {

struct SeriesSummary {
  std::string source; // folder or file it was read from
  std::string seriesUid;
  std::string studyUid;
  std::string frameOfReferenceUid;
  std::string modality;
  std::string date; // YYYY-MM-DD
  std::string description;
  std::string patientId;
  std::string patientName;
  core::ImageGeometry geometry;
};

struct LesionResult {
  std::string id;
  std::string markKind;          // mask, center+diameter, click, markup
  std::string status;            // visible, shrunk, disappeared
  bool statusOverridden = false; // set by a radiologist's mark in the case file
  core::Vec3 baselineCenterLps{};
  double baselineVolumeMl = 0.0;
  double baselineDiameterMm = 0.0;          // longest diameter
  core::Vec3 projectedCenterLps{};          // on the follow-up
  double projectedVolumeMl = 0.0;           // full baseline extent carried onto the follow-up
  std::optional<double> followupDiameterMm; // when visible or shrunk
  std::optional<double> followupVolumeMl;   // lesion tissue found at the site, when visible or shrunk
  // The lesion tissue inside the baseline mark, measured as the follow-up is (lesions::assessOriginalSite): what the
  // status compares followupVolumeMl with (a generous mark is larger). Absent in older plans: baselineVolumeMl.
  std::optional<double> statusReferenceMl;
  double uncertaintyMm = 0.0;       // registration uncertainty at this site
  double growMm = 0.0;              // margin + uncertainty actually used
  double depthBelowSurfaceMm = 0.0; // projected centre to the follow-up liver surface
  bool missingMetastasis = false;   // disappeared and left in the remnant under "visible_only"
  std::string note;                 // the radiologist's free text from the case file
};

struct Scenario {
  std::string name;                   // "all_original_sites" or "visible_only"
  std::vector<std::string> lesionIds; // sites it resects
  double resectedMl = 0.0;
  double remnantMl = 0.0;
  double usableRemnantMl = 0.0; // largest connected piece
  std::size_t remnantPieces = 0;
  double flrPercent = 0.0; // from the usable remnant
  std::optional<double> sflrPercent;
};

struct RegistrationSummary {
  double seconds = 0.0;
  double minJacobian = 0.0; // inside the follow-up liver
  double maxJacobian = 0.0;
  std::size_t repairedFoldVoxels = 0; // smoothed where the deformation folded, before the Jacobians were taken
  std::optional<double> liverDice;    // warped baseline liver vs follow-up liver, when both exist
  std::string metric;
  std::string folder; // relative to the plan folder: "registration"
};

// Something a reader must check before trusting the plan's figures (Documentation/planning.md, "Warnings"). While
// any stands, the verdict is provisional.
struct PlanWarning {
  std::string code;                   // liver_cut_by_scan, liver_above_dome, thick_slices, liver_volume_unusual,
                                      // tissue_added
  std::string scan;                   // "baseline", "followup" or "plan" (the plan's own volumes)
  std::string message;                // one line for people, with the figure and the place
  std::optional<core::Vec3> placeLps; // where to look, LPS mm
  double value = 0.0;                 // the figure, in unit
  std::string unit;                   // cm2, mL, mm, %
};

struct PlanSummary {
  std::string vestigeVersion;
  std::string createdUtc;
  SeriesSummary baseline;
  SeriesSummary followup;
  std::optional<double> heightCm;
  std::optional<double> weightKg;
  std::string bodySizeSource; // "case file", "followup DICOM header", "baseline DICOM header" or empty
  LiverCondition liverCondition = LiverCondition::Chemotherapy;
  std::string diagnosis = "colorectal_metastasis"; // case file "diagnosis": "colorectal_metastasis" or "hcc"
  BsaFormula bsaFormula = BsaFormula::Mosteller;
  TelvFormula telvFormula = TelvFormula::Vauthey;
  std::optional<double> bsaM2;
  std::optional<double> telvMl;
  double marginMm = 10.0;
  double liverMl = 0.0;    // TLV, tumours included
  double tumourMl = 0.0;   // visible on follow-up
  double resectedMl = 0.0; // recommended plan (all original sites)
  double remnantMl = 0.0;
  double usableRemnantMl = 0.0;
  std::size_t remnantPieces = 0;
  double flrPercent = 0.0;
  std::optional<double> sflrPercent;
  double flrThresholdPercent = 30.0;
  bool flrSufficient = false;
  std::vector<PlanWarning> warnings; // any warning makes the verdict provisional
  SignOff signOff;                   // from the case file: until livers and statuses are confirmed, provisional
  std::vector<Scenario> scenarios;
  std::vector<LesionResult> lesions;
  RegistrationSummary registration;
  std::vector<std::string> notes;
};

// True while a warning stands or the sign-off is incomplete (the liver outlines or the follow-up statuses not
// confirmed by a person): the verdict is then printed as provisional, never as a plain "sufficient".
[[nodiscard]] inline bool verdictProvisional(const PlanSummary& p) noexcept {
  return !p.warnings.empty() || !p.signOff.complete();
}

// What keeps the verdict provisional, one phrase each, for people: "2 warnings to check", "liver outlines not
// confirmed", "follow-up statuses not confirmed". Empty when the verdict is final.
[[nodiscard]] std::vector<std::string> provisionalReasons(const PlanSummary& p);
// The confirmations still missing, as plan.json names them: "livers", "statuses".
[[nodiscard]] std::vector<std::string> missingConfirmations(const SignOff& s);

// Masks of a plan, all on the follow-up grid.
struct PlanMasks {
  core::Image followup; // the follow-up image (HU for CT)
  core::Mask liver;
  core::LabelMap projectedSites; // label k = k-th lesion of the case file
  core::Mask resection;
  core::Mask remnant;
  core::Mask visibleTumour; // tumour visible on the follow-up
};

// OUT/plan.json, OUT/{followup,liver,projected_sites,resection,remnant,visible_tumour}.nii.gz. Each file is
// written atomically.
void writePlanFolder(const PlanSummary& summary, const PlanMasks& masks, const std::filesystem::path& folder);
[[nodiscard]] std::string planToJson(const PlanSummary& summary);
[[nodiscard]] PlanSummary planFromJson(const std::string& json, const std::string& context);
[[nodiscard]] PlanSummary readPlanSummary(const std::filesystem::path& folder);
[[nodiscard]] PlanMasks readPlanMasks(const std::filesystem::path& folder);

} // namespace vestige::planning
