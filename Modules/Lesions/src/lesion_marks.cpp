#include "vestige/lesions/lesion_marks.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/segmentation/lesion_segmentation.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace vestige::lesions {

namespace {

using core::Error;
using core::ErrorCode;
using nlohmann::json;

json parseFile(const std::filesystem::path& file) {
  core::requireReadable(file);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  try {
    return json::parse(text.str());
  } catch (const json::exception& e) {
    throw Error(ErrorCode::InvalidFormat, std::string("not valid JSON: ") + e.what(), file.string());
  }
}

// Upper-cased "LPS" / "RAS"; anything else is refused.
bool isRas(const json& node, const std::string& context) {
  if (!node.is_string())
    throw Error(ErrorCode::InvalidFormat, "coordinate system must be \"LPS\" or \"RAS\"", context);
  std::string s = node.get<std::string>();
  for (auto& c : s)
    c = char(std::toupper(static_cast<unsigned char>(c)));
  if (s != "LPS" && s != "RAS")
    throw Error(ErrorCode::InvalidFormat, "unknown coordinate system \"" + node.get<std::string>() + "\" (LPS or RAS)",
                context);
  return s == "RAS";
}

core::Vec3 readPoint(const json& node, bool ras, const std::string& context) {
  if (!node.is_array() || node.size() != 3 || !node[0].is_number() || !node[1].is_number() || !node[2].is_number())
    throw Error(ErrorCode::InvalidFormat, "a position must be three numbers [x, y, z]", context);
  core::Vec3 p{node[0].get<double>(), node[1].get<double>(), node[2].get<double>()};
  if (ras) { // RAS -> LPS: the first two axes point the other way
    p[0] = -p[0];
    p[1] = -p[1];
  }
  return p;
}

} // namespace

const char* markKindName(MarkKind kind) noexcept {
  switch (kind) {
  case MarkKind::Mask:
    return "mask";
  case MarkKind::Point:
    return "point";
  case MarkKind::Line:
    return "line";
  case MarkKind::Click:
    return "click";
  }
  return "point";
}

LesionMark pointMark(const std::string& id, const core::Vec3& centreLps, double diameterMm) {
  if (!(diameterMm > 0.0) || !std::isfinite(diameterMm))
    throw Error(ErrorCode::InvalidArgument, "diameter_mm must be a positive number", "lesion " + id);
  LesionMark m;
  m.id = id;
  m.kind = MarkKind::Point;
  m.centreLps = centreLps;
  m.diameterMm = diameterMm;
  return m;
}

LesionMark lineMark(const std::string& id, const core::Vec3& startLps, const core::Vec3& endLps) {
  const double length = core::distanceMm(startLps, endLps);
  if (!(length > 0.0))
    throw Error(ErrorCode::InvalidArgument, "a line markup needs two distinct points", "lesion " + id);
  LesionMark m;
  m.id = id;
  m.kind = MarkKind::Line;
  m.centreLps = core::scale(core::add(startLps, endLps), 0.5);
  m.diameterMm = length;
  m.lineStartLps = startLps;
  m.lineEndLps = endLps;
  return m;
}

LesionMark clickMark(const std::string& id, const core::Vec3& clickLps) {
  LesionMark m;
  m.id = id;
  m.kind = MarkKind::Click;
  m.centreLps = clickLps;
  return m;
}

LesionMark maskMark(const std::string& id, const std::filesystem::path& maskFile) {
  LesionMark m;
  m.id = id;
  m.kind = MarkKind::Mask;
  m.maskFile = maskFile;
  return m;
}

std::vector<Markup> readSlicerMarkups(const std::filesystem::path& file) {
  const json root = parseFile(file);
  const std::string ctx = file.string();
  if (!root.is_object() || !root.contains("markups") || !root["markups"].is_array())
    throw Error(ErrorCode::InvalidFormat, "no \"markups\" array (not a 3D Slicer .mrk.json file?)", ctx + ": markups");
  std::vector<Markup> out;
  for (std::size_t m = 0; m < root["markups"].size(); ++m) {
    const json& node = root["markups"][m];
    const std::string mctx = ctx + ": markups[" + std::to_string(m) + "]";
    if (!node.is_object())
      throw Error(ErrorCode::InvalidFormat, "a markup must be an object", mctx);
    Markup markup;
    markup.type = node.value("type", "");
    markup.name = node.value("name", "");
    const bool ras = node.contains("coordinateSystem") && isRas(node["coordinateSystem"], mctx + ".coordinateSystem");
    if (node.contains("controlPoints")) {
      if (!node["controlPoints"].is_array())
        throw Error(ErrorCode::InvalidFormat, "controlPoints must be an array", mctx + ".controlPoints");
      for (std::size_t p = 0; p < node["controlPoints"].size(); ++p) {
        const json& cp = node["controlPoints"][p];
        const std::string pctx = mctx + ".controlPoints[" + std::to_string(p) + "]";
        if (!cp.is_object() || !cp.contains("position"))
          throw Error(ErrorCode::InvalidFormat, "control point without \"position\"", pctx);
        // Slicer keeps removed-but-listed points as "undefined"; they carry no position the user placed.
        if (cp.value("positionStatus", "defined") != "defined")
          continue;
        markup.points.push_back({cp.value("label", ""), readPoint(cp["position"], ras, pctx + ".position")});
      }
    }
    out.push_back(std::move(markup));
  }
  return out;
}

std::vector<LesionMark> marksFromMarkups(const std::vector<Markup>& markups, double fiducialDiameterMm) {
  std::vector<LesionMark> marks;
  for (const auto& markup : markups) {
    if (markup.type == "Fiducial") {
      for (const auto& p : markup.points)
        marks.push_back(pointMark(p.label, p.positionLps, fiducialDiameterMm));
    } else if (markup.type == "Line") {
      if (markup.points.size() != 2)
        throw Error(ErrorCode::InvalidFormat,
                    "a line markup needs exactly 2 control points, found " + std::to_string(markup.points.size()),
                    "markup " + markup.name);
      marks.push_back(lineMark(markup.name, markup.points[0].positionLps, markup.points[1].positionLps));
    } else {
      throw Error(ErrorCode::Unsupported,
                  "markup type \"" + markup.type + "\" is not a lesion mark (use Fiducial or Line)",
                  "markup " + markup.name);
    }
  }
  std::set<std::string> seen;
  bool unique = true;
  for (const auto& m : marks)
    unique = unique && !m.id.empty() && seen.insert(m.id).second;
  if (!unique)
    for (std::size_t i = 0; i < marks.size(); ++i)
      marks[i].id = "L" + std::to_string(i + 1);
  return marks;
}

std::vector<LesionMark> readPointMarks(const std::filesystem::path& file) {
  const json root = parseFile(file);
  const std::string ctx = file.string();
  if (!root.is_object() || !root.contains("lesions") || !root["lesions"].is_array())
    throw Error(ErrorCode::InvalidFormat, "no \"lesions\" array", ctx + ": lesions");
  for (const auto& [key, value] : root.items())
    if (key != "lesions" && key != "coordinate_system")
      throw Error(ErrorCode::InvalidFormat, "unknown key \"" + key + "\"", ctx + ": " + key);
  const bool ras = root.contains("coordinate_system") && isRas(root["coordinate_system"], ctx + ": coordinate_system");
  std::vector<LesionMark> marks;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < root["lesions"].size(); ++i) {
    const json& l = root["lesions"][i];
    const std::string lctx = ctx + ": lesions[" + std::to_string(i) + "]";
    if (!l.is_object() || !l.contains("id") || !l["id"].is_string() || !l.contains("center") ||
        !l.contains("diameter_mm") || !l["diameter_mm"].is_number())
      throw Error(ErrorCode::InvalidFormat, "each lesion needs \"id\", \"center\" and \"diameter_mm\"", lctx);
    for (const auto& [key, value] : l.items())
      if (key != "id" && key != "center" && key != "diameter_mm")
        throw Error(ErrorCode::InvalidFormat, "unknown key \"" + key + "\"", lctx + "." + key);
    const std::string id = l["id"].get<std::string>();
    if (!ids.insert(id).second)
      throw Error(ErrorCode::InvalidFormat, "duplicate lesion id \"" + id + "\"", lctx + ".id");
    marks.push_back(pointMark(id, readPoint(l["center"], ras, lctx + ".center"), l["diameter_mm"].get<double>()));
  }
  return marks;
}

core::Mask ballMask(const core::ImageGeometry& g, const core::Vec3& centreLps, double diameterMm) {
  core::Mask m(g, 0);
  const double r = 0.5 * diameterMm;
  for (std::size_t k = 0, v = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i, ++v)
        m.voxels[v] = core::distanceMm(g.indexToLps({double(i), double(j), double(k)}), centreLps) <= r ? 1 : 0;
  return m;
}

core::Mask resolveMark(const LesionMark& mark, const core::Image& baseline, const core::Mask* baselineLiver) {
  const std::string ctx = "lesion " + mark.id;
  core::Mask mask;
  switch (mark.kind) {
  case MarkKind::Mask:
    mask = dicom::conformMask(dicom::loadMask(mark.maskFile), baseline.geometry,
                              ctx + " (" + mark.maskFile.string() + ")");
    break;
  case MarkKind::Click: {
    segmentation::LesionClickOptions options;
    options.liver = baselineLiver;
    mask = segmentation::segmentLesionFromClick(baseline, mark.centreLps, options).mask;
    break;
  }
  case MarkKind::Point:
  case MarkKind::Line:
    if (!baseline.geometry.contains(baseline.geometry.lpsToIndex(mark.centreLps)))
      throw Error(ErrorCode::InvalidArgument,
                  "centre " + core::formatVec(mark.centreLps) + " lies outside the baseline image (" +
                      core::describe(baseline.geometry) + ")",
                  ctx);
    mask = ballMask(baseline.geometry, mark.centreLps, mark.diameterMm);
    break;
  }
  if (core::countNonZero(mask) == 0)
    throw Error(ErrorCode::InvalidArgument, "the mark covers no voxel of the baseline image", ctx);
  return mask;
}

} // namespace vestige::lesions
