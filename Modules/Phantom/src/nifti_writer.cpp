#include "nifti_writer.h"

#include "vestige/core/file_util.h"
#include "vestige/core/itk_bridge.h"

#include <itkImageFileWriter.h>
#include <itkNiftiImageIOFactory.h>

#include <mutex>

namespace fs = std::filesystem;

namespace vestige::phantom::detail {

namespace {

template <class T> void write(const core::Volume<T>& volume, const fs::path& path) {
  static std::once_flag once;
  std::call_once(once, [] { itk::NiftiImageIOFactory::RegisterOneFactory(); });
  const auto image = core::toItk(volume);
  core::writeAtomically(path, [&](const fs::path& tmp) {
    auto writer = itk::ImageFileWriter<itk::Image<T, 3>>::New();
    writer->SetFileName(tmp.string());
    writer->SetInput(image);
    writer->SetUseCompression(true);
    writer->SetCompressionLevel(1);
    core::translateItkErrors(core::ErrorCode::Io, path.string(), [&] { writer->Update(); });
  });
}

} // namespace

void writeNiftiFast(const core::Mask& mask, const fs::path& path) {
  write(mask, path);
}
void writeNiftiFast(const core::LabelMap& labels, const fs::path& path) {
  write(labels, path);
}

} // namespace vestige::phantom::detail
