#include "vestige/phantom/displacement_field.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/core/itk_bridge.h"

#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkNiftiImageIOFactory.h>
#include <itkVector.h>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <mutex>
#include <vector>

namespace fs = std::filesystem;
using vestige::core::Error;
using vestige::core::ErrorCode;

namespace vestige::phantom {

namespace {

using FieldImage = itk::Image<itk::Vector<float, 3>, 3>;

void registerNifti() {
  static std::once_flag once;
  std::call_once(once, [] { itk::NiftiImageIOFactory::RegisterOneFactory(); });
}

// Weights and corner indices of trilinear interpolation at a continuous index; false when outside the grid.
struct Trilinear {
  std::size_t i0, j0, k0, i1, j1, k1;
  double fx, fy, fz;
};

bool trilinear(const core::ImageGeometry& g, const core::Vec3& index, Trilinear& t, bool clampToEdge) {
  double c[3];
  std::size_t lo[3], hi[3];
  double f[3];
  for (int a = 0; a < 3; ++a) {
    c[a] = index[a];
    const double maxIndex = static_cast<double>(g.size[a] - 1);
    if (c[a] < 0.0 || c[a] > maxIndex) {
      if (!clampToEdge && (c[a] < -0.5 || c[a] > maxIndex + 0.5))
        return false;
      c[a] = std::clamp(c[a], 0.0, maxIndex);
    }
    const double fl = std::floor(c[a]);
    lo[a] = static_cast<std::size_t>(fl);
    hi[a] = std::min(lo[a] + 1, g.size[a] - 1);
    f[a] = c[a] - fl;
  }
  t = {lo[0], lo[1], lo[2], hi[0], hi[1], hi[2], f[0], f[1], f[2]};
  return true;
}

template <class Get> double interpolate(const Trilinear& t, Get get) {
  const double c00 = get(t.i0, t.j0, t.k0) * (1 - t.fx) + get(t.i1, t.j0, t.k0) * t.fx;
  const double c10 = get(t.i0, t.j1, t.k0) * (1 - t.fx) + get(t.i1, t.j1, t.k0) * t.fx;
  const double c01 = get(t.i0, t.j0, t.k1) * (1 - t.fx) + get(t.i1, t.j0, t.k1) * t.fx;
  const double c11 = get(t.i0, t.j1, t.k1) * (1 - t.fx) + get(t.i1, t.j1, t.k1) * t.fx;
  return (c00 * (1 - t.fy) + c10 * t.fy) * (1 - t.fz) + (c01 * (1 - t.fy) + c11 * t.fy) * t.fz;
}

template <class T, class Out>
core::Volume<Out> warpVolume(const core::Volume<T>& moving, const DisplacementField& field, double outside,
                             double (*finish)(double), Out (*cast)(double)) {
  const core::ImageGeometry& g = field.geometry;
  core::Volume<Out> out(g);
  const core::ImageGeometry& mg = moving.geometry;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const std::size_t n = out.linearIndex(i, j, k);
        const auto& u = field.vectors[n];
        const core::Vec3 x = g.indexToLps({double(i), double(j), double(k)});
        const core::Vec3 p{x[0] + u[0], x[1] + u[1], x[2] + u[2]};
        Trilinear t{};
        double v = outside;
        if (trilinear(mg, mg.lpsToIndex(p), t, false))
          v = interpolate(t, [&](std::size_t a, std::size_t b, std::size_t c) { return double(moving.at(a, b, c)); });
        out.voxels[n] = cast(finish(v));
      }
  return out;
}

void gzipFile(const fs::path& from, const fs::path& to) {
  std::ifstream in(from, std::ios::binary);
  gzFile out = gzopen(to.c_str(), "wb1");
  if (!in || !out) {
    if (out)
      gzclose(out);
    throw Error(ErrorCode::Io, "cannot compress the displacement field", to.string());
  }
  std::vector<char> buffer(1 << 20);
  bool ok = true;
  while (ok && (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0))
    ok = gzwrite(out, buffer.data(), static_cast<unsigned>(in.gcount())) == static_cast<int>(in.gcount());
  if (gzclose(out) != Z_OK || !ok)
    throw Error(ErrorCode::Io, "cannot compress the displacement field", to.string());
}

} // namespace

void writeDisplacementField(const DisplacementField& field, const fs::path& path) {
  registerNifti();
  if (field.vectors.size() != field.geometry.voxelCount())
    throw Error(ErrorCode::Internal, "displacement field has the wrong number of vectors", path.string());
  auto image = FieldImage::New();
  FieldImage::RegionType region;
  region.SetSize({field.geometry.size[0], field.geometry.size[1], field.geometry.size[2]});
  image->SetRegions(region);
  core::applyGeometry(field.geometry, *image);
  image->Allocate();
  auto* buffer = image->GetBufferPointer();
  for (std::size_t n = 0; n < field.vectors.size(); ++n)
    for (unsigned c = 0; c < 3; ++c)
      buffer[n][c] = field.vectors[n][c];
  const bool gzip = core::fullExtension(path) == ".nii.gz";
  core::writeAtomically(path, [&](const fs::path& tmp) {
    // ITK's NIfTI writer gzips at a fixed, slow level; for .nii.gz it writes a plain .nii that is then gzipped
    // here at level 1 (a .nii.gz is exactly a gzipped .nii).
    fs::path plain = tmp;
    if (gzip) {
      const std::string name = tmp.string();
      plain = name.substr(0, name.size() - std::string(".nii.gz").size()) + "-plain.nii";
    }
    auto writer = itk::ImageFileWriter<FieldImage>::New();
    writer->SetFileName(plain.string());
    writer->SetInput(image);
    writer->SetUseCompression(false);
    core::translateItkErrors(ErrorCode::Io, path.string(), [&] { writer->Update(); });
    if (gzip) {
      gzipFile(plain, tmp);
      std::error_code ec;
      fs::remove(plain, ec);
    }
  });
}

DisplacementField readDisplacementField(const fs::path& path) {
  registerNifti();
  core::requireReadable(path);
  auto reader = itk::ImageFileReader<FieldImage>::New();
  reader->SetFileName(path.string());
  core::translateItkErrors(ErrorCode::InvalidFormat, path.string(), [&] { reader->Update(); });
  const FieldImage* image = reader->GetOutput();
  DisplacementField field;
  field.geometry = core::geometryFromItk(*image);
  field.vectors.resize(field.geometry.voxelCount());
  const auto* buffer = image->GetBufferPointer();
  for (std::size_t n = 0; n < field.vectors.size(); ++n)
    field.vectors[n] = {buffer[n][0], buffer[n][1], buffer[n][2]};
  return field;
}

core::Vec3 sampleDisplacement(const DisplacementField& field, const core::Vec3& lps) {
  const core::ImageGeometry& g = field.geometry;
  Trilinear t{};
  trilinear(g, g.lpsToIndex(lps), t, true);
  core::Vec3 u{};
  for (int c = 0; c < 3; ++c)
    u[c] = interpolate(t, [&](std::size_t a, std::size_t b, std::size_t k) {
      return double(field.vectors[a + g.size[0] * (b + g.size[1] * k)][c]);
    });
  return u;
}

core::Vec3 mapPoint(const DisplacementField& field, const core::Vec3& lps) {
  return core::add(lps, sampleDisplacement(field, lps));
}

core::Mask warpMask(const core::Mask& moving, const DisplacementField& field) {
  return warpVolume<std::uint8_t, std::uint8_t>(
      moving, field, 0.0, [](double v) { return v; }, [](double v) { return std::uint8_t(v >= 0.5 ? 1 : 0); });
}

core::Image warpImage(const core::Image& moving, const DisplacementField& field, float outside) {
  return warpVolume<float, float>(
      moving, field, outside, [](double v) { return v; }, [](double v) { return static_cast<float>(v); });
}

} // namespace vestige::phantom
