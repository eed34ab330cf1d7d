// Quadric edge-collapse decimation with topology checks. No VTK: it works on the plain Mesh.
#include "mesh_decimate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <iterator>
#include <limits>
#include <queue>
#include <vector>

namespace vestige::visualization::detail {

namespace {

using Vec = std::array<double, 3>;

Vec sub(const Vec& a, const Vec& b) {
  return {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
}
Vec cross(const Vec& a, const Vec& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double dot(const Vec& a, const Vec& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

// Symmetric 4x4 error quadric: x^T A x + 2 b.x + c.
struct Quadric {
  std::array<double, 6> a{}; // xx xy xz yy yz zz
  Vec b{};
  double c = 0.0;

  void addPlane(const Vec& n, double d, double weight) {
    a[0] += weight * n[0] * n[0];
    a[1] += weight * n[0] * n[1];
    a[2] += weight * n[0] * n[2];
    a[3] += weight * n[1] * n[1];
    a[4] += weight * n[1] * n[2];
    a[5] += weight * n[2] * n[2];
    for (int k = 0; k < 3; ++k)
      b[k] += weight * d * n[k];
    c += weight * d * d;
  }
  Quadric& operator+=(const Quadric& o) {
    for (int k = 0; k < 6; ++k)
      a[k] += o.a[k];
    for (int k = 0; k < 3; ++k)
      b[k] += o.b[k];
    c += o.c;
    return *this;
  }
  [[nodiscard]] double error(const Vec& x) const {
    const double ax = a[0] * x[0] + a[1] * x[1] + a[2] * x[2];
    const double ay = a[1] * x[0] + a[3] * x[1] + a[4] * x[2];
    const double az = a[2] * x[0] + a[4] * x[1] + a[5] * x[2];
    return x[0] * ax + x[1] * ay + x[2] * az + 2.0 * dot(b, x) + c;
  }
  // The point of least error when A is well conditioned.
  [[nodiscard]] bool minimum(Vec& x) const {
    const double det =
        a[0] * (a[3] * a[5] - a[4] * a[4]) - a[1] * (a[1] * a[5] - a[4] * a[2]) + a[2] * (a[1] * a[4] - a[3] * a[2]);
    const double scale = std::max({std::abs(a[0]), std::abs(a[3]), std::abs(a[5])});
    if (!(std::abs(det) > 1e-9 * scale * scale * scale))
      return false;
    const double i00 = (a[3] * a[5] - a[4] * a[4]) / det, i01 = (a[2] * a[4] - a[1] * a[5]) / det,
                 i02 = (a[1] * a[4] - a[2] * a[3]) / det, i11 = (a[0] * a[5] - a[2] * a[2]) / det,
                 i12 = (a[1] * a[2] - a[0] * a[4]) / det, i22 = (a[0] * a[3] - a[1] * a[1]) / det;
    x = {-(i00 * b[0] + i01 * b[1] + i02 * b[2]), -(i01 * b[0] + i11 * b[1] + i12 * b[2]),
         -(i02 * b[0] + i12 * b[1] + i22 * b[2])};
    return true;
  }
};

struct Candidate {
  double cost;
  std::uint32_t u, v;
  std::uint32_t versionU, versionV;
  bool operator>(const Candidate& o) const { return cost > o.cost; }
};

class Collapser {
public:
  explicit Collapser(const Mesh& mesh) {
    const std::size_t n = mesh.pointCount();
    m_points.resize(n);
    for (std::size_t p = 0; p < n; ++p)
      m_points[p] = {mesh.pointsLps[3 * p], mesh.pointsLps[3 * p + 1], mesh.pointsLps[3 * p + 2]};
    m_triangles.resize(mesh.triangleCount());
    m_around.resize(n);
    m_quadrics.resize(n);
    m_version.assign(n, 0);
    m_alivePoint.assign(n, true);
    for (std::uint32_t t = 0; t < m_triangles.size(); ++t) {
      m_triangles[t] = {mesh.triangles[3 * t], mesh.triangles[3 * t + 1], mesh.triangles[3 * t + 2]};
      const Vec normal = cross(sub(m_points[m_triangles[t][1]], m_points[m_triangles[t][0]]),
                               sub(m_points[m_triangles[t][2]], m_points[m_triangles[t][0]]));
      const double twiceArea = std::sqrt(dot(normal, normal));
      for (std::uint32_t v : m_triangles[t]) {
        m_around[v].push_back(t);
        if (twiceArea > 0) {
          const Vec unit = {normal[0] / twiceArea, normal[1] / twiceArea, normal[2] / twiceArea};
          m_quadrics[v].addPlane(unit, -dot(unit, m_points[m_triangles[t][0]]), 0.5 * twiceArea);
        }
      }
    }
    m_aliveTriangles = m_triangles.size();
    m_aliveTriangle.assign(m_triangles.size(), true);
    for (const auto& tri : m_triangles)
      for (int e = 0; e < 3; ++e)
        if (tri[e] < tri[(e + 1) % 3])
          push(tri[e], tri[(e + 1) % 3]);
  }

  void run(std::size_t target) {
    while (m_aliveTriangles > target && !m_queue.empty()) {
      const Candidate c = m_queue.top();
      m_queue.pop();
      if (!m_alivePoint[c.u] || !m_alivePoint[c.v] || m_version[c.u] != c.versionU || m_version[c.v] != c.versionV)
        continue; // stale: an end point moved or went since this cost was computed
      tryCollapse(c.u, c.v);
    }
  }

  void write(Mesh& mesh) const {
    std::vector<std::uint32_t> newIndex(m_points.size(), std::numeric_limits<std::uint32_t>::max());
    mesh.pointsLps.clear();
    mesh.triangles.clear();
    for (std::size_t t = 0; t < m_triangles.size(); ++t) {
      if (!m_aliveTriangle[t])
        continue;
      for (std::uint32_t v : m_triangles[t]) {
        if (newIndex[v] == std::numeric_limits<std::uint32_t>::max()) {
          newIndex[v] = static_cast<std::uint32_t>(mesh.pointsLps.size() / 3);
          for (int k = 0; k < 3; ++k)
            mesh.pointsLps.push_back(static_cast<float>(m_points[v][k]));
        }
        mesh.triangles.push_back(newIndex[v]);
      }
    }
  }

private:
  std::vector<std::uint32_t> aliveAround(std::uint32_t v) const {
    std::vector<std::uint32_t> out;
    for (std::uint32_t t : m_around[v])
      if (m_aliveTriangle[t])
        out.push_back(t);
    return out;
  }

  std::vector<std::uint32_t> neighbours(std::uint32_t v) const {
    std::vector<std::uint32_t> out;
    for (std::uint32_t t : m_around[v])
      if (m_aliveTriangle[t])
        for (std::uint32_t w : m_triangles[t])
          if (w != v)
            out.push_back(w);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  Vec placement(std::uint32_t u, std::uint32_t v, const Quadric& q) const {
    const Vec mid = {0.5 * (m_points[u][0] + m_points[v][0]), 0.5 * (m_points[u][1] + m_points[v][1]),
                     0.5 * (m_points[u][2] + m_points[v][2])};
    Vec best = mid;
    Vec x{};
    // The optimum is used only near the edge: far away it means a nearly flat quadric, not a better surface.
    const Vec edge = sub(m_points[u], m_points[v]);
    if (q.minimum(x) && dot(sub(x, mid), sub(x, mid)) <= dot(edge, edge))
      best = x;
    for (const Vec& candidate : {m_points[u], m_points[v]})
      if (q.error(candidate) < q.error(best))
        best = candidate;
    return best;
  }

  void push(std::uint32_t u, std::uint32_t v) {
    Quadric q = m_quadrics[u];
    q += m_quadrics[v];
    const double cost = q.error(placement(u, v, q));
    m_queue.push({std::max(cost, 0.0), u, v, m_version[u], m_version[v]});
  }

  // Keeps a closed manifold closed: the edge's two triangles are its only ones, the two end points share no
  // neighbour but the two opposite points (else the collapse pinches the surface or glues two sheets), and neither
  // opposite point is left with only two edges. And no triangle turns over or collapses to a line.
  void tryCollapse(std::uint32_t u, std::uint32_t v) {
    std::vector<std::uint32_t> shared;
    for (std::uint32_t t : aliveAround(u)) {
      const auto& tri = m_triangles[t];
      if (std::find(tri.begin(), tri.end(), v) != tri.end())
        shared.push_back(t);
    }
    if (shared.size() != 2)
      return;
    std::vector<std::uint32_t> opposite;
    for (std::uint32_t t : shared)
      for (std::uint32_t w : m_triangles[t])
        if (w != u && w != v)
          opposite.push_back(w);
    const std::vector<std::uint32_t> nu = neighbours(u), nv = neighbours(v);
    std::vector<std::uint32_t> common;
    std::set_intersection(nu.begin(), nu.end(), nv.begin(), nv.end(), std::back_inserter(common));
    std::sort(opposite.begin(), opposite.end());
    if (common != opposite || opposite.size() != 2)
      return;
    for (std::uint32_t w : opposite)
      if (neighbours(w).size() <= 3)
        return;

    Quadric q = m_quadrics[u];
    q += m_quadrics[v];
    const Vec x = placement(u, v, q);
    for (std::uint32_t end : {u, v})
      for (std::uint32_t t : aliveAround(end)) {
        if (std::find(shared.begin(), shared.end(), t) != shared.end())
          continue;
        const auto& tri = m_triangles[t];
        std::array<Vec, 3> before{}, after{};
        for (int k = 0; k < 3; ++k) {
          before[k] = m_points[tri[k]];
          after[k] = (tri[k] == u || tri[k] == v) ? x : before[k];
        }
        const Vec n0 = cross(sub(before[1], before[0]), sub(before[2], before[0]));
        const Vec n1 = cross(sub(after[1], after[0]), sub(after[2], after[0]));
        const double l0 = std::sqrt(dot(n0, n0)), l1 = std::sqrt(dot(n1, n1));
        if (l1 <= 1e-12 * (1.0 + l0) || dot(n0, n1) < 0.2 * l0 * l1) // over 78 degrees: a fold in the making
          return;
      }

    for (std::uint32_t t : shared) {
      m_aliveTriangle[t] = false;
      --m_aliveTriangles;
    }
    for (std::uint32_t t : aliveAround(v)) {
      for (std::uint32_t& w : m_triangles[t])
        if (w == v)
          w = u;
      m_around[u].push_back(t);
    }
    m_around[v].clear();
    m_alivePoint[v] = false;
    m_points[u] = x;
    m_quadrics[u] = q;
    ++m_version[u];
    ++m_version[v];
    std::vector<std::uint32_t> compact = aliveAround(u);
    m_around[u] = compact;
    for (std::uint32_t w : neighbours(u))
      push(std::min(u, w), std::max(u, w));
  }

  std::vector<Vec> m_points;
  std::vector<std::array<std::uint32_t, 3>> m_triangles;
  std::vector<std::vector<std::uint32_t>> m_around; // triangles at each point (dead ones removed lazily)
  std::vector<Quadric> m_quadrics;
  std::vector<std::uint32_t> m_version;
  std::vector<bool> m_alivePoint, m_aliveTriangle;
  std::size_t m_aliveTriangles = 0;
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> m_queue;
};

} // namespace

void collapseEdges(Mesh& mesh, std::size_t targetTriangles) {
  if (mesh.triangleCount() <= targetTriangles)
    return;
  Collapser collapser(mesh);
  collapser.run(targetTriangles);
  collapser.write(mesh);
  mesh.normals.clear();
}

void computeNormals(Mesh& mesh) {
  mesh.normals.assign(mesh.pointsLps.size(), 0.0F);
  std::vector<double> sum(mesh.pointsLps.size(), 0.0);
  const auto& p = mesh.pointsLps;
  for (std::size_t t = 0; t < mesh.triangles.size(); t += 3) {
    const std::size_t a = 3 * mesh.triangles[t], b = 3 * mesh.triangles[t + 1], c = 3 * mesh.triangles[t + 2];
    const Vec n = cross(Vec{double(p[b]) - p[a], double(p[b + 1]) - p[a + 1], double(p[b + 2]) - p[a + 2]},
                        Vec{double(p[c]) - p[a], double(p[c + 1]) - p[a + 1], double(p[c + 2]) - p[a + 2]});
    for (std::size_t v : {a, b, c})
      for (int k = 0; k < 3; ++k)
        sum[v + k] += n[k];
  }
  for (std::size_t v = 0; v < sum.size(); v += 3) {
    const double len = std::sqrt(sum[v] * sum[v] + sum[v + 1] * sum[v + 1] + sum[v + 2] * sum[v + 2]);
    if (len > 0)
      for (int k = 0; k < 3; ++k)
        mesh.normals[v + k] = static_cast<float>(sum[v + k] / len);
  }
}

} // namespace vestige::visualization::detail
