#pragma once
// Helpers shared by the Dicom module's tests.
#include "vestige/core/image.h"
#include "vestige/dicom/catalog.h"

#include <filesystem>
#include <string>

namespace vestige::dicom::test {

// The one sub-folder of root whose name starts with prefix (TCIA folder names carry suffixes).
inline std::filesystem::path findFolder(const std::filesystem::path& root, const std::string& prefix) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.is_directory() && e.path().filename().string().rfind(prefix, 0) == 0)
      return e.path();
  return {};
}

// Mean of a rectangle of slice k: columns [i0, i1), rows [j0, j1).
inline double roiMean(const core::Image& img, std::size_t i0, std::size_t i1, std::size_t j0, std::size_t j1,
                      std::size_t k = 0) {
  double sum = 0;
  for (std::size_t j = j0; j < j1; ++j)
    for (std::size_t i = i0; i < i1; ++i)
      sum += img.at(i, j, k);
  return sum / double((i1 - i0) * (j1 - j0));
}

} // namespace vestige::dicom::test
