#pragma once
// The analytic upper abdomen of the phantom. Every organ is a signed-distance-like shape in baseline LPS mm, so
// both time points can be rendered exactly at any point (the follow-up by evaluating the anatomy at T(x)).
// Distances are negative inside; they drive both the partial-volume blending and the masks (voxel centre inside).
#include "vestige/core/geometry.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vestige::phantom::detail {

enum class Tissue : std::uint8_t {
  Air,
  Lung,
  SubcutaneousFat,
  VisceralFat,
  Muscle,
  BoneCortex,
  BoneMarrow,
  Disc,
  Csf,
  Aorta,
  Ivc,
  PortalVein,
  HepaticVein,
  Heart,
  Liver,
  Spleen,
  KidneyCortex,
  KidneyMedulla,
  RenalSinus,
  StomachWall,
  StomachFluid,
  Gallbladder,
  BowelWall,
  BowelGas,
  BowelFluid,
  LesionRim,
  LesionBody,
  LesionCore,
  Pancreas,
  Count
};
inline constexpr std::size_t kTissueCount = static_cast<std::size_t>(Tissue::Count);

// Labels of the anatomy label map written as ground truth (documented in Documentation/phantom.md).
enum class Structure : std::uint8_t {
  None = 0,
  Body = 1,
  Liver = 2,
  Spleen = 3,
  Kidney = 4,
  Stomach = 5,
  Bone = 6,
  Aorta = 7,
  Ivc = 8,
  PortalVein = 9,
  HepaticVein = 10,
  Lesion = 11,
  Lung = 12,
  Gallbladder = 13,
  Bowel = 14,
  Heart = 15,
  Pancreas = 16,
};

enum class ShapeKind : std::uint8_t {
  Ellipsoid,   // centre, axes, semi
  Capsule,     // a, b, ra, rb (tapered)
  EllipseSlab, // 2D ellipse (centre.xy, semi.xy, posterior semi-axis in param) extruded over centre.z +- semi.z
  CapsuleSlab, // 2D capsule (a.xy, b.xy, ra) extruded over centre.z +- semi.z
  BodySection, // body-like elliptic cylinder with separate anterior / posterior semi-axes: inset by param mm
  Diaphragm,   // thoracic cavity above the dome
  Lung,        // thoracic cavity above the dome, inside the ribs
  Liver,       // the composite liver shape below the dome
  Clipped,     // an ellipsoid clipped below the dome (spleen, stomach)
  StomachAir,  // inner stomach above the air-fluid level
  Lesion,      // star-shaped lesion index `index`, radial factor param
};

struct Primitive {
  ShapeKind kind = ShapeKind::Ellipsoid;
  Tissue tissue = Tissue::Air;
  Structure structure = Structure::None;
  int index = -1; // lesion index for ShapeKind::Lesion
  core::Vec3 centre{};
  core::Mat3 axes = core::identityMatrix(); // columns: local axes in LPS
  core::Vec3 semi{1, 1, 1};
  core::Vec3 a{};
  core::Vec3 b{};
  double ra = 0.0;
  double rb = 0.0;
  double param = 0.0;
  core::BoundsLps box;
};

// One lobulated ellipsoidal lesion: radius along unit direction w (local frame) is
// scaleMm * (1 + sum c_j sin(f_j w.v_j + phi_j)) / |w / ratios|.
struct LesionShape {
  std::string id;
  core::Vec3 centreLps{};
  core::Mat3 axes = core::identityMatrix();
  core::Vec3 ratios{1, 1, 1};
  std::array<core::Vec3, 3> lobeDirections{};
  std::array<double, 3> lobeFrequency{};
  std::array<double, 3> lobePhase{};
  std::array<double, 3> lobeAmplitude{};
  double scaleMm = 1.0;
  double requestedVolumeMl = 0.0;
  bool necroticCore = false;
};

struct VesselSegment {
  core::Vec3 a{};
  core::Vec3 b{};
  double ra = 0.0;
  double rb = 0.0;
};

struct Bifurcation {
  std::string name;
  core::Vec3 pointLps{};
  double radiusMm = 0.0;
};

struct LiverShape {
  std::array<core::Vec3, 4> lobeCentre{};
  std::array<core::Vec3, 4> lobeSemi{};
  std::array<core::Mat3, 4> lobeAxes{};
  std::vector<std::pair<std::size_t, double>> carvers; // primitive index, clearance mm (organs pressing on it)
  std::array<core::Vec3, 3> waveVector{};
  std::array<double, 3> wavePhase{};
  double waveAmplitudeMm = 2.5;
};

struct Dome {
  core::Vec3 right{-55, 5, 90}; // apex of the right hemidiaphragm (x, y, height)
  core::Vec3 left{65, 10, 80};
  double curvature = 0.004; // mm^-1
};

struct Anatomy {
  std::vector<Primitive> primitives; // painter's order: later ones cover earlier ones
  LiverShape liver;
  Dome dome;
  std::vector<LesionShape> lesions;
  std::vector<VesselSegment> portalTree;
  std::vector<VesselSegment> hepaticTree;
  std::vector<Bifurcation> bifurcations;
  core::Vec3 liverCentreLps{};
  core::BoundsLps liverBox;
  std::array<core::Vec3, 4> textureWave{};
  std::array<double, 4> texturePhase{};
};

struct LesionRequest {
  std::string id;
  double diameterMm = 20.0; // of the sphere with the requested volume
  bool necroticCore = false;
};

// The anatomy for one seed: organ sizes, vessel trees, lesion positions and textures vary with the seed.
[[nodiscard]] Anatomy buildAnatomy(std::uint64_t seed, const std::vector<LesionRequest>& lesions);

// Distance (mm, negative inside) of p (baseline LPS) to primitive prim; lesionFactor scales lesions (follow-up).
[[nodiscard]] double primitiveDistance(const Anatomy& anatomy, const Primitive& prim, const core::Vec3& p,
                                       double lesionFactor = 1.0);
[[nodiscard]] double liverDistance(const Anatomy& anatomy, const core::Vec3& p);
// Distance to the skin: every structure lies inside it, so points well outside are air.
[[nodiscard]] double bodyDistance(const core::Vec3& p);
[[nodiscard]] double lesionDistance(const LesionShape& lesion, const core::Vec3& p, double factor = 1.0);
// Volume (mL) enclosed by lesion scaled by factor, by quadrature of r^3/3 over the sphere.
[[nodiscard]] double lesionVolumeMl(const LesionShape& lesion, double factor = 1.0);
// Low-frequency texture in [-1, 1], fixed to the anatomy (moves with it).
[[nodiscard]] double textureAt(const Anatomy& anatomy, const core::Vec3& p);

} // namespace vestige::phantom::detail
