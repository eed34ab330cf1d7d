#include "vestige/dicom/image_io.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/core/itk_bridge.h"

#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageIOFactory.h>
#include <itkImportImageContainer.h>
#include <itkMetaImageIOFactory.h>
#include <itkNiftiImageIOFactory.h>
#include <itkNrrdImageIOFactory.h>

#include <zlib.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <vector>

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
                "unsupported file type '" + core::fullExtension(path) +
                    "' (use .nii, .nii.gz, .nrrd, .nhdr, .mha or .mhd)",
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
    throw Error(ErrorCode::Unsupported,
                "expected a 3D volume, found " + std::to_string(io->GetNumberOfDimensions()) + " dimensions",
                path.string());
  if (io->GetNumberOfComponents() != 1)
    throw Error(ErrorCode::Unsupported,
                "expected a scalar volume, found " + std::to_string(io->GetNumberOfComponents()) +
                    " components per voxel",
                path.string());
  return io;
}

// Uncompressed bytes a gzip file yields (zlib ignores trailing bytes after a complete stream); -1 when the stream
// is cut short or corrupt.
long long gzipPayloadBytes(const fs::path& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz)
    return -1;
  std::vector<char> buffer(1 << 20);
  long long total = 0;
  int got = 0;
  while ((got = gzread(gz, buffer.data(), unsigned(buffer.size()))) > 0)
    total += got;
  int status = Z_OK;
  gzerror(gz, &status);
  gzclose(gz);
  return got < 0 || (status != Z_OK && status != Z_STREAM_END) ? -1 : total;
}

// ITK's NIfTI reader does not notice a file cut short (it returns the voxels it got). A NIfTI file must hold
// vox_offset + voxel bytes; for .nii.gz the gzip trailer records the uncompressed size.
void checkNiftiComplete(const fs::path& path, const itk::ImageIOBase& io) {
  const std::string ext = core::fullExtension(path);
  if (ext != ".nii" && ext != ".nii.gz")
    return;
  const std::uint64_t imageBytes = io.GetImageSizeInBytes();
  float voxOffset = 352.0f;
  std::uint64_t available = 0;
  if (ext == ".nii") {
    std::ifstream in(path, std::ios::binary);
    in.seekg(108);
    in.read(reinterpret_cast<char*>(&voxOffset), 4);
    available = fs::file_size(path);
  } else {
    gzFile gz = gzopen(path.c_str(), "rb");
    if (!gz)
      throw Error(ErrorCode::Io, "cannot open", path.string());
    char header[112];
    const int got = gzread(gz, header, sizeof header);
    gzclose(gz);
    if (got == int(sizeof header))
      std::memcpy(&voxOffset, header + 108, 4);
    std::ifstream in(path, std::ios::binary);
    in.seekg(-4, std::ios::end);
    std::uint32_t isize = 0;
    in.read(reinterpret_cast<char*>(&isize), 4);
    available = isize; // uncompressed size modulo 2^32
    const std::uint64_t expected = static_cast<std::uint64_t>(voxOffset) + imageBytes;
    if ((expected & 0xFFFFFFFFull) == available)
      return;
    // The trailer is not the stream's last 4 bytes when something follows the stream: decompress and count (slow,
    // but only for files that are odd already).
    const long long payload = gzipPayloadBytes(path);
    if (payload < 0)
      throw Error(ErrorCode::InvalidFormat, "truncated or corrupt gzip stream", path.string());
    if (std::uint64_t(payload) < expected)
      throw Error(ErrorCode::InvalidFormat,
                  "the gzip stream holds " + std::to_string(payload) + " bytes but the header declares " +
                      std::to_string(expected),
                  path.string());
    return;
  }
  const std::uint64_t expected = static_cast<std::uint64_t>(voxOffset) + imageBytes;
  if (available < expected)
    throw Error(ErrorCode::InvalidFormat,
                "file holds " + std::to_string(available) + " bytes but the header declares " +
                    std::to_string(expected),
                path.string());
}

template <class T> core::Volume<T> readAs(const fs::path& path) {
  // Validates type, existence, dimensionality and completeness with clear messages before ITK reads voxels.
  checkNiftiComplete(path, *openIo(path));
  using ImageType = itk::Image<T, 3>;
  auto reader = itk::ImageFileReader<ImageType>::New();
  reader->SetFileName(path.string());
  core::translateItkErrors(ErrorCode::InvalidFormat, path.string(), [&] { reader->Update(); });
  return core::fromItk(*reader->GetOutput());
}

// ITK's writers do not all report a short write (NIfTI's gzip layer ignores write errors: a full disk left a
// truncated .nii.gz and exit 0). So the written file is checked before it is renamed into place: raw files must
// hold every voxel, gzip files must decompress whole to the declared grid.
template <class T> void verifyWritten(const fs::path& tmp, const core::Volume<T>& volume, const fs::path& path) {
  std::error_code ec;
  const auto bytes = fs::file_size(tmp, ec);
  const double expected = double(volume.voxels.size()) * double(sizeof(T));
  if (ec || (core::fullExtension(path) != ".nii.gz" && double(bytes) < expected))
    throw Error(ErrorCode::Io,
                "the written file is incomplete (" + std::to_string(ec ? 0 : bytes) + " bytes for " +
                    std::to_string(static_cast<long long>(expected)) + " bytes of voxels): is the disk full?",
                path.string());
  if (core::fullExtension(path) != ".nii.gz")
    return;
  const long long payload = gzipPayloadBytes(tmp);
  if (payload < 0 || double(payload) < expected)
    throw Error(ErrorCode::Io,
                "the written file is incomplete (its gzip stream " +
                    (payload < 0 ? std::string("is cut short") : "holds " + std::to_string(payload) + " bytes") +
                    " for " + std::to_string(static_cast<long long>(expected)) + " bytes of voxels): is the disk full?",
                path.string());
}

template <class T> void writeAs(const core::Volume<T>& volume, const fs::path& path) {
  registerFactories();
  requireVolumeExtension(path);
  // A detached header (.mhd + .raw, .nhdr + .raw) is two files: it cannot be written all-or-nothing.
  const std::string ext = core::fullExtension(path);
  if (ext == ".mhd" || ext == ".nhdr")
    throw Error(ErrorCode::InvalidArgument,
                "cannot write '" + ext + "' (a header with a separate data file); use .nii.gz, .nii, .nrrd or .mha",
                path.string());
  if (volume.voxels.size() != volume.geometry.voxelCount())
    throw Error(ErrorCode::Internal,
                "volume has " + std::to_string(volume.voxels.size()) + " voxels for a grid of " +
                    std::to_string(volume.geometry.voxelCount()),
                path.string());
  // Wrap the voxels without copying them (the writer only reads).
  auto image = itk::Image<T, 3>::New();
  core::applyGeometry(volume.geometry, *image);
  auto container = itk::ImportImageContainer<itk::SizeValueType, T>::New();
  container->SetImportPointer(const_cast<T*>(volume.voxels.data()), volume.voxels.size(), false);
  image->SetPixelContainer(container);
  core::writeAtomically(path, [&](const fs::path& tmp) {
    auto writer = itk::ImageFileWriter<itk::Image<T, 3>>::New();
    writer->SetFileName(tmp.string());
    writer->SetInput(image);
    // .nii.gz asks for gzip by its name; .nrrd/.mha/.nii stay raw, which is several times faster to write.
    writer->SetUseCompression(core::fullExtension(path) == ".nii.gz");
    core::translateItkErrors(ErrorCode::Io, path.string(), [&] { writer->Update(); });
    verifyWritten(tmp, volume, path);
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

core::Image readImage(const fs::path& path) {
  return readAs<float>(path);
}

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
      throw Error(ErrorCode::InvalidFormat, "voxel value " + std::to_string(v) + " is not a label (0..65535)",
                  path.string());
    labels.voxels[n] = static_cast<std::uint16_t>(v);
  }
  return labels;
}

void writeImage(const core::Image& image, const fs::path& path) {
  // CT in HU is integral: store it as 16-bit (half the size, what other tools expect); anything else as float.
  core::Volume<std::int16_t> shortImage;
  shortImage.geometry = image.geometry;
  shortImage.voxels.resize(image.voxels.size());
  bool integral = true;
  for (std::size_t n = 0; n < image.voxels.size(); ++n) {
    const float v = image.voxels[n];
    if (!(v >= -32768.0f && v <= 32767.0f) || float(static_cast<std::int16_t>(v)) != v) {
      integral = false;
      break;
    }
    shortImage.voxels[n] = static_cast<std::int16_t>(v);
  }
  if (integral)
    writeAs(shortImage, path);
  else
    writeAs(image, path);
}

void writeMask(const core::Mask& mask, const fs::path& path) {
  writeAs(mask, path);
}
void writeLabelMap(const core::LabelMap& labels, const fs::path& path) {
  writeAs(labels, path);
}

} // namespace vestige::dicom
