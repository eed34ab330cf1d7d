#pragma once
// Helpers shared by the Phantom module's tests.
#include "vestige/core/image.h"
#include "vestige/testing/test_support.h"

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
using vestige::testing::dciodvfyErrors;

} // namespace vestige::phantom::testing
