#pragma once
// 3D Slicer markups files (.mrk.json, schema 1.0.3): point lists ("Fiducial") and lines ("Line") with labelled
// control points. Read in either of Slicer's coordinate systems (LPS or RAS; mm or um) and always handed out in
// LPS millimetres; written in LPS millimetres, so Slicer and Vestige agree on every coordinate without a flip.
#include "vestige/core/geometry.h"

#include <filesystem>
#include <string>
#include <vector>

namespace vestige::registration {

inline constexpr const char* kMarkupsSchemaUrl = "https://raw.githubusercontent.com/slicer/slicer/master/Modules/"
                                                 "Loadable/Markups/Resources/Schema/markups-schema-v1.0.3.json#";

enum class MarkupType { Fiducial, Line };
[[nodiscard]] const char* markupTypeName(MarkupType type) noexcept; // "Fiducial", "Line"

struct MarkupPoint {
  std::string label;
  core::Vec3 lps{};
  std::string description; // free text shown by Slicer (Vestige writes the uncertainty there)
};

struct Markup {
  MarkupType type = MarkupType::Fiducial;
  std::string name;
  std::vector<MarkupPoint> points; // a Line has exactly two
};

// True when the file name ends in ".mrk.json" (case-insensitive): the format is chosen by name.
[[nodiscard]] bool isMarkupsFile(const std::filesystem::path& path);

// Throws core::Error(InvalidFormat) naming the file for anything but Fiducial and Line markups, a Line without two
// points, positions that are not 3 finite numbers within 10 m, or an unknown coordinate system or unit. Control
// points whose positionStatus is "undefined" (placed in Slicer's list but never positioned) are skipped.
[[nodiscard]] std::vector<Markup> readMarkups(const std::filesystem::path& path);
// Writes atomically, coordinateSystem LPS, coordinateUnits mm, control point ids "1", "2", ... per markup.
void writeMarkups(const std::vector<Markup>& markups, const std::filesystem::path& path);

} // namespace vestige::registration
