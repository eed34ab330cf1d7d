// The deformable stage: multi-resolution diffeomorphic demons on intensity-matched working images.
#include "pipeline.h"

#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"

#include <itkCastImageFilter.h>
#include <itkCommand.h>
#include <itkDiffeomorphicDemonsRegistrationFilter.h>
#include <itkHistogramMatchingImageFilter.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkMultiResolutionPDEDeformableRegistration.h>
#include <itkResampleImageFilter.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace vestige::registration::detail {

namespace {

using FloatFieldType = itk::Image<itk::Vector<float, 3>, 3>;
using DemonsType = itk::DiffeomorphicDemonsRegistrationFilter<FloatImage, FloatImage, FloatFieldType>;
using MultiResType = itk::MultiResolutionPDEDeformableRegistration<FloatImage, FloatImage, FloatFieldType, float>;

FloatImage::Pointer matchHistogram(const FloatImage::Pointer& source, const FloatImage::Pointer& reference) {
  auto match = itk::HistogramMatchingImageFilter<FloatImage, FloatImage>::New();
  match->SetSourceImage(source);
  match->SetReferenceImage(reference);
  match->SetNumberOfHistogramLevels(128);
  match->SetNumberOfMatchPoints(15);
  match->ThresholdAtMeanIntensityOff();
  match->Update();
  FloatImage::Pointer out = match->GetOutput();
  out->DisconnectPipeline();
  return out;
}

class DemonsObserver : public itk::Command {
public:
  using Self = DemonsObserver;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self) void setup(core::Progress* progress, std::string stage, unsigned expected) {
    m_progress = progress;
    m_stage = std::move(stage);
    m_expected = std::max(1U, expected);
  }
  [[nodiscard]] unsigned iterations() const { return m_iterations; }
  [[nodiscard]] double lastMetric() const { return m_metric; }
  void Execute(itk::Object* caller, const itk::EventObject& event) override {
    Execute(static_cast<const itk::Object*>(caller), event);
  }
  void Execute(const itk::Object* caller, const itk::EventObject& event) override {
    if (!itk::IterationEvent().CheckEvent(&event))
      return;
    ++m_iterations;
    if (const auto* demons = dynamic_cast<const DemonsType*>(caller))
      m_metric = demons->GetMetric();
    core::reportProgress(m_progress, m_stage, std::min(1.0, static_cast<double>(m_iterations) / m_expected));
  }

private:
  core::Progress* m_progress = nullptr;
  std::string m_stage;
  unsigned m_expected = 1;
  unsigned m_iterations = 0;
  double m_metric = 0.0;
};

} // namespace

FloatImage::Pointer resampleThrough(const FloatImage& moving, const AffineType& affine, const FloatImage& grid,
                                    float outside, unsigned threads) {
  auto resample = itk::ResampleImageFilter<FloatImage, FloatImage, double>::New();
  resample->SetInput(&moving);
  resample->SetTransform(&affine);
  resample->SetReferenceImage(&grid);
  resample->UseReferenceImageOn();
  resample->SetDefaultPixelValue(outside);
  if (threads > 0)
    resample->SetNumberOfWorkUnits(threads);
  resample->Update();
  FloatImage::Pointer out = resample->GetOutput();
  out->DisconnectPipeline();
  return out;
}

FloatImage::Pointer remapByJointHistogram(const FloatImage& fixed, const FloatImage& movingOnFixed,
                                          const ByteImage* region) {
  const std::size_t n = fixed.GetLargestPossibleRegion().GetNumberOfPixels();
  const float* f = fixed.GetBufferPointer();
  const float* m = movingOnFixed.GetBufferPointer();
  const unsigned char* r = region ? region->GetBufferPointer() : nullptr;
  const auto [lo, hi] = std::minmax_element(f, f + n);
  const int bins = 64;
  const float width = std::max(*hi - *lo, 1e-6F) / bins;
  std::vector<double> sum(bins, 0.0);
  std::vector<double> count(bins, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    if (r && !r[i])
      continue;
    const int b = std::clamp(static_cast<int>((f[i] - *lo) / width), 0, bins - 1);
    sum[b] += m[i];
    count[b] += 1;
  }
  // Empty bins take the nearest filled bin's value.
  std::vector<float> lut(bins, 0.0F);
  for (int b = 0; b < bins; ++b) {
    int best = -1;
    for (int d = 0; d < bins && best < 0; ++d) {
      if (b - d >= 0 && count[b - d] > 20)
        best = b - d;
      else if (b + d < bins && count[b + d] > 20)
        best = b + d;
    }
    lut[b] = best < 0 ? 0.0F : static_cast<float>(sum[best] / count[best]);
  }
  auto out = FloatImage::New();
  out->CopyInformation(&fixed);
  out->SetRegions(fixed.GetLargestPossibleRegion());
  out->Allocate();
  float* o = out->GetBufferPointer();
  for (std::size_t i = 0; i < n; ++i) {
    // Linear between bin centres for a smooth map.
    const float x = (f[i] - *lo) / width - 0.5F;
    const int b0 = std::clamp(static_cast<int>(std::floor(x)), 0, bins - 1);
    const int b1 = std::min(b0 + 1, bins - 1);
    const float t = std::clamp(x - static_cast<float>(b0), 0.0F, 1.0F);
    o[i] = (1 - t) * lut[b0] + t * lut[b1];
  }
  return out;
}

DenseFieldType::Pointer runDemons(const WorkingImage& fixed, const WorkingImage& moving, const AffineType& affine,
                                  const DemonsSetup& setup, std::vector<StageStats>* stats) {
  const auto start = std::chrono::steady_clock::now();
  return core::translateItkErrors(core::ErrorCode::Internal, "registration stage " + setup.name, [&] {
    // Outside the moving image: the lowest intensity (air after the CT window, background for MR).
    const float* mp = moving.image->GetBufferPointer();
    const float outside = *std::min_element(mp, mp + moving.image->GetLargestPossibleRegion().GetNumberOfPixels());
    FloatImage::Pointer movingOnFixed = resampleThrough(*moving.image, affine, *fixed.image, outside, setup.threads);
    FloatImage::Pointer fixedImage = fixed.image;
    if (setup.sameContrast)
      movingOnFixed = matchHistogram(movingOnFixed, fixed.image);
    else
      fixedImage = remapByJointHistogram(*fixed.image, *movingOnFixed, fixed.sampling.GetPointer());

    auto demons = DemonsType::New();
    demons->SetUseGradientType(DemonsType::GradientType::Symmetric);
    demons->SetSmoothDisplacementField(true);
    demons->SetStandardDeviations(setup.fieldSigmaVoxels);
    demons->SetSmoothUpdateField(setup.updateSigmaVoxels > 0);
    if (setup.updateSigmaVoxels > 0)
      demons->SetUpdateFieldStandardDeviations(setup.updateSigmaVoxels);
    demons->SetMaximumUpdateStepLength(0.5);
    // x + v instead of exp(v): several times cheaper per iteration; the smoothed field and small steps keep it
    // invertible, which the caller checks (Jacobian determinant).
    demons->SetUseFirstOrderExp(true);
    if (setup.threads > 0)
      demons->SetNumberOfWorkUnits(setup.threads);
    auto observer = DemonsObserver::New();
    unsigned total = 0;
    for (const unsigned n : setup.iterations)
      total += n;
    observer->setup(setup.progress, setup.name, total);
    demons->AddObserver(itk::IterationEvent(), observer);

    auto multires = MultiResType::New();
    multires->SetRegistrationFilter(demons);
    std::vector<unsigned> iterations = setup.iterations;
    multires->SetNumberOfLevels(static_cast<unsigned>(iterations.size()));
    multires->SetNumberOfIterations(iterations.data());
    multires->SetFixedImage(fixedImage);
    multires->SetMovingImage(movingOnFixed);
    if (setup.threads > 0)
      multires->SetNumberOfWorkUnits(setup.threads);
    core::reportProgress(setup.progress, setup.name, 0.0);
    multires->Update();

    auto cast = itk::CastImageFilter<FloatFieldType, DenseFieldType>::New();
    cast->SetInput(multires->GetOutput());
    cast->Update();
    DenseFieldType::Pointer field = cast->GetOutput();
    field->DisconnectPipeline();
    if (stats) {
      StageStats s;
      s.name = setup.name;
      s.metric = setup.sameContrast ? "ssd" : "ssd-remapped";
      s.metricValue = observer->lastMetric();
      s.iterations = observer->iterations();
      s.spacingMm = fixed.image->GetSpacing()[0];
      s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      stats->push_back(s);
    }
    return field;
  });
}

} // namespace vestige::registration::detail
