#include "deformation.h"

#include <cmath>
#include <random>

namespace vestige::phantom::detail {

namespace {
constexpr double kPi = 3.14159265358979323846;
} // namespace

core::Mat3 rotationXyzDeg(const core::Vec3& degrees) {
  const double rx = degrees[0] * kPi / 180, ry = degrees[1] * kPi / 180, rz = degrees[2] * kPi / 180;
  const core::Mat3 mx{{{1, 0, 0}, {0, std::cos(rx), -std::sin(rx)}, {0, std::sin(rx), std::cos(rx)}}};
  const core::Mat3 my{{{std::cos(ry), 0, std::sin(ry)}, {0, 1, 0}, {-std::sin(ry), 0, std::cos(ry)}}};
  const core::Mat3 mz{{{std::cos(rz), -std::sin(rz), 0}, {std::sin(rz), std::cos(rz), 0}, {0, 0, 1}}};
  core::Mat3 t{};
  core::Mat3 r{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k)
        t[i][j] += my[i][k] * mx[k][j];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k)
        r[i][j] += mz[i][k] * t[k][j];
  return r;
}

core::Vec3 FollowupTransform::breathing(const core::Vec3& y) const noexcept {
  const double dx = (y[0] - breathingCentreLps[0]) / breathingSigmaMm[0];
  const double dy = (y[1] - breathingCentreLps[1]) / breathingSigmaMm[1];
  const double dz = (y[2] - breathingCentreLps[2]) / breathingSigmaMm[2];
  return {0.0, breathingApMm * std::exp(-0.5 * (dx * dx + dz * dz)),
          breathingSiMm * std::exp(-0.5 * (dx * dx + dy * dy))};
}

core::Vec3 FollowupTransform::apply(const core::Vec3& x) const noexcept {
  const core::Vec3 y =
      core::add(core::add(core::multiply(rotation, core::sub(x, centreLps)), centreLps), translationMm);
  return core::add(y, breathing(y));
}

core::Vec3 FollowupTransform::inverse(const core::Vec3& p) const noexcept {
  core::Vec3 y = p;
  for (int i = 0; i < 100; ++i) {
    const core::Vec3 next = core::sub(p, breathing(y));
    const double step = core::distanceMm(next, y);
    y = next;
    if (step < 1e-9)
      break;
  }
  return core::add(core::multiply(core::transpose(rotation), core::sub(core::sub(y, translationMm), centreLps)),
                   centreLps);
}

double FollowupTransform::jacobianDeterminant(const core::Vec3& x) const noexcept {
  core::Mat3 j{};
  const double h = 0.5;
  for (int c = 0; c < 3; ++c) {
    core::Vec3 a = x, b = x;
    a[c] += h;
    b[c] -= h;
    const core::Vec3 d = core::scale(core::sub(apply(a), apply(b)), 1.0 / (2 * h));
    for (int r = 0; r < 3; ++r)
      j[r][c] = d[r];
  }
  return j[0][0] * (j[1][1] * j[2][2] - j[1][2] * j[2][1]) - j[0][1] * (j[1][0] * j[2][2] - j[1][2] * j[2][0]) +
         j[0][2] * (j[1][0] * j[2][1] - j[1][1] * j[2][0]);
}

FollowupTransform randomFollowupTransform(std::uint64_t seed, const core::Vec3& organCentreLps) {
  std::mt19937_64 rng(seed * 0xD1B54A32D192ED03ull + 777);
  std::uniform_real_distribution<double> j(-1.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  FollowupTransform t;
  t.rotationDeg = {2.0 * j(rng), 2.0 * j(rng), 3.0 + 1.5 * j(rng)};
  t.rotation = rotationXyzDeg(t.rotationDeg);
  t.centreLps = organCentreLps;
  t.translationMm = {8.0 * j(rng), 6.0 + 4.0 * j(rng), 25.0 + 10.0 * j(rng)};
  // At follow-up the patient breathed in deeper: the liver sits lower, so T moves points up (towards baseline).
  t.breathingSiMm = 10.0 + 5.0 * u(rng);
  t.breathingApMm = -(2.0 + 3.0 * u(rng));
  t.breathingCentreLps = core::add(organCentreLps, {10.0, -15.0, 10.0});
  return t;
}

} // namespace vestige::phantom::detail
