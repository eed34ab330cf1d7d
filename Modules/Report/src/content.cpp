#include "content.h"

#include "vestige/report/report.h"

#include <algorithm>
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

std::string grouped(double value, int decimals) {
  std::string text = fixed(value, decimals);
  // A value that rounds to zero is printed without a sign ("-0.0" reads as a measurement below zero).
  if (text.find_first_of("123456789") == std::string::npos && !text.empty() && text[0] == '-')
    text.erase(0, 1);
  const std::size_t begin = text[0] == '-' ? 1 : 0;
  std::size_t end = text.find('.');
  if (end == std::string::npos)
    end = text.size();
  for (std::size_t p = end; p > begin + 3; p -= 3)
    text.insert(p - 3, ",");
  return text;
}

double roundForReading(double value) {
  const double tenths = std::round(value * 10.0) / 10.0;
  return std::abs(tenths) < 10.0 ? tenths : std::round(value);
}

namespace {

std::string smallToTenths(double value) {
  const double r = roundForReading(value);
  return grouped(r, std::abs(r) < 10.0 ? 1 : 0);
}

} // namespace

std::string formatMl(double ml) {
  return smallToTenths(ml);
}
std::string formatMm(double mm) {
  return smallToTenths(mm);
}
std::string formatPercent(double percent) {
  return grouped(percent, 1);
}
std::string formatJacobian(double jacobian) {
  return grouped(jacobian, 2);
}
std::string formatSeconds(double seconds) {
  return grouped(std::round(seconds), 0);
}
std::string formatCount(std::size_t n) {
  return grouped(static_cast<double>(n), 0);
}

std::string formatPersonName(const std::string& dicomPersonName) {
  std::vector<std::string> parts(1);
  for (char ch : dicomPersonName.substr(0, dicomPersonName.find('='))) {
    if (ch == '^')
      parts.emplace_back();
    else
      parts.back() += ch;
  }
  for (std::string& part : parts) {
    part.erase(0, part.find_first_not_of(' '));
    part.erase(part.find_last_not_of(' ') + 1);
  }
  parts.resize(std::max<std::size_t>(parts.size(), 5));
  auto join = [](std::initializer_list<std::string> words, const std::string& separator) {
    std::string out;
    for (const std::string& w : words)
      if (!w.empty())
        out += (out.empty() ? "" : separator) + w;
    return out;
  };
  std::string suffix = parts[4];
  for (std::size_t k = 5; k < parts.size(); ++k) // more than five components: not PN, but keep what was given
    suffix = join({suffix, parts[k]}, " ");
  return join({parts[0], join({parts[3], parts[1], parts[2]}, " "), suffix}, ", ");
}

namespace {

// "2 warnings to check below; liver outlines not confirmed".
std::string reasonsText(const planning::PlanSummary& s) {
  std::string text;
  for (std::string r : planning::provisionalReasons(s)) {
    if (r.find("to check") != std::string::npos)
      r += " below";
    text += (text.empty() ? "" : "; ") + r;
  }
  return text;
}

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

// Voxel spacing describes the grid, not a measurement: two decimals, trailing zeros dropped.
std::string spacingText(double mm) {
  std::string text = fixed(mm, 2);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.')
    text.pop_back();
  return text;
}

std::string seriesLine(const planning::SeriesSummary& s) {
  std::string out = orDash(s.date) + ", " + orDash(s.modality);
  if (!s.description.empty())
    out += ", " + s.description;
  out += " (" + std::to_string(s.geometry.size[0]) + "x" + std::to_string(s.geometry.size[1]) + "x" +
         std::to_string(s.geometry.size[2]) + " voxels of " + spacingText(s.geometry.spacingMm[0]) + " x " +
         spacingText(s.geometry.spacingMm[1]) + " x " + spacingText(s.geometry.spacingMm[2]) + " mm)";
  return out;
}

std::string patientLine(const planning::PlanSummary& s) {
  const planning::SeriesSummary& source =
      s.followup.patientName.empty() && s.followup.patientId.empty() ? s.baseline : s.followup;
  return orDash(formatPersonName(source.patientName)) + " (ID " + orDash(source.patientId) + ")";
}

std::string lpsText(const core::Vec3& p) {
  return "(" + formatMm(p[0]) + ", " + formatMm(p[1]) + ", " + formatMm(p[2]) + ")";
}

// The status is decided by volume: the lesion tissue found at the site against the lesion tissue inside the baseline
// mark, measured the same way (older plans: the mark's volume). Saying so keeps a shrunk site with a longer diameter
// from reading as a contradiction.
std::string statusText(const planning::LesionResult& l) {
  std::string volume;
  const double reference = l.statusReferenceMl ? *l.statusReferenceMl : l.baselineVolumeMl;
  if (l.followupVolumeMl && reference > 0)
    volume = formatPercent(100.0 * *l.followupVolumeMl / reference) + " % of baseline volume (" +
             formatMl(*l.followupVolumeMl) + " of " + formatMl(reference) + " mL)";
  if (l.statusOverridden)
    return l.status + " (marked by the radiologist" + (volume.empty() ? "" : "; image: " + volume) + ")";
  if (l.status == "disappeared")
    return "disappeared: no measurable lesion at the site";
  return l.status + ": " + (volume.empty() ? std::string("by follow-up volume against baseline volume") : volume);
}

std::string followupDiameterText(const planning::LesionResult& l) {
  if (!l.followupDiameterMm)
    return "-";
  const double now = roundForReading(*l.followupDiameterMm), before = roundForReading(l.baselineDiameterMm);
  std::string out = formatMm(now) + " mm (baseline " + formatMm(before) + " mm)";
  if (now > before && l.status == "shrunk")
    out += ": irregular remnant, longer though smaller in volume";
  return out;
}

std::string foldingText(const planning::RegistrationSummary& r) {
  const std::string smoothed = "folds smoothed at " + formatCount(r.repairedFoldVoxels) + " voxels";
  if (r.minJacobian <= 0)
    return "FOLDED: min Jacobian " + formatJacobian(r.minJacobian) +
           (r.repairedFoldVoxels > 0 ? " after " + smoothed : std::string());
  if (r.repairedFoldVoxels > 0)
    return smoothed + "; min Jacobian " + formatJacobian(r.minJacobian) + " after repair";
  return "no folding (min Jacobian " + formatJacobian(r.minJacobian) + ")";
}

Table patientTable(const planning::PlanSummary& s, const std::string& patient) {
  Table t{"Patient, study and series used", {}, {}, {0.3, 0.7}, ""};
  t.rows = {{"Patient", patient},
            {"Baseline (before chemotherapy)", seriesLine(s.baseline)},
            {"Baseline series UID", orDash(s.baseline.seriesUid)},
            {"Follow-up (today)", seriesLine(s.followup)},
            {"Follow-up series UID", orDash(s.followup.seriesUid)},
            {"Follow-up study UID", orDash(s.followup.studyUid)}};
  if (s.heightCm && s.weightKg)
    t.rows.push_back({"Height / weight", fixed(*s.heightCm, 0) + " cm / " + fixed(*s.weightKg, 0) + " kg"});
  t.rows.push_back({"Liver condition", conditionName(s.liverCondition)});
  t.rows.push_back({"Margin", formatMm(s.marginMm) + " mm + registration uncertainty per site"});
  return t;
}

Table volumeTable(const planning::PlanSummary& s) {
  Table t{"Volumes and future liver remnant", {}, {}, {0.45, 0.55}, "Imaging volumes (mL), not weights."};
  t.rows = {{"Total liver volume (tumours included)", formatMl(s.liverMl) + " mL"},
            {"Tumour visible on follow-up", formatMl(s.tumourMl) + " mL"},
            {"Resected (all original sites)", formatMl(s.resectedMl) + " mL"},
            {"Remnant", formatMl(s.remnantMl) + " mL"},
            {"Usable remnant (largest connected part)", formatMl(s.usableRemnantMl) + " mL in " +
                                                            std::to_string(s.remnantPieces) +
                                                            (s.remnantPieces == 1 ? " piece" : " pieces")},
            {"FLR = remnant / (liver - tumour)", formatPercent(s.flrPercent) + " %"}};
  if (s.sflrPercent && s.telvMl && s.bsaM2)
    t.rows.push_back({"sFLR = remnant / TELV", formatPercent(*s.sflrPercent) + " % (BSA " + fixed(*s.bsaM2, 2) +
                                                   " m2, TELV " + formatMl(*s.telvMl) + " mL)"});
  else
    t.rows.push_back({"sFLR", "not computed (height and weight not given)"});
  t.rows.push_back(
      {"Minimum required", fixed(s.flrThresholdPercent, 0) + " % (" + conditionName(s.liverCondition) + ")"});
  t.rows.push_back({"Verdict", std::string(s.flrSufficient ? "sufficient" : "INSUFFICIENT") +
                                   (planning::verdictProvisional(s) ? " - PROVISIONAL: " + reasonsText(s) : "")});
  return t;
}

// Who confirmed the liver outlines and the follow-up statuses, and when: a verdict is final only once both are.
Table signOffTable(const planning::PlanSummary& s) {
  Table t{"Sign-off", {}, {}, {0.45, 0.55}, "Until both are confirmed by a person, the verdict is provisional."};
  auto text = [](const std::optional<planning::Confirmation>& c) {
    return c ? c->by + ", " + c->utc + (c->note.empty() ? "" : " - " + c->note) : std::string("not confirmed");
  };
  t.rows = {{"Liver outlines (both dates) confirmed by", text(s.signOff.livers)},
            {"Follow-up statuses confirmed by", text(s.signOff.statuses)}};
  return t;
}

Table scenarioTable(const planning::PlanSummary& s) {
  Table t{"Scenarios",
          {"Scenario", "Sites resected", "Resected (mL)", "Remnant (mL)", "FLR (%)", "sFLR (%)"},
          {},
          {0.24, 0.26, 0.13, 0.13, 0.12, 0.12},
          "all_original_sites is the recommended plan; visible_only shows what resecting only the sites still "
          "visible would leave - and miss."};
  for (const planning::Scenario& sc : s.scenarios) {
    std::string ids;
    for (const std::string& id : sc.lesionIds)
      ids += (ids.empty() ? "" : ", ") + id;
    t.rows.push_back({sc.name, orDash(ids), formatMl(sc.resectedMl), formatMl(sc.remnantMl),
                      formatPercent(sc.flrPercent), sc.sflrPercent ? formatPercent(*sc.sflrPercent) : "-"});
  }
  return t;
}

Table registrationTable(const planning::PlanSummary& s) {
  const planning::RegistrationSummary& r = s.registration;
  Table t{"Registration quality (baseline to follow-up)", {}, {}, {0.45, 0.55}, ""};
  t.rows = {{"Time", formatSeconds(r.seconds) + " s"},
            {"Jacobian determinant in the liver (min / max)", formatJacobian(r.minJacobian) + " / " +
                                                                  formatJacobian(r.maxJacobian) +
                                                                  (r.repairedFoldVoxels > 0 ? " after repair" : "")},
            {"Folding", foldingText(r)},
            {"Liver Dice (warped baseline vs follow-up)", r.liverDice ? fixed(*r.liverDice, 2) : "-"},
            {"Metric", orDash(r.metric)}};
  return t;
}

} // namespace

Content buildContent(const planning::PlanSummary& s, const std::vector<std::string>& exportNotes) {
  Content c;
  c.title = "Vestige liver resection plan";
  c.subtitle = "Every original lesion site carried onto the follow-up scan - generated " + orDash(s.createdUtc) +
               " by Vestige " + orDash(s.vestigeVersion);
  c.patient = patientLine(s);
  c.sufficient = s.flrSufficient;
  c.provisional = planning::verdictProvisional(s);
  for (const planning::PlanWarning& w : s.warnings)
    c.warnings.push_back(w.message + " [" + w.code + "]");
  c.verdict = std::string(c.provisional ? "PROVISIONAL (" + reasonsText(s) + ") - " : "") +
              (s.flrSufficient ? "Remnant sufficient" : "Remnant INSUFFICIENT") + ": FLR " +
              formatPercent(s.flrPercent) + " %" +
              (s.sflrPercent ? ", sFLR " + formatPercent(*s.sflrPercent) + " %" : "") + " - minimum " +
              fixed(s.flrThresholdPercent, 0) + " % (" + conditionName(s.liverCondition) + ")";
  c.tables = {patientTable(s, c.patient), signOffTable(s), volumeTable(s), scenarioTable(s)};

  Table sites{"Original sites",
              {"ID", "Baseline: longest diameter, volume", "Status on follow-up (by volume)",
               "Longest diameter on follow-up", "Projected centre (LPS mm)", "Depth", "Margin + uncertainty", "Flag"},
              {},
              {0.05, 0.12, 0.19, 0.15, 0.17, 0.07, 0.12, 0.13},
              "Status is decided by volume: the lesion tissue found at the projected site on the follow-up against "
              "the site's baseline volume. Diameters are longest diameters (the largest distance across what is "
              "found), so an irregular or scattered remnant can measure longer than the baseline lesion while "
              "holding less volume; the table says so where it happens. Depth: projected centre to the follow-up "
              "liver surface. Margin + uncertainty: the distance the site was grown by to form its resection zone."};
  for (const planning::LesionResult& l : s.lesions) {
    const std::string pos = lpsText(l.projectedCenterLps);
    sites.rows.push_back({l.id, formatMm(l.baselineDiameterMm) + " mm, " + formatMl(l.baselineVolumeMl) + " mL",
                          statusText(l), followupDiameterText(l), pos, formatMm(l.depthBelowSurfaceMm) + " mm",
                          formatMm(s.marginMm) + " + " + formatMm(l.uncertaintyMm) + " mm",
                          l.missingMetastasis ? "MISSING METASTASIS" : ""});
    if (l.missingMetastasis)
      c.missingMetastases.push_back("Site " + l.id + " (" + l.status + ", projected centre " + pos +
                                    " LPS mm): would be left in the remnant if only visible sites were resected.");
  }
  c.tables.push_back(sites);
  Table notes{"Radiologist's notes", {"ID", "Note"}, {}, {0.1, 0.9}, ""};
  for (const planning::LesionResult& l : s.lesions)
    if (!l.note.empty())
      notes.rows.push_back({l.id, l.note});
  if (!notes.rows.empty())
    c.tables.push_back(notes);
  c.tables.push_back(registrationTable(s));

  c.notes = s.notes;
  c.notes.insert(c.notes.end(), exportNotes.begin(), exportNotes.end());
  return c;
}

} // namespace detail
} // namespace vestige::report
