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

// SHA-256-free but strong-enough content fingerprint (FNV-1a 64 of bytes + size) of every file under root.
[[nodiscard]] std::map<std::string, std::string> fingerprintTree(const std::filesystem::path& root);

} // namespace vestige::testing

// Skips the current test with the reason when the shared data set is not unpacked.
#define VESTIGE_REQUIRE_DATA(var, name)                                                                                \
  const std::filesystem::path var = ::vestige::testing::dataSet(name);                                                 \
  if (var.empty())                                                                                                     \
  GTEST_SKIP() << "shared test data set '" << (name)                                                                   \
               << "' is not available (no ../shared/data on this machine, or VESTIGE_TESTDATA_DIR unset)"
