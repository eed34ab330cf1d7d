#include "vestige/planning/case_file.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace vestige::planning {

using core::Error;
using core::ErrorCode;

namespace {

class Reader {
public:
  explicit Reader(fs::path file) : m_file(std::move(file)), m_folder(m_file.parent_path()) {}

  [[noreturn]] void fail(ErrorCode code, const std::string& key, const std::string& what) const {
    throw Error(code, what, m_file.filename().string() + ": " + key);
  }

  void onlyKeys(const json& obj, const std::string& where, const std::set<std::string>& allowed) const {
    if (!obj.is_object())
      fail(ErrorCode::InvalidArgument, where, "must be an object");
    for (auto it = obj.begin(); it != obj.end(); ++it)
      if (!allowed.count(it.key())) {
        std::string list;
        for (const auto& a : allowed)
          list += (list.empty() ? "" : ", ") + a;
        fail(ErrorCode::InvalidArgument, join(where, it.key()), "unknown key (allowed: " + list + ")");
      }
  }

  static std::string join(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
  }

  double number(const json& v, const std::string& key) const {
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      fail(ErrorCode::InvalidArgument, key, "must be a finite number");
    return v.get<double>();
  }

  std::string text(const json& v, const std::string& key) const {
    if (!v.is_string())
      fail(ErrorCode::InvalidArgument, key, "must be a string");
    return v.get<std::string>();
  }

  core::Vec3 point(const json& v, const std::string& key) const {
    if (!v.is_array() || v.size() != 3)
      fail(ErrorCode::InvalidArgument, key, "must be [x, y, z] in LPS mm");
    core::Vec3 p{};
    for (int a = 0; a < 3; ++a)
      p[a] = number(v[a], key + "[" + std::to_string(a) + "]");
    return p;
  }

  fs::path existingPath(const json& v, const std::string& key) const {
    const std::string s = text(v, key);
    if (s.empty())
      fail(ErrorCode::InvalidArgument, key, "is empty");
    fs::path p(s);
    if (p.is_relative())
      p = m_folder / p;
    std::error_code ec;
    if (!fs::exists(p, ec))
      fail(ErrorCode::NotFound, key, "no such file or folder: " + p.string());
    return fs::absolute(p).lexically_normal();
  }

  SeriesRef series(const json& v, const std::string& key) const {
    if (v.is_string())
      return {existingPath(v, key), {}, {}, {}};
    onlyKeys(v, key, {"series", "series_uid", "pacs", "study_uid"});
    SeriesRef r;
    if (v.contains("series_uid"))
      r.seriesUid = text(v["series_uid"], key + ".series_uid");
    if (v.contains("pacs")) {
      // A series in a PACS: retrieved into a cache folder before the plan runs (fetchPacsSeries).
      if (v.contains("series"))
        fail(ErrorCode::InvalidArgument, key, "gives both series and pacs: one source only");
      r.pacs = text(v["pacs"], key + ".pacs");
      for (const char* required : {"study_uid", "series_uid"})
        if (!v.contains(required))
          fail(ErrorCode::InvalidArgument, key + "." + required, "is required with pacs");
      r.studyUid = text(v["study_uid"], key + ".study_uid");
      if (r.pacs.empty() || r.studyUid.empty() || r.seriesUid.empty())
        fail(ErrorCode::InvalidArgument, key, "pacs, study_uid and series_uid must not be empty");
      return r;
    }
    if (!v.contains("series"))
      fail(ErrorCode::InvalidArgument, key + ".series", "is required (or pacs, study_uid and series_uid)");
    r.series = existingPath(v["series"], key + ".series");
    return r;
  }

  LesionSpec lesion(const json& v, std::size_t index) const {
    const std::string key = "lesions[" + std::to_string(index) + "]";
    onlyKeys(v, key, {"id", "mask", "segment", "center", "diameter_mm", "click", "markup", "followup_status", "note"});
    LesionSpec l;
    l.key = key;
    if (!v.contains("id"))
      fail(ErrorCode::InvalidArgument, key + ".id", "is required");
    l.id = text(v["id"], key + ".id");
    if (l.id.empty())
      fail(ErrorCode::InvalidArgument, key + ".id", "is empty");
    const int kinds =
        int(v.contains("mask")) + int(v.contains("center")) + int(v.contains("click")) + int(v.contains("markup"));
    if (kinds != 1)
      fail(ErrorCode::InvalidArgument, key, "needs exactly one of mask, center (+ diameter_mm), click, markup");
    if (v.contains("mask")) {
      l.kind = LesionMarkKind::Mask;
      l.mask = existingPath(v["mask"], key + ".mask");
      if (v.contains("segment")) {
        const double s = number(v["segment"], key + ".segment");
        if (s < 1 || s != double(unsigned(s)))
          fail(ErrorCode::InvalidArgument, key + ".segment", "must be a positive integer");
        l.segment = unsigned(s);
      }
    } else if (v.contains("center")) {
      l.kind = LesionMarkKind::CenterDiameter;
      l.centerLps = point(v["center"], key + ".center");
      if (!v.contains("diameter_mm"))
        fail(ErrorCode::InvalidArgument, key + ".diameter_mm", "is required with center");
      l.diameterMm = number(v["diameter_mm"], key + ".diameter_mm");
      if (!(l.diameterMm > 0.0 && l.diameterMm < 300.0))
        fail(ErrorCode::InvalidArgument, key + ".diameter_mm", "must be between 0 and 300 mm");
    } else if (v.contains("click")) {
      l.kind = LesionMarkKind::Click;
      l.clickLps = point(v["click"], key + ".click");
    } else {
      l.kind = LesionMarkKind::Markup;
      l.markup = existingPath(v["markup"], key + ".markup");
    }
    if (v.contains("diameter_mm") && l.kind == LesionMarkKind::Markup) {
      l.diameterMm = number(v["diameter_mm"], key + ".diameter_mm"); // for a fiducial markup
      if (!(l.diameterMm > 0.0 && l.diameterMm < 300.0))
        fail(ErrorCode::InvalidArgument, key + ".diameter_mm", "must be between 0 and 300 mm");
    }
    if ((v.contains("segment") && l.kind != LesionMarkKind::Mask) ||
        (v.contains("diameter_mm") && l.kind != LesionMarkKind::CenterDiameter && l.kind != LesionMarkKind::Markup))
      fail(ErrorCode::InvalidArgument, key, "segment goes with mask, diameter_mm with center or a fiducial markup");
    if (v.contains("followup_status")) {
      l.followupStatus = text(v["followup_status"], key + ".followup_status");
      if (l.followupStatus != "visible" && l.followupStatus != "shrunk" && l.followupStatus != "disappeared")
        fail(ErrorCode::InvalidArgument, key + ".followup_status", "must be visible, shrunk or disappeared");
    }
    if (v.contains("note"))
      l.note = text(v["note"], key + ".note");
    return l;
  }

  // {"by": "...", "utc": "2026-12-03T19:40:59Z", "note": "..."}: who confirmed, and when (UTC, ISO 8601).
  Confirmation confirmation(const json& v, const std::string& key) const {
    onlyKeys(v, key, {"by", "utc", "note"});
    Confirmation c;
    for (const char* required : {"by", "utc"})
      if (!v.contains(required))
        fail(ErrorCode::InvalidArgument, key + "." + required, "is required");
    c.by = text(v["by"], key + ".by");
    if (c.by.empty())
      fail(ErrorCode::InvalidArgument, key + ".by", "is empty");
    c.utc = text(v["utc"], key + ".utc");
    if (!isUtcTime(c.utc))
      fail(ErrorCode::InvalidArgument, key + ".utc", "must be a UTC time like 2026-12-03T19:40:59Z");
    if (v.contains("note"))
      c.note = text(v["note"], key + ".note");
    return c;
  }

  // YYYY-MM-DDTHH:MM:SSZ with plausible fields (a time typed by hand is checked, not just its length).
  static bool isUtcTime(const std::string& t) {
    if (t.size() != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t[19] != 'Z')
      return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
      if (t[i] < '0' || t[i] > '9')
        return false;
    const int month = std::stoi(t.substr(5, 2)), day = std::stoi(t.substr(8, 2));
    const int hour = std::stoi(t.substr(11, 2)), minute = std::stoi(t.substr(14, 2)),
              second = std::stoi(t.substr(17, 2));
    return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60;
  }

  SignOff signOff(const json& v) const {
    onlyKeys(v, "sign_off", {"livers", "statuses"});
    SignOff s;
    if (v.contains("livers"))
      s.livers = confirmation(v["livers"], "sign_off.livers");
    if (v.contains("statuses"))
      s.statuses = confirmation(v["statuses"], "sign_off.statuses");
    return s;
  }

  CaseFile read(const json& root) const {
    onlyKeys(root, "",
             {"patient", "baseline", "followup", "followup_liver", "baseline_liver", "lesions", "margin_mm",
              "bsa_formula", "telv_formula", "registration_metric", "diagnosis", "comment", "sign_off"});
    CaseFile c;
    c.file = m_file;
    for (const char* required : {"baseline", "followup", "lesions"})
      if (!root.contains(required))
        fail(ErrorCode::InvalidArgument, required, "is required");
    if (root.contains("patient")) {
      const json& p = root["patient"];
      onlyKeys(p, "patient", {"height_cm", "weight_kg", "liver_condition"});
      if (p.contains("height_cm") && !p["height_cm"].is_null())
        c.patient.heightCm = number(p["height_cm"], "patient.height_cm");
      if (p.contains("weight_kg") && !p["weight_kg"].is_null())
        c.patient.weightKg = number(p["weight_kg"], "patient.weight_kg");
      // Checked here, not when sFLR is computed minutes later: the range of living patients (a newborn is about
      // 50 cm and 3 kg; the tallest and heaviest recorded people stay under 275 cm and 650 kg).
      if (c.patient.heightCm && !(*c.patient.heightCm >= 40.0 && *c.patient.heightCm <= 275.0))
        fail(ErrorCode::InvalidArgument, "patient.height_cm", "must be between 40 and 275 cm");
      if (c.patient.weightKg && !(*c.patient.weightKg >= 2.0 && *c.patient.weightKg <= 650.0))
        fail(ErrorCode::InvalidArgument, "patient.weight_kg", "must be between 2 and 650 kg");
      if (p.contains("liver_condition")) {
        const auto cond = parseLiverCondition(text(p["liver_condition"], "patient.liver_condition"));
        if (!cond)
          fail(ErrorCode::InvalidArgument, "patient.liver_condition", "must be normal, chemotherapy or cirrhosis");
        c.patient.liverCondition = *cond;
      }
    }
    if (root.contains("diagnosis")) {
      c.diagnosis = text(root["diagnosis"], "diagnosis");
      if (c.diagnosis != "colorectal_metastasis" && c.diagnosis != "hcc")
        fail(ErrorCode::InvalidArgument, "diagnosis", "must be colorectal_metastasis or hcc");
    }
    c.baseline = series(root["baseline"], "baseline");
    c.followup = series(root["followup"], "followup");
    if (root.contains("followup_liver"))
      c.followupLiver = existingPath(root["followup_liver"], "followup_liver");
    if (root.contains("baseline_liver"))
      c.baselineLiver = existingPath(root["baseline_liver"], "baseline_liver");
    const json& lesions = root["lesions"];
    if (!lesions.is_array())
      fail(ErrorCode::InvalidArgument, "lesions", "must be a list");
    std::set<std::string> ids;
    for (std::size_t k = 0; k < lesions.size(); ++k) {
      c.lesions.push_back(lesion(lesions[k], k));
      if (!ids.insert(c.lesions.back().id).second)
        fail(ErrorCode::InvalidArgument, "lesions[" + std::to_string(k) + "].id",
             "duplicate id '" + c.lesions.back().id + "'");
    }
    if (root.contains("margin_mm")) {
      c.marginMm = number(root["margin_mm"], "margin_mm");
      if (!(c.marginMm >= 0.0 && c.marginMm <= 50.0))
        fail(ErrorCode::InvalidArgument, "margin_mm", "must be between 0 and 50 mm");
    }
    if (root.contains("bsa_formula")) {
      const auto f = parseBsaFormula(text(root["bsa_formula"], "bsa_formula"));
      if (!f)
        fail(ErrorCode::InvalidArgument, "bsa_formula", "must be mosteller or dubois");
      c.bsaFormula = *f;
    }
    if (root.contains("telv_formula")) {
      const auto f = parseTelvFormula(text(root["telv_formula"], "telv_formula"));
      if (!f)
        fail(ErrorCode::InvalidArgument, "telv_formula", "must be vauthey, urata or heinemann");
      c.telvFormula = *f;
    }
    if (root.contains("registration_metric")) {
      c.registrationMetric = text(root["registration_metric"], "registration_metric");
      if (c.registrationMetric != "auto" && c.registrationMetric != "ncc" && c.registrationMetric != "mi")
        fail(ErrorCode::InvalidArgument, "registration_metric", "must be auto, ncc or mi");
    }
    if (root.contains("sign_off"))
      c.signOff = signOff(root["sign_off"]);
    return c;
  }

private:
  fs::path m_file;
  fs::path m_folder;
};

} // namespace

CaseFile parseCaseFile(const std::string& text, const fs::path& file) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::out_of_range& e) { // a number beyond double, e.g. 1e400
    throw Error(ErrorCode::InvalidArgument, std::string("a number out of range: ") + e.what(), file.string());
  } catch (const json::exception& e) {
    throw Error(ErrorCode::InvalidFormat, std::string("not valid JSON: ") + e.what(), file.string());
  }
  try {
    return Reader(fs::absolute(file)).read(root);
  } catch (const json::exception& e) { // a value of a type the reader did not check: still the file's fault
    throw Error(ErrorCode::InvalidArgument, std::string("unexpected content: ") + e.what(), file.string());
  }
}

CaseFile readCaseFile(const fs::path& file) {
  core::requireReadable(file);
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in && !in.eof())
    throw Error(ErrorCode::Io, "read failed", file.string());
  return parseCaseFile(buffer.str(), file);
}

const char* name(LesionMarkKind kind) noexcept {
  switch (kind) {
  case LesionMarkKind::Mask:
    return "mask";
  case LesionMarkKind::CenterDiameter:
    return "center+diameter";
  case LesionMarkKind::Click:
    return "click";
  case LesionMarkKind::Markup:
    return "markup";
  }
  return "?";
}

} // namespace vestige::planning
