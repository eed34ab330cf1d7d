// 3D Slicer markups JSON (schema 1.0.3) for point lists and lines.
#include "vestige/registration/markups.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>

namespace vestige::registration {

namespace {

using json = nlohmann::json;

[[noreturn]] void invalid(const std::string& message, const std::filesystem::path& path) {
  throw core::Error(core::ErrorCode::InvalidFormat, message, path.string());
}

MarkupType parseType(const json& m, const std::filesystem::path& path) {
  const std::string type = m.at("type").get<std::string>();
  if (type == "Fiducial")
    return MarkupType::Fiducial;
  if (type == "Line")
    return MarkupType::Line;
  invalid("markup type '" + type + "' is not supported (Fiducial or Line)", path);
}

// Factor to mm and the sign of the first two axes (RAS -> LPS flips x and y).
struct Frame {
  double scale = 1.0;
  double flip = 1.0;
};

Frame parseFrame(const json& m, const std::filesystem::path& path) {
  Frame f;
  const std::string system = m.value("coordinateSystem", std::string("LPS"));
  if (system == "RAS")
    f.flip = -1.0;
  else if (system != "LPS")
    invalid("coordinateSystem '" + system + "' is neither LPS nor RAS", path);
  if (m.contains("coordinateUnits")) {
    const json& u = m["coordinateUnits"];
    const std::string unit = u.is_array() && !u.empty() ? u[0].get<std::string>() : u.get<std::string>();
    if (unit == "um")
      f.scale = 0.001;
    else if (unit != "mm")
      invalid("coordinateUnits '" + unit + "' is neither mm nor um", path);
  }
  return f;
}

core::Vec3 readPosition(const json& p, const Frame& frame, const std::filesystem::path& path) {
  const json& pos = p.at("position");
  if (!pos.is_array() || pos.size() != 3 || !pos[0].is_number() || !pos[1].is_number() || !pos[2].is_number())
    invalid("control point 'position' must be an array of 3 numbers", path);
  core::Vec3 v{frame.flip * pos[0].get<double>(), frame.flip * pos[1].get<double>(), pos[2].get<double>()};
  for (double& x : v) {
    x *= frame.scale;
    // Same bound as the tool's own point files: beyond 10 m is a typo or a corrupt file, not a patient.
    if (!std::isfinite(x) || std::abs(x) > 1e4)
      invalid("control point position is not a finite coordinate within 10 m", path);
  }
  return v;
}

} // namespace

const char* markupTypeName(MarkupType type) noexcept {
  return type == MarkupType::Line ? "Line" : "Fiducial";
}

bool isMarkupsFile(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::string suffix = ".mrk.json";
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<Markup> readMarkups(const std::filesystem::path& path) {
  core::requireReadable(path);
  std::ifstream in(path);
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    invalid(std::string("not valid JSON: ") + e.what(), path);
  }
  std::vector<Markup> out;
  try {
    if (!j.is_object() || !j.contains("markups") || !j["markups"].is_array())
      invalid("not a 3D Slicer markups file (no 'markups' array)", path);
    for (const json& m : j["markups"]) {
      Markup markup;
      markup.type = parseType(m, path);
      markup.name = m.value("name", std::string());
      const Frame frame = parseFrame(m, path);
      for (const json& p : m.value("controlPoints", json::array())) {
        if (p.value("positionStatus", std::string("defined")) == "undefined")
          continue;
        MarkupPoint point;
        point.label = p.value("label", std::string());
        point.description = p.value("description", std::string());
        point.lps = readPosition(p, frame, path);
        markup.points.push_back(point);
      }
      if (markup.type == MarkupType::Line && markup.points.size() != 2)
        invalid("Line markup '" + markup.name + "' has " + std::to_string(markup.points.size()) +
                    " positioned control points, not 2",
                path);
      out.push_back(std::move(markup));
    }
  } catch (const json::exception& e) {
    invalid(std::string("unexpected content: ") + e.what(), path);
  }
  return out;
}

void writeMarkups(const std::vector<Markup>& markups, const std::filesystem::path& path) {
  json list = json::array();
  for (const Markup& m : markups) {
    json points = json::array();
    for (std::size_t k = 0; k < m.points.size(); ++k) {
      const MarkupPoint& p = m.points[k];
      points.push_back({{"id", std::to_string(k + 1)},
                        {"label", p.label},
                        {"description", p.description},
                        {"position", {p.lps[0], p.lps[1], p.lps[2]}},
                        {"positionStatus", "defined"}});
    }
    list.push_back({{"type", markupTypeName(m.type)},
                    {"name", m.name},
                    {"coordinateSystem", "LPS"},
                    {"coordinateUnits", "mm"},
                    {"controlPoints", points}});
  }
  const json out = {{"@schema", kMarkupsSchemaUrl}, {"markups", list}};
  core::writeTextAtomically(path, out.dump(4, ' ', false, json::error_handler_t::replace) + "\n");
}

} // namespace vestige::registration
