// Operations on the estimated displacement field: harmonic in-painting inside the lesion sites, and removal of
// folds (see pipeline.h).
#include "pipeline.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"

#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace vestige::registration::detail {

namespace {

// Successive over-relaxation of Laplace's equation, one component at a time, on the listed voxels; their
// neighbours outside the list are the fixed boundary values. The field grid is isotropic, so the 6-neighbour
// stencil needs no weights.
void relax(DenseFieldType& field, const std::vector<std::size_t>& unknowns) {
  const auto size = field.GetLargestPossibleRegion().GetSize();
  const std::size_t sx = 1;
  const std::size_t sy = size[0];
  const std::size_t sz = size[0] * size[1];
  auto* u = field.GetBufferPointer();
  constexpr double kOmega = 1.9;
  constexpr double kToleranceMm = 0.005;
  constexpr int kMaxSweeps = 1000;
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    double largest = 0;
    for (const std::size_t c : unknowns) {
      const std::size_t i = c % sy;
      const std::size_t j = (c / sy) % size[1];
      const std::size_t k = c / sz;
      double sum[3] = {0, 0, 0};
      int n = 0;
      const auto add = [&](std::size_t neighbour) {
        for (int d = 0; d < 3; ++d)
          sum[d] += u[neighbour][d];
        ++n;
      };
      if (i > 0)
        add(c - sx);
      if (i + 1 < size[0])
        add(c + sx);
      if (j > 0)
        add(c - sy);
      if (j + 1 < size[1])
        add(c + sy);
      if (k > 0)
        add(c - sz);
      if (k + 1 < size[2])
        add(c + sz);
      for (int d = 0; d < 3; ++d) {
        const double change = kOmega * (sum[d] / n - u[c][d]);
        u[c][d] += change;
        largest = std::max(largest, std::abs(change));
      }
    }
    if (largest < kToleranceMm)
      return;
  }
}

} // namespace

void inpaintSites(DenseFieldType& field, const WorkingImage& fixed, const WorkingImage& moving,
                  const itk::Transform<double, 3, 3>& fixedToMoving, double growMm, unsigned threads) {
  if (!moving.sites)
    return;
  core::translateItkErrors(core::ErrorCode::Internal, "registration: lesion sites", [&] {
    auto resample = itk::ResampleImageFilter<ByteImage, ByteImage, double>::New();
    resample->SetInput(moving.sites);
    resample->SetTransform(&fixedToMoving);
    resample->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<ByteImage, double>::New());
    // The grid is copied, not connected as the reference input: the fixed image may be read by another run.
    resample->SetOutputParametersFromImage(fixed.image);
    resample->SetDefaultPixelValue(0);
    if (threads > 0)
      resample->SetNumberOfWorkUnits(threads);
    resample->Update();
    inpaintRegion(field, resample->GetOutput(), growMm, threads);
  });
}

void inpaintRegion(DenseFieldType& field, const ByteImage::Pointer& region, double growMm, unsigned threads) {
  core::translateItkErrors(core::ErrorCode::Internal, "registration: in-painting the field", [&] {
    const ByteImage::Pointer grown = dilateByDistance(region, growMm, threads);
    const unsigned char* r = grown->GetBufferPointer();
    const std::size_t n = grown->GetLargestPossibleRegion().GetNumberOfPixels();
    if (n != field.GetLargestPossibleRegion().GetNumberOfPixels())
      throw core::Error(core::ErrorCode::Internal, "the field is not on the fixed working grid", "registration");
    std::vector<std::size_t> unknowns;
    for (std::size_t i = 0; i < n; ++i)
      if (r[i])
        unknowns.push_back(i);
    relax(field, unknowns);
  });
}

void returnFreedMemory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

double jacobianDeterminantAt(const DenseFieldType& field, const std::array<std::size_t, 3>& idx) {
  const auto size = field.GetLargestPossibleRegion().GetSize();
  const auto& dir = field.GetDirection();
  const auto* u = field.GetBufferPointer();
  const std::size_t stride[3] = {1, size[0], size[0] * size[1]};
  const std::size_t c = idx[0] + stride[1] * idx[1] + stride[2] * idx[2];
  double g[3][3]; // g[row][indexAxis]
  for (int a = 0; a < 3; ++a) {
    const std::size_t lo = idx[a] > 0 ? c - stride[a] : c;
    const std::size_t hi = idx[a] + 1 < size[a] ? c + stride[a] : c;
    const double span =
        static_cast<double>((idx[a] > 0 ? 1 : 0) + (idx[a] + 1 < size[a] ? 1 : 0)) * field.GetSpacing()[a];
    for (int r = 0; r < 3; ++r)
      g[r][a] = span > 0 ? (u[hi][r] - u[lo][r]) / span : 0.0;
  }
  double m[3][3];
  for (int r = 0; r < 3; ++r)
    for (int col = 0; col < 3; ++col) {
      double v = 0;
      for (int a = 0; a < 3; ++a)
        v += g[r][a] * dir(col, a);
      m[r][col] = v + (r == col ? 1.0 : 0.0);
    }
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

std::size_t unfoldField(DenseFieldType& field, double minDeterminant, unsigned maxRounds) {
  const auto size = field.GetLargestPossibleRegion().GetSize();
  const std::size_t stride[3] = {1, size[0], size[0] * size[1]};
  auto* u = field.GetBufferPointer();
  std::size_t repaired = 0;
  for (unsigned round = 0; round < maxRounds; ++round) {
    std::vector<std::size_t> bad;
    for (std::size_t k = 0; k < size[2]; ++k)
      for (std::size_t j = 0; j < size[1]; ++j)
        for (std::size_t i = 0; i < size[0]; ++i)
          if (jacobianDeterminantAt(field, {i, j, k}) < minDeterminant)
            bad.push_back(i + stride[1] * j + stride[2] * k);
    if (bad.empty())
      break;
    repaired += bad.size();
    // Replace the field around each bad voxel (radius 2) by its local mean: folds shrink from the outside in.
    std::vector<unsigned char> mark(field.GetLargestPossibleRegion().GetNumberOfPixels(), 0);
    for (const std::size_t c : bad) {
      const long ci = static_cast<long>(c % size[0]);
      const long cj = static_cast<long>((c / size[0]) % size[1]);
      const long ck = static_cast<long>(c / (size[0] * size[1]));
      for (long dk = -2; dk <= 2; ++dk)
        for (long dj = -2; dj <= 2; ++dj)
          for (long di = -2; di <= 2; ++di) {
            const long i = ci + di, j = cj + dj, k = ck + dk;
            if (i < 0 || j < 0 || k < 0 || i >= long(size[0]) || j >= long(size[1]) || k >= long(size[2]))
              continue;
            mark[std::size_t(i) + stride[1] * std::size_t(j) + stride[2] * std::size_t(k)] = 1;
          }
    }
    std::vector<itk::Vector<double, 3>> smoothedValues;
    std::vector<std::size_t> where;
    for (std::size_t c = 0; c < mark.size(); ++c) {
      if (!mark[c])
        continue;
      const long ci = static_cast<long>(c % size[0]);
      const long cj = static_cast<long>((c / size[0]) % size[1]);
      const long ck = static_cast<long>(c / (size[0] * size[1]));
      itk::Vector<double, 3> sum;
      sum.Fill(0.0);
      int n = 0;
      for (long dk = -1; dk <= 1; ++dk)
        for (long dj = -1; dj <= 1; ++dj)
          for (long di = -1; di <= 1; ++di) {
            const long i = ci + di, j = cj + dj, k = ck + dk;
            if (i < 0 || j < 0 || k < 0 || i >= long(size[0]) || j >= long(size[1]) || k >= long(size[2]))
              continue;
            const auto& v = u[std::size_t(i) + stride[1] * std::size_t(j) + stride[2] * std::size_t(k)];
            for (int d = 0; d < 3; ++d)
              sum[d] += v[d];
            ++n;
          }
      smoothedValues.push_back(sum / static_cast<double>(n));
      where.push_back(c);
    }
    for (std::size_t t = 0; t < where.size(); ++t)
      for (int d = 0; d < 3; ++d)
        u[where[t]][d] = smoothedValues[t][d];
  }
  return repaired;
}

} // namespace vestige::registration::detail
