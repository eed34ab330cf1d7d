#include "content.h"

#include "vestige/report/report.h"

#include <cmath>
#include <cstdio>

namespace vestige::report {

const std::vector<std::string>& limitsStatement() {
  static const std::vector<std::string> text = {
      "Research software, not a certified medical device: every figure must be checked by the treating team "
      "before any clinical use.",
      "Volumes are imaging volumes from voxel counts on the follow-up CT, not weights; CT volumetry overestimates "
      "resected specimen weight by about 1/0.906.",
      "Original sites are carried onto the follow-up by image registration; their positions are uncertain by the "
      "stated registration uncertainty, which is added to the margin.",
      "A disappeared site is not a cured site: most vanished metastases still hold disease (Benoist 2006, "
      "van Vledder 2010).",
      "sFLR uses TELV estimated from body surface area (Vauthey 2002 by default); thresholds are the cited "
      "minimums for the stated liver condition, not a decision.",
  };
  return text;
}

namespace detail {

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

namespace {

std::string orDash(const std::string& s) {
  return s.empty() ? "-" : s;
}

std::string conditionName(planning::LiverCondition c) {
  switch (c) {
  case planning::LiverCondition::Normal:
    return "normal liver";
  case planning::LiverCondition::Chemotherapy:
    return "after chemotherapy";
  case planning::LiverCondition::Cirrhosis:
    return "fibrosis / cirrhosis";
  }
  return "?";
}

std::string seriesLine(const planning::SeriesSummary& s) {
  std::string out = orDash(s.date) + ", " + orDash(s.modality);
  if (!s.description.empty())
    out += ", " + s.description;
  out += " (" + std::to_string(s.geometry.size[0]) + "x" + std::to_string(s.geometry.size[1]) + "x" +
         std::to_string(s.geometry.size[2]) + ", " + fixed(s.geometry.spacingMm[0], 2) + " x " +
         fixed(s.geometry.spacingMm[1], 2) + " x " + fixed(s.geometry.spacingMm[2], 2) + " mm)";
  return out;
}

} // namespace

Content buildContent(const planning::PlanSummary& s, const std::vector<std::string>& exportNotes) {
  Content c;
  c.title = "Vestige liver resection plan";
  c.subtitle = "Every original lesion site carried onto the follow-up scan - generated " + orDash(s.createdUtc) +
               " by Vestige " + orDash(s.vestigeVersion);
  c.sufficient = s.flrSufficient;
  c.verdict = std::string(s.flrSufficient ? "Remnant sufficient" : "Remnant INSUFFICIENT") + ": FLR " +
              fixed(s.flrPercent, 1) + " %" + (s.sflrPercent ? ", sFLR " + fixed(*s.sflrPercent, 1) + " %" : "") +
              " - minimum " + fixed(s.flrThresholdPercent, 0) + " % (" + conditionName(s.liverCondition) + ")";

  Table patient{"Patient, study and series used", {}, {}, {0.3, 0.7}, ""};
  patient.rows = {{"Patient", orDash(s.followup.patientName) + " (ID " + orDash(s.followup.patientId) + ")"},
                  {"Baseline (before chemotherapy)", seriesLine(s.baseline)},
                  {"Baseline series UID", orDash(s.baseline.seriesUid)},
                  {"Follow-up (today)", seriesLine(s.followup)},
                  {"Follow-up series UID", orDash(s.followup.seriesUid)},
                  {"Follow-up study UID", orDash(s.followup.studyUid)}};
  if (s.heightCm && s.weightKg)
    patient.rows.push_back({"Height / weight", fixed(*s.heightCm, 0) + " cm / " + fixed(*s.weightKg, 0) + " kg"});
  patient.rows.push_back({"Liver condition", conditionName(s.liverCondition)});
  patient.rows.push_back({"Margin", fixed(s.marginMm, 1) + " mm + registration uncertainty per site"});
  c.tables.push_back(patient);

  Table volumes{"Volumes and future liver remnant", {}, {}, {0.45, 0.55}, "Imaging volumes (mL), not weights."};
  volumes.rows = {{"Total liver volume (tumours included)", fixed(s.liverMl, 1) + " mL"},
                  {"Tumour visible on follow-up", fixed(s.tumourMl, 1) + " mL"},
                  {"Resected (all original sites)", fixed(s.resectedMl, 1) + " mL"},
                  {"Remnant", fixed(s.remnantMl, 1) + " mL"},
                  {"Usable remnant (largest connected part)", fixed(s.usableRemnantMl, 1) + " mL in " +
                                                                  std::to_string(s.remnantPieces) +
                                                                  (s.remnantPieces == 1 ? " piece" : " pieces")},
                  {"FLR = remnant / (liver - tumour)", fixed(s.flrPercent, 1) + " %"}};
  if (s.sflrPercent && s.telvMl && s.bsaM2)
    volumes.rows.push_back({"sFLR = remnant / TELV", fixed(*s.sflrPercent, 1) + " % (BSA " + fixed(*s.bsaM2, 3) +
                                                         " m2, TELV " + fixed(*s.telvMl, 1) + " mL)"});
  else
    volumes.rows.push_back({"sFLR", "not computed (height and weight not given)"});
  volumes.rows.push_back(
      {"Minimum required", fixed(s.flrThresholdPercent, 0) + " % (" + conditionName(s.liverCondition) + ")"});
  volumes.rows.push_back({"Verdict", s.flrSufficient ? "sufficient" : "INSUFFICIENT"});
  c.tables.push_back(volumes);

  Table scenarios{"Scenarios",
                  {"Scenario", "Sites resected", "Resected (mL)", "Remnant (mL)", "FLR (%)", "sFLR (%)"},
                  {},
                  {0.24, 0.26, 0.13, 0.13, 0.12, 0.12},
                  "all_original_sites is the recommended plan; visible_only shows what resecting only the sites "
                  "still visible would leave - and miss."};
  for (const planning::Scenario& sc : s.scenarios) {
    std::string ids;
    for (const std::string& id : sc.lesionIds)
      ids += (ids.empty() ? "" : ", ") + id;
    scenarios.rows.push_back({sc.name, orDash(ids), fixed(sc.resectedMl, 1), fixed(sc.remnantMl, 1),
                              fixed(sc.flrPercent, 1), sc.sflrPercent ? fixed(*sc.sflrPercent, 1) : "-"});
  }
  c.tables.push_back(scenarios);

  Table sites{"Original sites",
              {"ID", "Baseline size", "Status", "Projected centre (LPS mm)", "Depth", "Margin + uncert.", "Flag"},
              {},
              {0.07, 0.16, 0.13, 0.23, 0.09, 0.16, 0.16},
              "Depth: projected centre to the follow-up liver surface. Margin + uncertainty: the distance the site "
              "was grown by to form its resection zone."};
  for (const planning::LesionResult& l : s.lesions) {
    const std::string size = fixed(l.baselineDiameterMm, 1) + " mm, " + fixed(l.baselineVolumeMl, 2) + " mL";
    std::string status = l.status + (l.statusOverridden ? " (marked)" : "");
    if (l.followupDiameterMm)
      status += ", now " + fixed(*l.followupDiameterMm, 1) + " mm";
    const std::string pos = "(" + fixed(l.projectedCenterLps[0], 1) + ", " + fixed(l.projectedCenterLps[1], 1) + ", " +
                            fixed(l.projectedCenterLps[2], 1) + ")";
    sites.rows.push_back({l.id, size, status, pos, fixed(l.depthBelowSurfaceMm, 1) + " mm",
                          fixed(s.marginMm, 1) + " + " + fixed(l.uncertaintyMm, 1) + " mm",
                          l.missingMetastasis ? "MISSING METASTASIS" : ""});
    if (l.missingMetastasis)
      c.missingMetastases.push_back("Site " + l.id + " (" + l.status + ", " + pos +
                                    "): would be left in the remnant if only visible sites were resected.");
  }
  c.tables.push_back(sites);

  Table reg{"Registration quality (baseline to follow-up)", {}, {}, {0.45, 0.55}, ""};
  reg.rows = {{"Time", fixed(s.registration.seconds, 1) + " s"},
              {"Jacobian determinant in the liver (min / max)",
               fixed(s.registration.minJacobian, 2) + " / " + fixed(s.registration.maxJacobian, 2) +
                   (s.registration.minJacobian <= 0 ? "  - FOLDING" : "  (no folding)")},
              {"Liver Dice (warped baseline vs follow-up)",
               s.registration.liverDice ? fixed(*s.registration.liverDice, 3) : "-"},
              {"Metric", orDash(s.registration.metric)}};
  c.tables.push_back(reg);

  c.notes = s.notes;
  c.notes.insert(c.notes.end(), exportNotes.begin(), exportNotes.end());
  return c;
}

} // namespace detail
} // namespace vestige::report
