#include "anatomy.h"

#include "vestige/core/error.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace vestige::phantom::detail {

namespace {

using core::Mat3;
using core::Vec3;

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
constexpr double kBig = 1e9;

// Body outline (elliptic cylinder centred at kBodyX/Y, flatter at the back where the patient lies on the table).
constexpr double kBodyY = 5.0;
constexpr double kBodyA = 165.0;
constexpr double kBodyAnterior = 122.0;
constexpr double kBodyPosterior = 105.0;
constexpr double kCavityInset = 27.0;
constexpr double kColumnHalf = 600.0; // half height of structures that run through the whole field

Mat3 rotation(double rxDeg, double ryDeg, double rzDeg) {
  const double cx = std::cos(rxDeg * kDeg), sx = std::sin(rxDeg * kDeg);
  const double cy = std::cos(ryDeg * kDeg), sy = std::sin(ryDeg * kDeg);
  const double cz = std::cos(rzDeg * kDeg), sz = std::sin(rzDeg * kDeg);
  const Mat3 rx{{{1, 0, 0}, {0, cx, -sx}, {0, sx, cx}}};
  const Mat3 ry{{{cy, 0, sy}, {0, 1, 0}, {-sy, 0, cy}}};
  const Mat3 rz{{{cz, -sz, 0}, {sz, cz, 0}, {0, 0, 1}}};
  auto mul = [](const Mat3& m, const Mat3& n) {
    Mat3 r{};
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 3; ++k)
          r[i][j] += m[i][k] * n[k][j];
    return r;
  };
  return mul(rz, mul(ry, rx));
}

// Sine to ~1e-3 for the texture and surface waves, which are evaluated for millions of voxels and need no more.
double fastSin(double x) {
  constexpr double twoPi = 2.0 * kPi;
  x -= twoPi * std::floor((x + kPi) / twoPi); // [-pi, pi)
  const double y = 1.2732395447351628 * x - 0.4052847345693511 * x * std::abs(x);
  return 0.225 * (y * std::abs(y) - y) + y;
}

double smin(double a, double b, double k) {
  const double h = std::max(k - std::abs(a - b), 0.0) / k;
  return std::min(a, b) - h * h * k * 0.25;
}
double smax(double a, double b, double k) {
  return -smin(-a, -b, k);
}

// Radial distance to an ellipsoid: exact along the axes, an upper bound elsewhere, zero on the surface.
double ellipsoidDistance(const Vec3& centre, const Mat3& axes, const Vec3& semi, const Vec3& p) {
  const Vec3 q = core::multiply(core::transpose(axes), core::sub(p, centre));
  const double rho = core::norm(q);
  if (rho < 1e-9)
    return -std::min({semi[0], semi[1], semi[2]});
  const double k = std::sqrt((q[0] / semi[0]) * (q[0] / semi[0]) + (q[1] / semi[1]) * (q[1] / semi[1]) +
                             (q[2] / semi[2]) * (q[2] / semi[2]));
  return rho * (1.0 - 1.0 / k);
}

double ellipse2d(double qx, double qy, double a, double b) {
  const double rho = std::sqrt(qx * qx + qy * qy);
  if (rho < 1e-9)
    return -std::min(a, b);
  const double k = std::sqrt((qx / a) * (qx / a) + (qy / b) * (qy / b));
  return rho * (1.0 - 1.0 / k);
}

double capsuleDistance(const Vec3& a, const Vec3& b, double ra, double rb, const Vec3& p) {
  const Vec3 ab = core::sub(b, a);
  const double len2 = core::dot(ab, ab);
  const double t = len2 > 0 ? std::clamp(core::dot(core::sub(p, a), ab) / len2, 0.0, 1.0) : 0.0;
  return core::distanceMm(p, core::add(a, core::scale(ab, t))) - (ra + t * (rb - ra));
}

double capsule2d(double px, double py, double ax, double ay, double bx, double by, double r) {
  const double abx = bx - ax, aby = by - ay;
  const double len2 = abx * abx + aby * aby;
  const double t = len2 > 0 ? std::clamp(((px - ax) * abx + (py - ay) * aby) / len2, 0.0, 1.0) : 0.0;
  const double dx = px - (ax + t * abx), dy = py - (ay + t * aby);
  return std::sqrt(dx * dx + dy * dy) - r;
}

double bodySection(const Vec3& p, double inset) {
  const double qx = p[0];
  const double qy = p[1] - kBodyY;
  const double b = (qy < 0 ? kBodyAnterior : kBodyPosterior) - inset;
  return ellipse2d(qx, qy, kBodyA - inset, b);
}

double domeHeight(const Dome& dome, double x, double y) {
  const double hr = dome.right[2] - dome.curvature * ((x - dome.right[0]) * (x - dome.right[0]) +
                                                      0.7 * (y - dome.right[1]) * (y - dome.right[1]));
  const double hl = dome.left[2] - dome.curvature * ((x - dome.left[0]) * (x - dome.left[0]) +
                                                     0.7 * (y - dome.left[1]) * (y - dome.left[1]));
  return smax(hr, hl, 25.0);
}

// Below the dome by `gap` mm (the diaphragm's thickness): the distance of p to the half-space under the dome,
// measured vertically (a bound good enough for partial-volume ramps on a gently curved surface).
double belowDome(const Dome& dome, const Vec3& p, double gap) {
  return p[2] - (domeHeight(dome, p[0], p[1]) - gap);
}

core::BoundsLps boxAround(const Vec3& centre, double r) {
  return {{centre[0] - r, centre[1] - r, centre[2] - r}, {centre[0] + r, centre[1] + r, centre[2] + r}};
}

core::BoundsLps everywhere() {
  return {{-kBig, -kBig, -kBig}, {kBig, kBig, kBig}};
}

core::BoundsLps segmentBox(const Vec3& a, const Vec3& b, double r) {
  core::BoundsLps box;
  for (int i = 0; i < 3; ++i) {
    box.min[i] = std::min(a[i], b[i]) - r;
    box.max[i] = std::max(a[i], b[i]) + r;
  }
  return box;
}

class Builder {
public:
  explicit Builder(Anatomy& anatomy) : m_anatomy(anatomy) {}

  std::size_t ellipsoid(Tissue t, Structure s, const Vec3& c, const Vec3& semi,
                        const Mat3& axes = core::identityMatrix(), ShapeKind kind = ShapeKind::Ellipsoid) {
    Primitive p;
    p.kind = kind;
    p.tissue = t;
    p.structure = s;
    p.centre = c;
    p.semi = semi;
    p.axes = axes;
    p.box = boxAround(c, std::max({semi[0], semi[1], semi[2]}));
    return add(p);
  }
  std::size_t capsule(Tissue t, Structure s, const Vec3& a, const Vec3& b, double ra, double rb) {
    Primitive p;
    p.kind = ShapeKind::Capsule;
    p.tissue = t;
    p.structure = s;
    p.a = a;
    p.b = b;
    p.ra = ra;
    p.rb = rb;
    p.box = segmentBox(a, b, std::max(ra, rb));
    return add(p);
  }
  std::size_t ellipseSlab(Tissue t, Structure s, double cx, double cy, double cz, double ax, double ay, double halfZ) {
    Primitive p;
    p.kind = ShapeKind::EllipseSlab;
    p.tissue = t;
    p.structure = s;
    p.centre = {cx, cy, cz};
    p.semi = {ax, ay, halfZ};
    p.box = {{cx - ax, cy - ay, cz - halfZ}, {cx + ax, cy + ay, cz + halfZ}};
    return add(p);
  }
  std::size_t capsuleSlab(Tissue t, Structure s, double ax, double ay, double bx, double by, double r, double cz,
                          double halfZ) {
    Primitive p;
    p.kind = ShapeKind::CapsuleSlab;
    p.tissue = t;
    p.structure = s;
    p.a = {ax, ay, 0};
    p.b = {bx, by, 0};
    p.ra = r;
    p.centre = {0, 0, cz};
    p.semi = {0, 0, halfZ};
    p.box = segmentBox({ax, ay, cz - halfZ}, {bx, by, cz + halfZ}, r);
    return add(p);
  }
  std::size_t special(ShapeKind kind, Tissue t, Structure s, double param, const core::BoundsLps& box) {
    Primitive p;
    p.kind = kind;
    p.tissue = t;
    p.structure = s;
    p.param = param;
    p.box = box;
    return add(p);
  }
  std::size_t add(const Primitive& p) {
    m_anatomy.primitives.push_back(p);
    return m_anatomy.primitives.size() - 1;
  }

private:
  Anatomy& m_anatomy;
};

Vec3 randomUnit(std::mt19937_64& rng) {
  std::normal_distribution<double> n(0.0, 1.0);
  for (;;) {
    const Vec3 v{n(rng), n(rng), n(rng)};
    if (core::norm(v) > 1e-6)
      return core::normalized(v);
  }
}

// Rotates v about unit axis k by angle (Rodrigues).
Vec3 rotateAbout(const Vec3& v, const Vec3& k, double angle) {
  const double c = std::cos(angle), s = std::sin(angle);
  return core::add(core::add(core::scale(v, c), core::scale(core::cross(k, v), s)),
                   core::scale(k, core::dot(k, v) * (1 - c)));
}

Vec3 liverGradient(const Anatomy& an, const Vec3& p) {
  const double h = 1.0;
  Vec3 g{};
  for (int i = 0; i < 3; ++i) {
    Vec3 a = p, b = p;
    a[i] += h;
    b[i] -= h;
    g[i] = (liverDistance(an, a) - liverDistance(an, b)) / (2 * h);
  }
  return g;
}

// Grows a vessel tree inside the liver: each branch ends in a bifurcation into a larger and a smaller child
// (Murray-like radii), steered away from the liver surface; branches that would leave the liver are shortened
// or dropped. Points where both children grew are the landmark bifurcations.
class TreeGrower {
public:
  TreeGrower(Anatomy& anatomy, std::vector<VesselSegment>& segments, std::mt19937_64& rng, std::string prefix)
      : m_anatomy(anatomy), m_segments(segments), m_rng(rng), m_prefix(std::move(prefix)) {}

  bool grow(const Vec3& start, Vec3 dir, double length, double radius, int generation) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Vec3 end{};
    bool ok = false;
    for (int attempt = 0; attempt < 4 && length >= 7.0; ++attempt) {
      end = core::add(start, core::scale(dir, length));
      const Vec3 mid = core::add(start, core::scale(dir, length * 0.5));
      if (liverDistance(m_anatomy, end) < -(radius + 5.0) && liverDistance(m_anatomy, mid) < -(radius + 2.0)) {
        ok = true;
        break;
      }
      length *= 0.72;
    }
    if (!ok)
      return false;
    const double endRadius = radius * 0.94;
    m_segments.push_back({start, end, radius, endRadius});
    if (endRadius < 1.0 || generation >= 7)
      return true;
    // Children diverge in a random plane containing dir, pushed back towards the liver interior.
    Vec3 perp = core::cross(dir, randomUnit(m_rng));
    perp = core::normalized(perp);
    const double a1 = (22.0 + 18.0 * u(m_rng)) * kDeg;
    const double a2 = (30.0 + 25.0 * u(m_rng)) * kDeg;
    Vec3 inward = core::scale(liverGradient(m_anatomy, end), -1.0);
    const double near = std::clamp(1.0 + liverDistance(m_anatomy, end) / 25.0, 0.0, 1.0);
    auto steer = [&](Vec3 d) { return core::normalized(core::add(d, core::scale(inward, 0.6 * near))); };
    const double r1 = endRadius * (0.78 + 0.08 * u(m_rng));
    const double r2 = endRadius * (0.62 + 0.12 * u(m_rng));
    const double l1 = length * (0.78 + 0.12 * u(m_rng));
    const double l2 = length * (0.68 + 0.15 * u(m_rng));
    // A child that would leave the liver tries other planes before giving up (denser trees near the surface).
    bool g1 = false;
    bool g2 = false;
    for (int attempt = 0; attempt < 3 && !(g1 && g2); ++attempt) {
      if (attempt > 0)
        perp = core::normalized(core::cross(dir, randomUnit(m_rng)));
      if (!g1)
        g1 = grow(end, steer(rotateAbout(dir, perp, a1)), l1, r1, generation + 1);
      if (!g2)
        g2 = grow(end, steer(rotateAbout(dir, perp, -a2)), l2, r2, generation + 1);
    }
    if (g1 && g2)
      m_anatomy.bifurcations.push_back({m_prefix + "-" + std::to_string(++m_count), end, endRadius});
    return true;
  }

private:
  Anatomy& m_anatomy;
  std::vector<VesselSegment>& m_segments;
  std::mt19937_64& m_rng;
  std::string m_prefix;
  int m_count = 0;
};

void addBodyWall(Builder& b) {
  b.special(ShapeKind::BodySection, Tissue::SubcutaneousFat, Structure::Body, 0.0, everywhere());
  b.special(ShapeKind::BodySection, Tissue::Muscle, Structure::Body, 16.0, everywhere());
  // Rectus abdominis on either side of the linea alba, thicker than the flat lateral muscles.
  for (double s : {-1.0, 1.0})
    b.ellipseSlab(Tissue::Muscle, Structure::Body, s * 34, kBodyY - kBodyAnterior + 21, 0, 30, 6.5, kColumnHalf);
  b.special(ShapeKind::BodySection, Tissue::VisceralFat, Structure::Body, kCavityInset, everywhere());
  b.special(ShapeKind::Diaphragm, Tissue::Muscle, Structure::Body, 0.0, everywhere());
  b.special(ShapeKind::Lung, Tissue::Lung, Structure::Lung, 0.0, everywhere());
  b.ellipsoid(Tissue::Heart, Structure::Heart, {20, -25, 142}, {65, 55, 50});
  for (double s : {-1.0, 1.0}) {
    b.ellipseSlab(Tissue::Muscle, Structure::Body, s * 40, 86, 0, 26, 19, kColumnHalf);
    b.ellipseSlab(Tissue::Muscle, Structure::Body, s * 33, 48, -330, 15, 15, 290); // psoas, below z = -40
  }
}

void addSpine(Builder& b) {
  b.ellipseSlab(Tissue::Disc, Structure::Bone, 0, 52, 0, 22, 17, kColumnHalf);
  for (int j = -8; j <= 8; ++j) {
    const double z = -120.0 + 33.0 * (j + 8) - 8 * 33.0 / 2.0;
    b.ellipseSlab(Tissue::BoneCortex, Structure::Bone, 0, 52, z, 22, 17, 13.5);
    b.ellipseSlab(Tissue::BoneMarrow, Structure::Bone, 0, 52, z, 19.5, 14.5, 11.5);
    for (double s : {-1.0, 1.0}) {
      b.capsuleSlab(Tissue::BoneCortex, Structure::Bone, s * 13, 64, s * 12, 76, 5.0, z + 2, 8);
      b.capsuleSlab(Tissue::BoneCortex, Structure::Bone, s * 12, 78, 0, 92, 4.0, z + 2, 10);
      b.capsuleSlab(Tissue::BoneCortex, Structure::Bone, s * 13, 70, s * 30, 74, 3.5, z + 4, 5);
    }
    b.capsuleSlab(Tissue::BoneCortex, Structure::Bone, 0, 92, 0, 105, 4.0, z - 6, 8);
  }
  b.ellipseSlab(Tissue::Csf, Structure::Bone, 0, 81, 0, 9, 8, kColumnHalf);
  b.ellipseSlab(Tissue::Muscle, Structure::Bone, 0, 81, 0, 5, 4.5, kColumnHalf); // spinal cord
}

void addRibs(Builder& b) {
  const double a = kBodyA - 22.0;
  const double bPost = kBodyPosterior - 22.0;
  const double bAnt = kBodyAnterior - 22.0;
  const double theta0 = 0.45;
  for (int i = 0; i <= 11; ++i) {
    const double z0 = 190.0 - 24.0 * i;
    const double thetaEnd =
        i <= 7 ? 0.82 * kPi : (i == 8 ? 0.7 * kPi : (i == 9 ? 0.6 * kPi : (0.5 - 0.07 * (i - 10)) * kPi));
    for (double s : {-1.0, 1.0}) {
      auto at = [&](double theta) {
        const double c = std::cos(theta);
        const double z = z0 - 150.0 * std::pow((theta - theta0) / (kPi - theta0), 1.2);
        return Vec3{s * a * std::sin(theta), kBodyY + (c > 0 ? bPost : bAnt) * c, z};
      };
      Vec3 prev{s * 18.0, 62.0, z0 + 4.0};
      for (double theta = theta0; theta <= thetaEnd + 1e-9; theta += 0.16) {
        const Vec3 next = at(theta);
        b.capsule(Tissue::BoneCortex, Structure::Bone, prev, next, 5.5, 5.5);
        b.capsule(Tissue::BoneMarrow, Structure::Bone, prev, next, 3.0, 3.0);
        prev = next;
      }
    }
  }
}

struct OrganIndices {
  std::size_t rightKidney = 0;
  std::size_t leftKidney = 0;
  std::size_t stomach = 0;
  std::size_t aorta = 0;
  std::size_t discColumn = 0;
};

OrganIndices addOrgans(Builder& b, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> j(-1.0, 1.0);
  OrganIndices idx;
  // Kidneys: cortex, medulla, sinus fat, inside perirenal fat; the right one lower (under the liver).
  for (double s : {-1.0, 1.0}) {
    const Vec3 c{s * 75 + 3 * j(rng), 60 + 2 * j(rng), (s < 0 ? -64.0 : -48.0) + 4 * j(rng)};
    const Mat3 axes = rotation(-12.0, s * 12.0, s * -20.0);
    const Vec3 semi{26, 21, 52};
    b.ellipsoid(Tissue::VisceralFat, Structure::Body, c, core::add(semi, {10, 10, 12}), axes);
    const std::size_t cortex = b.ellipsoid(Tissue::KidneyCortex, Structure::Kidney, c, semi, axes);
    b.ellipsoid(Tissue::KidneyMedulla, Structure::Kidney, c, core::scale(semi, 0.7), axes);
    const Vec3 hilum = core::add(c, core::multiply(axes, {-s * 14.0, -4.0, 0.0}));
    b.ellipsoid(Tissue::RenalSinus, Structure::Kidney, hilum, {11, 9, 24}, axes);
    b.capsule(Tissue::Ivc, Structure::Ivc, core::add(hilum, {-s * 8.0, -4.0, 0.0}), {s < 0 ? -24.0 : 12.0, 20, c[2]},
              4.5, 5.0);
    (s < 0 ? idx.rightKidney : idx.leftKidney) = cortex;
  }
  idx.aorta = b.ellipseSlab(Tissue::Aorta, Structure::Aorta, 12, 22, 0, 11, 11, kColumnHalf);
  b.capsule(Tissue::Aorta, Structure::Aorta, {12, 14, -18}, {10, -6, -14}, 3.8, 3.2); // celiac trunk
  b.capsule(Tissue::Aorta, Structure::Aorta, {12, 14, -40}, {8, -18, -95}, 3.8, 3.0); // superior mesenteric
  b.ellipsoid(Tissue::Spleen, Structure::Spleen, {96 + 3 * j(rng), 45, 22 + 4 * j(rng)}, {20, 52, 46},
              rotation(0, 0, 35 + 5 * j(rng)), ShapeKind::Clipped);
  const Vec3 stomachCentre{55 + 3 * j(rng), -32, 38 + 3 * j(rng)};
  const Mat3 stomachAxes = rotation(0, 10, 30);
  idx.stomach = b.ellipsoid(Tissue::StomachWall, Structure::Stomach, stomachCentre, {40, 32, 50}, stomachAxes,
                            ShapeKind::Clipped);
  b.ellipsoid(Tissue::StomachFluid, Structure::Stomach, stomachCentre, {36, 28, 46}, stomachAxes, ShapeKind::Clipped);
  b.ellipsoid(Tissue::Air, Structure::Stomach, stomachCentre, {36, 28, 46}, stomachAxes, ShapeKind::StomachAir);
  return idx;
}

void tube(Builder& b, const std::vector<Vec3>& path, Tissue wall, Tissue content, double r, double inner,
          Structure structure) {
  for (std::size_t i = 0; i + 1 < path.size(); ++i)
    b.capsule(wall, structure, path[i], path[i + 1], r, r);
  for (std::size_t i = 0; i + 1 < path.size(); ++i)
    b.capsule(content, structure, path[i], path[i + 1], inner, inner);
}

// Pancreas along the splenic vein, the duodenal C-loop around its head, and small-bowel loops filling the lower
// abdomen (without them the abdomen would be an empty fat space, which no CT shows).
void addGut(Builder& b, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  tube(b, {{25, -48, 5}, {-18, -24, -32}}, Tissue::StomachWall, Tissue::StomachFluid, 15, 11.5, Structure::Stomach);
  tube(b, {{-18, -24, -32}, {-48, -8, -44}, {-54, 4, -74}, {-30, 10, -96}, {5, 12, -96}, {25, 5, -80}},
       Tissue::BowelWall, Tissue::BowelFluid, 11, 8, Structure::Bowel);
  const std::vector<std::pair<Vec3, double>> pancreas{
      {{-30, 0, -64}, 15}, {{-6, -4, -50}, 11}, {{34, 8, -34}, 10}, {{70, 28, -14}, 8}};
  for (std::size_t i = 0; i + 1 < pancreas.size(); ++i)
    b.capsule(Tissue::Pancreas, Structure::Pancreas, pancreas[i].first, pancreas[i + 1].first, pancreas[i].second,
              pancreas[i + 1].second);
  for (int loop = 0; loop < 7; ++loop) {
    Vec3 p{-55 + 110 * u(rng), -85 + 55 * u(rng), -150 + 75 * u(rng)};
    Vec3 dir = randomUnit(rng);
    std::vector<Vec3> path{p};
    for (int k = 0; k < 9; ++k) {
      dir = core::normalized(core::add(dir, core::scale(randomUnit(rng), 0.9)));
      Vec3 next = core::add(path.back(), core::scale(dir, 24.0));
      next[0] = std::clamp(next[0], -70.0, 85.0);
      next[1] = std::clamp(next[1], -90.0, 0.0);
      next[2] = std::clamp(next[2], -200.0, -70.0);
      path.push_back(next);
    }
    tube(b, path, Tissue::BowelWall, Tissue::BowelFluid, 11, 8.5, Structure::Bowel);
  }
}

void addColon(Builder& b) {
  const std::vector<Vec3> path{{-100, 10, -260}, {-104, -8, -95}, {-82, -58, -88}, {-20, -80, -94}, {40, -70, -90},
                               {86, -30, -62},   {100, 12, -45},  {104, 36, -130}, {100, 40, -260}};
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    b.capsule(Tissue::BowelWall, Structure::Bowel, path[i], path[i + 1], 20, 20);
  }
  for (std::size_t i = 0; i + 1 < path.size(); ++i)
    b.capsule(Tissue::BowelGas, Structure::Bowel, path[i], path[i + 1], 17, 17);
}

void buildLiver(Anatomy& an, Builder& b, const OrganIndices& organs, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> j(-1.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  LiverShape& L = an.liver;
  const double scale = 1.0 + 0.05 * j(rng);
  L.lobeCentre = {Vec3{-72, 8, 10}, Vec3{-20, -30, 12}, Vec3{28, -38, 32}, Vec3{-12, 25, 25}};
  L.lobeSemi = {Vec3{62, 70, 72}, Vec3{35, 35, 45}, Vec3{58, 36, 34}, Vec3{18, 18, 32}};
  L.lobeAxes = {rotation(0, 0, -8), rotation(0, 0, 10), rotation(0, -12, -22), rotation(0, 0, 0)};
  for (std::size_t i = 0; i < 4; ++i) {
    for (int c = 0; c < 3; ++c) {
      L.lobeCentre[i][c] += 4.0 * j(rng);
      L.lobeSemi[i][c] *= scale * (1.0 + 0.04 * j(rng));
    }
  }
  L.carvers = {{organs.rightKidney, 7.0}, {organs.stomach, 5.0}, {organs.aorta, 4.0}, {organs.discColumn, 10.0}};
  for (int i = 0; i < 3; ++i) {
    L.waveVector[i] = core::scale(randomUnit(rng), 2 * kPi / (45.0 + 30.0 * u(rng)));
    L.wavePhase[i] = 2 * kPi * u(rng);
  }
  L.waveAmplitudeMm = 2.0 + 1.0 * u(rng);
  core::BoundsLps box{{1e9, 1e9, 1e9}, {-1e9, -1e9, -1e9}};
  for (std::size_t i = 0; i < 4; ++i) {
    const double r = std::max({L.lobeSemi[i][0], L.lobeSemi[i][1], L.lobeSemi[i][2]}) + 12.0;
    for (int c = 0; c < 3; ++c) {
      box.min[c] = std::min(box.min[c], L.lobeCentre[i][c] - r);
      box.max[c] = std::max(box.max[c], L.lobeCentre[i][c] + r);
    }
  }
  b.special(ShapeKind::Liver, Tissue::Liver, Structure::Liver, 0.0, box);
  // Tighten the box to the actual shape for placement and grid choices.
  core::BoundsLps tight{{1e9, 1e9, 1e9}, {-1e9, -1e9, -1e9}};
  Vec3 sum{};
  double count = 0;
  for (double x = box.min[0]; x <= box.max[0]; x += 4)
    for (double y = box.min[1]; y <= box.max[1]; y += 4)
      for (double z = box.min[2]; z <= box.max[2]; z += 4) {
        const Vec3 p{x, y, z};
        if (liverDistance(an, p) < 0) {
          for (int c = 0; c < 3; ++c) {
            tight.min[c] = std::min(tight.min[c], p[c]);
            tight.max[c] = std::max(tight.max[c], p[c]);
          }
          sum = core::add(sum, p);
          count += 1;
        }
      }
  if (count == 0)
    throw core::Error(core::ErrorCode::Internal, "phantom liver is empty");
  an.liverBox = tight;
  an.liverCentreLps = core::scale(sum, 1.0 / count);
}

void addVessels(Anatomy& an, Builder& b, std::mt19937_64& rng) {
  // Portal venous system: splenic vein and SMV join behind the pancreas; the main portal vein runs up to the hilum.
  const Vec3 confluence{-2, 16, -58};
  const Vec3 hilum{-30, 6, -20};
  b.capsule(Tissue::PortalVein, Structure::PortalVein, {0, 2, -140}, confluence, 5.5, 6.5);
  b.capsule(Tissue::PortalVein, Structure::PortalVein, {70, 36, 4}, {32, 26, -38}, 5.0, 5.0);
  b.capsule(Tissue::PortalVein, Structure::PortalVein, {32, 26, -38}, confluence, 5.0, 5.5);
  b.capsule(Tissue::PortalVein, Structure::PortalVein, confluence, hilum, 7.0, 6.8);
  TreeGrower portal(an, an.portalTree, rng, "portal");
  const bool right = portal.grow(hilum, core::normalized({-1.0, 0.05, 0.25}), 36, 7.0, 0);
  const bool left = portal.grow(hilum, core::normalized({0.85, -0.5, 0.35}), 38, 6.0, 0);
  if (right && left)
    an.bifurcations.push_back({"portal-hilum", hilum, 6.8});
  for (const VesselSegment& s : an.portalTree)
    b.capsule(Tissue::PortalVein, Structure::PortalVein, s.a, s.b, s.ra, s.rb);

  // Hepatic veins drain into the IVC just under the diaphragm.
  TreeGrower hepatic(an, an.hepaticTree, rng, "hepatic");
  struct Root {
    Vec3 start;
    Vec3 dir;
    double length;
    double radius;
  };
  const std::vector<Root> roots{{{-34, 16, 64}, {-0.9, -0.1, -0.45}, 40, 7.0},
                                {{-24, 8, 66}, {-0.3, -0.85, -0.4}, 40, 6.5},
                                {{-14, 12, 68}, {0.7, -0.65, -0.25}, 38, 6.0}};
  for (const Root& r : roots) {
    const std::size_t before = an.hepaticTree.size();
    hepatic.grow(r.start, core::normalized(r.dir), r.length, r.radius, 0);
    if (an.hepaticTree.size() > before)
      an.hepaticTree.push_back({{-24, 20, r.start[2] + 4}, r.start, r.radius, r.radius});
  }
  for (const VesselSegment& s : an.hepaticTree)
    b.capsule(Tissue::HepaticVein, Structure::HepaticVein, s.a, s.b, s.ra, s.rb);
}

double segmentDistanceToPoint(const VesselSegment& s, const Vec3& p) {
  return capsuleDistance(s.a, s.b, s.ra, s.rb, p);
}

void placeLesions(Anatomy& an, Builder& b, const std::vector<LesionRequest>& requests, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (const LesionRequest& req : requests) {
    LesionShape shape;
    shape.id = req.id;
    shape.necroticCore = req.necroticCore;
    shape.axes = rotation(360 * u(rng), 360 * u(rng), 360 * u(rng));
    shape.ratios = {0.9 + 0.2 * u(rng), 0.9 + 0.2 * u(rng), 0.85 + 0.2 * u(rng)};
    for (int i = 0; i < 3; ++i) {
      shape.lobeDirections[i] = randomUnit(rng);
      shape.lobeFrequency[i] = 2.0 + 2.0 * u(rng);
      shape.lobePhase[i] = 2 * kPi * u(rng);
      shape.lobeAmplitude[i] = 0.02 + 0.03 * u(rng);
    }
    shape.requestedVolumeMl = kPi / 6.0 * req.diameterMm * req.diameterMm * req.diameterMm / 1000.0;
    shape.scaleMm = 1.0;
    shape.scaleMm = std::cbrt(shape.requestedVolumeMl / lesionVolumeMl(shape));
    const double radius = req.diameterMm / 2.0 * 1.2;
    bool placed = false;
    for (int attempt = 0; attempt < 20000 && !placed; ++attempt) {
      const bool strict = attempt < 15000;
      const Vec3 c{an.liverBox.min[0] + u(rng) * (an.liverBox.max[0] - an.liverBox.min[0]),
                   an.liverBox.min[1] + u(rng) * (an.liverBox.max[1] - an.liverBox.min[1]),
                   an.liverBox.min[2] + u(rng) * (an.liverBox.max[2] - an.liverBox.min[2])};
      if (liverDistance(an, c) > -(radius + 7.0))
        continue;
      bool clear = true;
      for (const LesionShape& other : an.lesions)
        clear = clear && core::distanceMm(c, other.centreLps) >
                             radius + std::cbrt(other.requestedVolumeMl * 1000.0 * 6 / kPi) * 0.6 + 10.0;
      for (const auto* tree : {&an.portalTree, &an.hepaticTree})
        for (const VesselSegment& s : *tree)
          if (strict || s.ra > 3.0)
            clear = clear && segmentDistanceToPoint(s, c) > radius + (s.ra > 3.0 ? 3.0 : -2.0);
      clear = clear && ellipse2d(c[0] + 24, c[1] - 20, 13, 10) > radius + 4.0; // IVC
      if (clear) {
        shape.centreLps = c;
        placed = true;
      }
    }
    if (!placed)
      throw core::Error(core::ErrorCode::InvalidArgument,
                        "cannot place lesion " + req.id + " of " + std::to_string(req.diameterMm) +
                            " mm in the phantom liver (too large or too many lesions)");
    an.lesions.push_back(shape);
  }
  for (std::size_t i = 0; i < an.lesions.size(); ++i) {
    const LesionShape& s = an.lesions[i];
    const double r = s.scaleMm * 1.4 / std::min({s.ratios[0], s.ratios[1], s.ratios[2]}) + 4.0;
    auto add = [&](Tissue t, double factor) {
      Primitive p;
      p.kind = ShapeKind::Lesion;
      p.tissue = t;
      p.structure = Structure::Lesion;
      p.index = static_cast<int>(i);
      p.param = factor;
      p.box = boxAround(s.centreLps, r);
      b.add(p);
    };
    add(Tissue::LesionRim, 1.0);
    add(Tissue::LesionBody, 0.8);
    if (s.necroticCore)
      add(Tissue::LesionCore, 0.45);
  }
}

} // namespace

double lesionDistance(const LesionShape& s, const Vec3& p, double factor) {
  const Vec3 q = core::multiply(core::transpose(s.axes), core::sub(p, s.centreLps));
  const double rho = core::norm(q);
  if (rho < 1e-6)
    return -s.scaleMm * factor * 0.5;
  const Vec3 w = core::scale(q, 1.0 / rho);
  const double e = std::sqrt((w[0] / s.ratios[0]) * (w[0] / s.ratios[0]) + (w[1] / s.ratios[1]) * (w[1] / s.ratios[1]) +
                             (w[2] / s.ratios[2]) * (w[2] / s.ratios[2]));
  double lobes = 1.0;
  for (int i = 0; i < 3; ++i)
    lobes += s.lobeAmplitude[i] * std::sin(s.lobeFrequency[i] * core::dot(w, s.lobeDirections[i]) + s.lobePhase[i]);
  return rho - factor * s.scaleMm * lobes / e;
}

double lesionVolumeMl(const LesionShape& s, double factor) {
  // V = 1/3 * integral of R(w)^3 over the unit sphere; midpoint rule in (theta, phi), converged to < 1e-5.
  constexpr int nTheta = 180;
  constexpr int nPhi = 360;
  double sum = 0.0;
  for (int i = 0; i < nTheta; ++i) {
    const double theta = (i + 0.5) * kPi / nTheta;
    for (int k = 0; k < nPhi; ++k) {
      const double phi = (k + 0.5) * 2 * kPi / nPhi;
      const Vec3 w{std::sin(theta) * std::cos(phi), std::sin(theta) * std::sin(phi), std::cos(theta)};
      const double e =
          std::sqrt((w[0] / s.ratios[0]) * (w[0] / s.ratios[0]) + (w[1] / s.ratios[1]) * (w[1] / s.ratios[1]) +
                    (w[2] / s.ratios[2]) * (w[2] / s.ratios[2]));
      double lobes = 1.0;
      for (int l = 0; l < 3; ++l)
        lobes += s.lobeAmplitude[l] * std::sin(s.lobeFrequency[l] * core::dot(w, s.lobeDirections[l]) + s.lobePhase[l]);
      const double radius = factor * s.scaleMm * lobes / e;
      sum += radius * radius * radius / 3.0 * std::sin(theta);
    }
  }
  return sum * (kPi / nTheta) * (2 * kPi / nPhi) / 1000.0;
}

double liverDistance(const Anatomy& an, const Vec3& p) {
  const LiverShape& L = an.liver;
  double d = kBig;
  for (std::size_t i = 0; i < 4; ++i)
    d = smin(d, ellipsoidDistance(L.lobeCentre[i], L.lobeAxes[i], L.lobeSemi[i], p), 22.0);
  if (d > 40.0)
    return d; // far outside: the carvings and waves below cannot bring it back in
  for (const auto& [index, clearance] : L.carvers) {
    const Primitive& carver = an.primitives[index];
    const double reach = clearance + 10.0; // beyond it the smooth max leaves d unchanged
    bool near = true;
    for (int c = 0; c < 3; ++c)
      near = near && p[c] > carver.box.min[c] - reach && p[c] < carver.box.max[c] + reach;
    if (near)
      d = smax(d, -(primitiveDistance(an, carver, p) - clearance), 10.0);
  }
  d = std::max(d, bodySection(p, kCavityInset + 2.0));
  double wave = 0.0;
  for (int i = 0; i < 3; ++i)
    wave += fastSin(core::dot(L.waveVector[i], p) + L.wavePhase[i]);
  d += L.waveAmplitudeMm * wave / 3.0;
  return std::max(d, belowDome(an.dome, p, 5.0));
}

double bodyDistance(const Vec3& p) {
  return bodySection(p, 0.0);
}

double textureAt(const Anatomy& an, const Vec3& p) {
  double t = 0.0;
  for (int i = 0; i < 4; ++i)
    t += fastSin(core::dot(an.textureWave[i], p) + an.texturePhase[i]);
  return t / 4.0;
}

double primitiveDistance(const Anatomy& an, const Primitive& prim, const Vec3& p, double lesionFactor) {
  switch (prim.kind) {
  case ShapeKind::Ellipsoid:
    return ellipsoidDistance(prim.centre, prim.axes, prim.semi, p);
  case ShapeKind::Capsule:
    return capsuleDistance(prim.a, prim.b, prim.ra, prim.rb, p);
  case ShapeKind::EllipseSlab:
    return std::max(ellipse2d(p[0] - prim.centre[0], p[1] - prim.centre[1], prim.semi[0], prim.semi[1]),
                    std::abs(p[2] - prim.centre[2]) - prim.semi[2]);
  case ShapeKind::CapsuleSlab:
    return std::max(capsule2d(p[0], p[1], prim.a[0], prim.a[1], prim.b[0], prim.b[1], prim.ra),
                    std::abs(p[2] - prim.centre[2]) - prim.semi[2]);
  case ShapeKind::BodySection:
    return bodySection(p, prim.param);
  case ShapeKind::Diaphragm:
    return std::max(bodySection(p, kCavityInset), -belowDome(an.dome, p, 0.0));
  case ShapeKind::Lung:
    return std::max(bodySection(p, kCavityInset + 6.0), -belowDome(an.dome, p, -5.0));
  case ShapeKind::Liver:
    return liverDistance(an, p);
  case ShapeKind::Clipped:
    return std::max({ellipsoidDistance(prim.centre, prim.axes, prim.semi, p), belowDome(an.dome, p, 5.0),
                     bodySection(p, kCavityInset + 1.0)});
  case ShapeKind::StomachAir:
    return std::max({ellipsoidDistance(prim.centre, prim.axes, prim.semi, p), belowDome(an.dome, p, 9.0),
                     p[1] - (prim.centre[1] - 12.0)});
  case ShapeKind::Lesion:
    return lesionDistance(an.lesions[static_cast<std::size_t>(prim.index)], p, prim.param * lesionFactor);
  }
  return kBig;
}

Anatomy buildAnatomy(std::uint64_t seed, const std::vector<LesionRequest>& lesions) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + 12345);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Anatomy an;
  for (int i = 0; i < 4; ++i) {
    an.textureWave[i] = core::scale(randomUnit(rng), 2 * kPi / (12.0 + 14.0 * u(rng)));
    an.texturePhase[i] = 2 * kPi * u(rng);
  }
  an.dome.right[2] += 4.0 * (u(rng) - 0.5);
  an.dome.left[2] += 4.0 * (u(rng) - 0.5);
  Builder b(an);
  addBodyWall(b);
  addSpine(b);
  addRibs(b);
  OrganIndices organs = addOrgans(b, rng);
  organs.discColumn = 0;
  for (std::size_t i = 0; i < an.primitives.size(); ++i)
    if (an.primitives[i].tissue == Tissue::Disc)
      organs.discColumn = i;
  addColon(b);
  addGut(b, rng);
  buildLiver(an, b, organs, rng);
  b.ellipsoid(Tissue::Gallbladder, Structure::Gallbladder, {-38, -44, -36}, {13, 13, 30}, rotation(28, 0, 0));
  b.ellipseSlab(Tissue::Ivc, Structure::Ivc, -24, 20, 0, 12, 10, kColumnHalf);
  addVessels(an, b, rng);
  placeLesions(an, b, lesions, rng);
  return an;
}

} // namespace vestige::phantom::detail
