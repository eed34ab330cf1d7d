#pragma once
// File helpers shared by every module: checked opening and all-or-nothing writing.
#include <filesystem>
#include <functional>
#include <string>

namespace vestige::core {

// Throws NotFound / PermissionDenied / InvalidArgument with the path in the message unless path is a readable
// regular file (or a readable folder when folder is true).
void requireReadable(const std::filesystem::path& path, bool folder = false);

// Writes target all-or-nothing: writer receives a temporary path in the same folder with the same extension
// (e.g. ".vestige-tmp-1234-plan.nii.gz"), which is flushed to disk (fsync: a full disk shows here at the latest)
// and renamed onto target when writer returns. If writer or the flush fails, the temporary file is removed and
// target is left as it was. The folder of target is created if needed.
void writeAtomically(const std::filesystem::path& target,
                     const std::function<void(const std::filesystem::path&)>& writer);

// Creates folder and its parents; throws PermissionDenied or Io naming it.
void createFolder(const std::filesystem::path& folder);

// writeAtomically for text content.
void writeTextAtomically(const std::filesystem::path& target, const std::string& text);

// A folder built beside its final place and swapped in only when complete (a plan folder: masks, registration,
// report), so that a failed, interrupted or killed run never leaves a half folder, nor a mix of an earlier run's
// files and this one's, under the final name. Until commit() the target stays as it was; the destructor removes
// an uncommitted staging folder. Staging folders left by processes that no longer run (SIGKILL) are removed when a
// new one is made beside them.
class StagingFolder {
public:
  // Throws InvalidArgument when target exists but is a file, or a non-empty folder without marker (a file that
  // every folder this replaces holds, e.g. "plan.json"): Vestige never replaces a folder of someone else's files.
  StagingFolder(std::filesystem::path target, const std::string& marker);
  ~StagingFolder();
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_staging; }
  [[nodiscard]] const std::filesystem::path& target() const noexcept { return m_target; }
  // Replaces target with the staged folder (an earlier target is removed only once the new one is in place).
  void commit();

private:
  std::filesystem::path m_target;
  std::filesystem::path m_staging;
  bool m_committed = false;
};

// Lower-case "extension" including compound ones: "a.nii.gz" -> ".nii.gz", "b.NRRD" -> ".nrrd".
[[nodiscard]] std::string fullExtension(const std::filesystem::path& path);

} // namespace vestige::core
