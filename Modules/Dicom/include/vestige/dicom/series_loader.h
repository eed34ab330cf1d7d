#pragma once
// Loading one DICOM series into a 3D image with correct LPS geometry. Slices are sorted along the slice normal
// (never by file name or InstanceNumber), spacing comes from positions, CT is rescaled to HU. Anything odd
// is either handled and written into LoadedSeries::notes (e.g. localizers dropped) or refused with a
// core::Error that names the series and the problem (missing slices, mixed sizes, gantry tilt, ...).
#include "vestige/core/image.h"
#include "vestige/core/progress.h"
#include "vestige/dicom/catalog.h"

#include <filesystem>
#include <string>
#include <vector>

namespace vestige::dicom {

struct LoadOptions {
  std::string seriesUid;            // required when the input holds several image series
  double spacingToleranceMm = 0.05; // largest accepted deviation of one slice step from the median step
  unsigned threads = 0;             // 0: hardware concurrency
};

struct LoadedSeries {
  core::Image image;              // HU for CT (stored value x slope + intercept); scanner units for MR
  SeriesEntry series;             // the series as catalogued (instances sorted along the normal)
  std::vector<std::string> notes; // what was handled rather than refused, for the user to see
};

// input: a folder (scanned recursively), a single (multi-frame) DICOM file, or a DICOMDIR's folder.
[[nodiscard]] LoadedSeries loadSeries(const std::filesystem::path& input, const LoadOptions& options = {},
                                      core::Progress* progress = nullptr);

// Loads a series already found by scanCatalog.
[[nodiscard]] LoadedSeries loadSeries(const SeriesEntry& series, const LoadOptions& options = {},
                                      core::Progress* progress = nullptr);

// Picks the image series to load from a catalog: the one with options.seriesUid, or the only image series.
// Throws Error(Ambiguous) listing the candidates when several qualify, Error(NotFound) when none does.
[[nodiscard]] const SeriesEntry& selectSeries(const Catalog& catalog, const std::string& seriesUid);

} // namespace vestige::dicom
