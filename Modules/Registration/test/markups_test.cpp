// 3D Slicer markups (.mrk.json, schema 1.0.3): what Vestige writes reads back with the same labels and positions,
// RAS and um files are converted to LPS mm, and the written file satisfies every constraint the published schema
// (Slicer's markups-schema-v1.0.3.json) places on the properties it uses.
#include "vestige/core/error.h"
#include "vestige/registration/markups.h"
#include "vestige/registration/registration_io.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

namespace fs = std::filesystem;
using namespace vestige;
using registration::Markup;
using registration::MarkupType;

namespace {

std::vector<Markup> sample() {
  Markup sites{MarkupType::Fiducial, "projected sites", {}};
  sites.points.push_back({"L1", {12.25, -80.5, 1034.125}, "registration uncertainty 1.8 mm"});
  sites.points.push_back({"L2 (segment 7)", {-0.1, 1e-3, -9999.0}, ""});
  Markup line{MarkupType::Line, "diameter", {}};
  line.points.push_back({"A", {1, 2, 3}, ""});
  line.points.push_back({"B", {4.5, 5.5, 6.5}, ""});
  return {sites, line};
}

fs::path writeText(const std::string& tag, const std::string& text) {
  const fs::path file = vestige::testing::freshTempDir("markups-" + tag) / "points.mrk.json";
  std::ofstream(file) << text;
  return file;
}

// The constraints of markups-schema-v1.0.3.json (draft-07) on the keys Vestige writes, checked one by one; every
// failure is reported with its JSON path. The schema allows additional properties everywhere.
void expectNumberArray(const nlohmann::json& j, std::size_t n, const std::string& where) {
  ASSERT_TRUE(j.is_array()) << where;
  EXPECT_EQ(j.size(), n) << where;
  for (const auto& x : j)
    EXPECT_TRUE(x.is_number()) << where;
}

void expectValidMarkupsSchema103(const nlohmann::json& doc) {
  ASSERT_TRUE(doc.is_object()) << "document must be an object";
  ASSERT_TRUE(doc.contains("@schema")) << "required: @schema";
  ASSERT_TRUE(doc.contains("markups")) << "required: markups";
  EXPECT_TRUE(doc["@schema"].is_string());
  EXPECT_EQ(doc["@schema"], registration::kMarkupsSchemaUrl);
  ASSERT_TRUE(doc["markups"].is_array());
  const std::set<std::string> types{"Fiducial", "Line", "Angle", "Curve", "ClosedCurve", "Plane", "ROI"};
  for (std::size_t i = 0; i < doc["markups"].size(); ++i) {
    const auto& m = doc["markups"][i];
    const std::string at = "markups[" + std::to_string(i) + "]";
    ASSERT_TRUE(m.is_object()) << at;
    ASSERT_TRUE(m.contains("type")) << at << ": required type";
    ASSERT_TRUE(m["type"].is_string()) << at;
    EXPECT_TRUE(types.count(m["type"].get<std::string>())) << at << ".type";
    if (m.contains("name")) {
      EXPECT_TRUE(m["name"].is_string()) << at << ".name";
    }
    if (m.contains("coordinateSystem")) {
      ASSERT_TRUE(m["coordinateSystem"].is_string()) << at;
      EXPECT_TRUE(m["coordinateSystem"] == "LPS" || m["coordinateSystem"] == "RAS") << at << ".coordinateSystem";
    }
    if (m.contains("coordinateUnits")) {
      const auto& u = m["coordinateUnits"];
      const bool unitString = u.is_string() && (u == "mm" || u == "um");
      const bool unitCode = u.is_array() && u.size() == 3 && u[0].is_string() && u[1].is_string() && u[2].is_string();
      EXPECT_TRUE(unitString || unitCode) << at << ".coordinateUnits";
    }
    if (!m.contains("controlPoints"))
      continue;
    ASSERT_TRUE(m["controlPoints"].is_array()) << at;
    for (std::size_t k = 0; k < m["controlPoints"].size(); ++k) {
      const auto& p = m["controlPoints"][k];
      const std::string pat = at + ".controlPoints[" + std::to_string(k) + "]";
      ASSERT_TRUE(p.is_object()) << pat;
      for (const char* key : {"id", "label", "description", "associatedNodeID"})
        if (p.contains(key)) {
          EXPECT_TRUE(p[key].is_string()) << pat << "." << key;
        }
      if (p.contains("position"))
        expectNumberArray(p["position"], 3, pat + ".position");
      if (p.contains("orientation"))
        expectNumberArray(p["orientation"], 9, pat + ".orientation");
      for (const char* key : {"selected", "locked", "visibility"})
        if (p.contains(key)) {
          EXPECT_TRUE(p[key].is_boolean()) << pat << "." << key;
        }
      if (p.contains("positionStatus")) {
        ASSERT_TRUE(p["positionStatus"].is_string()) << pat;
        const std::string s = p["positionStatus"];
        EXPECT_TRUE(s == "undefined" || s == "preview" || s == "defined") << pat << ".positionStatus";
      }
    }
  }
}

} // namespace

TEST(Markups, RoundTripKeepsTypesLabelsAndPositions) {
  const fs::path file = vestige::testing::freshTempDir("markups-rt") / "sites.mrk.json";
  registration::writeMarkups(sample(), file);
  const auto back = registration::readMarkups(file);
  const auto expected = sample();
  ASSERT_EQ(back.size(), expected.size());
  for (std::size_t m = 0; m < back.size(); ++m) {
    EXPECT_EQ(back[m].type, expected[m].type);
    EXPECT_EQ(back[m].name, expected[m].name);
    ASSERT_EQ(back[m].points.size(), expected[m].points.size());
    for (std::size_t k = 0; k < back[m].points.size(); ++k) {
      EXPECT_EQ(back[m].points[k].label, expected[m].points[k].label);
      EXPECT_EQ(back[m].points[k].description, expected[m].points[k].description);
      for (int a = 0; a < 3; ++a)
        EXPECT_DOUBLE_EQ(back[m].points[k].lps[a], expected[m].points[k].lps[a]);
    }
  }
  // The generic point reader sees every control point, named by its label.
  const auto points = registration::readPointsJson(file);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[0].name, "L1");
  EXPECT_DOUBLE_EQ(points[3].lps[2], 6.5);
}

TEST(Markups, WrittenFileSatisfiesSlicerSchema103) {
  const fs::path file = vestige::testing::freshTempDir("markups-schema") / "sites.mrk.json";
  registration::writeMarkups(sample(), file);
  std::ifstream in(file);
  const nlohmann::json doc = nlohmann::json::parse(in);
  expectValidMarkupsSchema103(doc);
  // LPS mm, so that Slicer applies no flip.
  for (const auto& m : doc["markups"]) {
    EXPECT_EQ(m["coordinateSystem"], "LPS");
    EXPECT_EQ(m["coordinateUnits"], "mm");
  }
  EXPECT_EQ(doc["markups"][1]["type"], "Line");
}

TEST(Markups, RasAndMicrometresAreConvertedToLpsMm) {
  const auto markups = registration::readMarkups(writeText("ras", R"({"@schema": "x", "markups": [
    {"type": "Fiducial", "coordinateSystem": "RAS", "controlPoints": [
      {"label": "F-1", "position": [10.0, -20.0, 30.0]},
      {"label": "unplaced", "positionStatus": "undefined"}]},
    {"type": "Line", "coordinateSystem": "LPS", "coordinateUnits": "um", "controlPoints": [
      {"label": "a", "position": [1000, 2000, -3000]}, {"label": "b", "position": [0, 0, 500]}]}]})"));
  ASSERT_EQ(markups.size(), 2u);
  ASSERT_EQ(markups[0].points.size(), 1u) << "a point without a position is skipped";
  EXPECT_EQ(markups[0].points[0].label, "F-1");
  EXPECT_DOUBLE_EQ(markups[0].points[0].lps[0], -10.0);
  EXPECT_DOUBLE_EQ(markups[0].points[0].lps[1], 20.0);
  EXPECT_DOUBLE_EQ(markups[0].points[0].lps[2], 30.0);
  EXPECT_EQ(markups[1].type, MarkupType::Line);
  EXPECT_DOUBLE_EQ(markups[1].points[0].lps[0], 1.0);
  EXPECT_DOUBLE_EQ(markups[1].points[0].lps[2], -3.0);
  EXPECT_DOUBLE_EQ(markups[1].points[1].lps[2], 0.5);
}

TEST(Markups, UnsupportedContentIsInvalidFormatNamingTheFile) {
  for (const char* text : {R"({"markups": [{"type": "ROI", "controlPoints": []}]})",
                           R"({"markups": [{"type": "Line", "controlPoints": [{"position": [0, 0, 0]}]}]})",
                           R"({"markups": [{"type": "Fiducial", "coordinateSystem": "XYZ", "controlPoints": []}]})",
                           R"({"markups": [{"type": "Fiducial", "controlPoints": [{"position": [0, "a", 0]}]}]})",
                           R"({"markups": [{"type": "Fiducial", "controlPoints": [{"position": [0, 1e300, 0]}]}]})",
                           R"({"points": []})", "not json"}) {
    SCOPED_TRACE(text);
    const fs::path file = writeText("bad", text);
    try {
      (void)registration::readMarkups(file);
      ADD_FAILURE() << "accepted";
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), core::ErrorCode::InvalidFormat) << e.what();
      EXPECT_EQ(e.context(), file.string());
    }
  }
}

TEST(Markups, FormatIsChosenByName) {
  EXPECT_TRUE(registration::isMarkupsFile("a/b/sites.mrk.json"));
  EXPECT_TRUE(registration::isMarkupsFile("SITES.MRK.JSON"));
  EXPECT_FALSE(registration::isMarkupsFile("sites.json"));
  EXPECT_FALSE(registration::isMarkupsFile(".mrk.json.bak"));
}
