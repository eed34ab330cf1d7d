#include "vestige/phantom/simulate_followup.h"

#include "case_writer.h"
#include "deformation.h"
#include "nifti_writer.h"
#include "parallel.h"
#include "vestige/core/parallel.h"

#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/dicom/series_writer.h"
#include "vestige/phantom/displacement_field.h"
#include "vestige/phantom/snapshot.h"

#include <itkSignedMaurerDistanceMapImageFilter.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <random>
#include <set>

namespace fs = std::filesystem;
using vestige::core::Error;
using vestige::core::ErrorCode;

namespace vestige::phantom {

using namespace detail;

namespace {

constexpr double kEdgeBlendMm = 3.0; // in-painting fades into the original over this distance

using core::IndexBox;

// The lesion's bounding box widened by marginMm, rounded up per axis (no extra voxel when the margin is 0).
IndexBox maskBox(const core::Mask& mask, double marginMm) {
  const auto& g = mask.geometry;
  const IndexBox tight = core::boundingBox(mask);
  if (tight.empty)
    throw Error(ErrorCode::InvalidArgument, "lesion mask is empty");
  IndexBox box = tight;
  for (int c = 0; c < 3; ++c) {
    const auto m = static_cast<std::size_t>(std::ceil(marginMm / g.spacingMm[c]));
    box.lo[c] = tight.lo[c] > m ? tight.lo[c] - m : 0;
    box.hi[c] = std::min(tight.hi[c] + m, g.size[c] - 1);
  }
  return box;
}

// Signed distance (mm, negative inside) to the mask surface within box, as a dense array over the box.
std::vector<float> signedDistanceInBox(const core::Mask& mask, const IndexBox& box) {
  const core::Mask crop = core::crop(mask, box);
  using MaskImage = itk::Image<std::uint8_t, 3>;
  using DistanceImage = itk::Image<float, 3>;
  auto filter = itk::SignedMaurerDistanceMapImageFilter<MaskImage, DistanceImage>::New();
  filter->SetInput(core::toItk(crop));
  filter->SetUseImageSpacing(true);
  filter->SetSquaredDistance(false);
  filter->SetInsideIsPositive(false);
  core::translateItkErrors(ErrorCode::Internal, "distance map", [&] { filter->Update(); });
  const float* d = filter->GetOutput()->GetBufferPointer();
  return std::vector<float>(d, d + crop.geometry.voxelCount());
}

double sampleTrilinear(const core::Image& image, const core::Vec3& index) {
  const auto& g = image.geometry;
  double f[3];
  std::size_t lo[3], hi[3];
  for (int a = 0; a < 3; ++a) {
    const double v = std::clamp(index[a], 0.0, static_cast<double>(g.size[a] - 1));
    lo[a] = static_cast<std::size_t>(std::floor(v));
    hi[a] = std::min(lo[a] + 1, g.size[a] - 1);
    f[a] = v - std::floor(v);
  }
  double sum = 0.0;
  for (int c = 0; c < 8; ++c) {
    const double w = (c & 1 ? f[0] : 1 - f[0]) * (c & 2 ? f[1] : 1 - f[1]) * (c & 4 ? f[2] : 1 - f[2]);
    sum += w * image.at(c & 1 ? hi[0] : lo[0], c & 2 ? hi[1] : lo[1], c & 4 ? hi[2] : lo[2]);
  }
  return sum;
}

struct ParenchymaStats {
  double mean = 0.0;
  double sd = 0.0;
};

// Mean and spread of liver tissue in a shell around a lesion (robust: values within 2.5 sd of a first estimate).
ParenchymaStats shellStats(const core::Image& image, const core::Mask& liver, const core::Mask& anyLesion,
                           const IndexBox& box, const std::vector<float>& distance, double inner, double outer) {
  std::vector<double> values;
  const std::size_t nx = box.hi[0] - box.lo[0] + 1, ny = box.hi[1] - box.lo[1] + 1;
  for (std::size_t k = box.lo[2]; k <= box.hi[2]; ++k)
    for (std::size_t j = box.lo[1]; j <= box.hi[1]; ++j)
      for (std::size_t i = box.lo[0]; i <= box.hi[0]; ++i) {
        const float d = distance[(i - box.lo[0]) + nx * ((j - box.lo[1]) + ny * (k - box.lo[2]))];
        if (d > inner && d < outer && liver.at(i, j, k) && !anyLesion.at(i, j, k))
          values.push_back(image.at(i, j, k));
      }
  if (values.size() < 20)
    throw Error(ErrorCode::InconsistentData, "too little liver tissue around the lesion to in-paint it");
  std::sort(values.begin(), values.end());
  const double median = values[values.size() / 2];
  const double iqr = values[values.size() * 3 / 4] - values[values.size() / 4];
  double sum = 0, sum2 = 0, n = 0;
  for (double v : values)
    if (std::abs(v - median) < 2.0 * iqr + 5.0) {
      sum += v;
      sum2 += v * v;
      n += 1;
    }
  ParenchymaStats s;
  s.mean = sum / n;
  s.sd = std::sqrt(std::max(0.0, sum2 / n - s.mean * s.mean));
  return s;
}

// Correlated noise with the given sd, so that the in-painted area has the grain of the surrounding parenchyma.
std::vector<float> textureNoise(std::size_t nx, std::size_t ny, std::size_t nz, double sd, std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> w(nx * ny * nz), t(w.size());
  for (float& v : w)
    v = normal(rng);
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t j = 0; j < ny; ++j)
      for (std::size_t i = 0; i < nx; ++i) {
        auto at = [&](std::size_t a, std::size_t b) { return w[a + nx * (b + ny * k)]; };
        const std::size_t i0 = i ? i - 1 : i, i1 = i + 1 < nx ? i + 1 : i, j0 = j ? j - 1 : j,
                          j1 = j + 1 < ny ? j + 1 : j;
        t[i + nx * (j + ny * k)] = 0.25f * at(i, j) + 0.125f * (at(i0, j) + at(i1, j) + at(i, j0) + at(i, j1)) +
                                   0.0625f * (at(i0, j0) + at(i1, j0) + at(i0, j1) + at(i1, j1));
      }
  const float gain = static_cast<float>(sd / 0.375);
  for (float& v : t)
    v *= gain;
  return t;
}

double smoothstep(double edge0, double edge1, double x) {
  const double t = std::clamp((x - edge0) / (edge1 - edge0), 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

// Replaces the lesion (and a few mm around it) by parenchyma of the local mean and grain, fading into the original
// image so that no edge remains.
void inpaintLesion(core::Image& image, const core::Mask& lesion, const core::Mask& liver, const core::Mask& anyLesion,
                   std::mt19937_64& rng) {
  const IndexBox box = maskBox(lesion, 15.0);
  const std::vector<float> d = signedDistanceInBox(lesion, box);
  const ParenchymaStats stats = shellStats(image, liver, anyLesion, box, d, kEdgeBlendMm, 12.0);
  const std::size_t nx = box.hi[0] - box.lo[0] + 1, ny = box.hi[1] - box.lo[1] + 1, nz = box.hi[2] - box.lo[2] + 1;
  const std::vector<float> noise = textureNoise(nx, ny, nz, stats.sd, rng);
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t j = 0; j < ny; ++j)
      for (std::size_t i = 0; i < nx; ++i) {
        const std::size_t n = i + nx * (j + ny * k);
        const double w = 1.0 - smoothstep(0.0, kEdgeBlendMm, d[n]);
        if (w <= 0.0)
          continue;
        float& v = image.at(i + box.lo[0], j + box.lo[1], k + box.lo[2]);
        v = static_cast<float>(w * (stats.mean + noise[n]) + (1.0 - w) * v);
      }
}

// After in-painting: a copy of the original lesion scaled by s about its centroid; returns the shrunk mask.
core::Mask pasteShrunkLesion(core::Image& image, const core::Image& original, const core::Mask& lesion, double s) {
  const auto& g = lesion.geometry;
  const IndexBox box = maskBox(lesion, 4.0);
  core::Vec3 c{};
  double n = 0;
  for (std::size_t k = box.lo[2]; k <= box.hi[2]; ++k)
    for (std::size_t j = box.lo[1]; j <= box.hi[1]; ++j)
      for (std::size_t i = box.lo[0]; i <= box.hi[0]; ++i)
        if (lesion.at(i, j, k)) {
          c = core::add(c, {double(i), double(j), double(k)});
          n += 1;
        }
  c = core::scale(c, 1.0 / n);
  core::Image fraction(g);
  for (std::size_t k = box.lo[2]; k <= box.hi[2]; ++k)
    for (std::size_t j = box.lo[1]; j <= box.hi[1]; ++j)
      for (std::size_t i = box.lo[0]; i <= box.hi[0]; ++i)
        fraction.at(i, j, k) = lesion.at(i, j, k);
  core::Mask shrunk(g);
  for (std::size_t k = box.lo[2]; k <= box.hi[2]; ++k)
    for (std::size_t j = box.lo[1]; j <= box.hi[1]; ++j)
      for (std::size_t i = box.lo[0]; i <= box.hi[0]; ++i) {
        // Scaling in index space is scaling in LPS space about the same centre (the grid is affine).
        const core::Vec3 q = core::add(c, core::scale(core::sub({double(i), double(j), double(k)}, c), 1.0 / s));
        const double alpha = sampleTrilinear(fraction, q);
        if (alpha <= 0.0)
          continue;
        float& v = image.at(i, j, k);
        v = static_cast<float>(alpha * sampleTrilinear(original, q) + (1.0 - alpha) * v);
        shrunk.at(i, j, k) = alpha >= 0.5 ? 1 : 0;
      }
  return shrunk;
}

std::vector<SimulatedLesionPlan> resolvePlan(const SimulateFollowupOptions& o, std::size_t lesionCount) {
  std::vector<SimulatedLesionPlan> plan;
  for (std::size_t i = 0; i < lesionCount; ++i) {
    SimulatedLesionPlan p{"L" + std::to_string(i + 1), LesionFate::Visible, 1.0};
    if (o.plan.empty()) {
      if (i == 0)
        p.fate = LesionFate::Disappeared;
      if (i == 1) {
        p.fate = LesionFate::Shrunk;
        p.volumeFraction = 0.4;
      }
    }
    plan.push_back(p);
  }
  std::set<std::string> seen;
  for (const SimulatedLesionPlan& p : o.plan) {
    auto it = std::find_if(plan.begin(), plan.end(), [&](const SimulatedLesionPlan& q) { return q.id == p.id; });
    if (it == plan.end())
      throw Error(ErrorCode::InvalidArgument,
                  "no lesion " + p.id + " (lesions are L1..L" + std::to_string(lesionCount) + " in --lesion order)");
    if (!seen.insert(p.id).second)
      throw Error(ErrorCode::InvalidArgument, "lesion given twice", p.id);
    if (p.fate == LesionFate::Shrunk && !(p.volumeFraction > 0.0 && p.volumeFraction < 1.0))
      throw Error(ErrorCode::InvalidArgument, "a shrunk lesion needs a volume fraction in (0, 1)", p.id);
    *it = p;
  }
  return plan;
}

core::Vec3 maskCentroid(const core::Mask& m) {
  core::Vec3 c{};
  double n = 0;
  const auto& g = m.geometry;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        if (m.at(i, j, k)) {
          c = core::add(c, g.indexToLps({double(i), double(j), double(k)}));
          n += 1;
        }
  return n > 0 ? core::scale(c, 1.0 / n) : c;
}

// Points deep inside the liver (>= 10 mm from its surface and from lesions), chosen by the seed: the real baseline
// has no known bifurcations, so these interior points serve as the landmark pairs.
std::vector<core::Vec3> interiorPoints(const core::Mask& liver, const core::Mask& lesions, std::size_t count,
                                       std::mt19937_64& rng) {
  const IndexBox box = maskBox(liver, 0.0);
  core::Mask both(liver.geometry);
  for (std::size_t n = 0; n < both.voxels.size(); ++n)
    both.voxels[n] = liver.voxels[n] && !lesions.voxels[n];
  std::vector<core::Vec3> points;
  std::uniform_int_distribution<std::size_t> ui(box.lo[0], box.hi[0]), uj(box.lo[1], box.hi[1]),
      uk(box.lo[2], box.hi[2]);
  const auto& g = liver.geometry;
  for (int attempt = 0; attempt < 200000 && points.size() < count; ++attempt) {
    const std::size_t i = ui(rng), j = uj(rng), k = uk(rng);
    if (!both.at(i, j, k))
      continue;
    // A cheap ball test: every voxel within 10 mm along the axes and diagonals is liver and not lesion.
    bool deep = true;
    for (int dk = -1; dk <= 1 && deep; ++dk)
      for (int dj = -1; dj <= 1 && deep; ++dj)
        for (int di = -1; di <= 1 && deep; ++di) {
          const core::Vec3 dir = core::normalized({double(di) + 1e-9, double(dj), double(dk)});
          const core::Vec3 p = core::add(g.indexToLps({double(i), double(j), double(k)}), core::scale(dir, 10.0));
          const core::Vec3 idx = g.lpsToIndex(p);
          if (!g.contains(idx)) {
            deep = false;
            break;
          }
          deep = both.at(static_cast<std::size_t>(std::lround(idx[0])), static_cast<std::size_t>(std::lround(idx[1])),
                         static_cast<std::size_t>(std::lround(idx[2])));
        }
    if (!deep)
      continue;
    const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
    bool apart = true;
    for (const core::Vec3& q : points)
      apart = apart && core::distanceMm(p, q) > 15.0;
    if (apart)
      points.push_back(p);
  }
  return points;
}

std::string compactDate(const std::string& isoOrCompact) {
  std::string out;
  for (char c : isoOrCompact)
    if (c >= '0' && c <= '9')
      out.push_back(c);
  return out.size() == 8 ? out : std::string();
}

// YYYYMMDD plus `days` (civil calendar).
std::string addDays(const std::string& yyyymmdd, int days) {
  if (yyyymmdd.size() != 8)
    return "20250422";
  std::tm tm{};
  tm.tm_year = std::stoi(yyyymmdd.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(yyyymmdd.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(yyyymmdd.substr(6, 2)) + days;
  tm.tm_hour = 12;
  const std::time_t t = timegm(&tm);
  std::tm out{};
  gmtime_r(&t, &out);
  char buffer[16];
  std::strftime(buffer, sizeof buffer, "%Y%m%d", &out);
  return buffer;
}

} // namespace

CaseTruth simulateFollowup(const BaselineInputs& inputs, const SimulateFollowupOptions& options, const fs::path& outDir,
                           core::Progress* progress) {
  const auto start = std::chrono::steady_clock::now();
  if (inputs.lesionMasks.empty())
    throw Error(ErrorCode::InvalidArgument, "simulate-followup needs at least one lesion mask");
  StagingFolder stage(outDir);
  core::SubProgress loadProgress(progress, 0.0, 0.15);
  dicom::LoadOptions loadOptions;
  loadOptions.threads = options.threads;
  const dicom::LoadedSeries loaded = dicom::loadSeries(inputs.series, loadOptions, &loadProgress);
  const core::Image& baseline = loaded.image;
  const core::ImageGeometry& gb = baseline.geometry;
  const core::Mask liver = dicom::conformMask(dicom::loadMask(inputs.liverMask), gb, "liver mask");
  std::vector<core::Mask> lesions;
  for (const fs::path& p : inputs.lesionMasks)
    lesions.push_back(dicom::conformMask(dicom::loadMask(p), gb, "lesion mask " + p.filename().string()));
  const std::vector<SimulatedLesionPlan> plan = resolvePlan(options, lesions.size());
  core::Mask anyLesion(gb);
  for (const core::Mask& m : lesions)
    for (std::size_t n = 0; n < m.voxels.size(); ++n)
      anyLesion.voxels[n] |= m.voxels[n];

  // 1. Lesion changes, made in baseline space.
  core::reportProgress(progress, "changing lesions", 0.15);
  std::mt19937_64 rng(mixSeed(options.seed, 7));
  core::Image changed = baseline;
  std::vector<core::Mask> changedLesions = lesions;
  for (std::size_t i = 0; i < lesions.size(); ++i) {
    if (plan[i].fate == LesionFate::Visible)
      continue;
    inpaintLesion(changed, lesions[i], liver, anyLesion, rng);
    if (plan[i].fate == LesionFate::Disappeared)
      changedLesions[i] = core::Mask(gb);
    else
      changedLesions[i] = pasteShrunkLesion(changed, baseline, lesions[i], std::cbrt(plan[i].volumeFraction));
    core::throwIfCancelled(progress);
  }
  // Contrast change: chemotherapy-associated steatosis darkens the liver, and another scan gives a slightly
  // different enhancement of soft tissue.
  for (std::size_t n = 0; n < changed.voxels.size(); ++n) {
    float& v = changed.voxels[n];
    if (v > -200.0f && v < 400.0f)
      v = 0.96f * v + 6.0f;
    if (liver.voxels[n])
      v -= 14.0f;
  }

  // 2. Known deformation and the follow-up grid: another pixel size, slice spacing and field of view.
  const core::Vec3 liverCentre = maskCentroid(liver);
  FollowupTransform t = randomFollowupTransform(options.seed, liverCentre);
  t.translationMm[2] *= 0.3; // keep most of the (short) real scan range inside the follow-up field
  const core::BoundsLps bb = gb.boundsLps();
  const core::Vec3 centre = t.inverse(core::scale(core::add(bb.min, bb.max), 0.5));
  core::ImageGeometry gf;
  gf.spacingMm = {0.82, 0.82, 2.0};
  const double zLo = t.inverse({liverCentre[0], liverCentre[1], bb.min[2]})[2] + 12.0;
  const double zHi = t.inverse({liverCentre[0], liverCentre[1], bb.max[2]})[2] - 12.0;
  if (zHi - zLo < 10 * gf.spacingMm[2])
    throw Error(ErrorCode::InconsistentData,
                "the baseline covers too short a range along z for a simulated follow-up (needs about 50 mm)",
                inputs.series.string());
  gf.size = {432, 432, static_cast<std::size_t>(std::floor((zHi - zLo) / gf.spacingMm[2])) + 1};
  const double half = (432 - 1) * 0.82 / 2.0;
  gf.originLps = {std::round((centre[0] - half) * 10) / 10, std::round((centre[1] - half) * 10) / 10,
                  std::round(zLo * 10) / 10};

  core::SubProgress fieldProgress(progress, 0.2, 0.3);
  DisplacementField field{gf, std::vector<std::array<float, 3>>(gf.voxelCount())};
  core::parallelFor(gf.size[2], options.threads, &fieldProgress, "displacement field", [&](std::size_t k) {
    for (std::size_t j = 0; j < gf.size[1]; ++j)
      for (std::size_t i = 0; i < gf.size[0]; ++i) {
        const core::Vec3 x = gf.indexToLps({double(i), double(j), double(k)});
        const core::Vec3 u = core::sub(t.apply(x), x);
        field.vectors[i + gf.size[0] * (j + gf.size[1] * k)] = {quantize(u[0]), quantize(u[1]), quantize(u[2])};
      }
  });

  // 3. Resample and add the new scan's noise (only inside the body: air stays clean like on scanners).
  core::reportProgress(progress, "resampling", 0.3);
  core::Image follow = warpImage(changed, field, -1024.0f);
  {
    const std::size_t plane = gf.size[0] * gf.size[1];
    core::parallelFor(gf.size[2], options.threads, progress, "noise", [&](std::size_t k) {
      std::mt19937_64 local(mixSeed(options.seed, 1000 + k));
      const std::vector<float> n = textureNoise(gf.size[0], gf.size[1], 1, 9.0, local);
      for (std::size_t p = 0; p < plane; ++p) {
        float& v = follow.voxels[k * plane + p];
        if (v > -900.0f)
          v = std::clamp(v + n[p], -1024.0f, 3071.0f);
      }
    });
  }
  const core::Mask followLiver = warpMask(liver, field);
  std::vector<core::Mask> followLesions;
  for (const core::Mask& m : changedLesions)
    followLesions.push_back(warpMask(m, field));

  // 4. Ground truth.
  CaseTruth truth;
  for (std::size_t i = 0; i < lesions.size(); ++i) {
    LesionTruth l;
    l.id = plan[i].id;
    l.fate = plan[i].fate;
    l.baselineCentreLps = maskCentroid(lesions[i]);
    l.followupCentreLps = t.inverse(l.baselineCentreLps);
    l.baselineMaskMl = core::maskVolumeMl(lesions[i]);
    l.baselineRequestedMl = l.baselineMaskMl;
    l.baselineDiameterMm = std::cbrt(l.baselineMaskMl * 1000.0 * 6.0 / 3.14159265358979323846);
    l.followupRequestedMl = plan[i].fate == LesionFate::Visible  ? l.baselineMaskMl
                            : plan[i].fate == LesionFate::Shrunk ? l.baselineMaskMl * plan[i].volumeFraction
                                                                 : 0.0;
    l.followupMaskMl = core::maskVolumeMl(followLesions[i]);
    l.baselineMask = std::string(layout::kBaselineTruth) + "/lesion_" + l.id + ".nii.gz";
    if (plan[i].fate != LesionFate::Disappeared)
      l.followupMask = std::string(layout::kFollowupTruth) + "/lesion_" + l.id + ".nii.gz";
    truth.lesions.push_back(l);
  }
  truth.baselineLiverMl = core::maskVolumeMl(liver);
  truth.followupLiverMl = core::maskVolumeMl(followLiver);
  std::mt19937_64 pointRng(mixSeed(options.seed, 11));
  for (const core::Vec3& p : interiorPoints(liver, anyLesion, 24, pointRng)) {
    const core::Vec3 f = t.inverse(p);
    if (gf.contains(gf.lpsToIndex(f)))
      truth.landmarks.push_back({"liver-point-" + std::to_string(truth.landmarks.size() + 1), p, f});
  }
  for (const LesionTruth& l : truth.lesions)
    truth.landmarks.push_back({"lesion-site-" + l.id, l.baselineCentreLps, l.followupCentreLps});
  truth.jacobianMin = 1e9;
  truth.jacobianMax = -1e9;
  for (std::size_t k = 0; k < gf.size[2]; k += 4)
    for (std::size_t j = 0; j < gf.size[1]; j += 4)
      for (std::size_t i = 0; i < gf.size[0]; i += 4)
        if (followLiver.at(i, j, k)) {
          const double d = t.jacobianDeterminant(gf.indexToLps({double(i), double(j), double(k)}));
          truth.jacobianMin = std::min(truth.jacobianMin, d);
          truth.jacobianMax = std::max(truth.jacobianMax, d);
        }

  // 5. Output.
  const fs::path root = stage.path();
  dicom::SeriesWriteInfo info;
  const dicom::SeriesEntry& s = loaded.series;
  info.patientName = s.patientName;
  info.patientId = s.patientId.empty() ? "VESTIGE-SIMULATED" : s.patientId;
  info.studyDate = addDays(compactDate(s.studyDate), 98);
  info.studyTime = "101500";
  info.studyDescription = "Simulated follow-up (vestige simulate-followup)";
  info.seriesDescription = "Simulated follow-up, seed " + std::to_string(options.seed);
  info.seriesNumber = 3;
  info.derived = true;
  core::SubProgress writeProgress(progress, 0.7, 0.9);
  dicom::writeImageSeries(follow, info, root / layout::kFollowupSeries, &writeProgress);
  core::reportProgress(progress, "writing ground truth", 0.9);
  const fs::path tb = root / layout::kBaselineTruth, tf = root / layout::kFollowupTruth;
  writeNiftiFast(liver, tb / "liver.nii.gz");
  writeNiftiFast(followLiver, tf / "liver.nii.gz");
  core::LabelMap baseLabels(gb), followLabels(gf);
  for (std::size_t i = 0; i < lesions.size(); ++i) {
    writeNiftiFast(lesions[i], tb / ("lesion_" + plan[i].id + ".nii.gz"));
    if (plan[i].fate != LesionFate::Disappeared)
      writeNiftiFast(followLesions[i], tf / ("lesion_" + plan[i].id + ".nii.gz"));
    for (std::size_t n = 0; n < baseLabels.voxels.size(); ++n)
      if (lesions[i].voxels[n])
        baseLabels.voxels[n] = static_cast<std::uint16_t>(i + 1);
    for (std::size_t n = 0; n < followLabels.voxels.size(); ++n)
      if (followLesions[i].voxels[n])
        followLabels.voxels[n] = static_cast<std::uint16_t>(i + 1);
  }
  writeNiftiFast(baseLabels, tb / "lesions.nii.gz");
  writeNiftiFast(followLabels, tf / "lesions.nii.gz");
  writeDisplacementField(field, root / layout::kField);
  nlohmann::json transform = transformJson(t);
  transform["seed"] = options.seed;
  transform["baseline_series"] = fs::absolute(inputs.series).lexically_normal().string();
  transform["note"] = "derived from a real baseline: keep under the baseline's licence";
  writeTruthFiles(root, truth, transform);
  // The baseline stays where it is: case.json points to it relative to the case folder.
  const fs::path baselineRel =
      fs::absolute(inputs.series).lexically_normal().lexically_relative(fs::absolute(outDir).lexically_normal());
  writeCaseFile(
      root,
      {baselineRel.empty() ? fs::absolute(inputs.series).string() : baselineRel.string(), layout::kFollowupSeries},
      truth);
  if (!options.snapshotDir.empty())
    for (const LesionTruth& l : truth.lesions) {
      if (l.fate == LesionFate::Visible)
        continue;
      const fs::path d = options.snapshotDir;
      writeSnapshotPng(baseline, SnapshotPlane::Axial, l.baselineCentreLps, 60, 300,
                       d / (l.id + "_baseline_axial.png"));
      writeSnapshotPng(follow, SnapshotPlane::Axial, l.followupCentreLps, 60, 300, d / (l.id + "_followup_axial.png"));
      writeSnapshotPng(baseline, SnapshotPlane::Coronal, l.baselineCentreLps, 60, 300,
                       d / (l.id + "_baseline_coronal.png"));
      writeSnapshotPng(follow, SnapshotPlane::Coronal, l.followupCentreLps, 60, 300,
                       d / (l.id + "_followup_coronal.png"));
    }
  stage.commit();
  core::reportProgress(progress, "writing ground truth", 1.0);
  truth.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return truth;
}

} // namespace vestige::phantom
