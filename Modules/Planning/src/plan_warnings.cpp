#include "plan_warnings.h"

#include "vestige/core/format.h"
#include "vestige/segmentation/liver_checks.h"

#include <cmath>

namespace vestige::planning::detail {

namespace {

// Measured liver volume scatters around body-surface-area formulas with a residual SD of about 18 % (Feng et al.,
// World J Gastroenterol 2017;23(27):4968: CT liver volume 1205 +- 258 mL, BSA explains R2 = 0.30 of its variance,
// so the residual SD is 258 x sqrt(0.70) = 216 mL, 18 % of the mean). Two SDs (36 %) flag about one correct outline
// in twenty, and every leak or cut-off the development set shows (+36 % to +90 %).
constexpr double kUnusualVolumeFraction = 0.36;

// Tissue added to the liver is added to the resection too; it lowers FLR by its share of the liver. Under 1 % of the
// liver that stays under 1 % of the FLR figure (a fraction of a point); above it, the outline needs a look.
constexpr double kAddedTissueFraction = 0.01;

bool plausibleHeight(double cm) {
  return cm >= 40.0 && cm <= 275.0;
} // as the case file accepts
bool plausibleWeight(double kg) {
  return kg >= 2.0 && kg <= 650.0;
}

} // namespace

void addOutlineWarnings(std::vector<PlanWarning>& out, const LoadedScan& loaded, const core::Mask& liver,
                        const std::string& scan) {
  const bool ct = loaded.summary.modality != "MR";
  for (const auto& w : segmentation::checkLiverOutline(loaded.image, liver, ct))
    out.push_back({w.code, scan, scan + ": " + w.message, w.placeLps, w.value, w.unit});
}

void resolveBodySize(PlanSummary& p, const CaseFile& c, const LoadedScan& baseline, const LoadedScan& followup) {
  p.heightCm = c.patient.heightCm;
  p.weightKg = c.patient.weightKg;
  std::string source = (p.heightCm || p.weightKg) ? "case file" : "";
  for (const LoadedScan* scan : {&followup, &baseline}) {
    const std::string from = (scan == &followup ? "followup" : "baseline") + std::string(" DICOM header");
    bool used = false;
    if (!p.heightCm && scan->headerHeightCm) {
      if (plausibleHeight(*scan->headerHeightCm)) {
        p.heightCm = scan->headerHeightCm;
        used = true;
      } else {
        p.notes.push_back(from + ": PatientSize " + core::formatFixed(*scan->headerHeightCm / 100.0, 2) +
                          " m is not a plausible height; ignored");
      }
    }
    if (!p.weightKg && scan->headerWeightKg) {
      if (plausibleWeight(*scan->headerWeightKg)) {
        p.weightKg = scan->headerWeightKg;
        used = true;
      } else {
        p.notes.push_back(from + ": PatientWeight " + core::formatFixed(*scan->headerWeightKg, 1) +
                          " kg is not a plausible weight; ignored");
      }
    }
    if (used)
      source += (source.empty() ? "" : ", ") + from;
  }
  p.bodySizeSource = source;
}

std::optional<PlanWarning> liverVolumeWarning(double liverMl, double tumourMl, double telvMl) {
  const double parenchymaMl = liverMl - tumourMl;
  const double deviation = (parenchymaMl - telvMl) / telvMl;
  if (!(std::fabs(deviation) > kUnusualVolumeFraction))
    return std::nullopt;
  PlanWarning w;
  w.code = "liver_volume_unusual";
  w.scan = "followup";
  w.value = 100.0 * deviation;
  w.unit = "%";
  w.message = "followup: the liver without tumour measures " + core::formatFixed(parenchymaMl, 0) + " mL, " +
              core::formatFixed(std::fabs(100.0 * deviation), 0) + " % " + (deviation > 0 ? "above" : "below") +
              " the " + core::formatFixed(telvMl, 0) + " mL expected for the patient's body size (TELV); " +
              (deviation > 0 ? "check the outline for a leak into the heart, stomach, vena cava or kidney"
                             : "check that the whole liver is in the scan and in the outline");
  return w;
}

std::optional<PlanWarning> addedTissueWarning(double addedMl, double liverMl, const core::Vec3& placeLps) {
  if (!(liverMl > 0.0) || addedMl < kAddedTissueFraction * liverMl)
    return std::nullopt;
  PlanWarning w;
  w.code = "tissue_added";
  w.scan = "followup";
  w.value = addedMl;
  w.unit = "mL";
  w.placeLps = placeLps;
  w.message = "plan: " + core::formatFixed(addedMl, 1) + " mL (" + core::formatFixed(100.0 * addedMl / liverMl, 1) +
              " % of the liver) past the followup liver outline were counted as liver because projected sites reach "
              "there (around LPS " +
              core::formatVec(placeLps, 0) + " mm): check the outline there";
  return w;
}

} // namespace vestige::planning::detail
