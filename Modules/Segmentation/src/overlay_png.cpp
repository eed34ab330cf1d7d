#include "vestige/segmentation/overlay_png.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace vestige::segmentation {

namespace {

void putU32(std::string& s, std::uint32_t v) {
  for (int b = 3; b >= 0; --b)
    s.push_back(char((v >> (8 * b)) & 0xff));
}

void writeChunk(std::ofstream& out, const char* type, const std::string& data) {
  std::string chunk;
  putU32(chunk, std::uint32_t(data.size()));
  std::string body = std::string(type, 4) + data;
  chunk += body;
  putU32(chunk, std::uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()))));
  out.write(chunk.data(), long(chunk.size()));
}

void writeRgbPng(const std::vector<std::uint8_t>& rgb, std::size_t width, std::size_t height,
                 const std::filesystem::path& path) {
  std::string raw;
  for (std::size_t y = 0; y < height; ++y) {
    raw.push_back(0); // filter: none
    raw.append(reinterpret_cast<const char*>(rgb.data() + 3 * width * y), 3 * width);
  }
  uLongf size = compressBound(uLong(raw.size()));
  std::string packed(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
                uLong(raw.size()), 6) != Z_OK)
    throw core::Error(core::ErrorCode::Internal, "zlib failed to compress the PNG", path.string());
  packed.resize(size);
  core::writeAtomically(path, [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out.write("\x89PNG\r\n\x1a\n", 8);
    std::string header;
    putU32(header, std::uint32_t(width));
    putU32(header, std::uint32_t(height));
    header += std::string("\x08\x02\x00\x00\x00", 5); // 8-bit RGB
    writeChunk(out, "IHDR", header);
    writeChunk(out, "IDAT", packed);
    writeChunk(out, "IEND", "");
    if (!out)
      throw core::Error(core::ErrorCode::Io, "cannot write PNG", path.string());
  });
}

// Voxel of g nearest to an LPS point, or false outside.
bool nearestIndex(const core::ImageGeometry& g, const core::Vec3& lps, std::size_t& v) {
  const core::Vec3 c = g.lpsToIndex(lps);
  long idx[3];
  for (int a = 0; a < 3; ++a) {
    idx[a] = std::lround(c[a]);
    if (idx[a] < 0 || idx[a] >= long(g.size[a]))
      return false;
  }
  v = std::size_t(idx[0]) + g.size[0] * (std::size_t(idx[1]) + g.size[1] * std::size_t(idx[2]));
  return true;
}

} // namespace

void writeOverlayPng(const core::Image& image, const std::vector<OverlayOutline>& outlines, OverlayPlane plane,
                     const core::Vec3& throughLps, double windowCenterHu, double windowWidthHu,
                     const std::filesystem::path& path) {
  const auto& g = image.geometry;
  const core::BoundsLps b = g.boundsLps();
  const double pixelMm = std::min(g.spacingMm[0], g.spacingMm[1]);
  // Image columns run from the patient's right (LPS -x) to the left; rows run anterior->posterior (axial) or
  // superior->inferior (coronal).
  const double rowLo = plane == OverlayPlane::Axial ? b.min[1] : b.min[2];
  const double rowHi = plane == OverlayPlane::Axial ? b.max[1] : b.max[2];
  const std::size_t width = std::size_t(std::floor((b.max[0] - b.min[0]) / pixelMm)) + 1;
  const std::size_t height = std::size_t(std::floor((rowHi - rowLo) / pixelMm)) + 1;
  auto pointAt = [&](std::size_t x, std::size_t y) {
    core::Vec3 p = throughLps;
    p[0] = b.min[0] + double(x) * pixelMm;
    if (plane == OverlayPlane::Axial)
      p[1] = rowLo + double(y) * pixelMm;
    else
      p[2] = rowHi - double(y) * pixelMm;
    return p;
  };
  std::vector<std::uint8_t> rgb(3 * width * height, 0);
  for (std::size_t y = 0; y < height; ++y)
    for (std::size_t x = 0; x < width; ++x) {
      std::size_t v = 0;
      if (!nearestIndex(g, pointAt(x, y), v))
        continue;
      const double t = (image.voxels[v] - (windowCenterHu - 0.5 * windowWidthHu)) / windowWidthHu;
      const auto grey = std::uint8_t(std::clamp(t, 0.0, 1.0) * 255.0);
      std::fill_n(rgb.begin() + long(3 * (y * width + x)), 3, grey);
    }
  for (const auto& outline : outlines) {
    if (!outline.mask)
      continue;
    std::vector<std::uint8_t> inside(width * height, 0);
    for (std::size_t y = 0; y < height; ++y)
      for (std::size_t x = 0; x < width; ++x) {
        std::size_t v = 0;
        inside[y * width + x] = nearestIndex(outline.mask->geometry, pointAt(x, y), v) && outline.mask->voxels[v];
      }
    for (std::size_t y = 1; y + 1 < height; ++y)
      for (std::size_t x = 1; x + 1 < width; ++x) {
        const std::size_t p = y * width + x;
        if (inside[p] && (!inside[p - 1] || !inside[p + 1] || !inside[p - width] || !inside[p + width]))
          std::copy(outline.rgb.begin(), outline.rgb.end(), rgb.begin() + long(3 * p));
      }
  }
  writeRgbPng(rgb, width, height, path);
}

} // namespace vestige::segmentation
