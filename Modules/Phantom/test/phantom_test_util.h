#pragma once
// Helpers shared by the Phantom module's tests.
#include "vestige/core/image.h"

#include <cstdio>
#include <filesystem>
#include <string>

namespace vestige::phantom::testing {

inline double dice(const core::Mask& a, const core::Mask& b) {
  std::size_t both = 0, na = 0, nb = 0;
  for (std::size_t n = 0; n < a.voxels.size(); ++n) {
    na += a.voxels[n] != 0;
    nb += b.voxels[n] != 0;
    both += a.voxels[n] && b.voxels[n];
  }
  return na + nb == 0 ? 1.0 : 2.0 * double(both) / double(na + nb);
}

// Number of "Error" lines dciodvfy prints for one file, or -1 when dciodvfy is not installed.
inline int dciodvfyErrors(const std::filesystem::path& file) {
  if (!std::filesystem::exists("/usr/bin/dciodvfy"))
    return -1;
  const std::string command = "/usr/bin/dciodvfy '" + file.string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe)
    return -1;
  int errors = 0;
  char line[4096];
  while (std::fgets(line, sizeof line, pipe))
    if (std::string(line).find("Error") != std::string::npos) {
      ++errors;
      std::fprintf(stderr, "dciodvfy %s: %s", file.filename().c_str(), line);
    }
  pclose(pipe);
  return errors;
}

} // namespace vestige::phantom::testing
