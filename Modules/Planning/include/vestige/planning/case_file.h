#pragma once
// The case file: a JSON document describing one planning case (format in Documentation/planning.md). Paths are
// relative to the file's folder; coordinates are LPS mm. Reading validates strictly: an unknown key, a missing
// file or a value of the wrong kind is a core::Error naming the key (e.g. "case.json: lesions[2].diameter_mm").
#include "vestige/core/geometry.h"
#include "vestige/core/progress.h"
#include "vestige/planning/volumetry.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vestige::planning {

struct SeriesRef {
  std::filesystem::path series; // DICOM folder/file or a volume file (absolute after reading)
  std::string seriesUid;        // optional (required with pacs)
  std::string pacs;             // a server of pacs.json (or AET@HOST:PORT): series is empty until fetched
  std::string studyUid;         // with pacs
};

enum class LesionMarkKind { Mask, CenterDiameter, Click, Markup };

struct LesionSpec {
  std::string id;
  LesionMarkKind kind = LesionMarkKind::Mask;
  std::filesystem::path mask;   // Mask: any supported mask format (absolute)
  unsigned segment = 0;         // Mask: SEG segment number or label value (0: all non-zero)
  std::filesystem::path markup; // Markup: Slicer .mrk.json (absolute)
  core::Vec3 centerLps{};       // CenterDiameter
  double diameterMm = 0.0;      // CenterDiameter; Markup with a fiducial
  core::Vec3 clickLps{};        // Click
  std::string followupStatus;   // optional radiologist override: "visible", "shrunk", "disappeared"
  std::string note;             // optional free text of the radiologist (shown in plan.json and the report)
  std::string key;              // "lesions[k]" for messages
};

struct PatientInfo {
  std::optional<double> heightCm;
  std::optional<double> weightKg;
  LiverCondition liverCondition = LiverCondition::Chemotherapy;
};

// Who confirmed a part of the case, and when. Until the liver outlines and the follow-up statuses are both
// confirmed, the plan's verdict is provisional.
struct Confirmation {
  std::string by;  // user name (from the system, or typed)
  std::string utc; // ISO 8601, e.g. 2026-12-03T19:40:59Z
  std::string note;
};
struct SignOff {
  std::optional<Confirmation> livers;   // the liver outlines of both dates
  std::optional<Confirmation> statuses; // every site's follow-up status
  [[nodiscard]] bool complete() const noexcept { return livers.has_value() && statuses.has_value(); }
};

struct CaseFile {
  std::filesystem::path file; // the case file itself
  PatientInfo patient;
  SeriesRef baseline;
  SeriesRef followup;
  std::optional<std::filesystem::path> followupLiver; // automatic segmentation when absent
  std::optional<std::filesystem::path> baselineLiver; // helps registration focus on the liver
  std::vector<LesionSpec> lesions;
  double marginMm = 10.0;
  BsaFormula bsaFormula = BsaFormula::Mosteller;
  TelvFormula telvFormula = TelvFormula::Vauthey;
  std::string registrationMetric = "auto"; // "auto", "ncc" or "mi"
  // What the lesions are: "colorectal_metastasis" (default) or "hcc"; codes the tumour segments of the DICOM exports.
  std::string diagnosis = "colorectal_metastasis";
  SignOff signOff; // "sign_off" in the file
};

[[nodiscard]] CaseFile readCaseFile(const std::filesystem::path& file);
[[nodiscard]] CaseFile parseCaseFile(const std::string& json, const std::filesystem::path& file);
[[nodiscard]] const char* name(LesionMarkKind kind) noexcept;

// Retrieves the baseline and follow-up series that the case file names in a PACS into cacheFolder/<study UID>/
// <series UID> (a series already there is not fetched again) and points their SeriesRef::series there. Servers
// are looked up in pacsConfig (Documentation/pacs.md). Does nothing for a case file without PACS sources.
void fetchPacsSeries(CaseFile& caseFile, const std::filesystem::path& cacheFolder,
                     const std::filesystem::path& pacsConfig, core::Progress* progress);
// $XDG_CACHE_HOME/vestige/pacs, else ~/.cache/vestige/pacs.
[[nodiscard]] std::filesystem::path defaultPacsCacheFolder();

} // namespace vestige::planning
