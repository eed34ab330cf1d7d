// Resampling baseline data onto follow-up grids, and the per-site uncertainty look-ups.
#include "vestige/registration/warp.h"

#include "transform_impl.h"

#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"
#include "vestige/registration/uncertainty.h"

#include <itkBSplineInterpolateImageFunction.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace vestige::registration {

namespace {

using FloatImage = itk::Image<float, 3>;

FloatImage::Pointer resample(const FloatImage::Pointer& input, const Transform& transform,
                             const core::ImageGeometry& target, Interpolation interpolation, float outside) {
  return core::translateItkErrors(core::ErrorCode::Internal, "warp", [&] {
    using Filter = itk::ResampleImageFilter<FloatImage, FloatImage, double>;
    auto filter = Filter::New();
    filter->SetInput(input);
    filter->SetTransform(resamplingTransform(transform.impl(), target));
    if (interpolation == Interpolation::BSpline)
      filter->SetInterpolator(itk::BSplineInterpolateImageFunction<FloatImage, double, double>::New());
    else
      filter->SetInterpolator(itk::LinearInterpolateImageFunction<FloatImage, double>::New());
    auto reference = FloatImage::New();
    core::applyGeometry(target, *reference);
    filter->SetReferenceImage(reference);
    filter->UseReferenceImageOn();
    filter->SetDefaultPixelValue(outside);
    filter->Update();
    FloatImage::Pointer out = filter->GetOutput();
    out->DisconnectPipeline();
    return out;
  });
}

template <class T> core::Image indicator(const core::Volume<T>& v, T label) {
  core::Image out(v.geometry);
  std::transform(v.voxels.begin(), v.voxels.end(), out.voxels.begin(),
                 [label](T x) { return x == label ? 1.0F : 0.0F; });
  return out;
}

} // namespace

core::Image warpImage(const core::Image& baseline, const Transform& transform, const core::ImageGeometry& target,
                      Interpolation interpolation, float outside) {
  return core::fromItk(*resample(core::toItk(baseline), transform, target, interpolation, outside));
}

core::Mask warpMask(const core::Mask& baseline, const Transform& transform, const core::ImageGeometry& target) {
  const core::Image moved =
      warpImage(indicator<std::uint8_t>(baseline, 0), transform, target, Interpolation::Linear, 1.0F);
  core::Mask out(target);
  // indicator of label 0 is the background; inside where the background weight is below one half.
  std::transform(moved.voxels.begin(), moved.voxels.end(), out.voxels.begin(),
                 [](float bg) { return static_cast<std::uint8_t>(bg < 0.5F ? 1 : 0); });
  return out;
}

core::LabelMap warpLabelMap(const core::LabelMap& baseline, const Transform& transform,
                            const core::ImageGeometry& target) {
  const std::set<std::uint16_t> labels(baseline.voxels.begin(), baseline.voxels.end());
  core::LabelMap out(target, 0);
  std::vector<float> best(target.voxelCount(), -1.0F);
  for (const std::uint16_t label : labels) {
    // Off the baseline grid counts as background.
    const core::Image weight =
        warpImage(indicator(baseline, label), transform, target, Interpolation::Linear, label == 0 ? 1.0F : 0.0F);
    for (std::size_t i = 0; i < weight.voxels.size(); ++i)
      if (weight.voxels[i] > best[i]) {
        best[i] = weight.voxels[i];
        out.voxels[i] = label;
      }
  }
  return out;
}

double pointUncertaintyMm(const core::Image& uncertaintyMm, const Transform& transform, const core::Vec3& baselineLps) {
  if (uncertaintyMm.empty())
    throw core::Error(core::ErrorCode::InvalidArgument, "this registration has no uncertainty map",
                      "uncertainty_mm.nii.gz");
  const core::Vec3 q = transform.baselineToFollowupLps(baselineLps);
  const core::Vec3 idx = uncertaintyMm.geometry.lpsToIndex(q);
  if (!uncertaintyMm.geometry.contains(idx))
    return 1.5 * kUncertaintyFloorMm + kUncertaintyAgreementFactor;
  const auto& s = uncertaintyMm.geometry.size;
  auto clampIndex = [&](double v, std::size_t n) {
    return static_cast<std::size_t>(std::clamp<long>(std::lround(v), 0, static_cast<long>(n) - 1));
  };
  return uncertaintyMm.at(clampIndex(idx[0], s[0]), clampIndex(idx[1], s[1]), clampIndex(idx[2], s[2]));
}

double maskUncertaintyMm(const core::Image& uncertaintyMm, const Transform& transform, const core::Mask& baselineMask) {
  // The map's voxels whose baseline position T(x) falls in the mask, plus the mask's centre for sites smaller than
  // the map's spacing.
  const auto& g = uncertaintyMm.geometry;
  double worst = 0;
  core::Vec3 sum{};
  std::size_t n = 0;
  for (std::size_t k = 0; k < baselineMask.geometry.size[2]; ++k)
    for (std::size_t j = 0; j < baselineMask.geometry.size[1]; ++j)
      for (std::size_t i = 0; i < baselineMask.geometry.size[0]; ++i)
        if (baselineMask.at(i, j, k)) {
          sum = core::add(sum, baselineMask.geometry.indexToLps({double(i), double(j), double(k)}));
          ++n;
        }
  if (n == 0)
    throw core::Error(core::ErrorCode::InvalidArgument, "the mask is empty", "uncertainty");
  worst = pointUncertaintyMm(uncertaintyMm, transform, core::scale(sum, 1.0 / static_cast<double>(n)));
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const core::Vec3 b = transform.followupToBaselineLps(g.indexToLps({double(i), double(j), double(k)}));
        const core::Vec3 m = baselineMask.geometry.lpsToIndex(b);
        const long mi = std::lround(m[0]);
        const long mj = std::lround(m[1]);
        const long mk = std::lround(m[2]);
        const auto& ms = baselineMask.geometry.size;
        if (mi < 0 || mj < 0 || mk < 0 || mi >= long(ms[0]) || mj >= long(ms[1]) || mk >= long(ms[2]))
          continue;
        if (baselineMask.at(std::size_t(mi), std::size_t(mj), std::size_t(mk)))
          worst = std::max(worst, double(uncertaintyMm.at(i, j, k)));
      }
  return worst;
}

} // namespace vestige::registration
