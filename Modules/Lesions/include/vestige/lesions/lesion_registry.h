#pragma once
// The registry of every original lesion site: a stable ID from baseline to plan, the baseline size, and the
// follow-up status (visible / shrunk / disappeared) computed from the follow-up image at the projected site or
// set by a radiologist. Stored as JSON in the case's files.
#include "vestige/core/image.h"
#include "vestige/lesions/lesion_marks.h"

#include <optional>
#include <string>
#include <vector>

namespace vestige::lesions {

enum class LesionStatus { Unknown, Visible, Shrunk, Disappeared };

[[nodiscard]] const char* statusName(LesionStatus status) noexcept; // "unknown", "visible", "shrunk", "disappeared"
[[nodiscard]] LesionStatus parseStatus(const std::string& name);    // throws core::Error(InvalidArgument)

enum class StatusSource { None, Image, Radiologist };

struct LesionSite {
  std::string id;
  MarkKind markKind = MarkKind::Point;
  core::Vec3 baselineCentreLps{}; // centroid of the resolved baseline mask
  double baselineVolumeMl = 0.0;
  double baselineDiameterMm = 0.0; // longest diameter (3D) of the baseline extent
  LesionStatus status = LesionStatus::Unknown;
  StatusSource statusSource = StatusSource::None;
  double followupVolumeMl = 0.0;            // lesion tissue found in the projected site (0 when disappeared)
  std::optional<double> followupDiameterMm; // when visible or shrunk
};

struct LesionRegistry {
  std::vector<LesionSite> sites;
};

// Measures a resolved baseline mask into a site. Throws core::Error(InconsistentData) for an empty mask.
[[nodiscard]] LesionSite siteFromMask(const LesionMark& mark, const core::Mask& baselineMask);

// Appends a site; throws core::Error(InvalidArgument) when its ID is empty or already used.
void addSite(LesionRegistry& registry, LesionSite site);
// Throws core::Error(NotFound) naming the ID.
[[nodiscard]] LesionSite& findSite(LesionRegistry& registry, const std::string& id);

[[nodiscard]] std::string registryToJson(const LesionRegistry& registry);
// context names the source in errors ("case.json: lesions").
[[nodiscard]] LesionRegistry registryFromJson(const std::string& json, const std::string& context);

} // namespace vestige::lesions
