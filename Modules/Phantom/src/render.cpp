#include "render.h"

#include "parallel.h"
#include "vestige/core/parallel.h"

#include "vestige/core/error.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace vestige::phantom::detail {

namespace {

using core::Vec3;

void set(TissueTable& t, Tissue tissue, float value, float texture = 0.0f) {
  t.value[static_cast<std::size_t>(tissue)] = value;
  t.texture[static_cast<std::size_t>(tissue)] = texture;
}

// Uniform grid of primitive lists: a voxel only evaluates the primitives whose (inflated) box holds its cell.
class PrimitiveGrid {
public:
  explicit PrimitiveGrid(const Anatomy& anatomy) {
    for (int c = 0; c < 3; ++c)
      m_count[c] = static_cast<int>(std::ceil((kMax[c] - kMin[c]) / kCell));
    m_cells.resize(static_cast<std::size_t>(m_count[0]) * m_count[1] * m_count[2]);
    for (std::size_t n = 0; n < anatomy.primitives.size(); ++n) {
      const core::BoundsLps& box = anatomy.primitives[n].box;
      int lo[3], hi[3];
      for (int c = 0; c < 3; ++c) {
        lo[c] = cellOf(box.min[c] - kMargin, c);
        hi[c] = cellOf(box.max[c] + kMargin, c);
      }
      for (int k = lo[2]; k <= hi[2]; ++k)
        for (int j = lo[1]; j <= hi[1]; ++j)
          for (int i = lo[0]; i <= hi[0]; ++i)
            m_cells[index(i, j, k)].push_back(static_cast<std::uint32_t>(n));
    }
  }
  [[nodiscard]] const std::vector<std::uint32_t>& at(const Vec3& p) const {
    return m_cells[index(cellOf(p[0], 0), cellOf(p[1], 1), cellOf(p[2], 2))];
  }

private:
  static constexpr double kCell = 8.0;
  static constexpr double kMargin = 3.0; // wider than half the partial-volume ramp of any grid we render
  static constexpr std::array<double, 3> kMin{-240.0, -200.0, -320.0};
  static constexpr std::array<double, 3> kMax{240.0, 200.0, 320.0};
  [[nodiscard]] int cellOf(double v, int c) const {
    return std::clamp(static_cast<int>(std::floor((v - kMin[c]) / kCell)), 0, m_count[c] - 1);
  }
  [[nodiscard]] std::size_t index(int i, int j, int k) const {
    return static_cast<std::size_t>(i) +
           static_cast<std::size_t>(m_count[0]) * (j + static_cast<std::size_t>(m_count[1]) * k);
  }
  std::array<int, 3> m_count{};
  std::vector<std::vector<std::uint32_t>> m_cells;
};

bool inBox(const core::BoundsLps& b, const Vec3& p) {
  return p[0] >= b.min[0] - 3 && p[0] <= b.max[0] + 3 && p[1] >= b.min[1] - 3 && p[1] <= b.max[1] + 3 &&
         p[2] >= b.min[2] - 3 && p[2] <= b.max[2] + 3;
}

struct VoxelSample {
  float value = 0.0f;
  Structure label = Structure::None;
  bool insideLiverShape = false;
  std::uint16_t lesion = 0;
};

// Front-to-back "over" compositing: walking the painter's list from the top, a fully covering layer hides
// everything below it, so most voxels stop after one or two shapes.
VoxelSample sampleAt(const RenderRequest& r, const PrimitiveGrid& grid, const Vec3& p, double ramp) {
  const Anatomy& an = *r.anatomy;
  VoxelSample s;
  if (bodyDistance(p) >= 0.5 * ramp) { // about a third of the field of view: nothing but air
    s.value = r.table.value[static_cast<std::size_t>(Tissue::Air)];
    return s;
  }
  double colour = 0.0;
  double transmittance = 1.0;
  double texture = 0.0;
  bool textureDone = false;
  bool labelled = false;
  const std::vector<std::uint32_t>& list = grid.at(p);
  for (auto it = list.rbegin(); it != list.rend() && transmittance > 1e-4; ++it) {
    const Primitive& prim = an.primitives[*it];
    if (!inBox(prim.box, p))
      continue;
    double factor = 1.0;
    if (prim.kind == ShapeKind::Lesion) {
      factor = r.lesionFactor[static_cast<std::size_t>(prim.index)];
      if (factor <= 0.0)
        continue;
    }
    const double d = primitiveDistance(an, prim, p, factor);
    if (d >= 0.5 * ramp)
      continue;
    const double f = d <= -0.5 * ramp ? 1.0 : 0.5 - d / ramp;
    const std::size_t t = static_cast<std::size_t>(prim.tissue);
    double value = r.table.value[t];
    if (r.table.texture[t] != 0.0f) {
      if (!textureDone) {
        texture = textureAt(an, p);
        textureDone = true;
      }
      value += r.table.texture[t] * texture;
    }
    colour += transmittance * f * value;
    transmittance *= 1.0 - f;
    if (d < 0.0 && !labelled) {
      labelled = true;
      s.label = prim.structure;
      if (prim.kind == ShapeKind::Liver)
        s.insideLiverShape = true;
      if (prim.kind == ShapeKind::Lesion)
        s.lesion = static_cast<std::uint16_t>(prim.index + 1);
    }
  }
  colour += transmittance * r.table.value[static_cast<std::size_t>(Tissue::Air)];
  s.value = static_cast<float>(colour);
  // Vessels and lesions inside the liver hide the liver shape: ask it directly for the liver mask.
  if (s.label == Structure::PortalVein || s.label == Structure::HepaticVein || s.label == Structure::Lesion)
    s.insideLiverShape = liverDistance(an, p) < 0.0;
  return s;
}

void addCtNoise(std::vector<float>& slice, std::size_t nx, std::size_t ny, double sigma, std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> white(slice.size());
  for (float& w : white)
    w = normal(rng);
  // [1 2 1]/4 in both directions: the fine-grained, slightly blotchy look of filtered back-projection noise.
  std::vector<float> tmp(slice.size());
  for (std::size_t j = 0; j < ny; ++j)
    for (std::size_t i = 0; i < nx; ++i) {
      const std::size_t a = i ? i - 1 : i, b = i + 1 < nx ? i + 1 : i;
      tmp[i + nx * j] = 0.25f * white[a + nx * j] + 0.5f * white[i + nx * j] + 0.25f * white[b + nx * j];
    }
  const float gain = static_cast<float>(sigma / 0.375);
  for (std::size_t j = 0; j < ny; ++j)
    for (std::size_t i = 0; i < nx; ++i) {
      const std::size_t a = j ? j - 1 : j, b = j + 1 < ny ? j + 1 : j;
      const float n = 0.25f * tmp[i + nx * a] + 0.5f * tmp[i + nx * j] + 0.25f * tmp[i + nx * b];
      slice[i + nx * j] = std::clamp(slice[i + nx * j] + gain * n, -1024.0f, 3071.0f);
    }
}

void addMrNoise(std::vector<float>& slice, const std::vector<Vec3>& points, double sigma, double bias,
                std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, sigma);
  for (std::size_t n = 0; n < slice.size(); ++n) {
    // Smooth coil sensitivity: brighter anteriorly and on the patient's right, as with a surface array.
    const double gain = 1.0 + bias * (-0.6 * points[n][1] / 150.0 - 0.4 * points[n][0] / 200.0);
    const double re = slice[n] * gain + normal(rng);
    const double im = normal(rng);
    slice[n] = static_cast<float>(std::sqrt(re * re + im * im)); // magnitude image: Rician noise
  }
}

} // namespace

TissueTable ctTable(double liverShiftHu) {
  TissueTable t;
  set(t, Tissue::Air, -1000);
  set(t, Tissue::Lung, -850, 40);
  set(t, Tissue::SubcutaneousFat, -105, 8);
  set(t, Tissue::VisceralFat, -95, 10);
  set(t, Tissue::Muscle, 55, 6);
  set(t, Tissue::BoneCortex, 750, 60);
  set(t, Tissue::BoneMarrow, 230, 40);
  set(t, Tissue::Disc, 85);
  set(t, Tissue::Csf, 15);
  set(t, Tissue::Aorta, 170);
  set(t, Tissue::Ivc, 140);
  set(t, Tissue::PortalVein, 180);
  set(t, Tissue::HepaticVein, 160);
  set(t, Tissue::Heart, 135);
  set(t, Tissue::Liver, static_cast<float>(108 + liverShiftHu), 5);
  set(t, Tissue::Spleen, 118, 4);
  set(t, Tissue::KidneyCortex, 180, 4);
  set(t, Tissue::KidneyMedulla, 150, 4);
  set(t, Tissue::RenalSinus, -60, 10);
  set(t, Tissue::StomachWall, 75);
  set(t, Tissue::StomachFluid, 12);
  set(t, Tissue::Gallbladder, 8);
  set(t, Tissue::BowelWall, 60);
  set(t, Tissue::BowelGas, -1000);
  set(t, Tissue::BowelFluid, 20);
  set(t, Tissue::LesionRim, 78, 4);
  set(t, Tissue::LesionBody, 50, 5);
  set(t, Tissue::LesionCore, 25, 4);
  set(t, Tissue::Pancreas, 100, 12);
  return t;
}

TissueTable mrTable() {
  TissueTable t;
  set(t, Tissue::Air, 0);
  set(t, Tissue::Lung, 25, 8);
  set(t, Tissue::SubcutaneousFat, 140, 15);
  set(t, Tissue::VisceralFat, 130, 15);
  set(t, Tissue::Muscle, 280, 15);
  set(t, Tissue::BoneCortex, 30);
  set(t, Tissue::BoneMarrow, 220, 20);
  set(t, Tissue::Disc, 160);
  set(t, Tissue::Csf, 60);
  set(t, Tissue::Aorta, 380);
  set(t, Tissue::Ivc, 350);
  set(t, Tissue::PortalVein, 370);
  set(t, Tissue::HepaticVein, 340);
  set(t, Tissue::Heart, 360);
  set(t, Tissue::Liver, 820, 25);
  set(t, Tissue::Spleen, 430, 15);
  set(t, Tissue::KidneyCortex, 620, 15);
  set(t, Tissue::KidneyMedulla, 470, 15);
  set(t, Tissue::RenalSinus, 120);
  set(t, Tissue::StomachWall, 350);
  set(t, Tissue::StomachFluid, 60);
  set(t, Tissue::Gallbladder, 950); // gadoxetate is excreted into the bile
  set(t, Tissue::BowelWall, 350);
  set(t, Tissue::BowelGas, 0);
  set(t, Tissue::BowelFluid, 90);
  set(t, Tissue::LesionRim, 330, 10);
  set(t, Tissue::LesionBody, 260, 15);
  set(t, Tissue::LesionCore, 180, 10);
  set(t, Tissue::Pancreas, 600, 30);
  return t;
}

RenderResult render(const RenderRequest& r, core::Progress* progress) {
  if (!r.anatomy || r.lesionFactor.size() != r.anatomy->lesions.size())
    throw core::Error(core::ErrorCode::Internal, "render request without anatomy or lesion factors");
  const core::ImageGeometry& g = r.grid;
  RenderResult out{core::Image(g), core::Mask(g), core::LabelMap(g), core::LabelMap(g), core::LabelMap(g)};
  const PrimitiveGrid grid(*r.anatomy);
  // One voxel wide ramp: a surface crossing a voxel covers it partly.
  const double ramp = std::cbrt(g.voxelVolumeMm3());
  const std::size_t nx = g.size[0], ny = g.size[1];
  core::parallelFor(g.size[2], r.threads, progress, "rendering", [&](std::size_t k) {
    std::vector<float> slice(nx * ny);
    std::vector<Vec3> points(nx * ny);
    for (std::size_t j = 0; j < ny; ++j)
      for (std::size_t i = 0; i < nx; ++i) {
        const Vec3 x = g.indexToLps({double(i), double(j), double(k)});
        const Vec3 p = r.transform ? r.transform->apply(x) : x;
        points[i + nx * j] = p;
        const VoxelSample s = sampleAt(r, grid, p, ramp);
        const std::size_t n = out.image.linearIndex(i, j, k);
        slice[i + nx * j] = s.value;
        out.anatomy.voxels[n] = static_cast<std::uint16_t>(s.label);
        const bool liverTissue = s.label == Structure::Liver || s.label == Structure::PortalVein ||
                                 s.label == Structure::HepaticVein || s.label == Structure::Lesion;
        out.liver.voxels[n] = s.insideLiverShape && liverTissue ? 1 : 0;
        out.lesions.voxels[n] = s.label == Structure::Lesion ? s.lesion : 0;
        out.vessels.voxels[n] = s.label == Structure::PortalVein                                   ? 1
                                : (s.label == Structure::HepaticVein || s.label == Structure::Ivc) ? 2
                                                                                                   : 0;
      }
    std::mt19937_64 rng(mixSeed(r.noiseSeed, k));
    if (r.noise.kind == NoiseKind::Ct)
      addCtNoise(slice, nx, ny, r.noise.sigma, rng);
    else if (r.noise.kind == NoiseKind::Mr)
      addMrNoise(slice, points, r.noise.sigma, r.noise.biasAmplitude, rng);
    std::copy(slice.begin(), slice.end(), out.image.voxels.begin() + static_cast<std::ptrdiff_t>(k * nx * ny));
  });
  return out;
}

} // namespace vestige::phantom::detail
