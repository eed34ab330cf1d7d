#include "vestige/planning/plan_result.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/dicom/image_io.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace vestige::planning {

using core::Error;
using core::ErrorCode;

namespace {

json optionalNumber(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}
std::optional<double> optionalNumber(const json& j) {
  return j.is_null() ? std::nullopt : std::optional<double>(j.get<double>());
}
json vec(const core::Vec3& v) {
  return json::array({v[0], v[1], v[2]});
}
core::Vec3 vec(const json& j) {
  return {j.at(0).get<double>(), j.at(1).get<double>(), j.at(2).get<double>()};
}

json geometryJson(const core::ImageGeometry& g) {
  json dir = json::array();
  for (int r = 0; r < 3; ++r)
    dir.push_back(json::array({g.direction[r][0], g.direction[r][1], g.direction[r][2]}));
  return {{"size", {g.size[0], g.size[1], g.size[2]}},
          {"spacing_mm", vec(g.spacingMm)},
          {"origin_lps", vec(g.originLps)},
          {"direction", dir}};
}
core::ImageGeometry geometryFrom(const json& j) {
  core::ImageGeometry g;
  for (int a = 0; a < 3; ++a)
    g.size[a] = j.at("size").at(a).get<std::size_t>();
  g.spacingMm = vec(j.at("spacing_mm"));
  g.originLps = vec(j.at("origin_lps"));
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      g.direction[r][c] = j.at("direction").at(r).at(c).get<double>();
  return g;
}

json seriesJson(const SeriesSummary& s) {
  return {{"source", s.source},
          {"series_uid", s.seriesUid},
          {"study_uid", s.studyUid},
          {"frame_of_reference_uid", s.frameOfReferenceUid},
          {"modality", s.modality},
          {"date", s.date},
          {"description", s.description},
          {"patient_id", s.patientId},
          {"patient_name", s.patientName},
          {"geometry", geometryJson(s.geometry)}};
}
SeriesSummary seriesFrom(const json& j) {
  SeriesSummary s;
  s.source = j.at("source").get<std::string>();
  s.seriesUid = j.at("series_uid").get<std::string>();
  s.studyUid = j.at("study_uid").get<std::string>();
  s.frameOfReferenceUid = j.at("frame_of_reference_uid").get<std::string>();
  s.modality = j.at("modality").get<std::string>();
  s.date = j.at("date").get<std::string>();
  s.description = j.at("description").get<std::string>();
  s.patientId = j.at("patient_id").get<std::string>();
  s.patientName = j.at("patient_name").get<std::string>();
  s.geometry = geometryFrom(j.at("geometry"));
  return s;
}

json confirmationJson(const std::optional<Confirmation>& c) {
  if (!c)
    return nullptr;
  return {{"by", c->by}, {"utc", c->utc}, {"note", c->note}};
}

std::optional<Confirmation> confirmationFrom(const json& j) {
  if (j.is_null())
    return std::nullopt;
  return Confirmation{j.at("by").get<std::string>(), j.at("utc").get<std::string>(), j.value("note", std::string())};
}

// "sign_off": who confirmed what (null: not confirmed), and which confirmations are missing.
json signOffJson(const SignOff& s) {
  return {{"livers", confirmationJson(s.livers)},
          {"statuses", confirmationJson(s.statuses)},
          {"complete", s.complete()},
          {"missing", missingConfirmations(s)}};
}

} // namespace

std::vector<std::string> missingConfirmations(const SignOff& s) {
  std::vector<std::string> missing;
  if (!s.livers)
    missing.push_back("livers");
  if (!s.statuses)
    missing.push_back("statuses");
  return missing;
}

std::vector<std::string> provisionalReasons(const PlanSummary& p) {
  std::vector<std::string> reasons;
  if (!p.warnings.empty())
    reasons.push_back(std::to_string(p.warnings.size()) + (p.warnings.size() == 1 ? " warning" : " warnings") +
                      " to check");
  if (!p.signOff.livers)
    reasons.push_back("liver outlines not confirmed");
  if (!p.signOff.statuses)
    reasons.push_back("follow-up statuses not confirmed");
  return reasons;
}

std::string planToJson(const PlanSummary& p) {
  json scenarios = json::array();
  for (const auto& s : p.scenarios)
    scenarios.push_back({{"name", s.name},
                         {"lesion_ids", s.lesionIds},
                         {"resected_ml", s.resectedMl},
                         {"remnant_ml", s.remnantMl},
                         {"usable_remnant_ml", s.usableRemnantMl},
                         {"remnant_pieces", s.remnantPieces},
                         {"flr_percent", s.flrPercent},
                         {"sflr_percent", optionalNumber(s.sflrPercent)}});
  json lesions = json::array();
  for (const auto& l : p.lesions)
    lesions.push_back({{"id", l.id},
                       {"mark", l.markKind},
                       {"status", l.status},
                       {"status_overridden", l.statusOverridden},
                       {"baseline_center_lps", vec(l.baselineCenterLps)},
                       {"baseline_volume_ml", l.baselineVolumeMl},
                       {"baseline_diameter_mm", l.baselineDiameterMm},
                       {"projected_center_lps", vec(l.projectedCenterLps)},
                       {"projected_volume_ml", l.projectedVolumeMl},
                       {"followup_diameter_mm", optionalNumber(l.followupDiameterMm)},
                       {"followup_volume_ml", optionalNumber(l.followupVolumeMl)},
                       {"status_reference_volume_ml", optionalNumber(l.statusReferenceMl)},
                       {"uncertainty_mm", l.uncertaintyMm},
                       {"grow_mm", l.growMm},
                       {"depth_below_surface_mm", l.depthBelowSurfaceMm},
                       {"missing_metastasis", l.missingMetastasis},
                       {"note", l.note}});
  json warnings = json::array();
  for (const auto& w : p.warnings)
    warnings.push_back({{"code", w.code},
                        {"scan", w.scan},
                        {"message", w.message},
                        {"place_lps", w.placeLps ? json(vec(*w.placeLps)) : json(nullptr)},
                        {"value", w.value},
                        {"unit", w.unit}});
  json root = {
      {"vestige_version", p.vestigeVersion},
      {"created_utc", p.createdUtc},
      {"disclaimer", "Research software, not a certified medical device. Volumes are imaging volumes, not weights."},
      {"coordinate_system", "LPS mm"},
      {"baseline", seriesJson(p.baseline)},
      {"followup", seriesJson(p.followup)},
      {"patient",
       {{"height_cm", optionalNumber(p.heightCm)},
        {"weight_kg", optionalNumber(p.weightKg)},
        {"body_size_source", p.bodySizeSource},
        {"liver_condition", name(p.liverCondition)}}},
      {"diagnosis", p.diagnosis},
      {"bsa_formula", name(p.bsaFormula)},
      {"telv_formula", name(p.telvFormula)},
      {"bsa_m2", optionalNumber(p.bsaM2)},
      {"telv_ml", optionalNumber(p.telvMl)},
      {"margin_mm", p.marginMm},
      {"volumes_ml",
       {{"liver", p.liverMl},
        {"tumour", p.tumourMl},
        {"resected", p.resectedMl},
        {"remnant", p.remnantMl},
        {"usable_remnant", p.usableRemnantMl}}},
      {"remnant_pieces", p.remnantPieces},
      {"flr_percent", p.flrPercent},
      {"sflr_percent", optionalNumber(p.sflrPercent)},
      {"flr_threshold_percent", p.flrThresholdPercent},
      {"flr_sufficient", p.flrSufficient},
      {"verdict_provisional", verdictProvisional(p)},
      {"provisional_reasons", provisionalReasons(p)},
      {"warnings", warnings},
      {"sign_off", signOffJson(p.signOff)},
      {"scenarios", scenarios},
      {"lesions", lesions},
      {"registration",
       {{"seconds", p.registration.seconds},
        {"min_jacobian", p.registration.minJacobian},
        {"max_jacobian", p.registration.maxJacobian},
        {"repaired_fold_voxels", p.registration.repairedFoldVoxels},
        {"liver_dice", optionalNumber(p.registration.liverDice)},
        {"metric", p.registration.metric},
        {"folder", p.registration.folder}}},
      {"notes", p.notes}};
  // Strings from headers are UTF-8 already (Dicom decodes them); paths need not be: never fail on a byte.
  return root.dump(2, ' ', false, json::error_handler_t::replace);
}

PlanSummary planFromJson(const std::string& text, const std::string& context) {
  try {
    const json j = json::parse(text);
    PlanSummary p;
    p.vestigeVersion = j.at("vestige_version").get<std::string>();
    p.createdUtc = j.at("created_utc").get<std::string>();
    p.baseline = seriesFrom(j.at("baseline"));
    p.followup = seriesFrom(j.at("followup"));
    p.heightCm = optionalNumber(j.at("patient").at("height_cm"));
    p.weightKg = optionalNumber(j.at("patient").at("weight_kg"));
    p.bodySizeSource = j.at("patient").value("body_size_source", std::string());
    p.liverCondition = parseLiverCondition(j.at("patient").at("liver_condition").get<std::string>()).value();
    p.diagnosis = j.value("diagnosis", std::string("colorectal_metastasis")); // optional: plan files written without it
    p.bsaFormula = parseBsaFormula(j.at("bsa_formula").get<std::string>()).value();
    p.telvFormula = parseTelvFormula(j.at("telv_formula").get<std::string>()).value();
    p.bsaM2 = optionalNumber(j.at("bsa_m2"));
    p.telvMl = optionalNumber(j.at("telv_ml"));
    p.marginMm = j.at("margin_mm").get<double>();
    const json& v = j.at("volumes_ml");
    p.liverMl = v.at("liver").get<double>();
    p.tumourMl = v.at("tumour").get<double>();
    p.resectedMl = v.at("resected").get<double>();
    p.remnantMl = v.at("remnant").get<double>();
    p.usableRemnantMl = v.at("usable_remnant").get<double>();
    p.remnantPieces = j.at("remnant_pieces").get<std::size_t>();
    p.flrPercent = j.at("flr_percent").get<double>();
    p.sflrPercent = optionalNumber(j.at("sflr_percent"));
    p.flrThresholdPercent = j.at("flr_threshold_percent").get<double>();
    p.flrSufficient = j.at("flr_sufficient").get<bool>();
    for (const auto& s : j.at("scenarios")) {
      Scenario sc;
      sc.name = s.at("name").get<std::string>();
      sc.lesionIds = s.at("lesion_ids").get<std::vector<std::string>>();
      sc.resectedMl = s.at("resected_ml").get<double>();
      sc.remnantMl = s.at("remnant_ml").get<double>();
      sc.usableRemnantMl = s.at("usable_remnant_ml").get<double>();
      sc.remnantPieces = s.at("remnant_pieces").get<std::size_t>();
      sc.flrPercent = s.at("flr_percent").get<double>();
      sc.sflrPercent = optionalNumber(s.at("sflr_percent"));
      p.scenarios.push_back(sc);
    }
    for (const auto& l : j.at("lesions")) {
      LesionResult r;
      r.id = l.at("id").get<std::string>();
      r.markKind = l.at("mark").get<std::string>();
      r.status = l.at("status").get<std::string>();
      r.statusOverridden = l.at("status_overridden").get<bool>();
      r.baselineCenterLps = vec(l.at("baseline_center_lps"));
      r.baselineVolumeMl = l.at("baseline_volume_ml").get<double>();
      r.baselineDiameterMm = l.at("baseline_diameter_mm").get<double>();
      r.projectedCenterLps = vec(l.at("projected_center_lps"));
      r.projectedVolumeMl = l.at("projected_volume_ml").get<double>();
      r.followupDiameterMm = optionalNumber(l.at("followup_diameter_mm"));
      r.followupVolumeMl = optionalNumber(l.value("followup_volume_ml", json(nullptr))); // absent before it was kept
      r.statusReferenceMl = optionalNumber(l.value("status_reference_volume_ml", json(nullptr)));
      r.uncertaintyMm = l.at("uncertainty_mm").get<double>();
      r.growMm = l.at("grow_mm").get<double>();
      r.depthBelowSurfaceMm = l.at("depth_below_surface_mm").get<double>();
      r.missingMetastasis = l.at("missing_metastasis").get<bool>();
      r.note = l.value("note", std::string()); // absent in plans made before notes
      p.lesions.push_back(r);
    }
    const json& reg = j.at("registration");
    p.registration.seconds = reg.at("seconds").get<double>();
    p.registration.minJacobian = reg.at("min_jacobian").get<double>();
    p.registration.maxJacobian = reg.at("max_jacobian").get<double>();
    p.registration.repairedFoldVoxels = reg.value("repaired_fold_voxels", std::size_t{0});
    p.registration.liverDice = optionalNumber(reg.at("liver_dice"));
    p.registration.metric = reg.at("metric").get<std::string>();
    p.registration.folder = reg.at("folder").get<std::string>();
    p.notes = j.at("notes").get<std::vector<std::string>>();
    for (const json& w : j.value("warnings", json::array())) {
      PlanWarning pw;
      pw.code = w.at("code").get<std::string>();
      pw.scan = w.at("scan").get<std::string>();
      pw.message = w.at("message").get<std::string>();
      if (!w.at("place_lps").is_null())
        pw.placeLps = vec(w.at("place_lps"));
      pw.value = w.at("value").get<double>();
      pw.unit = w.at("unit").get<std::string>();
      p.warnings.push_back(pw);
    }
    if (j.contains("sign_off")) { // absent in plans made before the sign-off: unconfirmed
      const json& so = j["sign_off"];
      p.signOff.livers = confirmationFrom(so.value("livers", json(nullptr)));
      p.signOff.statuses = confirmationFrom(so.value("statuses", json(nullptr)));
    }
    return p;
  } catch (const json::exception& e) {
    throw Error(ErrorCode::InvalidFormat, std::string("not a Vestige plan.json: ") + e.what(), context);
  } catch (const std::bad_optional_access&) {
    throw Error(ErrorCode::InvalidFormat, "not a Vestige plan.json: unknown formula or condition name", context);
  }
}

void writePlanFolder(const PlanSummary& summary, const PlanMasks& masks, const fs::path& folder) {
  fs::create_directories(folder);
  dicom::writeImage(masks.followup, folder / "followup.nii.gz");
  dicom::writeMask(masks.liver, folder / "liver.nii.gz");
  dicom::writeLabelMap(masks.projectedSites, folder / "projected_sites.nii.gz");
  dicom::writeMask(masks.resection, folder / "resection.nii.gz");
  dicom::writeMask(masks.remnant, folder / "remnant.nii.gz");
  dicom::writeMask(masks.visibleTumour, folder / "visible_tumour.nii.gz");
  // plan.json last: its presence says the folder is complete.
  core::writeTextAtomically(folder / "plan.json", planToJson(summary) + "\n");
}

PlanSummary readPlanSummary(const fs::path& folder) {
  const fs::path file = folder / "plan.json";
  core::requireReadable(file);
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return planFromJson(buffer.str(), file.string());
}

PlanMasks readPlanMasks(const fs::path& folder) {
  PlanMasks m;
  m.followup = dicom::readImage(folder / "followup.nii.gz");
  m.liver = dicom::readMaskFile(folder / "liver.nii.gz");
  m.projectedSites = dicom::readLabelMapFile(folder / "projected_sites.nii.gz");
  m.resection = dicom::readMaskFile(folder / "resection.nii.gz");
  m.remnant = dicom::readMaskFile(folder / "remnant.nii.gz");
  m.visibleTumour = dicom::readMaskFile(folder / "visible_tumour.nii.gz");
  return m;
}

} // namespace vestige::planning
