#pragma once
// Geometry of 3D images. Every physical coordinate in Vestige is in the DICOM patient coordinate system,
// LPS (x towards the patient's Left, y towards Posterior, z towards Superior), in millimetres. Indices are
// (i, j, k) = (column, row, slice); direction columns follow ITK's convention.
#include <array>
#include <cstddef>
#include <string>

namespace vestige::core {

using Vec3 = std::array<double, 3>;
// Row-major 3x3 matrix; column c is the LPS unit vector of index axis c.
using Mat3 = std::array<std::array<double, 3>, 3>;
using Size3 = std::array<std::size_t, 3>;

[[nodiscard]] Mat3 identityMatrix() noexcept;
[[nodiscard]] Vec3 add(const Vec3& a, const Vec3& b) noexcept;
[[nodiscard]] Vec3 sub(const Vec3& a, const Vec3& b) noexcept;
[[nodiscard]] Vec3 scale(const Vec3& a, double s) noexcept;
[[nodiscard]] double dot(const Vec3& a, const Vec3& b) noexcept;
[[nodiscard]] Vec3 cross(const Vec3& a, const Vec3& b) noexcept;
[[nodiscard]] double norm(const Vec3& a) noexcept;
[[nodiscard]] double distanceMm(const Vec3& a, const Vec3& b) noexcept;
[[nodiscard]] Vec3 normalized(const Vec3& a) noexcept;
[[nodiscard]] Vec3 multiply(const Mat3& m, const Vec3& v) noexcept;
[[nodiscard]] Mat3 transpose(const Mat3& m) noexcept;
[[nodiscard]] std::string formatVec(const Vec3& v, int precision = 2);

// Axis-aligned box in LPS mm.
struct BoundsLps {
  Vec3 min{};
  Vec3 max{};
};

// Where the voxels of a 3D image sit in space.
struct ImageGeometry {
  Size3 size{0, 0, 0};
  Vec3 spacingMm{1.0, 1.0, 1.0};
  Vec3 originLps{0.0, 0.0, 0.0}; // centre of voxel (0,0,0)
  Mat3 direction = identityMatrix();

  [[nodiscard]] std::size_t voxelCount() const noexcept { return size[0] * size[1] * size[2]; }
  [[nodiscard]] double voxelVolumeMm3() const noexcept { return spacingMm[0] * spacingMm[1] * spacingMm[2]; }
  [[nodiscard]] Vec3 indexToLps(const Vec3& continuousIndex) const noexcept;
  [[nodiscard]] Vec3 lpsToIndex(const Vec3& lps) const noexcept;
  // Bounds of the voxel centres (not of the voxel edges).
  [[nodiscard]] BoundsLps boundsLps() const noexcept;
  [[nodiscard]] bool contains(const Vec3& continuousIndex) const noexcept;
};

// True when both grids have the same size and, within tolMm, the same origin, spacing and direction.
[[nodiscard]] bool sameGrid(const ImageGeometry& a, const ImageGeometry& b, double tolMm = 1e-3) noexcept;

// Human-readable "512x512x119 @ 0.743x0.743x1.600 mm, origin (...)".
[[nodiscard]] std::string describe(const ImageGeometry& g);

} // namespace vestige::core
