#pragma once
// DICOM Secondary Capture Image Storage of rendered pictures (RGB), in the patient's study of the source series.
#include "vestige/dicom/seg_writer.h"

namespace vestige::dicom {

struct CapturedImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb; // row-major from the top row, 3 bytes per pixel
  std::string description;       // DerivationDescription / ImageComments
};

// Writes one file per image, <folder>/<stem>_<n>.dcm (n from 1), all in one new series. Each file atomically.
std::vector<WrittenObject> writeSecondaryCaptures(const SeriesEntry& source, const std::vector<CapturedImage>& images,
                                                  const DerivedSeriesInfo& info, const std::filesystem::path& folder,
                                                  const std::string& stem = "capture");

} // namespace vestige::dicom
