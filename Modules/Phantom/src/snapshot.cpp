#include "vestige/phantom/snapshot.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using vestige::core::Error;
using vestige::core::ErrorCode;

namespace vestige::phantom {

namespace {

void putU32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    s.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void chunk(std::string& png, const char* type, const std::string& data) {
  putU32(png, static_cast<std::uint32_t>(data.size()));
  std::string body(type, 4);
  body += data;
  png += body;
  putU32(png, static_cast<std::uint32_t>(
                  crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

// 8-bit grey PNG: signature, IHDR, one zlib-compressed IDAT (filter byte 0 per row), IEND.
std::string encodePng(const std::vector<std::uint8_t>& grey, std::size_t width, std::size_t height) {
  std::string raw;
  raw.reserve((width + 1) * height);
  for (std::size_t y = 0; y < height; ++y) {
    raw.push_back('\0');
    raw.append(reinterpret_cast<const char*>(grey.data() + y * width), width);
  }
  uLongf packedSize = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(packedSize, '\0');
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &packedSize, reinterpret_cast<const Bytef*>(raw.data()),
                static_cast<uLong>(raw.size()), 9) != Z_OK)
    throw Error(ErrorCode::Internal, "PNG compression failed");
  packed.resize(packedSize);
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  putU32(ihdr, static_cast<std::uint32_t>(width));
  putU32(ihdr, static_cast<std::uint32_t>(height));
  ihdr += std::string("\x08\x00\x00\x00\x00", 5); // 8 bit, greyscale, deflate, adaptive filter, no interlace
  chunk(png, "IHDR", ihdr);
  chunk(png, "IDAT", packed);
  chunk(png, "IEND", "");
  return png;
}

double sampleLinear(const core::Image& image, const core::Vec3& lps) {
  const core::ImageGeometry& g = image.geometry;
  const core::Vec3 c = g.lpsToIndex(lps);
  double f[3];
  std::size_t lo[3], hi[3];
  for (int a = 0; a < 3; ++a) {
    const double v = std::clamp(c[a], 0.0, static_cast<double>(g.size[a] - 1));
    lo[a] = static_cast<std::size_t>(std::floor(v));
    hi[a] = std::min(lo[a] + 1, g.size[a] - 1);
    f[a] = v - std::floor(v);
  }
  double sum = 0.0;
  for (int corner = 0; corner < 8; ++corner) {
    const std::size_t i = corner & 1 ? hi[0] : lo[0], j = corner & 2 ? hi[1] : lo[1], k = corner & 4 ? hi[2] : lo[2];
    const double w = (corner & 1 ? f[0] : 1 - f[0]) * (corner & 2 ? f[1] : 1 - f[1]) * (corner & 4 ? f[2] : 1 - f[2]);
    sum += w * image.at(i, j, k);
  }
  return sum;
}

} // namespace

void writeSnapshotPng(const core::Image& image, SnapshotPlane plane, const core::Vec3& throughLps, double windowCenter,
                      double windowWidth, const fs::path& path) {
  if (image.empty())
    throw Error(ErrorCode::InvalidArgument, "empty image", path.string());
  const core::BoundsLps b = image.geometry.boundsLps();
  // At most 0.8 mm per pixel: small structures stay readable when the picture is shown scaled down.
  const double pixel = std::min({image.geometry.spacingMm[0], image.geometry.spacingMm[1], 0.8});
  // Screen x runs from the patient's right (LPS x min) to left; screen y from anterior (axial) or superior (coronal).
  const double spanY = plane == SnapshotPlane::Axial ? b.max[1] - b.min[1] : b.max[2] - b.min[2];
  const auto width = static_cast<std::size_t>(std::round((b.max[0] - b.min[0]) / pixel)) + 1;
  const auto height = static_cast<std::size_t>(std::round(spanY / pixel)) + 1;
  std::vector<std::uint8_t> grey(width * height);
  for (std::size_t y = 0; y < height; ++y)
    for (std::size_t x = 0; x < width; ++x) {
      core::Vec3 p = throughLps;
      p[0] = b.min[0] + x * pixel;
      if (plane == SnapshotPlane::Axial)
        p[1] = b.min[1] + y * pixel;
      else
        p[2] = b.max[2] - y * pixel;
      const double v = (sampleLinear(image, p) - (windowCenter - windowWidth / 2)) / windowWidth;
      grey[x + width * y] = static_cast<std::uint8_t>(std::clamp(v, 0.0, 1.0) * 255.0 + 0.5);
    }
  const std::string png = encodePng(grey, width, height);
  core::writeAtomically(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out.write(png.data(), static_cast<std::streamsize>(png.size()));
    out.close();
    if (!out)
      throw Error(ErrorCode::Io, "write failed", path.string());
  });
}

} // namespace vestige::phantom
