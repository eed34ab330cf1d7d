#pragma once
// Shared by the case window's QTest scripts: the phantom case of the viewer fixture (VESTIGE_VIEWER_PLAN/../case),
// its truth lesions, and small mask helpers.
#include "case_window.h"

#include "vestige/dicom/image_io.h"

#include <QPoint>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace vestige::viewer::test {

namespace fs = std::filesystem;

inline fs::path phantomCase() {
  const char* env = std::getenv("VESTIGE_VIEWER_PLAN");
  return env ? fs::path(env).parent_path() / "case" : fs::path();
}

inline nlohmann::json readJson(const fs::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

inline core::Vec3 vec(const nlohmann::json& j) {
  return {j[0].get<double>(), j[1].get<double>(), j[2].get<double>()};
}

struct TruthLesion {
  std::string id;
  std::string fate;
  core::Vec3 centreLps{};         // baseline
  core::Vec3 followupCentreLps{}; // where the site is on the follow-up (T^-1 of the baseline centre)
  double diameterMm = 0.0;
  fs::path mask;
};

inline std::vector<TruthLesion> readTruth(const fs::path& caseDir) {
  std::vector<TruthLesion> out;
  const nlohmann::json truth = readJson(caseDir / "truth/lesions.json"); // kept alive for the loop
  for (const auto& l : truth["lesions"])
    out.push_back({l["id"].get<std::string>(), l["followup_status"].get<std::string>(), vec(l["baseline_centre_lps"]),
                   vec(l["followup_centre_lps"]), l["baseline_diameter_mm"].get<double>(),
                   caseDir / l["baseline_mask"].get<std::string>()});
  return out;
}

inline double dice(const core::Mask& a, const core::Mask& b) {
  if (a.voxels.size() != b.voxels.size())
    return -1.0;
  std::size_t both = 0, na = 0, nb = 0;
  for (std::size_t n = 0; n < a.voxels.size(); ++n) {
    na += a.voxels[n] != 0;
    nb += b.voxels[n] != 0;
    both += a.voxels[n] != 0 && b.voxels[n] != 0;
  }
  return na + nb == 0 ? 0.0 : 2.0 * double(both) / double(na + nb);
}

inline core::Mask labelMask(const core::LabelMap& labels, std::uint16_t label) {
  core::Mask m;
  m.geometry = labels.geometry;
  m.voxels.resize(labels.voxels.size());
  for (std::size_t n = 0; n < labels.voxels.size(); ++n)
    m.voxels[n] = labels.voxels[n] == label ? 1 : 0;
  return m;
}

inline QPoint pixelOf(SliceView* view, const core::Vec3& lps) {
  const QPointF p = view->lpsToPixel(lps);
  return {int(std::lround(p.x() - 0.5)), int(std::lround(p.y() - 0.5))};
}

// A copy of the phantom case in `folder` with no lesions and the true livers (no automatic liver segmentation, so
// the case opens in seconds): the marks come from the script.
inline fs::path writeUnmarkedCase(const fs::path& caseDir, const fs::path& folder) {
  nlohmann::json c;
  c["baseline"]["series"] = (caseDir / "baseline/dicom").string();
  c["followup"]["series"] = (caseDir / "followup/dicom").string();
  c["baseline_liver"] = (caseDir / "truth/baseline/liver.nii.gz").string();
  c["followup_liver"] = (caseDir / "truth/followup/liver.nii.gz").string();
  c["lesions"] = nlohmann::json::array();
  c["patient"] = readJson(caseDir / "case.json")["patient"];
  const fs::path file = folder / "case.json";
  std::ofstream(file) << c.dump(2);
  return file;
}

// The same with the phantom's true lesion masks as the marks (case_marked.json).
inline fs::path writeMarkedCase(const fs::path& caseDir, const fs::path& folder) {
  nlohmann::json c = readJson(writeUnmarkedCase(caseDir, folder));
  for (const TruthLesion& t : readTruth(caseDir))
    c["lesions"].push_back({{"id", t.id}, {"mask", t.mask.string()}});
  const fs::path file = folder / "case_marked.json";
  std::ofstream(file) << c.dump(2);
  return file;
}

} // namespace vestige::viewer::test
