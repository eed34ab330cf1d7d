// The optimisation stages of the registration, each one ImageRegistrationMethodv4 run on the working images.
// The heavy ITK templates of the module live here.
#include "pipeline.h"

#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"

#include <itkCommand.h>
#include <itkCorrelationImageToImageMetricv4.h>
#include <itkEuler3DTransform.h>
#include <itkImageMaskSpatialObject.h>
#include <itkImageRegistrationMethodv4.h>
#include <itkMattesMutualInformationImageToImageMetricv4.h>
#include <itkRegistrationParameterScalesFromPhysicalShift.h>
#include <itkRegularStepGradientDescentOptimizerv4.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace vestige::registration::detail {

namespace {

using MetricBase = itk::ImageToImageMetricv4<FloatImage, FloatImage, FloatImage, double>;
using EulerType = itk::Euler3DTransform<double>;
using Clock = std::chrono::steady_clock;

MetricBase::Pointer makeMetric(Metric metric, const WorkingImage& fixed, unsigned threads) {
  MetricBase::Pointer out;
  if (metric == Metric::MutualInformation) {
    auto mi = itk::MattesMutualInformationImageToImageMetricv4<FloatImage, FloatImage, FloatImage, double>::New();
    mi->SetNumberOfHistogramBins(32);
    out = mi;
  } else {
    out = itk::CorrelationImageToImageMetricv4<FloatImage, FloatImage, FloatImage, double>::New();
  }
  // Gradients by central differences at the sample points only: much cheaper than filtering whole images when
  // the metric samples a few per cent of the voxels.
  out->SetUseFixedImageGradientFilter(false);
  out->SetUseMovingImageGradientFilter(false);
  if (threads > 0)
    out->SetMaximumNumberOfWorkUnits(threads);
  if (fixed.sampling) {
    auto spatial = itk::ImageMaskSpatialObject<3>::New();
    spatial->SetImage(fixed.sampling);
    spatial->Update();
    out->SetFixedImageMask(spatial);
  }
  return out;
}

// Forwards optimizer iterations to the progress reporter (which throws Error(Cancelled) on Ctrl-C; the exception
// leaves ITK's optimizer loop on the calling thread and propagates unchanged).
class IterationObserver : public itk::Command {
public:
  using Self = IterationObserver;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self) void setup(core::Progress* progress, std::string stage, unsigned expected) {
    m_progress = progress;
    m_stage = std::move(stage);
    m_expected = std::max(1U, expected);
  }
  [[nodiscard]] unsigned iterations() const { return m_iterations; }
  void Execute(itk::Object* caller, const itk::EventObject& event) override {
    Execute(static_cast<const itk::Object*>(caller), event);
  }
  void Execute(const itk::Object*, const itk::EventObject& event) override {
    if (!itk::IterationEvent().CheckEvent(&event))
      return;
    ++m_iterations;
    core::reportProgress(m_progress, m_stage, std::min(1.0, static_cast<double>(m_iterations) / m_expected));
  }

private:
  core::Progress* m_progress = nullptr;
  std::string m_stage;
  unsigned m_expected = 1;
  unsigned m_iterations = 0;
};

template <class TTransform>
StageStats runMethod(const WorkingImage& fixed, const WorkingImage& moving, const StageSetup& setup,
                     TTransform& transform, const itk::Transform<double, 3, 3>* movingInitial,
                     itk::ObjectToObjectOptimizerBaseTemplate<double>& optimizer, MetricBase* metric,
                     bool denseSampling) {
  const auto start = Clock::now();
  using Method = itk::ImageRegistrationMethodv4<FloatImage, FloatImage, TTransform, FloatImage>;
  auto method = Method::New();
  method->SetFixedImage(fixed.image);
  method->SetMovingImage(moving.image);
  method->SetMetric(metric);
  method->SetOptimizer(&optimizer);
  method->SetInitialTransform(&transform);
  method->InPlaceOn();
  if (movingInitial)
    method->SetMovingInitialTransform(movingInitial);
  method->SetNumberOfLevels(1);
  typename Method::ShrinkFactorsArrayType shrink(1);
  shrink[0] = static_cast<unsigned long>(setup.shrink);
  method->SetShrinkFactorsPerLevel(shrink);
  typename Method::SmoothingSigmasArrayType sigmas(1);
  const double h = fixed.image->GetSpacing()[0];
  sigmas[0] = 0.5 * h * std::sqrt(std::max(setup.shrink * setup.shrink - 1.0, 0.0));
  method->SetSmoothingSigmasPerLevel(sigmas);
  method->SetSmoothingSigmasAreSpecifiedInPhysicalUnits(true);
  // Dense fields are evaluated at every voxel of the level (ITK 5.2's Mattes metric crashes on sampled point sets
  // with local-support transforms); the linear stages sample randomly.
  method->SetMetricSamplingStrategy(denseSampling ? Method::MetricSamplingStrategyEnum::NONE
                                                  : Method::MetricSamplingStrategyEnum::RANDOM);
  if (!denseSampling)
    method->SetMetricSamplingPercentage(setup.samplingFraction);
  method->MetricSamplingReinitializeSeed(static_cast<int>(setup.randomSeed));
  if (setup.threads > 0)
    method->SetNumberOfWorkUnits(setup.threads);

  auto observer = IterationObserver::New();
  observer->setup(setup.progress, setup.name, setup.iterations);
  optimizer.AddObserver(itk::IterationEvent(), observer);
  core::reportProgress(setup.progress, setup.name, 0.0);
  core::translateItkErrors(core::ErrorCode::Internal, "registration stage " + setup.name, [&] { method->Update(); });

  StageStats stats;
  stats.name = setup.name;
  stats.metric = setup.metric == Metric::MutualInformation ? "mi" : "ncc";
  stats.metricValue = optimizer.GetCurrentMetricValue();
  stats.iterations = observer->iterations();
  stats.spacingMm = h * setup.shrink;
  stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return stats;
}

template <class TTransform>
StageStats runGradientStage(const WorkingImage& fixed, const WorkingImage& moving, const StageSetup& setup,
                            TTransform& transform, const itk::Transform<double, 3, 3>* movingInitial) {
  using Optimizer = itk::RegularStepGradientDescentOptimizerv4<double>;
  auto optimizer = Optimizer::New();
  auto metric = makeMetric(setup.metric, fixed, setup.threads);
  auto scales = itk::RegistrationParameterScalesFromPhysicalShift<MetricBase>::New();
  scales->SetMetric(metric);
  optimizer->SetScalesEstimator(scales);
  // First step: about one voxel of this level (estimated once from the scales), then halved on every reversal.
  optimizer->SetDoEstimateLearningRateOnce(true);
  optimizer->SetDoEstimateLearningRateAtEachIteration(false);
  optimizer->SetMaximumStepSizeInPhysicalUnits(fixed.image->GetSpacing()[0] * setup.shrink);
  optimizer->SetLearningRate(1.0);
  optimizer->SetRelaxationFactor(0.5);
  optimizer->SetMinimumStepLength(1e-6);
  optimizer->SetGradientMagnitudeTolerance(1e-8);
  optimizer->SetNumberOfIterations(setup.iterations);
  optimizer->SetReturnBestParametersAndValue(true);
  optimizer->SetConvergenceWindowSize(10);
  optimizer->SetMinimumConvergenceValue(1e-5);
  if (setup.threads > 0)
    optimizer->SetNumberOfWorkUnits(setup.threads);
  return runMethod(fixed, moving, setup, transform, movingInitial, *optimizer, metric.GetPointer(), false);
}

} // namespace

StageStats runRigid(const WorkingImage& fixed, const WorkingImage& moving, const StageSetup& setup, AffineType& inOut) {
  auto euler = EulerType::New();
  euler->SetCenter(inOut.GetCenter());
  euler->SetMatrix(inOut.GetMatrix());
  euler->SetTranslation(inOut.GetTranslation());
  StageStats stats = runGradientStage(fixed, moving, setup, *euler, nullptr);
  inOut.SetCenter(euler->GetCenter());
  inOut.SetMatrix(euler->GetMatrix());
  inOut.SetTranslation(euler->GetTranslation());
  return stats;
}

StageStats runAffine(const WorkingImage& fixed, const WorkingImage& moving, const StageSetup& setup,
                     AffineType& inOut) {
  return runGradientStage(fixed, moving, setup, inOut, nullptr);
}

} // namespace vestige::registration::detail
