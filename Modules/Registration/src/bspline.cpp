// The deformable stage: a hierarchical cubic B-spline displacement optimised by stochastic gradient descent on
// randomly drawn samples (new samples every iteration), the approach of elastix (Klein et al. 2007, 2010) with
// a sparse gradient: each sample touches only its 4x4x4 control points, so an iteration costs O(samples), not
// O(samples x parameters) as ITK 5.2's BSplineTransform Jacobian does.
#include "pipeline.h"

#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"

#include <itkSmoothingRecursiveGaussianImageFilter.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <random>
#include <vector>

namespace vestige::registration::detail {

namespace {

using Vec = std::array<double, 3>;
using FloatVec = std::array<float, 3>;

// A float image with its LPS geometry, read by trilinear interpolation in continuous index space.
struct Sampled {
  const float* data = nullptr;
  std::array<long, 3> size{};
  Vec origin{};
  double spacing = 1;
  std::array<Vec, 3> direction{}; // direction[r][c]

  explicit Sampled(const FloatImage& image) {
    data = image.GetBufferPointer();
    for (int a = 0; a < 3; ++a) {
      size[a] = static_cast<long>(image.GetLargestPossibleRegion().GetSize()[a]);
      origin[a] = image.GetOrigin()[a];
      for (int c = 0; c < 3; ++c)
        direction[a][c] = image.GetDirection()(a, c);
    }
    spacing = image.GetSpacing()[0];
  }
  [[nodiscard]] Vec toIndex(const Vec& p) const {
    Vec q{};
    for (int c = 0; c < 3; ++c) {
      double s = 0;
      for (int r = 0; r < 3; ++r)
        s += direction[r][c] * (p[r] - origin[r]);
      q[c] = s / spacing;
    }
    return q;
  }
  [[nodiscard]] Vec toPoint(const Vec& q) const {
    Vec p = origin;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c)
        p[r] += direction[r][c] * q[c] * spacing;
    return p;
  }
  [[nodiscard]] std::size_t offset(long i, long j, long k) const {
    return static_cast<std::size_t>(i + size[0] * (j + size[1] * k));
  }
  // Value and index-space gradient at continuous index q; false outside the image (one voxel kept for gradients).
  bool sample(const Vec& q, double& value, Vec& gradIndex) const {
    long b[3];
    double f[3];
    for (int a = 0; a < 3; ++a) {
      const double fl = std::floor(q[a]);
      b[a] = static_cast<long>(fl);
      f[a] = q[a] - fl;
      if (b[a] < 0 || b[a] + 1 >= size[a])
        return false;
    }
    double v[2][2][2];
    for (int dk = 0; dk < 2; ++dk)
      for (int dj = 0; dj < 2; ++dj)
        for (int di = 0; di < 2; ++di)
          v[dk][dj][di] = data[offset(b[0] + di, b[1] + dj, b[2] + dk)];
    const double gx = f[0], gy = f[1], gz = f[2];
    const double c00 = v[0][0][0] + gx * (v[0][0][1] - v[0][0][0]);
    const double c01 = v[0][1][0] + gx * (v[0][1][1] - v[0][1][0]);
    const double c10 = v[1][0][0] + gx * (v[1][0][1] - v[1][0][0]);
    const double c11 = v[1][1][0] + gx * (v[1][1][1] - v[1][1][0]);
    const double c0 = c00 + gy * (c01 - c00);
    const double c1 = c10 + gy * (c11 - c10);
    value = c0 + gz * (c1 - c0);
    // Derivatives of the trilinear interpolant itself: consistent with `value`, which keeps the descent honest.
    const double dx00 = v[0][0][1] - v[0][0][0], dx01 = v[0][1][1] - v[0][1][0];
    const double dx10 = v[1][0][1] - v[1][0][0], dx11 = v[1][1][1] - v[1][1][0];
    const double dx0 = dx00 + gy * (dx01 - dx00);
    const double dx1 = dx10 + gy * (dx11 - dx10);
    gradIndex[0] = dx0 + gz * (dx1 - dx0);
    gradIndex[1] = (c01 - c00) + gz * ((c11 - c10) - (c01 - c00));
    gradIndex[2] = c1 - c0;
    return true;
  }
};

std::array<double, 4> cubicWeights(double f) {
  const double f2 = f * f;
  const double f3 = f2 * f;
  return {(1 - f) * (1 - f) * (1 - f) / 6.0, (3 * f3 - 6 * f2 + 4) / 6.0, (-3 * f3 + 3 * f2 + 3 * f + 1) / 6.0,
          f3 / 6.0};
}

// Cubic B-spline displacement (LPS mm) over the fixed working grid, control points every `step` voxels.
struct ControlGrid {
  double step = 1; // voxels of the fixed working grid between control points
  std::array<long, 3> size{};
  std::vector<Vec> coefficients;

  ControlGrid(const std::array<long, 3>& imageSize, double stepVoxels) : step(stepVoxels) {
    for (int a = 0; a < 3; ++a)
      size[a] = static_cast<long>(std::floor(static_cast<double>(imageSize[a] - 1) / step)) + 4;
    coefficients.assign(static_cast<std::size_t>(size[0] * size[1] * size[2]), Vec{0, 0, 0});
  }
  // The 4x4x4 support of fixed voxel (i, j, k): first control index per axis and the weights.
  void support(long i, long j, long k, std::array<long, 3>& first, std::array<std::array<double, 4>, 3>& w) const {
    const long idx[3] = {i, j, k};
    for (int a = 0; a < 3; ++a) {
      const double t = static_cast<double>(idx[a]) / step;
      const double fl = std::floor(t);
      first[a] = static_cast<long>(fl);
      w[a] = cubicWeights(t - fl);
    }
  }
  [[nodiscard]] std::size_t offset(long l, long m, long n) const {
    return static_cast<std::size_t>(l + size[0] * (m + size[1] * n));
  }
  [[nodiscard]] Vec displacement(const std::array<long, 3>& first,
                                 const std::array<std::array<double, 4>, 3>& w) const {
    Vec d{0, 0, 0};
    for (int c = 0; c < 4; ++c)
      for (int b = 0; b < 4; ++b) {
        const double wbc = w[1][b] * w[2][c];
        for (int a = 0; a < 4; ++a) {
          const Vec& v = coefficients[offset(first[0] + a, first[1] + b, first[2] + c)];
          const double wt = w[0][a] * wbc;
          d[0] += wt * v[0];
          d[1] += wt * v[1];
          d[2] += wt * v[2];
        }
      }
    return d;
  }
};

// One step of membrane (diffusion) regularisation on the control grid: every coefficient moves a fraction
// `alpha` towards the mean of its 6 neighbours. Scale-free (no metric units), it damps the differences between
// neighbouring coefficients that fold the map, where the images do not hold them apart, and leaves uniform
// motion alone.
void smoothCoefficients(ControlGrid& grid, double alpha) {
  const std::vector<Vec> old = grid.coefficients;
  const auto& s = grid.size;
  for (long n = 0; n < s[2]; ++n)
    for (long m = 0; m < s[1]; ++m)
      for (long l = 0; l < s[0]; ++l) {
        Vec mean{0, 0, 0};
        int count = 0;
        const auto add = [&](long a, long b, long c) {
          if (a < 0 || b < 0 || c < 0 || a >= s[0] || b >= s[1] || c >= s[2])
            return;
          const Vec& v = old[grid.offset(a, b, c)];
          for (int d = 0; d < 3; ++d)
            mean[d] += v[d];
          ++count;
        };
        add(l - 1, m, n);
        add(l + 1, m, n);
        add(l, m - 1, n);
        add(l, m + 1, n);
        add(l, m, n - 1);
        add(l, m, n + 1);
        Vec& c = grid.coefficients[grid.offset(l, m, n)];
        for (int d = 0; d < 3; ++d)
          c[d] += alpha * (mean[d] / count - c[d]);
      }
}

FloatImage::Pointer smoothed(const FloatImage::Pointer& image, double sigmaMm, unsigned threads) {
  if (sigmaMm <= 0)
    return image;
  auto smooth = itk::SmoothingRecursiveGaussianImageFilter<FloatImage, FloatImage>::New();
  smooth->SetInput(image);
  smooth->SetSigma(sigmaMm);
  if (threads > 0)
    smooth->SetNumberOfWorkUnits(threads);
  smooth->Update();
  FloatImage::Pointer out = smooth->GetOutput();
  out->DisconnectPipeline();
  return out;
}

// Piecewise-linear map of moving intensities onto fixed ones by matching quantiles over the sampling region (after
// the affine stage): the same modality, but contrast phase, steatosis or scanner calibration may differ.
std::vector<std::pair<float, float>> quantileMap(const FloatImage& fixed, const FloatImage& movingOnFixed,
                                                 const ByteImage* region) {
  std::vector<float> f;
  std::vector<float> m;
  const std::size_t n = fixed.GetLargestPossibleRegion().GetNumberOfPixels();
  const unsigned char* r = region ? region->GetBufferPointer() : nullptr;
  for (std::size_t i = 0; i < n; ++i)
    if (!r || r[i]) {
      f.push_back(fixed.GetBufferPointer()[i]);
      m.push_back(movingOnFixed.GetBufferPointer()[i]);
    }
  std::sort(f.begin(), f.end());
  std::sort(m.begin(), m.end());
  std::vector<std::pair<float, float>> map;
  if (f.empty())
    return map;
  constexpr int kPoints = 40;
  for (int q = 0; q <= kPoints; ++q) {
    const double p = 0.005 + 0.99 * q / kPoints;
    const auto at = [p](const std::vector<float>& v) { return v[static_cast<std::size_t>(p * (v.size() - 1))]; };
    if (map.empty() || at(m) > map.back().first + 1e-3F)
      map.emplace_back(at(m), at(f));
  }
  return map;
}

void applyMap(FloatImage& image, const std::vector<std::pair<float, float>>& map) {
  if (map.size() < 2)
    return;
  float* p = image.GetBufferPointer();
  const std::size_t n = image.GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t i = 0; i < n; ++i) {
    const float v = p[i];
    auto hi = std::lower_bound(map.begin(), map.end(), v, [](const auto& e, float x) { return e.first < x; });
    if (hi == map.begin())
      hi = map.begin() + 1;
    if (hi == map.end())
      hi = map.end() - 1;
    const auto lo = hi - 1;
    const float t = (v - lo->first) / (hi->first - lo->first);
    p[i] = lo->second + t * (hi->second - lo->second);
  }
}

FloatImage::Pointer copyOf(const FloatImage& image) {
  auto out = FloatImage::New();
  out->CopyInformation(&image);
  out->SetRegions(image.GetLargestPossibleRegion());
  out->Allocate();
  std::copy_n(image.GetBufferPointer(), image.GetLargestPossibleRegion().GetNumberOfPixels(), out->GetBufferPointer());
  return out;
}

// Tissue that changed between the dates (a tumour that shrank or vanished, a new one, lipiodol, gas) shows as a
// region of large residuals that the smooth deformation of the coarse levels cannot remove, while misalignment
// that is left shows as thin bands along edges. The residual r = m(T(x)) - f(x) of every candidate voxel is
// compared with its robust spread over the sampling region: sigma = 1.4826 x MAD (the standard deviation for
// Gaussian residuals), outliers beyond kChangeSigmas x sigma. Then an opening by a ball of radius kChangeOpeningMm
// keeps only regions at least about 10 mm across (a tumour worth tracking, RECIST's smallest measurable lesion) and
// drops what is thinner: edge bands, and vessels whose contrast differs between phases but whose walls still
// carry the motion.
constexpr double kChangeSigmas = 3.0;
constexpr double kChangeOpeningMm = 4.0;

std::vector<unsigned char> changedVoxels(const Sampled& f, const Sampled& m,
                                         const std::vector<std::uint32_t>& candidates,
                                         const std::vector<FloatVec>& previous, const std::array<Vec, 3>& a,
                                         const Vec& aOffset) {
  const auto& n = f.size;
  const std::size_t voxels = static_cast<std::size_t>(n[0] * n[1] * n[2]);
  std::vector<float> residual(voxels, 0.0F);
  std::vector<unsigned char> valid(voxels, 0);
  std::vector<float> values;
  values.reserve(candidates.size());
  for (const std::uint32_t v : candidates) {
    const long i = static_cast<long>(v % static_cast<std::size_t>(n[0]));
    const long j = static_cast<long>((v / static_cast<std::size_t>(n[0])) % static_cast<std::size_t>(n[1]));
    const long k = static_cast<long>(v / static_cast<std::size_t>(n[0] * n[1]));
    const Vec x = f.toPoint({double(i), double(j), double(k)});
    Vec p = aOffset;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c)
        p[r] += a[r][c] * (x[c] + previous[v][c]);
    double value = 0;
    Vec g{};
    if (!m.sample(m.toIndex(p), value, g))
      continue;
    residual[v] = static_cast<float>(value - f.data[v]);
    valid[v] = 1;
    values.push_back(residual[v]);
  }
  std::vector<unsigned char> out(voxels, 0);
  if (values.size() < 100)
    return out;
  const auto medianOf = [](std::vector<float>& w) {
    const auto mid = w.begin() + static_cast<long>(w.size() / 2);
    std::nth_element(w.begin(), mid, w.end());
    return *mid;
  };
  const float median = medianOf(values);
  for (float& x : values)
    x = std::abs(x - median);
  const double sigma = 1.4826 * medianOf(values);
  if (!(sigma > 0))
    return out;
  std::vector<unsigned char> outlier(voxels, 0);
  for (std::size_t v = 0; v < voxels; ++v)
    outlier[v] = valid[v] && std::abs(residual[v] - median) > kChangeSigmas * sigma;
  // Opening by a ball of radius kChangeOpeningMm: erosion, then dilation inside the outliers.
  const long r = std::max(1L, std::lround(kChangeOpeningMm / f.spacing));
  std::vector<std::array<long, 3>> ball;
  for (long dk = -r; dk <= r; ++dk)
    for (long dj = -r; dj <= r; ++dj)
      for (long di = -r; di <= r; ++di)
        if (di * di + dj * dj + dk * dk <= r * r)
          ball.push_back({di, dj, dk});
  std::vector<unsigned char> eroded(voxels, 0);
  for (long k = r; k + r < n[2]; ++k)
    for (long j = r; j + r < n[1]; ++j)
      for (long i = r; i + r < n[0]; ++i) {
        if (!outlier[f.offset(i, j, k)])
          continue;
        bool all = true;
        for (std::size_t b = 0; b < ball.size() && all; ++b)
          all = outlier[f.offset(i + ball[b][0], j + ball[b][1], k + ball[b][2])] != 0;
        eroded[f.offset(i, j, k)] = all;
      }
  for (long k = r; k + r < n[2]; ++k)
    for (long j = r; j + r < n[1]; ++j)
      for (long i = r; i + r < n[0]; ++i)
        if (eroded[f.offset(i, j, k)])
          for (const auto& b : ball) {
            const std::size_t o = f.offset(i + b[0], j + b[1], k + b[2]);
            out[o] = outlier[o];
          }
  return out;
}

} // namespace

BSplineImages prepareBSpline(const WorkingImage& fixed, const WorkingImage& moving, const AffineType& affine,
                             const std::vector<double>& sigmasMm, bool sameContrast, double siteGrowMm,
                             unsigned threads) {
  return core::translateItkErrors(core::ErrorCode::Internal, "registration: B-spline images", [&] {
    BSplineImages out;
    out.sameContrast = sameContrast;
    // Intensities made comparable (see pipeline.h).
    const float* mp = moving.image->GetBufferPointer();
    const float outside = *std::min_element(mp, mp + moving.image->GetLargestPossibleRegion().GetNumberOfPixels());
    FloatImage::Pointer movingOnFixed = resampleThrough(*moving.image, affine, *fixed.image, outside, threads);
    out.fixed = fixed.image;
    out.moving = moving.image;
    if (sameContrast) {
      out.moving = copyOf(*moving.image);
      applyMap(*out.moving, quantileMap(*fixed.image, *movingOnFixed, fixed.sampling.GetPointer()));
    } else {
      out.fixed = remapByJointHistogram(*fixed.image, *movingOnFixed, fixed.sampling.GetPointer());
    }
    movingOnFixed = nullptr;
    for (const double sigma : sigmasMm)
      if (sigma > 0 && !out.smoothed(sigma))
        out.levels.push_back({sigma, smoothed(out.fixed, sigma, threads), smoothed(out.moving, sigma, threads)});

    // Sample candidates: the metric's region on the fixed image.
    const std::size_t voxels = out.fixed->GetLargestPossibleRegion().GetNumberOfPixels();
    const unsigned char* region = fixed.sampling ? fixed.sampling->GetBufferPointer() : nullptr;
    for (std::size_t i = 0; i < voxels; ++i)
      if (!region || region[i])
        out.candidates.push_back(static_cast<std::uint32_t>(i));
    if (out.candidates.empty())
      throw core::Error(core::ErrorCode::InvalidArgument, "nothing to register: the sampling region is empty",
                        "registration");
    // Lesion sites of the moving image (grown): samples that land there are skipped, so that sites that shrink or
    // vanish do not drive the deformation; the spline carries the surrounding tissue's motion across them.
    if (moving.sites)
      out.sites = dilateByDistance(moving.sites, siteGrowMm, threads);
    return out;
  });
}

void BSplineImages::release(double sigmaMm) {
  levels.erase(std::remove_if(levels.begin(), levels.end(), [sigmaMm](const Level& l) { return l.sigmaMm == sigmaMm; }),
               levels.end());
}

const BSplineImages::Level* BSplineImages::smoothed(double sigmaMm) const {
  for (const Level& level : levels)
    if (level.sigmaMm == sigmaMm)
      return &level;
  return nullptr;
}

DenseFieldType::Pointer runBSpline(BSplineImages images, const AffineType& affine, const BSplineSetup& setup,
                                   std::vector<StageStats>* stats) {
  return core::translateItkErrors(core::ErrorCode::Internal, "registration stage " + setup.name, [&] {
    const auto start = std::chrono::steady_clock::now();
    const FloatImage::Pointer& fixedImage = images.fixed;
    const FloatImage::Pointer& movingImage = images.moving;
    const Sampled fixedGrid(*fixedImage);
    const auto& n = fixedGrid.size;
    const std::size_t voxels = static_cast<std::size_t>(n[0] * n[1] * n[2]);
    const std::vector<std::uint32_t>& candidates = images.candidates;
    const ByteImage* sites = images.sites.GetPointer();

    // A = matrix and offset, p = A (x + d).
    std::array<Vec, 3> a{};
    Vec aOffset{};
    {
      itk::Point<double, 3> zero;
      zero.Fill(0.0);
      const auto t0 = affine.TransformPoint(zero);
      for (int r = 0; r < 3; ++r) {
        aOffset[r] = t0[r];
        for (int c = 0; c < 3; ++c)
          a[r][c] = affine.GetMatrix()(r, c);
      }
    }

    // Displacement of the finished levels per fixed voxel, in float: it is the stage's largest array.
    std::vector<FloatVec> previous(voxels, FloatVec{0, 0, 0});
    std::mt19937_64 rng(setup.randomSeed);
    std::uniform_int_distribution<std::size_t> pick(0, candidates.size() - 1);
    unsigned done = 0;
    unsigned total = 0;
    for (const auto& level : setup.levels)
      total += level.iterations;
    double lastMetric = 0;

    // Changed tissue on the fixed working grid (see changedVoxels): found after the first level, which is then run
    // again without it (its 64 mm grid has already been pulled by it), and grown by what each later level leaves.
    std::vector<unsigned char> changed(voxels, 0);
    const Sampled movingFull(*movingImage);
    bool firstLevelRedone = false;
    // A level's smoothed images go once no later level of this run uses them (the other run may still hold them).
    const auto releaseAfter = [&](int done) {
      const double sigma = setup.levels[static_cast<std::size_t>(done)].imageSigmaMm;
      for (std::size_t later = static_cast<std::size_t>(done) + 1; later < setup.levels.size(); ++later)
        if (setup.levels[later].imageSigmaMm == sigma)
          return;
      images.release(sigma);
      returnFreedMemory();
    };
    for (int li = 0; li < static_cast<int>(setup.levels.size()); ++li) {
      const BSplineLevel& level = setup.levels[static_cast<std::size_t>(li)];
      // Each level's smoothing, shared by the runs (prepareBSpline).
      const BSplineImages::Level* smoothedLevel = images.smoothed(level.imageSigmaMm);
      if (level.imageSigmaMm > 0 && !smoothedLevel)
        throw core::Error(core::ErrorCode::Internal, "no prepared images for this level's smoothing", setup.name);
      const Sampled f(smoothedLevel ? *smoothedLevel->fixed : *fixedImage);
      const Sampled m(smoothedLevel ? *smoothedLevel->moving : *movingImage);
      ControlGrid grid(n, level.gridSpacingMm / fixedGrid.spacing);
      // Adam (Kingma & Ba 2015): per-coefficient step scaled by running gradient moments, robust to the
      // stochastic gradient's noise and to the metric's scale; the step (mm) decays over the level.
      std::vector<Vec> m1(grid.coefficients.size(), Vec{0, 0, 0});
      std::vector<Vec> m2(grid.coefficients.size(), Vec{0, 0, 0});
      std::vector<Vec> gradient(grid.coefficients.size(), Vec{0, 0, 0});
      std::vector<std::size_t> touched;
      std::vector<unsigned char> isTouched(grid.coefficients.size(), 0);
      constexpr double kBeta1 = 0.9;
      constexpr double kBeta2 = 0.999;
      for (unsigned it = 0; it < level.iterations; ++it) {
        double sum = 0;
        unsigned used = 0;
        for (unsigned s = 0; s < setup.samplesPerIteration; ++s) {
          const std::size_t v = candidates[pick(rng)];
          if (changed[v])
            continue;
          const long i = static_cast<long>(v % static_cast<std::size_t>(n[0]));
          const long j = static_cast<long>((v / static_cast<std::size_t>(n[0])) % static_cast<std::size_t>(n[1]));
          const long k = static_cast<long>(v / static_cast<std::size_t>(n[0] * n[1]));
          std::array<long, 3> first{};
          std::array<std::array<double, 4>, 3> w{};
          grid.support(i, j, k, first, w);
          const Vec d = grid.displacement(first, w);
          const Vec x = f.toPoint({double(i), double(j), double(k)});
          Vec y{};
          for (int r = 0; r < 3; ++r)
            y[r] = x[r] + previous[v][r] + d[r];
          Vec p = aOffset;
          for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 3; ++c)
              p[r] += a[r][c] * y[c];
          const Vec q = m.toIndex(p);
          if (sites) {
            const long si = std::lround(q[0]);
            const long sj = std::lround(q[1]);
            const long sk = std::lround(q[2]);
            // The sites mask lives on the moving working grid, as `m` does.
            if (si >= 0 && sj >= 0 && sk >= 0 && si < m.size[0] && sj < m.size[1] && sk < m.size[2] &&
                sites->GetBufferPointer()[m.offset(si, sj, sk)])
              continue;
          }
          double value = 0;
          Vec gIndex{};
          if (!m.sample(q, value, gIndex))
            continue;
          const double residual = value - f.data[v];
          sum += residual * residual;
          ++used;
          // d(residual)/d(y) = grad_m(p)^T A, with grad_m in LPS = D_m grad_index / spacing.
          Vec gPhys{};
          for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 3; ++c)
              gPhys[r] += m.direction[r][c] * gIndex[c] / m.spacing;
          Vec gy{};
          for (int c = 0; c < 3; ++c)
            for (int r = 0; r < 3; ++r)
              gy[c] += gPhys[r] * a[r][c];
          for (int cz = 0; cz < 4; ++cz)
            for (int by = 0; by < 4; ++by)
              for (int ax = 0; ax < 4; ++ax) {
                const std::size_t o = grid.offset(first[0] + ax, first[1] + by, first[2] + cz);
                const double wt = 2.0 * residual * w[0][ax] * w[1][by] * w[2][cz];
                if (!isTouched[o]) {
                  isTouched[o] = 1;
                  touched.push_back(o);
                }
                for (int c = 0; c < 3; ++c)
                  gradient[o][c] += wt * gy[c];
              }
        }
        if (used > 0) {
          lastMetric = sum / used;
          const double step = level.stepMm / std::pow(1.0 + it / 50.0, 0.602);
          const double t = static_cast<double>(it + 1);
          const double c1 = 1.0 - std::pow(kBeta1, t);
          const double c2 = 1.0 - std::pow(kBeta2, t);
          // Momentum per coefficient, but one gradient scale for all (the running mean square over the grid):
          // coefficients that few samples reach get small, not full-size, steps.
          double meanSquare = 0;
          std::size_t active = 0;
          for (std::size_t o = 0; o < grid.coefficients.size(); ++o)
            for (int c = 0; c < 3; ++c) {
              const double g = gradient[o][c] / used;
              m1[o][c] = kBeta1 * m1[o][c] + (1 - kBeta1) * g;
              m2[o][c] = kBeta2 * m2[o][c] + (1 - kBeta2) * g * g;
              if (m2[o][c] > 0) {
                meanSquare += m2[o][c] / c2;
                ++active;
              }
            }
          if (active > 0 && meanSquare > 0) {
            const double scale = step / std::sqrt(meanSquare / static_cast<double>(active));
            for (std::size_t o = 0; o < grid.coefficients.size(); ++o)
              for (int c = 0; c < 3; ++c)
                grid.coefficients[o][c] -= scale * m1[o][c] / c1;
          }
        }
        if (setup.smoothing > 0)
          smoothCoefficients(grid, setup.smoothing);
        for (const std::size_t o : touched) {
          gradient[o] = Vec{0, 0, 0};
          isTouched[o] = 0;
        }
        touched.clear();
        ++done;
        if (setup.progress && (it % 10 == 0))
          core::reportProgress(setup.progress, setup.name, static_cast<double>(done) / std::max(1U, total));
      }
      // Bake the level into the per-voxel displacement.
      for (long k = 0; k < n[2]; ++k)
        for (long j = 0; j < n[1]; ++j)
          for (long i = 0; i < n[0]; ++i) {
            std::array<long, 3> first{};
            std::array<std::array<double, 4>, 3> w{};
            grid.support(i, j, k, first, w);
            const Vec d = grid.displacement(first, w);
            FloatVec& out = previous[fixedGrid.offset(i, j, k)];
            for (int c = 0; c < 3; ++c)
              out[c] += static_cast<float>(d[c]);
          }
      if (!setup.detectChanges || li + 1 == static_cast<int>(setup.levels.size())) {
        releaseAfter(li);
        continue;
      }
      const std::vector<unsigned char> found = changedVoxels(fixedGrid, movingFull, candidates, previous, a, aOffset);
      std::size_t added = 0;
      for (std::size_t v = 0; v < voxels; ++v)
        if (found[v] && !changed[v]) {
          changed[v] = 1;
          ++added;
        }
      if (li == 0 && !firstLevelRedone && added > 0) {
        firstLevelRedone = true;
        total += level.iterations;
        std::fill(previous.begin(), previous.end(), FloatVec{0, 0, 0});
        li = -1;
        continue;
      }
      releaseAfter(li);
    }
    if (setup.changedRegion) {
      auto region = ByteImage::New();
      region->CopyInformation(fixedImage);
      region->SetRegions(fixedImage->GetLargestPossibleRegion());
      region->Allocate();
      std::copy(changed.begin(), changed.end(), region->GetBufferPointer());
      *setup.changedRegion = region;
    }

    auto field = DenseFieldType::New();
    field->CopyInformation(fixedImage);
    field->SetRegions(fixedImage->GetLargestPossibleRegion());
    field->Allocate();
    auto* u = field->GetBufferPointer();
    for (std::size_t i = 0; i < voxels; ++i)
      for (int c = 0; c < 3; ++c)
        u[i][c] = previous[i][c];
    if (stats) {
      StageStats s;
      s.name = setup.name;
      s.metric = images.sameContrast ? "ssd" : "ssd-remapped";
      s.metricValue = lastMetric;
      s.iterations = total;
      s.spacingMm = setup.levels.empty() ? 0.0 : setup.levels.back().gridSpacingMm;
      s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      stats->push_back(s);
    }
    return field;
  });
}

} // namespace vestige::registration::detail
