#pragma once
// What the phantom and the simulated follow-up write alike: the staging folder that makes a case all-or-nothing,
// and the JSON files of the ground truth (case.json, truth/lesions.json, truth/landmarks.json).
#include "deformation.h"

#include "vestige/phantom/phantom.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace vestige::phantom::detail {

// A temporary sibling of the target folder; commit() renames it onto the target, otherwise it is removed.
class StagingFolder {
public:
  explicit StagingFolder(const std::filesystem::path& target);
  ~StagingFolder();
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_tmp; }
  void commit();

private:
  std::filesystem::path m_target;
  std::filesystem::path m_tmp;
  bool m_committed = false;
};

struct CaseDescription {
  std::string baselineSeries; // relative to the case folder (or absolute when outside it)
  std::string followupSeries;
  double heightCm = 172.0;
  double weightKg = 74.0;
  double marginMm = 10.0;
};

[[nodiscard]] nlohmann::json vecJson(const core::Vec3& v);
[[nodiscard]] nlohmann::json transformJson(const FollowupTransform& t);
void writeTruthFiles(const std::filesystem::path& caseDir, const CaseTruth& truth, const nlohmann::json& transform);
void writeCaseFile(const std::filesystem::path& caseDir, const CaseDescription& description, const CaseTruth& truth);

} // namespace vestige::phantom::detail
