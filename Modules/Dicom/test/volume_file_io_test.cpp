// A full disk while writing a volume must be an error, with nothing left under the final name (NIfTI's gzip layer
// ignores write errors, so a truncated .nii.gz used to be reported as written). A file-size limit stands in for the
// full disk: writes beyond it fail with EFBIG, as they fail with ENOSPC on a full disk.
#include "vestige/core/error.h"
#include "vestige/dicom/image_io.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <random>
#include <sys/resource.h>

namespace fs = std::filesystem;
using namespace vestige;

namespace {

using vestige::testing::FileSizeLimit;

// Noise does not compress: the file needs about as many bytes as the voxels.
core::Image noise() {
  core::ImageGeometry g;
  g.size = {64, 64, 32};
  core::Image image(g);
  std::mt19937 random(5);
  std::uniform_real_distribution<float> value(-1000.0F, 1000.0F);
  for (float& v : image.voxels)
    v = value(random);
  return image;
}

} // namespace

TEST(FullDisk, VolumeWritesFailCleanlyInEveryFormat) {
  const core::Image image = noise();
  for (const char* ext : {".nii.gz", ".nii", ".nrrd", ".mha"}) {
    SCOPED_TRACE(ext);
    const fs::path dir = vestige::testing::freshTempDir("full-disk");
    const fs::path target = dir / (std::string("ct") + ext);
    {
      const FileSizeLimit limit(64 * 1024);
      try {
        dicom::writeImage(image, target);
        ADD_FAILURE() << "a write cut at 64 KiB was reported as success";
      } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), core::ErrorCode::Io) << e.what();
        EXPECT_EQ(e.context(), target.string());
      }
    }
    EXPECT_FALSE(fs::exists(target));
    EXPECT_TRUE(fs::is_empty(dir)) << "no temporary file left";
    dicom::writeImage(image, target); // and without the limit the same write succeeds
    EXPECT_EQ(dicom::readImage(target).voxels.size(), image.voxels.size());
  }
}

TEST(FullDisk, DetachedHeadersAreRefusedForWriting) {
  const fs::path dir = vestige::testing::freshTempDir("detached");
  EXPECT_THROW(dicom::writeImage(noise(), dir / "ct.mhd"), core::Error);
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(VolumeFiles, TrailingBytesAfterAGzipStreamAreNotCorruption) {
  const fs::path dir = vestige::testing::freshTempDir("trailing");
  const core::Image image = noise();
  dicom::writeImage(image, dir / "ct.nii.gz");
  std::ofstream(dir / "ct.nii.gz", std::ios::app | std::ios::binary).write("\0\0\0\0", 4);
  EXPECT_EQ(dicom::readImage(dir / "ct.nii.gz").voxels, image.voxels);
  // Cut short, the same file is refused as truncated.
  fs::resize_file(dir / "ct.nii.gz", fs::file_size(dir / "ct.nii.gz") / 2);
  try {
    (void)dicom::readImage(dir / "ct.nii.gz");
    ADD_FAILURE() << "read a truncated file";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::InvalidFormat) << e.what();
  }
}
