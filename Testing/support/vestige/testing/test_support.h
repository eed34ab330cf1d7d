#pragma once
// Helpers for Vestige's tests. Test data paths come from the environment set by CTest
// (VESTIGE_TESTDATA_DIR: the unpacked ../shared/data; VESTIGE_SOURCE_DIR: the repository).
#include <filesystem>
#include <map>
#include <string>

namespace vestige::testing {

// The unpacked shared data set `name` (e.g. "ircadb1-17"), or an empty path when it is not available.
[[nodiscard]] std::filesystem::path dataSet(const std::string& name);

// A new empty folder under the system temp folder, unique per call.
[[nodiscard]] std::filesystem::path freshTempDir(const std::string& tag);

// Error lines ("Error - ...") dciodvfy (dicom3tools) reports for a DICOM file; its whole output is appended to
// output. -1 when dciodvfy cannot be run, so that a check for 0 errors fails rather than passes without it.
[[nodiscard]] int dciodvfyErrors(const std::filesystem::path& file, std::string& output);
// The same, printing the error lines to stderr.
[[nodiscard]] int dciodvfyErrors(const std::filesystem::path& file);

// A file-size limit (RLIMIT_FSIZE) for the lifetime of the object, with SIGXFSZ ignored: writes beyond it fail with
// EFBIG as they fail with ENOSPC on a full disk. Stands in for a full disk in tests.
class FileSizeLimit {
public:
  explicit FileSizeLimit(unsigned long long bytes);
  ~FileSizeLimit();
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

private:
  unsigned long long m_savedSoft = 0;
  void (*m_savedHandler)(int) = nullptr;
};

// SHA-256-free but strong-enough content fingerprint (FNV-1a 64 of bytes + size) of every file under root.
[[nodiscard]] std::map<std::string, std::string> fingerprintTree(const std::filesystem::path& root);

} // namespace vestige::testing

// Skips the current test with the reason when the shared data set is not unpacked.
#define VESTIGE_REQUIRE_DATA(var, name)                                                                                \
  const std::filesystem::path var = ::vestige::testing::dataSet(name);                                                 \
  if (var.empty())                                                                                                     \
  GTEST_SKIP() << "shared test data set '" << (name)                                                                   \
               << "' is not available (no ../shared/data on this machine, or VESTIGE_TESTDATA_DIR unset)"
