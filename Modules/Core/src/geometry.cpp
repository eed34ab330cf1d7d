#include "vestige/core/geometry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace vestige::core {

Mat3 identityMatrix() noexcept {
  return Mat3{{{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}}};
}
Vec3 add(const Vec3& a, const Vec3& b) noexcept {
  return {a[0] + b[0], a[1] + b[1], a[2] + b[2]};
}
Vec3 sub(const Vec3& a, const Vec3& b) noexcept {
  return {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
}
Vec3 scale(const Vec3& a, double s) noexcept {
  return {a[0] * s, a[1] * s, a[2] * s};
}
double dot(const Vec3& a, const Vec3& b) noexcept {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
Vec3 cross(const Vec3& a, const Vec3& b) noexcept {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double norm(const Vec3& a) noexcept {
  return std::sqrt(dot(a, a));
}
double distanceMm(const Vec3& a, const Vec3& b) noexcept {
  return norm(sub(a, b));
}
Vec3 normalized(const Vec3& a) noexcept {
  const double n = norm(a);
  return n > 0.0 ? scale(a, 1.0 / n) : a;
}
Vec3 multiply(const Mat3& m, const Vec3& v) noexcept {
  return {dot(m[0], v), dot(m[1], v), dot(m[2], v)};
}
Mat3 transpose(const Mat3& m) noexcept {
  Mat3 t{};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      t[r][c] = m[c][r];
  return t;
}

std::string formatVec(const Vec3& v, int precision) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "(%.*f, %.*f, %.*f)", precision, v[0], precision, v[1], precision, v[2]);
  return buf;
}

Vec3 ImageGeometry::indexToLps(const Vec3& idx) const noexcept {
  const Vec3 scaled{idx[0] * spacingMm[0], idx[1] * spacingMm[1], idx[2] * spacingMm[2]};
  return add(originLps, multiply(direction, scaled));
}

namespace {
// Inverse of a 3x3 matrix (direction matrices are not always exactly orthonormal in DICOM headers).
Mat3 inverse(const Mat3& m) {
  const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                     m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                     m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  Mat3 r{};
  const double inv = det != 0.0 ? 1.0 / det : 0.0;
  r[0][0] = (m[1][1] * m[2][2] - m[1][2] * m[2][1]) * inv;
  r[0][1] = (m[0][2] * m[2][1] - m[0][1] * m[2][2]) * inv;
  r[0][2] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) * inv;
  r[1][0] = (m[1][2] * m[2][0] - m[1][0] * m[2][2]) * inv;
  r[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) * inv;
  r[1][2] = (m[0][2] * m[1][0] - m[0][0] * m[1][2]) * inv;
  r[2][0] = (m[1][0] * m[2][1] - m[1][1] * m[2][0]) * inv;
  r[2][1] = (m[0][1] * m[2][0] - m[0][0] * m[2][1]) * inv;
  r[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) * inv;
  return r;
}
} // namespace

Vec3 ImageGeometry::lpsToIndex(const Vec3& lps) const noexcept {
  const Vec3 local = multiply(inverse(direction), sub(lps, originLps));
  return {local[0] / spacingMm[0], local[1] / spacingMm[1], local[2] / spacingMm[2]};
}

BoundsLps ImageGeometry::boundsLps() const noexcept {
  BoundsLps b{indexToLps({0, 0, 0}), indexToLps({0, 0, 0})};
  for (int corner = 1; corner < 8; ++corner) {
    const Vec3 idx{(corner & 1) ? double(size[0] ? size[0] - 1 : 0) : 0.0,
                   (corner & 2) ? double(size[1] ? size[1] - 1 : 0) : 0.0,
                   (corner & 4) ? double(size[2] ? size[2] - 1 : 0) : 0.0};
    const Vec3 p = indexToLps(idx);
    for (int a = 0; a < 3; ++a) {
      b.min[a] = std::min(b.min[a], p[a]);
      b.max[a] = std::max(b.max[a], p[a]);
    }
  }
  return b;
}

bool ImageGeometry::contains(const Vec3& idx) const noexcept {
  for (int a = 0; a < 3; ++a)
    if (idx[a] < -0.5 || idx[a] > double(size[a]) - 0.5)
      return false;
  return true;
}

bool sameGrid(const ImageGeometry& a, const ImageGeometry& b, double tolMm) noexcept {
  if (a.size != b.size)
    return false;
  for (int i = 0; i < 3; ++i) {
    if (std::abs(a.spacingMm[i] - b.spacingMm[i]) > tolMm || std::abs(a.originLps[i] - b.originLps[i]) > tolMm)
      return false;
    for (int j = 0; j < 3; ++j)
      if (std::abs(a.direction[i][j] - b.direction[i][j]) > 1e-4)
        return false;
  }
  return true;
}

std::string describe(const ImageGeometry& g) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%zux%zux%zu @ %.3fx%.3fx%.3f mm, origin %s LPS", g.size[0], g.size[1], g.size[2],
                g.spacingMm[0], g.spacingMm[1], g.spacingMm[2], formatVec(g.originLps).c_str());
  return buf;
}

} // namespace vestige::core
