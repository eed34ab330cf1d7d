#pragma once
// Writing a 3D image as a DICOM image series (CT or MR Image Storage, one file per slice), e.g. for the
// phantom and simulated follow-ups. Output passes dciodvfy.
#include "vestige/core/image.h"
#include "vestige/core/progress.h"

#include <filesystem>
#include <string>

namespace vestige::dicom {

struct SeriesWriteInfo {
  std::string modality = "CT"; // "CT" (values are HU) or "MR"
  std::string patientName;
  std::string patientId;
  std::string patientBirthDate; // YYYYMMDD, optional
  std::string patientSex;       // "M", "F", "O" or empty
  std::string studyInstanceUid; // generated when empty
  std::string studyDate;        // YYYYMMDD
  std::string studyTime;        // HHMMSS
  std::string studyDescription;
  std::string accessionNumber;
  std::string seriesInstanceUid; // generated when empty
  std::string seriesDescription;
  int seriesNumber = 1;
  std::string frameOfReferenceUid; // generated when empty
  double sliceThicknessMm = 0.0;   // 0: use the slice spacing
  bool derived = false;            // ImageType DERIVED\SECONDARY (e.g. a simulated follow-up made from a real scan)
};

// Writes one file per slice into folder (created; must be empty or absent), all-or-nothing: into a temporary
// sibling folder, renamed when complete. Returns the series instance UID used. CT voxels (HU) are stored as
// signed 16-bit with slope 1 / intercept 0; MR voxels as unsigned 16-bit (rounded, clamped at 0). Slices follow
// the image's k axis; ImagePositionPatient / ImageOrientationPatient come from its LPS geometry.
std::string writeImageSeries(const core::Image& image, const SeriesWriteInfo& info, const std::filesystem::path& folder,
                             core::Progress* progress = nullptr);

} // namespace vestige::dicom
