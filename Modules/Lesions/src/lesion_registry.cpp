#include "vestige/lesions/lesion_registry.h"

#include "vestige/core/error.h"
#include "vestige/segmentation/mask_metrics.h"

#include <nlohmann/json.hpp>

#include <set>

namespace vestige::lesions {

namespace {

using core::Error;
using core::ErrorCode;
using nlohmann::json;

const char* sourceName(StatusSource s) noexcept {
  switch (s) {
  case StatusSource::Image:
    return "image";
  case StatusSource::Radiologist:
    return "radiologist";
  case StatusSource::None:
    break;
  }
  return "none";
}

StatusSource parseSource(const std::string& s, const std::string& ctx) {
  if (s == "image")
    return StatusSource::Image;
  if (s == "radiologist")
    return StatusSource::Radiologist;
  if (s == "none")
    return StatusSource::None;
  throw Error(ErrorCode::InvalidFormat, "unknown status_source \"" + s + "\" (image, radiologist, none)", ctx);
}

MarkKind parseKind(const std::string& s, const std::string& ctx) {
  for (MarkKind k : {MarkKind::Mask, MarkKind::Point, MarkKind::Line, MarkKind::Click})
    if (s == markKindName(k))
      return k;
  throw Error(ErrorCode::InvalidFormat, "unknown mark \"" + s + "\" (mask, point, line, click)", ctx);
}

template <class T> T field(const json& node, const char* key, const std::string& ctx) {
  if (!node.contains(key))
    throw Error(ErrorCode::InvalidFormat, std::string("missing key \"") + key + "\"", ctx);
  try {
    return node.at(key).get<T>();
  } catch (const json::exception&) {
    throw Error(ErrorCode::InvalidFormat, std::string("wrong type for \"") + key + "\"", ctx + "." + key);
  }
}

} // namespace

const char* statusName(LesionStatus status) noexcept {
  switch (status) {
  case LesionStatus::Visible:
    return "visible";
  case LesionStatus::Shrunk:
    return "shrunk";
  case LesionStatus::Disappeared:
    return "disappeared";
  case LesionStatus::Unknown:
    break;
  }
  return "unknown";
}

LesionStatus parseStatus(const std::string& name) {
  for (LesionStatus s : {LesionStatus::Unknown, LesionStatus::Visible, LesionStatus::Shrunk, LesionStatus::Disappeared})
    if (name == statusName(s))
      return s;
  throw Error(ErrorCode::InvalidArgument, "unknown lesion status \"" + name + "\" (visible, shrunk, disappeared)",
              "status");
}

LesionSite siteFromMask(const LesionMark& mark, const core::Mask& baselineMask) {
  if (core::countNonZero(baselineMask) == 0)
    throw Error(ErrorCode::InconsistentData, "empty baseline mask", "lesion " + mark.id);
  LesionSite site;
  site.id = mark.id;
  site.markKind = mark.kind;
  site.baselineCentreLps = segmentation::centroidLps(baselineMask);
  site.baselineVolumeMl = core::maskVolumeMl(baselineMask);
  // A line is the radiologist's own measurement of the longest diameter: keep it rather than re-measure a ball.
  site.baselineDiameterMm =
      mark.kind == MarkKind::Line ? mark.diameterMm : segmentation::longestDiameterMm(baselineMask);
  return site;
}

void addSite(LesionRegistry& registry, LesionSite site) {
  if (site.id.empty())
    throw Error(ErrorCode::InvalidArgument, "a lesion site needs an ID", "lesions");
  for (const auto& s : registry.sites)
    if (s.id == site.id)
      throw Error(ErrorCode::InvalidArgument, "duplicate lesion ID \"" + site.id + "\"", "lesions");
  registry.sites.push_back(std::move(site));
}

LesionSite& findSite(LesionRegistry& registry, const std::string& id) {
  for (auto& s : registry.sites)
    if (s.id == id)
      return s;
  throw Error(ErrorCode::NotFound, "no lesion site \"" + id + "\"", "lesions");
}

std::string registryToJson(const LesionRegistry& registry) {
  json sites = json::array();
  for (const auto& s : registry.sites) {
    json j;
    j["id"] = s.id;
    j["mark"] = markKindName(s.markKind);
    j["baseline_center_lps"] = {s.baselineCentreLps[0], s.baselineCentreLps[1], s.baselineCentreLps[2]};
    j["baseline_volume_ml"] = s.baselineVolumeMl;
    j["baseline_diameter_mm"] = s.baselineDiameterMm;
    j["status"] = statusName(s.status);
    j["status_source"] = sourceName(s.statusSource);
    j["followup_volume_ml"] = s.followupVolumeMl;
    j["followup_diameter_mm"] = s.followupDiameterMm ? json(*s.followupDiameterMm) : json(nullptr);
    sites.push_back(j);
  }
  return json{{"coordinate_system", "LPS"}, {"sites", sites}}.dump(2);
}

LesionRegistry registryFromJson(const std::string& text, const std::string& context) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(ErrorCode::InvalidFormat, std::string("not valid JSON: ") + e.what(), context);
  }
  if (!root.is_object() || !root.contains("sites") || !root["sites"].is_array())
    throw Error(ErrorCode::InvalidFormat, "no \"sites\" array", context);
  if (root.value("coordinate_system", "LPS") != "LPS")
    throw Error(ErrorCode::InvalidFormat, "a registry is stored in LPS", context + ": coordinate_system");
  LesionRegistry registry;
  for (std::size_t i = 0; i < root["sites"].size(); ++i) {
    const json& j = root["sites"][i];
    const std::string ctx = context + ": sites[" + std::to_string(i) + "]";
    LesionSite s;
    s.id = field<std::string>(j, "id", ctx);
    s.markKind = parseKind(field<std::string>(j, "mark", ctx), ctx + ".mark");
    const auto c = field<std::vector<double>>(j, "baseline_center_lps", ctx);
    if (c.size() != 3)
      throw Error(ErrorCode::InvalidFormat, "baseline_center_lps needs 3 numbers", ctx + ".baseline_center_lps");
    s.baselineCentreLps = {c[0], c[1], c[2]};
    s.baselineVolumeMl = field<double>(j, "baseline_volume_ml", ctx);
    s.baselineDiameterMm = field<double>(j, "baseline_diameter_mm", ctx);
    try {
      s.status = parseStatus(field<std::string>(j, "status", ctx));
    } catch (const Error& e) {
      throw Error(ErrorCode::InvalidFormat, e.message(), ctx + ".status");
    }
    s.statusSource = parseSource(field<std::string>(j, "status_source", ctx), ctx + ".status_source");
    s.followupVolumeMl = field<double>(j, "followup_volume_ml", ctx);
    if (j.contains("followup_diameter_mm") && !j["followup_diameter_mm"].is_null())
      s.followupDiameterMm = field<double>(j, "followup_diameter_mm", ctx);
    try {
      addSite(registry, s);
    } catch (const Error& e) {
      throw Error(ErrorCode::InvalidFormat, e.message(), ctx + ".id");
    }
  }
  return registry;
}

} // namespace vestige::lesions
