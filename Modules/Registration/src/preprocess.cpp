// Working images for registration: crop to the region of interest, make intensities comparable, smooth against
// aliasing, resample to an isotropic grid, and build the region where the metric samples.
#include "pipeline.h"

#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"

#include <itkExtractImageFilter.h>
#include <itkImageRegionConstIteratorWithIndex.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>
#include <itkSignedMaurerDistanceMapImageFilter.h>
#include <itkSmoothingRecursiveGaussianImageFilter.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <utility>
#include <vector>

namespace vestige::registration::detail {

namespace {

// CT: a window wide enough for fat / soft tissue / contrast-filled vessels; bone and lipiodol are clipped so that
// they do not dominate the metric, air and lung become one value.
constexpr float kCtLowHu = -200.0F;
constexpr float kCtHighHu = 400.0F;
constexpr float kCtBodyThreshold = -190.0F;
constexpr float kMrBodyThreshold = 0.1F;

struct IndexBox {
  std::array<long, 3> lo{};
  std::array<long, 3> hi{}; // inclusive
};

IndexBox roiBox(const core::Image& image, const core::Mask* liver, double marginMm) {
  const auto& g = image.geometry;
  IndexBox box;
  for (int a = 0; a < 3; ++a) {
    box.lo[a] = 0;
    box.hi[a] = static_cast<long>(g.size[a]) - 1;
  }
  if (!liver || marginMm < 0)
    return box;
  std::array<long, 3> lo{LONG_MAX, LONG_MAX, LONG_MAX};
  std::array<long, 3> hi{-1, -1, -1};
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        if (liver->at(i, j, k)) {
          const std::array<long, 3> idx{static_cast<long>(i), static_cast<long>(j), static_cast<long>(k)};
          for (int a = 0; a < 3; ++a) {
            lo[a] = std::min(lo[a], idx[a]);
            hi[a] = std::max(hi[a], idx[a]);
          }
        }
  if (hi[0] < 0)
    throw core::Error(core::ErrorCode::InvalidArgument, "the liver mask is empty", "registration mask");
  for (int a = 0; a < 3; ++a) {
    const long m = static_cast<long>(std::ceil(marginMm / g.spacingMm[a]));
    box.lo[a] = std::max(box.lo[a], lo[a] - m);
    box.hi[a] = std::min(box.hi[a], hi[a] + m);
  }
  return box;
}

void normaliseIntensities(FloatImage& image, Contrast contrast) {
  float* p = image.GetBufferPointer();
  const std::size_t n = image.GetLargestPossibleRegion().GetNumberOfPixels();
  if (contrast == Contrast::Ct) {
    std::transform(p, p + n, p, [](float v) { return std::clamp(v, kCtLowHu, kCtHighHu); });
    return;
  }
  std::vector<float> sample;
  sample.reserve(n / 7 + 1);
  for (std::size_t i = 0; i < n; i += 7)
    if (p[i] > 0)
      sample.push_back(p[i]);
  if (sample.empty())
    throw core::Error(core::ErrorCode::InvalidArgument, "the MR image has no positive voxels", "registration");
  const auto q = sample.begin() + static_cast<long>(0.995 * static_cast<double>(sample.size() - 1));
  std::nth_element(sample.begin(), q, sample.end());
  const float scaleBy = *q > 0 ? 1.0F / *q : 1.0F;
  std::transform(p, p + n, p, [scaleBy](float v) { return std::clamp(v * scaleBy, 0.0F, 1.5F); });
}

// Takes the only reference to `input`: its voxels are reused for the crop (the whole image) or freed after it, and
// the smoothing runs in place, so that one full-resolution copy at most is held beside the caller's image.
FloatImage::Pointer cropSmoothResample(FloatImage::Pointer input, const IndexBox& box, double spacingMm,
                                       unsigned threads) {
  FloatImage::RegionType region;
  for (int a = 0; a < 3; ++a) {
    region.SetIndex(a, box.lo[a]);
    region.SetSize(a, static_cast<unsigned long>(box.hi[a] - box.lo[a] + 1));
  }
  const FloatImage::SpacingType inputSpacing = input->GetSpacing();
  FloatImage::Pointer cropped = input;
  if (region != input->GetLargestPossibleRegion()) {
    auto extract = itk::ExtractImageFilter<FloatImage, FloatImage>::New();
    extract->SetInput(input);
    extract->SetExtractionRegion(region);
    extract->SetDirectionCollapseToSubmatrix();
    extract->Update();
    cropped = extract->GetOutput();
    cropped->DisconnectPipeline();
  }
  input = nullptr;
  auto smooth = itk::SmoothingRecursiveGaussianImageFilter<FloatImage, FloatImage>::New();
  smooth->SetInput(cropped);
  smooth->InPlaceOn();
  cropped = nullptr;
  itk::FixedArray<double, 3> sigma;
  for (int a = 0; a < 3; ++a) {
    const double s = inputSpacing[a];
    // Gaussian that takes the input's resolution down to the working one (at least a token amount, which the
    // recursive filter needs).
    sigma[a] = std::max(0.5 * std::sqrt(std::max(spacingMm * spacingMm - s * s, 0.0)), 0.2 * s);
  }
  smooth->SetSigmaArray(sigma);
  if (threads > 0)
    smooth->SetNumberOfWorkUnits(threads);
  smooth->Update();
  FloatImage::Pointer smoothed = smooth->GetOutput();
  smoothed->DisconnectPipeline();

  FloatImage::SizeType size;
  for (int a = 0; a < 3; ++a) {
    const double extent = static_cast<double>(region.GetSize(a) - 1) * inputSpacing[a];
    size[a] = static_cast<unsigned long>(std::floor(extent / spacingMm)) + 1;
  }
  auto resample = itk::ResampleImageFilter<FloatImage, FloatImage>::New();
  resample->SetInput(smoothed);
  resample->SetSize(size);
  // The extracted image keeps the input's origin and starts at the region's index: the working grid starts at
  // the region's first voxel, not at the origin.
  FloatImage::PointType corner;
  smoothed->TransformIndexToPhysicalPoint(region.GetIndex(), corner);
  resample->SetOutputOrigin(corner);
  FloatImage::SpacingType spacing;
  spacing.Fill(spacingMm);
  resample->SetOutputSpacing(spacing);
  resample->SetOutputDirection(smoothed->GetDirection());
  resample->SetDefaultPixelValue(0);
  if (threads > 0)
    resample->SetNumberOfWorkUnits(threads);
  resample->Update();
  FloatImage::Pointer out = resample->GetOutput();
  out->DisconnectPipeline();
  return out;
}

ByteImage::Pointer maskOnGrid(const core::Mask& mask, const FloatImage& grid, unsigned threads) {
  auto itkMask = core::toItk(mask);
  auto resample = itk::ResampleImageFilter<ByteImage, ByteImage>::New();
  resample->SetInput(itkMask);
  resample->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<ByteImage, double>::New());
  resample->SetReferenceImage(&grid);
  resample->UseReferenceImageOn();
  resample->SetDefaultPixelValue(0);
  if (threads > 0)
    resample->SetNumberOfWorkUnits(threads);
  resample->Update();
  ByteImage::Pointer out = resample->GetOutput();
  out->DisconnectPipeline();
  return out;
}

ByteImage::Pointer threshold(const FloatImage& image, float above) {
  auto out = ByteImage::New();
  out->CopyInformation(&image);
  out->SetRegions(image.GetLargestPossibleRegion());
  out->Allocate();
  const float* p = image.GetBufferPointer();
  unsigned char* o = out->GetBufferPointer();
  const std::size_t n = image.GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t i = 0; i < n; ++i)
    o[i] = p[i] > above ? 1 : 0;
  return out;
}

core::Vec3 centroidLps(const ByteImage& mask) {
  double sum[3] = {0, 0, 0};
  double count = 0;
  itk::ImageRegionConstIteratorWithIndex<ByteImage> it(&mask, mask.GetLargestPossibleRegion());
  for (; !it.IsAtEnd(); ++it)
    if (it.Get()) {
      const auto idx = it.GetIndex();
      for (int a = 0; a < 3; ++a)
        sum[a] += static_cast<double>(idx[a]);
      count += 1;
    }
  if (count == 0)
    throw core::Error(core::ErrorCode::InvalidArgument, "nothing to register: the region of interest is empty",
                      "registration");
  itk::ContinuousIndex<double, 3> c;
  for (int a = 0; a < 3; ++a)
    c[a] = sum[a] / count;
  itk::Point<double, 3> p;
  mask.TransformContinuousIndexToPhysicalPoint(c, p);
  return {p[0], p[1], p[2]};
}

void fillWithLiverMedian(FloatImage& image, const ByteImage& liver, const ByteImage& region) {
  float* p = image.GetBufferPointer();
  const unsigned char* l = liver.GetBufferPointer();
  const unsigned char* r = region.GetBufferPointer();
  const std::size_t n = image.GetLargestPossibleRegion().GetNumberOfPixels();
  std::vector<float> values;
  for (std::size_t i = 0; i < n; ++i)
    if (l[i] && !r[i])
      values.push_back(p[i]);
  if (values.empty())
    return;
  const auto mid = values.begin() + static_cast<long>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  for (std::size_t i = 0; i < n; ++i)
    if (r[i])
      p[i] = *mid;
}

} // namespace

WorkingImage prepareImage(const core::Image& image, const core::Mask* liver, const core::Mask* sites, Contrast contrast,
                          double spacingMm, double roiMarginMm, double samplingMarginMm, unsigned threads) {
  return core::translateItkErrors(core::ErrorCode::Internal, "registration: preparing images", [&] {
    const IndexBox box = roiBox(image, liver, roiMarginMm);
    FloatImage::Pointer full = core::toItk(image);
    normaliseIntensities(*full, contrast);
    WorkingImage out;
    out.image = cropSmoothResample(std::move(full), box, spacingMm, threads);
    if (liver) {
      ByteImage::Pointer onGrid = maskOnGrid(*liver, *out.image, threads);
      out.centreLps = centroidLps(*onGrid);
      out.centreFromLiver = true;
      out.liver = onGrid;
      out.sampling = dilateByDistance(onGrid, samplingMarginMm, threads);
    } else {
      out.sampling = threshold(*out.image, contrast == Contrast::Ct ? kCtBodyThreshold : kMrBodyThreshold);
      out.centreLps = centroidLps(*out.sampling);
    }
    if (sites)
      out.sites = maskOnGrid(*sites, *out.image, threads);
    return out;
  });
}

void fillSites(WorkingImage& fixed, WorkingImage& moving, const itk::Transform<double, 3, 3>& affine, double growMm,
               unsigned threads) {
  if (!moving.sites || !moving.liver)
    return;
  core::translateItkErrors(core::ErrorCode::Internal, "registration: lesion sites", [&] {
    fillWithLiverMedian(*moving.image, *moving.liver, *dilateByDistance(moving.sites, growMm, threads));
    if (!fixed.liver)
      return;
    auto resample = itk::ResampleImageFilter<ByteImage, ByteImage, double>::New();
    resample->SetInput(moving.sites);
    resample->SetTransform(&affine);
    resample->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<ByteImage, double>::New());
    resample->SetReferenceImage(fixed.image);
    resample->UseReferenceImageOn();
    resample->SetDefaultPixelValue(0);
    resample->Update();
    ByteImage::Pointer onFixed = resample->GetOutput();
    onFixed->DisconnectPipeline();
    // The affine stage leaves a few mm of error: grow more on the fixed side.
    fillWithLiverMedian(*fixed.image, *fixed.liver, *dilateByDistance(onFixed, 2 * growMm, threads));
  });
}

ByteImage::Pointer dilateByDistance(const ByteImage::Pointer& mask, double marginMm, unsigned threads) {
  auto distance = itk::SignedMaurerDistanceMapImageFilter<ByteImage, FloatImage>::New();
  distance->SetInput(mask);
  distance->SetUseImageSpacing(true);
  distance->SetSquaredDistance(false);
  distance->SetInsideIsPositive(false);
  if (threads > 0)
    distance->SetNumberOfWorkUnits(threads);
  distance->Update();
  auto out = ByteImage::New();
  out->CopyInformation(mask);
  out->SetRegions(mask->GetLargestPossibleRegion());
  out->Allocate();
  const float* d = distance->GetOutput()->GetBufferPointer();
  unsigned char* o = out->GetBufferPointer();
  const std::size_t n = mask->GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t i = 0; i < n; ++i)
    o[i] = d[i] <= marginMm ? 1 : 0;
  return out;
}

} // namespace vestige::registration::detail
