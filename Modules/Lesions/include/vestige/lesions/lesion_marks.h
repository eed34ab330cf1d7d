#pragma once
// Lesion marks as radiologists make them on the baseline: a mask, a point with a diameter, 3D Slicer markups
// (fiducials; line markups as the longest diameter) and one click grown into a mask. Every mark resolves to the
// site's full baseline extent as a mask on the baseline grid. All coordinates are LPS millimetres.
#include "vestige/core/image.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vestige::lesions {

enum class MarkKind { Mask, Point, Line, Click };

[[nodiscard]] const char* markKindName(MarkKind kind) noexcept; // "mask", "point", "line", "click"

struct LesionMark {
  std::string id; // stable site ID ("L1")
  MarkKind kind = MarkKind::Point;
  core::Vec3 centreLps{};  // point / click position, line midpoint, mask centroid
  double diameterMm = 0.0; // point: given; line: its length; mask and click: 0 until measured
  std::optional<core::Vec3> lineStartLps, lineEndLps; // line markups only
  std::filesystem::path maskFile; // mask marks: where the mask came from (for messages and the case file)
};

[[nodiscard]] LesionMark pointMark(const std::string& id, const core::Vec3& centreLps, double diameterMm);
[[nodiscard]] LesionMark lineMark(const std::string& id, const core::Vec3& startLps, const core::Vec3& endLps);
[[nodiscard]] LesionMark clickMark(const std::string& id, const core::Vec3& clickLps);
[[nodiscard]] LesionMark maskMark(const std::string& id, const std::filesystem::path& maskFile);

// One control point of a 3D Slicer markup, converted to LPS whatever the file's coordinate system.
struct MarkupPoint {
  std::string label;
  core::Vec3 positionLps{};
};

struct Markup {
  std::string type; // "Fiducial", "Line", ... as in the file
  std::string name;
  std::vector<MarkupPoint> points;
};

// Reads a Slicer markups file (.mrk.json, schema markups-schema-v1.0.x). "coordinateSystem" may be "LPS" or "RAS"
// (RAS points are converted: x and y change sign); absent means LPS, Slicer's default since 4.11. Throws
// core::Error naming the file and the key for anything malformed.
[[nodiscard]] std::vector<Markup> readSlicerMarkups(const std::filesystem::path& file);

// Lesion marks from markups: each fiducial control point is a point mark (diameter `fiducialDiameterMm`), each line
// markup a line mark. IDs are the control point labels or markup names when they are unique and non-empty, else
// "L1", "L2", ... in file order.
[[nodiscard]] std::vector<LesionMark> marksFromMarkups(const std::vector<Markup>& markups, double fiducialDiameterMm);

// Reads a point-marks JSON file: {"coordinate_system": "LPS"|"RAS" (optional, default LPS),
// "lesions": [{"id": "L1", "center": [x, y, z], "diameter_mm": 14}, ...]}.
[[nodiscard]] std::vector<LesionMark> readPointMarks(const std::filesystem::path& file);

// The site's full baseline extent on the baseline grid: the mask (conformed to the grid) for mask marks, the
// one-click segmentation for clicks, a ball of the given diameter for points and of the line's length around its
// midpoint for lines. Throws core::Error(InvalidArgument) naming the mark when it lies outside the image or the
// result is empty. baselineLiver (on the baseline grid, optional) bounds a click's segmentation as in
// segmentation::LesionClickOptions::liver: the one-click bar of issue 5 is met with a liver bound, not without.
[[nodiscard]] core::Mask resolveMark(const LesionMark& mark, const core::Image& baseline,
                                     const core::Mask* baselineLiver = nullptr);

// A ball of diameterMm around centreLps on grid g (voxel centres inside).
[[nodiscard]] core::Mask ballMask(const core::ImageGeometry& g, const core::Vec3& centreLps, double diameterMm);

} // namespace vestige::lesions
