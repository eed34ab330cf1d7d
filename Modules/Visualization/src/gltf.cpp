// glTF 2.0 binary writer. VTK 9.1's vtkGLTFExporter writes only .gltf text from a live render window; a .glb needs
// neither, so it is written here: one JSON chunk and one BIN chunk holding positions, normals and indices.
// glTF is metres with +Y up and the asset's front towards +Z (its right towards -X); a patient model is turned so
// that superior is up and anterior faces the viewer: glTF (x, y, z) = (L, S, A) = (x_L, z_S, -y_P) / 1000. That is a
// rotation (determinant +1), so counter-clockwise triangles stay counter-clockwise and normals stay outward.
#include "vestige/visualization/mesh.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>

namespace vestige::visualization {

namespace {

constexpr double kMetresPerMm = 0.001;

void appendBytes(std::vector<std::uint8_t>& bin, const void* data, std::size_t bytes) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  bin.insert(bin.end(), p, p + bytes);
  while (bin.size() % 4 != 0) // every buffer view starts 4-byte aligned
    bin.push_back(0);
}

void putU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int b = 0; b < 4; ++b)
    out.push_back(static_cast<std::uint8_t>((v >> (8 * b)) & 0xFF));
}

// LPS (x, y, z) -> glTF (x, z, -y), scaled: the one place the axes change.
std::vector<float> toGltfAxes(const std::vector<float>& lps, double scale) {
  std::vector<float> out(lps.size());
  for (std::size_t p = 0; p + 2 < lps.size(); p += 3) {
    out[p] = static_cast<float>(lps[p] * scale);
    out[p + 1] = static_cast<float>(lps[p + 2] * scale);
    out[p + 2] = static_cast<float>(-lps[p + 1] * scale);
  }
  return out;
}

} // namespace

void writeGlb(const std::vector<ColoredMesh>& meshes, const std::filesystem::path& file) {
  using nlohmann::json;
  json doc;
  // The mapping is written into the file so that a reader can return to the DICOM patient frame.
  const json gltfFromLpsMm = {{kMetresPerMm, 0, 0, 0}, {0, 0, kMetresPerMm, 0}, {0, -kMetresPerMm, 0, 0}, {0, 0, 0, 1}};
  doc["asset"] = {
      {"version", "2.0"},
      {"generator", "Vestige"},
      {"extras",
       {{"units", "m"},
        {"axes", "+X = patient left (L), +Y = superior (S), +Z = anterior (-P); glTF = (x_L, z_S, -y_P) / 1000 "
                 "from DICOM patient LPS mm"},
        {"gltfFromLpsMm", gltfFromLpsMm}}}};
  json nodes = json::array(), gmeshes = json::array(), materials = json::array(), accessors = json::array(),
       views = json::array();
  std::vector<std::uint8_t> bin;

  auto addView = [&](const void* data, std::size_t bytes, int target) {
    const std::size_t offset = bin.size();
    appendBytes(bin, data, bytes);
    views.push_back({{"buffer", 0}, {"byteOffset", offset}, {"byteLength", bytes}, {"target", target}});
    return views.size() - 1;
  };

  for (const ColoredMesh& cm : meshes) {
    if (cm.mesh == nullptr || cm.mesh->empty())
      continue;
    const Mesh& m = *cm.mesh;
    if (m.pointCount() > std::numeric_limits<std::uint32_t>::max())
      throw core::Error(core::ErrorCode::Unsupported, "mesh too large for glTF", cm.name);
    const std::vector<float> positions = toGltfAxes(m.pointsLps, kMetresPerMm);
    // min/max of the stored floats themselves: the validator compares them bit for bit.
    float lo[3] = {std::numeric_limits<float>::max(), std::numeric_limits<float>::max(),
                   std::numeric_limits<float>::max()};
    float hi[3] = {std::numeric_limits<float>::lowest(), std::numeric_limits<float>::lowest(),
                   std::numeric_limits<float>::lowest()};
    for (std::size_t p = 0; p < m.pointCount(); ++p)
      for (int a = 0; a < 3; ++a) {
        lo[a] = std::min(lo[a], positions[3 * p + a]);
        hi[a] = std::max(hi[a], positions[3 * p + a]);
      }
    json attributes;
    const std::size_t posView = addView(positions.data(), positions.size() * sizeof(float), 34962);
    accessors.push_back({{"bufferView", posView},
                         {"componentType", 5126},
                         {"count", m.pointCount()},
                         {"type", "VEC3"},
                         {"min", {lo[0], lo[1], lo[2]}},
                         {"max", {hi[0], hi[1], hi[2]}}});
    attributes["POSITION"] = accessors.size() - 1;
    if (m.normals.size() == m.pointsLps.size()) {
      const std::vector<float> normals = toGltfAxes(m.normals, 1.0);
      const std::size_t nView = addView(normals.data(), normals.size() * sizeof(float), 34962);
      accessors.push_back(
          {{"bufferView", nView}, {"componentType", 5126}, {"count", m.pointCount()}, {"type", "VEC3"}});
      attributes["NORMAL"] = accessors.size() - 1;
    }
    const std::size_t iView = addView(m.triangles.data(), m.triangles.size() * sizeof(std::uint32_t), 34963);
    accessors.push_back(
        {{"bufferView", iView}, {"componentType", 5125}, {"count", m.triangles.size()}, {"type", "SCALAR"}});
    const std::size_t indices = accessors.size() - 1;

    json material = {{"name", cm.name},
                     {"pbrMetallicRoughness",
                      {{"baseColorFactor", {cm.rgba[0], cm.rgba[1], cm.rgba[2], cm.rgba[3]}},
                       {"metallicFactor", 0.0},
                       {"roughnessFactor", 0.6}}},
                     {"doubleSided", cm.rgba[3] < 1.0F}};
    if (cm.rgba[3] < 1.0F)
      material["alphaMode"] = "BLEND";
    materials.push_back(material);
    gmeshes.push_back(
        {{"name", cm.name},
         {"primitives",
          {{{"attributes", attributes}, {"indices", indices}, {"material", materials.size() - 1}, {"mode", 4}}}}});
    nodes.push_back({{"name", cm.name}, {"mesh", gmeshes.size() - 1}});
  }
  if (nodes.empty())
    throw core::Error(core::ErrorCode::InvalidArgument, "no non-empty mesh to write", file.string());

  json sceneNodes = json::array();
  for (std::size_t i = 0; i < nodes.size(); ++i)
    sceneNodes.push_back(i);
  doc["scene"] = 0;
  doc["scenes"] = {{{"name", "Vestige plan"}, {"nodes", sceneNodes}}};
  doc["nodes"] = nodes;
  doc["meshes"] = gmeshes;
  doc["materials"] = materials;
  doc["accessors"] = accessors;
  doc["bufferViews"] = views;
  doc["buffers"] = {{{"byteLength", bin.size()}}};

  std::string text = doc.dump();
  while (text.size() % 4 != 0)
    text.push_back(' '); // the JSON chunk is padded with spaces
  std::vector<std::uint8_t> out;
  out.reserve(28 + text.size() + bin.size());
  putU32(out, 0x46546C67U); // "glTF"
  putU32(out, 2);
  putU32(out, static_cast<std::uint32_t>(12 + 8 + text.size() + 8 + bin.size()));
  putU32(out, static_cast<std::uint32_t>(text.size()));
  putU32(out, 0x4E4F534AU); // "JSON"
  out.insert(out.end(), text.begin(), text.end());
  putU32(out, static_cast<std::uint32_t>(bin.size()));
  putU32(out, 0x004E4942U); // "BIN\0"
  out.insert(out.end(), bin.begin(), bin.end());

  core::writeAtomically(file, [&](const std::filesystem::path& tmp) {
    std::ofstream f(tmp, std::ios::binary);
    f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
    if (!f)
      throw core::Error(core::ErrorCode::Io, "cannot write glTF binary", file.string());
  });
}

} // namespace vestige::visualization
