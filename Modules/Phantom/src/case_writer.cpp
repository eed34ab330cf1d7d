#include "case_writer.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"

#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using vestige::core::Error;
using vestige::core::ErrorCode;

namespace vestige::phantom::detail {

StagingFolder::StagingFolder(const fs::path& target) : m_target(target) {
  std::error_code ec;
  if (fs::exists(target, ec) && (!fs::is_directory(target, ec) || !fs::is_empty(target, ec)))
    throw Error(ErrorCode::InvalidArgument, "output folder exists and is not empty", target.string());
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  if (ec)
    throw Error(ErrorCode::Io, "cannot create folder: " + ec.message(), parent.string());
  m_tmp = parent / (".vestige-tmp-" + std::to_string(::getpid()) + "-" + target.filename().string());
  fs::remove_all(m_tmp, ec);
  fs::create_directories(m_tmp, ec);
  if (ec)
    throw Error(ErrorCode::Io, "cannot create folder: " + ec.message(), m_tmp.string());
}

StagingFolder::~StagingFolder() {
  if (!m_committed) {
    std::error_code ec;
    fs::remove_all(m_tmp, ec);
  }
}

void StagingFolder::commit() {
  std::error_code ec;
  if (fs::exists(m_target, ec))
    fs::remove(m_target, ec); // empty, checked in the constructor
  fs::rename(m_tmp, m_target, ec);
  if (ec)
    throw Error(ErrorCode::Io, "cannot move the finished case into place: " + ec.message(), m_target.string());
  m_committed = true;
}

nlohmann::json vecJson(const core::Vec3& v) {
  auto round = [](double x) { return std::round(x * 1e4) / 1e4; };
  return nlohmann::json::array({round(v[0]), round(v[1]), round(v[2])});
}

nlohmann::json transformJson(const FollowupTransform& t) {
  nlohmann::json j;
  j["description"] = "T maps follow-up LPS mm to baseline LPS mm: T(x) = y + b(y), y = R (x - c) + c + t; "
                     "b = (0, ap * exp(-(dx^2 + dz^2) / 2), si * exp(-(dx^2 + dy^2) / 2)), d = (y - centre) / sigma";
  j["rotation_deg_xyz"] = vecJson(t.rotationDeg);
  j["rotation_centre_lps"] = vecJson(t.centreLps);
  j["translation_mm"] = vecJson(t.translationMm);
  j["breathing"] = {{"si_mm", t.breathingSiMm},
                    {"ap_mm", t.breathingApMm},
                    {"centre_lps", vecJson(t.breathingCentreLps)},
                    {"sigma_mm", vecJson(t.breathingSigmaMm)}};
  return j;
}

namespace {

void writeJson(const fs::path& path, const nlohmann::json& j) {
  core::writeTextAtomically(path, j.dump(2) + "\n");
}

} // namespace

void writeTruthFiles(const fs::path& caseDir, const CaseTruth& truth, const nlohmann::json& transform) {
  nlohmann::json lesions = nlohmann::json::array();
  for (const LesionTruth& l : truth.lesions) {
    lesions.push_back({{"id", l.id},
                       {"followup_status", lesionFateName(l.fate)},
                       {"baseline_centre_lps", vecJson(l.baselineCentreLps)},
                       {"followup_centre_lps", vecJson(l.followupCentreLps)},
                       {"baseline_diameter_mm", l.baselineDiameterMm},
                       {"baseline_volume_ml", l.baselineRequestedMl},
                       {"followup_volume_ml", l.followupRequestedMl},
                       {"baseline_mask_volume_ml", l.baselineMaskMl},
                       {"followup_mask_volume_ml", l.followupMaskMl},
                       {"baseline_mask", l.baselineMask},
                       {"followup_mask", l.followupMask}});
  }
  writeJson(caseDir / layout::kLesions,
            {{"coordinate_system", "LPS"},
             {"unit", "mm, mL"},
             {"note", "volume_ml: requested of the generator; mask_volume_ml: voxel count x voxel volume"},
             {"liver_volume_ml", {{"baseline", truth.baselineLiverMl}, {"followup", truth.followupLiverMl}}},
             {"lesions", lesions}});
  nlohmann::json pairs = nlohmann::json::array();
  for (const LandmarkPair& p : truth.landmarks)
    pairs.push_back(
        {{"name", p.name}, {"baseline_lps", vecJson(p.baselineLps)}, {"followup_lps", vecJson(p.followupLps)}});
  writeJson(caseDir / layout::kLandmarks, {{"coordinate_system", "LPS"}, {"unit", "mm"}, {"pairs", pairs}});
  nlohmann::json t = transform;
  t["jacobian_determinant_in_liver"] = {{"min", truth.jacobianMin}, {"max", truth.jacobianMax}};
  t["field"] = layout::kField;
  t["field_convention"] = "ITK displacement field on the follow-up grid: baseline point = x + u(x), LPS mm";
  writeJson(caseDir / layout::kTransform, t);
}

void writeCaseFile(const fs::path& caseDir, const CaseDescription& d, const CaseTruth& truth) {
  nlohmann::json lesions = nlohmann::json::array();
  for (const LesionTruth& l : truth.lesions)
    lesions.push_back({{"id", l.id}, {"mask", l.baselineMask}});
  nlohmann::json j{
      {"patient", {{"height_cm", d.heightCm}, {"weight_kg", d.weightKg}, {"liver_condition", "chemotherapy"}}},
      {"baseline", {{"series", d.baselineSeries}}},
      {"followup", {{"series", d.followupSeries}}},
      {"lesions", lesions},
      {"margin_mm", d.marginMm}};
  writeJson(caseDir / layout::kCaseFile, j);
}

} // namespace vestige::phantom::detail
