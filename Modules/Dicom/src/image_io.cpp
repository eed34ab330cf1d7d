#include "vestige/dicom/image_io.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/core/itk_bridge.h"

#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageIOFactory.h>
#include <itkMetaImageIOFactory.h>
#include <itkNiftiImageIOFactory.h>
#include <itkNrrdImageIOFactory.h>

#include <cmath>
#include <mutex>

namespace fs = std::filesystem;
using vestige::core::Error;
using vestige::core::ErrorCode;

namespace vestige::dicom {

namespace {

// The three IO factories used here, registered explicitly (static builds do not auto-register them).
void registerFactories() {
  static std::once_flag once;
  std::call_once(once, [] {
    itk::NiftiImageIOFactory::RegisterOneFactory();
    itk::NrrdImageIOFactory::RegisterOneFactory();
    itk::MetaImageIOFactory::RegisterOneFactory();
  });
}

void requireVolumeExtension(const fs::path& path) {
  if (!isVolumeFile(path))
    throw Error(ErrorCode::InvalidArgument,
                "unsupported file type '" + core::fullExtension(path) + "' (use .nii, .nii.gz, .nrrd, .nhdr, .mha or .mhd)",
                path.string());
}

itk::ImageIOBase::Pointer openIo(const fs::path& path) {
  registerFactories();
  core::requireReadable(path);
  requireVolumeExtension(path);
  auto io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::ImageIOFactory::FileModeEnum::ReadMode);
  if (!io)
    throw Error(ErrorCode::InvalidFormat, "not a readable NIfTI, NRRD or MetaImage file", path.string());
  io->SetFileName(path.string());
  core::translateItkErrors(ErrorCode::InvalidFormat, path.string(), [&] { io->ReadImageInformation(); });
  if (io->GetNumberOfDimensions() < 2 || io->GetNumberOfDimensions() > 3)
    throw Error(ErrorCode::Unsupported, "expected a 3D volume, found " + std::to_string(io->GetNumberOfDimensions()) + " dimensions",
                path.string());
  if (io->GetNumberOfComponents() != 1)
    throw Error(ErrorCode::Unsupported,
                "expected a scalar volume, found " + std::to_string(io->GetNumberOfComponents()) + " components per voxel",
                path.string());
  return io;
}

template <class T> core::Volume<T> readAs(const fs::path& path) {
  openIo(path); // validates type, existence and dimensionality with clear messages
  using ImageType = itk::Image<T, 3>;
  auto reader = itk::ImageFileReader<ImageType>::New();
  reader->SetFileName(path.string());
  core::translateItkErrors(ErrorCode::InvalidFormat, path.string(), [&] { reader->Update(); });
  return core::fromItk(*reader->GetOutput());
}

template <class T> void writeAs(const core::Volume<T>& volume, const fs::path& path) {
  registerFactories();
  requireVolumeExtension(path);
  if (volume.voxels.size() != volume.geometry.voxelCount())
    throw Error(ErrorCode::Internal, "volume has " + std::to_string(volume.voxels.size()) + " voxels for a grid of " +
                                         std::to_string(volume.geometry.voxelCount()),
                path.string());
  const auto image = core::toItk(volume);
  core::writeAtomically(path, [&](const fs::path& tmp) {
    auto writer = itk::ImageFileWriter<itk::Image<T, 3>>::New();
    writer->SetFileName(tmp.string());
    writer->SetInput(image);
    // .nii.gz asks for gzip by its name; .nrrd/.mha/.nii stay raw, which is several times faster to write.
    writer->SetUseCompression(core::fullExtension(path) == ".nii.gz");
    core::translateItkErrors(ErrorCode::Io, path.string(), [&] { writer->Update(); });
  });
}

} // namespace

bool isVolumeFile(const fs::path& path) {
  const std::string ext = core::fullExtension(path);
  return ext == ".nii" || ext == ".nii.gz" || ext == ".nrrd" || ext == ".nhdr" || ext == ".mha" || ext == ".mhd";
}

VolumeFileInfo readVolumeInfo(const fs::path& path) {
  const auto io = openIo(path);
  VolumeFileInfo info;
  const unsigned dims = io->GetNumberOfDimensions();
  for (unsigned a = 0; a < 3; ++a) {
    info.geometry.size[a] = a < dims ? io->GetDimensions(a) : 1;
    info.geometry.spacingMm[a] = a < dims ? io->GetSpacing(a) : 1.0;
    info.geometry.originLps[a] = a < dims ? io->GetOrigin(a) : 0.0;
    for (unsigned b = 0; b < 3; ++b)
      info.geometry.direction[b][a] = (a < dims && b < dims) ? io->GetDirection(a)[b] : (a == b ? 1.0 : 0.0);
  }
  info.pixelType = itk::ImageIOBase::GetComponentTypeAsString(io->GetComponentType());
  info.components = io->GetNumberOfComponents();
  return info;
}

core::Image readImage(const fs::path& path) { return readAs<float>(path); }

core::Mask readMaskFile(const fs::path& path) {
  // Read as float so that masks stored as 0/255, 0/1 or labels > 255 all binarise correctly.
  const core::Image raw = readAs<float>(path);
  core::Mask mask(raw.geometry, 0);
  for (std::size_t n = 0; n < raw.voxels.size(); ++n)
    mask.voxels[n] = raw.voxels[n] != 0.0f ? 1 : 0;
  return mask;
}

core::LabelMap readLabelMapFile(const fs::path& path) {
  const core::Image raw = readAs<float>(path);
  core::LabelMap labels(raw.geometry, 0);
  for (std::size_t n = 0; n < raw.voxels.size(); ++n) {
    const float v = raw.voxels[n];
    if (v < 0.0f || v > 65535.0f || v != std::floor(v))
      throw Error(ErrorCode::InvalidFormat, "voxel value " + std::to_string(v) + " is not a label (0..65535)", path.string());
    labels.voxels[n] = static_cast<std::uint16_t>(v);
  }
  return labels;
}

void writeImage(const core::Image& image, const fs::path& path) {
  bool integral = true;
  for (const float v : image.voxels) {
    if (v != std::floor(v) || v < -32768.0f || v > 32767.0f) {
      integral = false;
      break;
    }
  }
  if (!integral) {
    writeAs(image, path);
    return;
  }
  core::Volume<std::int16_t> shortImage;
  shortImage.geometry = image.geometry;
  shortImage.voxels.assign(image.voxels.begin(), image.voxels.end());
  writeAs(shortImage, path);
}

void writeMask(const core::Mask& mask, const fs::path& path) { writeAs(mask, path); }
void writeLabelMap(const core::LabelMap& labels, const fs::path& path) { writeAs(labels, path); }

} // namespace vestige::dicom
