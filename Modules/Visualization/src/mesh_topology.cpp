// Watertightness of a triangle mesh by counting, not by VTK: what a 3D-printing slicer rejects is an edge that
// does not join exactly two triangles running opposite ways, and a vertex where two sheets touch.
#include "vestige/visualization/mesh.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <unordered_map>
#include <utility>

namespace vestige::visualization {

namespace {

struct EdgeUse {
  std::uint32_t forward = 0;  // triangles that run the edge from the lower to the higher point index
  std::uint32_t backward = 0; // ... and the other way
};

std::uint64_t edgeKey(std::uint32_t a, std::uint32_t b) {
  return (static_cast<std::uint64_t>(std::min(a, b)) << 32) | std::max(a, b);
}

// Triangles around one vertex form a single fan on a manifold; each triangle (v, a, b) links a and b, and the
// number of connected pieces of those links is the number of sheets meeting at v.
std::size_t sheetsAround(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& links) {
  std::vector<std::uint32_t> ids;
  ids.reserve(2 * links.size());
  for (const auto& [a, b] : links) {
    ids.push_back(a);
    ids.push_back(b);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<std::size_t> parent(ids.size());
  std::iota(parent.begin(), parent.end(), std::size_t{0});
  auto find = [&](std::size_t x) {
    while (parent[x] != x)
      x = parent[x] = parent[parent[x]];
    return x;
  };
  auto slot = [&](std::uint32_t id) {
    return static_cast<std::size_t>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
  };
  std::size_t pieces = ids.size();
  for (const auto& [a, b] : links) {
    const std::size_t ra = find(slot(a)), rb = find(slot(b));
    if (ra != rb) {
      parent[ra] = rb;
      --pieces;
    }
  }
  return pieces;
}

} // namespace

MeshTopology meshTopology(const Mesh& mesh) {
  MeshTopology t;
  std::unordered_map<std::uint64_t, EdgeUse> edges;
  edges.reserve(mesh.triangles.size());
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> links(mesh.pointCount());
  std::vector<std::array<std::uint32_t, 3>> faces; // point triples, sorted, to find repeated triangles
  faces.reserve(mesh.triangleCount());
  for (std::size_t f = 0; f + 2 < mesh.triangles.size(); f += 3) {
    const std::uint32_t v[3] = {mesh.triangles[f], mesh.triangles[f + 1], mesh.triangles[f + 2]};
    if (v[0] == v[1] || v[1] == v[2] || v[0] == v[2]) {
      ++t.degenerateTriangles;
      continue;
    }
    std::array<std::uint32_t, 3> sorted{v[0], v[1], v[2]};
    std::sort(sorted.begin(), sorted.end());
    faces.push_back(sorted);
    for (int e = 0; e < 3; ++e) {
      const std::uint32_t a = v[e], b = v[(e + 1) % 3];
      EdgeUse& use = edges[edgeKey(a, b)];
      (a < b ? use.forward : use.backward) += 1;
      links[a].emplace_back(b, v[(e + 2) % 3]);
    }
  }
  std::sort(faces.begin(), faces.end());
  for (std::size_t f = 1; f < faces.size(); ++f)
    t.duplicateTriangles += faces[f] == faces[f - 1];
  t.edges = edges.size();
  for (const auto& [key, use] : edges) {
    const std::uint32_t n = use.forward + use.backward;
    if (n == 1)
      ++t.boundaryEdges;
    else if (n > 2)
      ++t.nonManifoldEdges;
    else if (use.forward != 1)
      ++t.misorientedEdges;
  }
  for (const auto& around : links) {
    if (around.empty())
      ++t.unusedPoints;
    else if (sheetsAround(around) > 1)
      ++t.nonManifoldVertices;
  }
  return t;
}

} // namespace vestige::visualization
