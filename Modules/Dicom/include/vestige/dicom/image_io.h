#pragma once
// Volumes, masks and label maps as NIfTI (.nii, .nii.gz), NRRD (.nrrd, .nhdr) and MetaImage (.mha, .mhd) files,
// through ITK. Geometry is kept in LPS mm (ITK converts NIfTI's RAS on read and write).
#include "vestige/core/image.h"

#include <filesystem>
#include <string>

namespace vestige::dicom {

// True when the file name has one of the volume-file extensions above.
[[nodiscard]] bool isVolumeFile(const std::filesystem::path& path);

struct VolumeFileInfo {
  core::ImageGeometry geometry;
  std::string pixelType;   // "short", "float", "unsigned char", ...
  unsigned components = 1; // 1 for scalar images
};

// Header only. Throws core::Error naming the file when it is missing, unreadable or not a supported volume.
[[nodiscard]] VolumeFileInfo readVolumeInfo(const std::filesystem::path& path);

[[nodiscard]] core::Image readImage(const std::filesystem::path& path);
// Non-zero voxels become 1.
[[nodiscard]] core::Mask readMaskFile(const std::filesystem::path& path);
[[nodiscard]] core::LabelMap readLabelMapFile(const std::filesystem::path& path);

// Writes all-or-nothing (temporary file + rename). Images whose voxels are all integers in [-32768, 32767] are
// stored as 16-bit integers (CT in HU), others as float.
void writeImage(const core::Image& image, const std::filesystem::path& path);
void writeMask(const core::Mask& mask, const std::filesystem::path& path);
void writeLabelMap(const core::LabelMap& labels, const std::filesystem::path& path);

} // namespace vestige::dicom
