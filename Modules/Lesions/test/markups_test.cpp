// Lesion marks from files written by hand: 3D Slicer .mrk.json (fiducial and line, LPS and RAS) must import to the
// same LPS points; point-mark JSON likewise; malformed files fail with an error naming the file and key.
#include "vestige/core/error.h"
#include "vestige/lesions/lesion_marks.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace vestige;
namespace fs = std::filesystem;

namespace {

fs::path write(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

void expectNear(const core::Vec3& a, const core::Vec3& b) {
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(a[i], b[i], 1e-9) << "axis " << i;
}

// Two lesions in LPS: L1 at (-40.5, 12.25, -310), L2 a line from (30, -20, -300) to (30, -8, -295).
const core::Vec3 kL1{-40.5, 12.25, -310.0};
const core::Vec3 kL2a{30.0, -20.0, -300.0}, kL2b{30.0, -8.0, -295.0};

const char* kFiducialLps = R"({
  "@schema": "https://raw.githubusercontent.com/slicer/slicer/master/Modules/Loadable/Markups/Resources/Schema/markups-schema-v1.0.3.json#",
  "markups": [{
    "type": "Fiducial", "coordinateSystem": "LPS", "coordinateUnits": "mm", "name": "F",
    "controlPoints": [{"id": "1", "label": "L1", "position": [-40.5, 12.25, -310.0], "positionStatus": "defined"}]
  }]
})";
const char* kFiducialRas = R"({
  "@schema": "https://raw.githubusercontent.com/slicer/slicer/master/Modules/Loadable/Markups/Resources/Schema/markups-schema-v1.0.0.json#",
  "markups": [{
    "type": "Fiducial", "coordinateSystem": "RAS", "name": "F",
    "controlPoints": [{"id": "1", "label": "L1", "position": [40.5, -12.25, -310.0]}]
  }]
})";
const char* kLineLps = R"({
  "markups": [{
    "type": "Line", "coordinateSystem": "LPS", "name": "L2",
    "controlPoints": [{"id": "1", "label": "L2-1", "position": [30.0, -20.0, -300.0]},
                      {"id": "2", "label": "L2-2", "position": [30.0, -8.0, -295.0]}],
    "measurements": [{"name": "length", "enabled": true, "value": 13.0, "units": "mm"}]
  }]
})";
const char* kLineRas = R"({
  "markups": [{
    "type": "Line", "coordinateSystem": "RAS", "name": "L2",
    "controlPoints": [{"id": "1", "label": "L2-1", "position": [-30.0, 20.0, -300.0]},
                      {"id": "2", "label": "L2-2", "position": [-30.0, 8.0, -295.0]}]
  }]
})";

} // namespace

TEST(SlicerMarkups, FiducialsInLpsAndRasImportToTheSameLpsPoint) {
  const fs::path dir = vestige::testing::freshTempDir("markups");
  for (const char* text : {kFiducialLps, kFiducialRas}) {
    const auto markups = lesions::readSlicerMarkups(write(dir, "f.mrk.json", text));
    ASSERT_EQ(markups.size(), 1u);
    ASSERT_EQ(markups[0].points.size(), 1u);
    expectNear(markups[0].points[0].positionLps, kL1);
    const auto marks = lesions::marksFromMarkups(markups, 15.0);
    ASSERT_EQ(marks.size(), 1u);
    EXPECT_EQ(marks[0].id, "L1");
    EXPECT_EQ(marks[0].kind, lesions::MarkKind::Point);
    EXPECT_DOUBLE_EQ(marks[0].diameterMm, 15.0);
    expectNear(marks[0].centreLps, kL1);
  }
}

TEST(SlicerMarkups, LinesInLpsAndRasImportAsTheSameLongestDiameter) {
  const fs::path dir = vestige::testing::freshTempDir("markups");
  for (const char* text : {kLineLps, kLineRas}) {
    const auto marks = lesions::marksFromMarkups(lesions::readSlicerMarkups(write(dir, "l.mrk.json", text)), 15.0);
    ASSERT_EQ(marks.size(), 1u);
    EXPECT_EQ(marks[0].id, "L2");
    EXPECT_EQ(marks[0].kind, lesions::MarkKind::Line);
    expectNear(*marks[0].lineStartLps, kL2a);
    expectNear(*marks[0].lineEndLps, kL2b);
    EXPECT_NEAR(marks[0].diameterMm, 13.0, 1e-9); // 5-12-13 triangle
    expectNear(marks[0].centreLps, {30.0, -14.0, -297.5});
  }
}

TEST(SlicerMarkups, MissingCoordinateSystemMeansLps) {
  const fs::path dir = vestige::testing::freshTempDir("markups");
  const auto m = lesions::readSlicerMarkups(
      write(dir, "f.mrk.json",
            R"({"markups": [{"type": "Fiducial", "controlPoints": [{"label": "A", "position": [1, 2, 3]}]}]})"));
  expectNear(m.at(0).points.at(0).positionLps, {1, 2, 3});
}

TEST(SlicerMarkups, DuplicateOrEmptyLabelsGetSequentialIds) {
  const fs::path dir = vestige::testing::freshTempDir("markups");
  const auto marks = lesions::marksFromMarkups(
      lesions::readSlicerMarkups(write(dir, "f.mrk.json", R"({"markups": [{"type": "Fiducial", "controlPoints": [
        {"label": "F", "position": [1, 2, 3]}, {"label": "F", "position": [4, 5, 6]}]}]})")),
      10.0);
  ASSERT_EQ(marks.size(), 2u);
  EXPECT_EQ(marks[0].id, "L1");
  EXPECT_EQ(marks[1].id, "L2");
}

TEST(SlicerMarkups, MalformedFilesNameTheKey) {
  const fs::path dir = vestige::testing::freshTempDir("markups");
  const std::pair<const char*, const char*> cases[] = {
      {R"({"markups": [{"type": "Fiducial", "coordinateSystem": "XYZ", "controlPoints": []}]})", "coordinateSystem"},
      {R"({"markups": [{"type": "Fiducial", "controlPoints": [{"position": [1, 2]}]}]})", "position"},
      {R"({"nothing": 1})", "markups"},
      {R"({"markups": [)", "f.mrk.json"},
  };
  for (const auto& [text, key] : cases) {
    try {
      (void)lesions::readSlicerMarkups(write(dir, "f.mrk.json", text));
      ADD_FAILURE() << "accepted: " << text;
    } catch (const core::Error& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
  const auto angle = lesions::readSlicerMarkups(
      write(dir, "a.mrk.json", R"({"markups": [{"type": "Angle", "name": "A", "controlPoints": []}]})"));
  EXPECT_THROW((void)lesions::marksFromMarkups(angle, 10.0), core::Error);
  EXPECT_THROW((void)lesions::readSlicerMarkups(dir / "absent.mrk.json"), core::Error);
}

TEST(PointMarks, LpsAndRasFilesGiveTheSameMarks) {
  const fs::path dir = vestige::testing::freshTempDir("points");
  const auto lps = lesions::readPointMarks(
      write(dir, "lps.json", R"({"lesions": [{"id": "L1", "center": [-40.5, 12.25, -310.0], "diameter_mm": 14}]})"));
  const auto ras = lesions::readPointMarks(write(
      dir, "ras.json",
      R"({"coordinate_system": "RAS", "lesions": [{"id": "L1", "center": [40.5, -12.25, -310.0], "diameter_mm": 14}]})"));
  ASSERT_EQ(lps.size(), 1u);
  ASSERT_EQ(ras.size(), 1u);
  expectNear(lps[0].centreLps, kL1);
  expectNear(ras[0].centreLps, kL1);
  EXPECT_DOUBLE_EQ(ras[0].diameterMm, 14.0);
  for (const char* bad : {R"({"lesions": [{"id": "L1", "center": [1, 2, 3], "diameter_mm": -1}]})",
                          R"({"lesions": [{"id": "L1", "center": [1, 2, 3], "diameter_mm": 5, "colour": 1}]})",
                          R"({"lesions": [{"id": "L1", "center": [1, 2, 3], "diameter_mm": 5},
                                          {"id": "L1", "center": [1, 2, 3], "diameter_mm": 5}]})"})
    EXPECT_THROW((void)lesions::readPointMarks(write(dir, "bad.json", bad)), core::Error) << bad;
}

TEST(ResolveMark, PointBecomesABallOfItsDiameterAndOutsideIsRefused) {
  core::ImageGeometry g;
  g.size = {60, 60, 40};
  g.spacingMm = {0.8, 0.8, 1.5};
  g.originLps = {-24, -24, -30};
  const core::Image image(g, 100.0f);
  const auto mask = lesions::resolveMark(lesions::pointMark("L1", {0, 0, 0}, 20.0), image);
  const double ml = core::maskVolumeMl(mask);
  EXPECT_NEAR(ml, 3.14159265 / 6.0 * 8.0, 0.04 * 4.19); // 4.19 mL within 4 % (voxelisation)
  EXPECT_THROW((void)lesions::resolveMark(lesions::pointMark("L1", {500, 0, 0}, 20.0), image), core::Error);
}
