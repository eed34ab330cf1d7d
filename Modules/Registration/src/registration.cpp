// The registration pipeline: prepare working images, initialise from centres, rigid -> affine -> deformable
// (B-spline levels for the same modality, demons for CT <-> MR), the perturbed run for the uncertainty map,
// Jacobian and Dice.
#include "vestige/registration/registration.h"

#include "pipeline.h"

#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"
#include "vestige/registration/uncertainty.h"
#include "vestige/registration/warp.h"

#include <itkZeroFluxNeumannPadImageFilter.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <iomanip>
#include <iterator>
#include <sstream>
#include <thread>

namespace vestige::registration {

const char* metricName(Metric metric) noexcept {
  switch (metric) {
  case Metric::Auto:
    return "auto";
  case Metric::Ncc:
    return "ncc";
  case Metric::MutualInformation:
    return "mi";
  }
  return "auto";
}

Metric parseMetric(const std::string& name) {
  if (name == "auto")
    return Metric::Auto;
  if (name == "ncc")
    return Metric::Ncc;
  if (name == "mi")
    return Metric::MutualInformation;
  throw core::Error(core::ErrorCode::InvalidArgument, "unknown metric '" + name + "' (auto, ncc or mi)", "--metric");
}

namespace {

using namespace detail;
using Clock = std::chrono::steady_clock;

// Margins (mm) around the liver: the region of interest of the fixed image (room for the deformation and the
// organ's surroundings) and the band around the liver where the metric samples (its boundary is the strongest
// feature, and nearby vessels and ribs pin down the motion).
constexpr double kFixedRoiMarginMm = 30.0;
constexpr double kMovingRoiMarginMm = 60.0;
constexpr double kSamplingMarginMm = 15.0;
constexpr double kDenseFieldSpacingMm = 3.0;
constexpr double kUncertaintySpacingMm = 4.0;
constexpr double kUncertaintyNeighbourhoodMm = 10.0;

Contrast contrastOf(const std::string& modality) {
  return modality == "MR" ? Contrast::Mr : Contrast::Ct;
}

Metric resolveMetric(const RegistrationOptions& o) {
  if (o.metric != Metric::Auto)
    return o.metric;
  return contrastOf(o.fixedModality) == contrastOf(o.movingModality) ? Metric::Ncc : Metric::MutualInformation;
}

void checkMask(const core::Mask* mask, const core::Image& image, const char* what) {
  if (mask && !core::sameGrid(mask->geometry, image.geometry, 0.01))
    throw core::Error(core::ErrorCode::InvalidArgument,
                      std::string("the mask is not on its image's grid (") + core::describe(mask->geometry) + " vs " +
                          core::describe(image.geometry) + "); conform it first",
                      what);
}

core::ImageGeometry geometryOf(const FloatImage& image) {
  return core::geometryFromItk(image);
}

// The same box as `g`, sampled at `spacingMm`.
core::ImageGeometry resampledGrid(const core::ImageGeometry& g, double spacingMm) {
  core::ImageGeometry out = g;
  for (int a = 0; a < 3; ++a) {
    const double extent = static_cast<double>(g.size[a] - 1) * g.spacingMm[a];
    out.size[a] = static_cast<std::size_t>(std::floor(extent / spacingMm)) + 1;
    out.spacingMm[a] = spacingMm;
  }
  return out;
}

// Demons regularisation (voxels of the working grid); the perturbed run for the uncertainty smooths the field more
// and the updates less, so the two runs agree only where the images pin the deformation down.
constexpr double kUpdateSigmaVoxels = 1.0;
constexpr double kSiteGrowMm = 4.0;
constexpr double kSiteInpaintGrowMm = 6.0;
// B-spline stage: membrane regularisation per iteration, grid of the perturbed run (x 1.25: other knots), and the
// Jacobian determinant below which the field is smoothed locally.
constexpr double kBSplineMembrane = 0.05;
constexpr double kPerturbedGridFactor = 1.25;
constexpr double kMinDeterminant = 0.1;
constexpr unsigned kUnfoldRounds = 100;
constexpr double kPerturbedFieldSigmaFactor = 1.5;
constexpr double kPerturbedUpdateSigmaVoxels = 0.5;

// The field lives on the registration region only; outside it ITK takes zero displacement. Fading it to zero over
// the outer kFieldTaperMm keeps T continuous (and so invertible) across the region's border.
constexpr double kFieldTaperMm = 15.0;

void taperField(DenseFieldType& field) {
  const auto size = field.GetLargestPossibleRegion().GetSize();
  const auto spacing = field.GetSpacing();
  auto* u = field.GetBufferPointer();
  std::size_t n = 0;
  for (std::size_t k = 0; k < size[2]; ++k)
    for (std::size_t j = 0; j < size[1]; ++j)
      for (std::size_t i = 0; i < size[0]; ++i, ++n) {
        const std::size_t idx[3] = {i, j, k};
        double edgeMm = 1e9;
        for (int a = 0; a < 3; ++a)
          edgeMm = std::min(edgeMm, spacing[a] * static_cast<double>(std::min(idx[a], size[a] - 1 - idx[a])));
        const double w = std::min(1.0, edgeMm / kFieldTaperMm);
        for (int c = 0; c < 3; ++c)
          u[n][c] *= w;
      }
}

// The field is extended by its edge values over kFieldTaperMm on every side before the taper, so that the fade
// happens outside the region where it was estimated. Tapering inside it would zero the deformation wherever the
// region meets the edge of the follow-up image, typically at the liver dome and tip, where breathing moves most.
DenseFieldType::Pointer padForTaper(const DenseFieldType& field) {
  auto pad = itk::ZeroFluxNeumannPadImageFilter<DenseFieldType, DenseFieldType>::New();
  pad->SetInput(&field);
  DenseFieldType::SizeType band;
  for (unsigned a = 0; a < 3; ++a)
    band[a] = static_cast<itk::SizeValueType>(std::ceil(kFieldTaperMm / field.GetSpacing()[a])) + 1;
  pad->SetPadBound(band);
  pad->Update();
  DenseFieldType::Pointer out = pad->GetOutput();
  out->DisconnectPipeline();
  // The padded image starts at a negative index; files keep no start index, so move it into the origin.
  DenseFieldType::PointType corner;
  out->TransformIndexToPhysicalPoint(out->GetLargestPossibleRegion().GetIndex(), corner);
  DenseFieldType::RegionType region(out->GetLargestPossibleRegion().GetSize());
  out->SetRegions(region);
  out->SetOrigin(corner);
  return out;
}

CompositeTransformType::Pointer compose(const AffineType& affine, const DenseFieldType* estimated) {
  auto composite = CompositeTransformType::New();
  auto a = AffineType::New();
  a->SetFixedParameters(affine.GetFixedParameters());
  a->SetParameters(affine.GetParameters());
  composite->AddTransform(a);
  if (estimated) {
    DenseFieldType::Pointer field = padForTaper(*estimated);
    taperField(*field);
    // A plain DisplacementFieldTransform: what every ITK-based tool can read back.
    auto plain = DenseTransformType::New();
    plain->SetDisplacementField(field);
    composite->AddTransform(plain);
  }
  return composite;
}

// The B-spline stage (same modality): final control grid `gridMm`, coarser levels at 2x and 4x; a different
// random seed and grid for the second run that estimates the uncertainty.
BSplineSetup bsplineSetup(double gridMm, std::uint64_t seed) {
  BSplineSetup b;
  b.randomSeed = seed;
  b.smoothing = kBSplineMembrane;
  b.levels = {{4 * gridMm, 4, 150, 2.0}, {2 * gridMm, 2, 150, 1.0}, {gridMm, 0, 200, 0.5}};
  return b;
}

// T(x) = A(x + v(x)) as estimated, without the taper of the final transform.
CompositeTransformType::Pointer rawComposite(const AffineType& affine, const DenseFieldType::Pointer& field) {
  auto composite = CompositeTransformType::New();
  composite->AddTransform(const_cast<AffineType*>(&affine));
  auto dense = DenseTransformType::New();
  dense->SetDisplacementField(field);
  composite->AddTransform(dense);
  return composite;
}

// det(I + grad u) of the dense field at the voxels whose centre lies in `region` (a mask on the fixed grid).
void jacobianStats(const Transform& transform, const core::Mask& region, RegistrationResult& result) {
  const auto& field = *transform.impl().dense->GetDisplacementField();
  const core::ImageGeometry g = core::geometryFromItk(field);
  double lo = 1e9;
  double hi = -1e9;
  std::size_t count = 0;
  std::size_t folded = 0;
  for (std::size_t k = 1; k + 1 < g.size[2]; ++k)
    for (std::size_t j = 1; j + 1 < g.size[1]; ++j)
      for (std::size_t i = 1; i + 1 < g.size[0]; ++i) {
        const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
        const core::Vec3 r = region.geometry.lpsToIndex(p);
        const long ri = std::lround(r[0]);
        const long rj = std::lround(r[1]);
        const long rk = std::lround(r[2]);
        if (ri < 0 || rj < 0 || rk < 0 || ri >= long(region.geometry.size[0]) || rj >= long(region.geometry.size[1]) ||
            rk >= long(region.geometry.size[2]) || !region.at(std::size_t(ri), std::size_t(rj), std::size_t(rk)))
          continue;
        const double det = jacobianDeterminantAt(field, {i, j, k});
        lo = std::min(lo, det);
        hi = std::max(hi, det);
        ++count;
        folded += det <= 0 ? 1 : 0;
      }
  if (count == 0)
    return;
  result.jacobianMin = lo;
  result.jacobianMax = hi;
  result.foldingFraction = static_cast<double>(folded) / static_cast<double>(count);
}

// What one deformable run hands back (merged into the result on the calling thread).
struct DeformableRun {
  DenseFieldType::Pointer field;
  std::vector<StageStats> stages;
  std::vector<std::string> notes;
  std::size_t repaired = 0;
};

// Progress for a run beside the main one: it reports nothing (the main run draws the bar) but stops on Ctrl-C.
class CancelOnly final : public core::Progress {
public:
  explicit CancelOnly(const core::Progress* parent) : m_parent(parent) {}
  void report(std::string_view /*stage*/, double /*fraction*/) override {}
  [[nodiscard]] bool cancelRequested() const override { return m_parent && m_parent->cancelRequested(); }

private:
  const core::Progress* m_parent;
};

template <typename ImageType> typename ImageType::Pointer duplicateImage(const typename ImageType::Pointer& image) {
  if (!image)
    return nullptr;
  auto out = ImageType::New();
  out->CopyInformation(image);
  out->SetRegions(image->GetLargestPossibleRegion());
  out->Allocate();
  std::copy_n(image->GetBufferPointer(), image->GetLargestPossibleRegion().GetNumberOfPixels(),
              out->GetBufferPointer());
  return out;
}

std::string changedNote(const ByteImage& region, double spacingMm) {
  std::size_t count = 0;
  const unsigned char* c = region.GetBufferPointer();
  for (std::size_t i = 0; i < region.GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
    count += c[i];
  std::ostringstream note;
  note << std::fixed << std::setprecision(1) << static_cast<double>(count) * spacingMm * spacingMm * spacingMm / 1000.0
       << " mL of tissue that changed between the dates was kept out of the image forces";
  return note.str();
}

double dice(const core::Mask& a, const core::Mask& b) {
  std::size_t na = 0;
  std::size_t nb = 0;
  std::size_t both = 0;
  for (std::size_t i = 0; i < a.voxels.size(); ++i) {
    na += a.voxels[i] ? 1 : 0;
    nb += b.voxels[i] ? 1 : 0;
    both += (a.voxels[i] && b.voxels[i]) ? 1 : 0;
  }
  return na + nb == 0 ? 1.0 : 2.0 * static_cast<double>(both) / static_cast<double>(na + nb);
}

// |T_main(x) - T_perturbed(x)| on a coarse grid, spread to its local maximum, turned into mm of uncertainty.
core::Image uncertaintyMap(const CompositeTransformType& main, const CompositeTransformType& perturbed,
                           const core::ImageGeometry& roi) {
  core::Image disagreement(resampledGrid(roi, kUncertaintySpacingMm));
  const auto& g = disagreement.geometry;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
        const itk::Point<double, 3> x(p.data());
        const auto a = main.TransformPoint(x);
        const auto b = perturbed.TransformPoint(x);
        disagreement.at(i, j, k) = static_cast<float>(a.EuclideanDistanceTo(b));
      }
  core::Image u(g);
  const long r = static_cast<long>(std::ceil(kUncertaintyNeighbourhoodMm / kUncertaintySpacingMm));
  for (long k = 0; k < long(g.size[2]); ++k)
    for (long j = 0; j < long(g.size[1]); ++j)
      for (long i = 0; i < long(g.size[0]); ++i) {
        float m = 0;
        for (long dk = std::max(0L, k - r); dk <= std::min(long(g.size[2]) - 1, k + r); ++dk)
          for (long dj = std::max(0L, j - r); dj <= std::min(long(g.size[1]) - 1, j + r); ++dj)
            for (long di = std::max(0L, i - r); di <= std::min(long(g.size[0]) - 1, i + r); ++di)
              m = std::max(m, disagreement.at(std::size_t(di), std::size_t(dj), std::size_t(dk)));
        u.at(std::size_t(i), std::size_t(j), std::size_t(k)) =
            static_cast<float>(kUncertaintyFloorMm + kUncertaintyAgreementFactor * m);
      }
  return u;
}

} // namespace

RegistrationResult registerImages(const RegistrationInputs& inputs, const RegistrationOptions& options,
                                  core::Progress* progress) {
  const auto start = Clock::now();
  if (!inputs.fixed || !inputs.moving || inputs.fixed->empty() || inputs.moving->empty())
    throw core::Error(core::ErrorCode::InvalidArgument, "both a fixed and a moving image are needed", "registration");
  checkMask(inputs.fixedMask, *inputs.fixed, "fixed mask");
  checkMask(inputs.movingMask, *inputs.moving, "moving mask");
  checkMask(inputs.movingLesions, *inputs.moving, "moving lesion mask");
  if (!(options.gridSpacingMm >= 2 * options.workingSpacingMm))
    throw core::Error(core::ErrorCode::InvalidArgument,
                      "B-spline grid spacing must be at least twice the working spacing", "registration");
  if (!(options.fieldSmoothingMm > 0))
    throw core::Error(core::ErrorCode::InvalidArgument, "field smoothing must be > 0 mm", "registration");
  if (!(options.workingSpacingMm > 0.2))
    throw core::Error(core::ErrorCode::InvalidArgument, "working spacing must be > 0.2 mm", "registration");
  const unsigned threads = options.threads > 0 ? options.threads : std::max(1U, std::thread::hardware_concurrency());

  RegistrationResult result;
  result.fixedGeometry = inputs.fixed->geometry;
  const Metric metric = resolveMetric(options);
  result.metric = metricName(metric);
  const double h = options.workingSpacingMm;

  core::reportProgress(progress, "preparing images", 0.0);
  WorkingImage fixed = prepareImage(*inputs.fixed, inputs.fixedMask, nullptr, contrastOf(options.fixedModality), h,
                                    inputs.fixedMask ? kFixedRoiMarginMm : -1.0, kSamplingMarginMm, threads);
  core::reportProgress(progress, "preparing images", 0.5);
  WorkingImage moving =
      prepareImage(*inputs.moving, inputs.movingMask, inputs.movingLesions, contrastOf(options.movingModality), h,
                   inputs.movingMask ? kMovingRoiMarginMm : -1.0, kSamplingMarginMm, threads);
  if (fixed.centreFromLiver != moving.centreFromLiver)
    result.notes.push_back("only one liver mask: initialised from the centre of the body in both images");
  const bool liverCentres = fixed.centreFromLiver && moving.centreFromLiver;
  core::Vec3 fixedCentre = fixed.centreLps;
  core::Vec3 movingCentre = moving.centreLps;
  if (fixed.centreFromLiver != moving.centreFromLiver) {
    // Centres of different things do not correspond: fall back to the centres of the images' bodies.
    fixedCentre = core::geometryFromItk(*fixed.image)
                      .indexToLps(core::scale({double(fixed.image->GetLargestPossibleRegion().GetSize()[0] - 1),
                                               double(fixed.image->GetLargestPossibleRegion().GetSize()[1] - 1),
                                               double(fixed.image->GetLargestPossibleRegion().GetSize()[2] - 1)},
                                              0.5));
    movingCentre = core::geometryFromItk(*moving.image)
                       .indexToLps(core::scale({double(moving.image->GetLargestPossibleRegion().GetSize()[0] - 1),
                                                double(moving.image->GetLargestPossibleRegion().GetSize()[1] - 1),
                                                double(moving.image->GetLargestPossibleRegion().GetSize()[2] - 1)},
                                               0.5));
  }
  (void)liverCentres;

  auto affine = AffineType::New();
  affine->SetCenter(itk::Point<double, 3>(fixedCentre.data()));
  AffineType::OutputVectorType translation;
  for (int a = 0; a < 3; ++a)
    translation[a] = movingCentre[a] - fixedCentre[a];
  affine->SetTranslation(translation);
  auto initial = AffineType::New();
  initial->SetFixedParameters(affine->GetFixedParameters());
  initial->SetParameters(affine->GetParameters());

  StageSetup base;
  base.metric = metric;
  base.threads = threads;
  const struct {
    const char* name;
    bool rigid;
    double shrink;
    unsigned iterations;
    double sampling;
    double begin;
    double end;
  } linearStages[] = {{"rigid-8mm", true, 4, 80, 0.3, 0.05, 0.10},
                      {"rigid-4mm", true, 2, 40, 0.04, 0.10, 0.15},
                      {"affine-4mm", false, 2, 50, 0.04, 0.15, 0.22}};
  for (const auto& stage : linearStages) {
    core::SubProgress sub(progress, stage.begin, stage.end);
    StageSetup setup = base;
    setup.name = stage.name;
    setup.shrink = stage.shrink;
    setup.iterations = stage.iterations;
    setup.samplingFraction = stage.sampling;
    setup.progress = &sub;
    result.stages.push_back(stage.rigid ? runRigid(fixed, moving, setup, *affine)
                                        : runAffine(fixed, moving, setup, *affine));
  }

  // The deformable stage. Same modality: the B-spline stage, which skips samples in the lesion sites. CT <-> MR:
  // demons on a pseudo-CT (the B-spline stage's squared differences diverged on it), which needs the sites filled.
  const bool sameContrast = contrastOf(options.fixedModality) == contrastOf(options.movingModality);
  DemonsSetup demons;
  demons.sameContrast = sameContrast;
  demons.threads = threads;
  demons.fieldSigmaVoxels = options.fieldSmoothingMm / h;
  demons.updateSigmaVoxels = kUpdateSigmaVoxels;
  const auto bsplineRun = [&](bool perturbed) {
    return bsplineSetup(options.gridSpacingMm * (perturbed ? kPerturbedGridFactor : 1.0), perturbed ? 2 : 1);
  };
  BSplineImages bsplineImages;
  // One deformable run, with its own shallow copy of the prepared B-spline images. The perturbed one may run beside
  // the main one: both only read those images, and an ITK filter that takes a shared image as its input gets a
  // copy of it (ITK's pipeline writes to its inputs' requested regions).
  const auto deformable = [&](bool perturbed, core::Progress* sub, const WorkingImage& f, const WorkingImage& m,
                              BSplineImages images) {
    DeformableRun run;
    ByteImage::Pointer changedRegion;
    if (sameContrast) {
      BSplineSetup setup = bsplineRun(perturbed);
      setup.name = perturbed ? "uncertainty" : "deformable";
      setup.progress = sub;
      setup.changedRegion = &changedRegion;
      run.field = runBSpline(std::move(images), *affine, setup, &run.stages);
    } else {
      DemonsSetup setup = demons;
      setup.progress = sub;
      if (perturbed) {
        setup.name = "uncertainty";
        setup.fieldSigmaVoxels = demons.fieldSigmaVoxels * kPerturbedFieldSigmaFactor;
        setup.updateSigmaVoxels = kPerturbedUpdateSigmaVoxels;
        // Coarse levels only: a quarter of the cost, and what the fine level adds is part of what is uncertain.
        setup.iterations.back() = 0;
      }
      run.field = runDemons(f, m, *affine, setup, &run.stages);
    }
    run.repaired = unfoldField(*run.field, kMinDeterminant, kUnfoldRounds);
    if (run.repaired > 0)
      run.notes.push_back("the deformation was smoothed at " + std::to_string(run.repaired) +
                          " voxel(s) where it folded or nearly did (gas, edge of the field of view)");
    inpaintSites(*run.field, f, m, *rawComposite(*affine, run.field), kSiteInpaintGrowMm, threads);
    if (changedRegion) {
      // Inside tissue that changed the images say nothing about the motion: carried by the tissue around it.
      inpaintRegion(*run.field, changedRegion, kSiteInpaintGrowMm, threads);
      run.notes.push_back(changedNote(*changedRegion, h));
    }
    return run;
  };
  DeformableRun main;
  DeformableRun other;
  if (options.deformable) {
    if (!sameContrast)
      fillSites(fixed, moving, *affine, kSiteGrowMm, threads);
    if (sameContrast) {
      std::vector<double> sigmas;
      for (const bool perturbed : {false, true})
        for (const BSplineLevel& level : bsplineRun(perturbed).levels)
          sigmas.push_back(level.imageSigmaMm);
      bsplineImages = prepareBSpline(fixed, moving, *affine, sigmas, true, kSiteGrowMm, threads);
    }
    // The B-spline stage is one thread: with two or more, the perturbed run goes beside the main one.
    const bool beside = sameContrast && options.estimateUncertainty && threads >= 2;
    WorkingImage movingSites; // inpaintSites' resampling input, the perturbed run's own
    CancelOnly cancelOnly(progress);
    std::future<DeformableRun> perturbed;
    if (beside) {
      movingSites = moving;
      movingSites.sites = duplicateImage<ByteImage>(moving.sites);
      perturbed = std::async(std::launch::async, [&, images = bsplineImages]() mutable {
        return deformable(true, &cancelOnly, fixed, movingSites, std::move(images));
      });
    }
    {
      core::SubProgress sub(progress, 0.22, options.estimateUncertainty && !beside ? 0.6 : 0.92);
      const bool perturbedAfter = options.estimateUncertainty && !beside;
      main = deformable(false, &sub, fixed, moving, perturbedAfter ? bsplineImages : std::move(bsplineImages));
    }
    if (beside) {
      other = perturbed.get();
    } else if (options.estimateUncertainty) {
      core::SubProgress sub(progress, 0.6, 0.92);
      other = deformable(true, &sub, fixed, moving, std::move(bsplineImages));
    }
    bsplineImages = BSplineImages{};
    result.stages.insert(result.stages.end(), main.stages.begin(), main.stages.end());
    result.stages.insert(result.stages.end(), other.stages.begin(), other.stages.end());
    result.notes.insert(result.notes.end(), main.notes.begin(), main.notes.end());
    result.repairedFoldVoxels = main.repaired;
  }
  const core::ImageGeometry fixedRoi = geometryOf(*fixed.image);
  // What follows needs only the fixed sampling region: the working images go before the fields are composed.
  moving = WorkingImage{};
  fixed.image = nullptr;
  fixed.liver = nullptr;
  fixed.sites = nullptr;
  returnFreedMemory();
  // The uncertainty compares the two runs inside the region, where the taper of the final transform changes
  // nothing: on the raw fields, before the padded copy of the main one exists, so that at most two fields of the
  // working grid are held at any time.
  if (main.field && other.field)
    result.uncertaintyMm =
        uncertaintyMap(*rawComposite(*affine, main.field), *rawComposite(*affine, other.field), fixedRoi);
  other.field = nullptr;
  core::reportProgress(progress, "displacement field", 0.92);
  CompositeTransformType::Pointer composite = compose(*affine, main.field.GetPointer());
  main.field = nullptr;
  result.transform =
      Transform(makeTransformImpl(composite, resampledGrid(inputs.fixed->geometry, kDenseFieldSpacingMm)));

  core::reportProgress(progress, "checking the result", 0.95);
  const core::ImageGeometry checkGrid = resampledGrid(fixedRoi, h);
  core::Mask region;
  if (inputs.fixedMask) {
    region = *inputs.fixedMask;
    result.jacobianInLiver = true;
  } else {
    region = core::fromItk(*fixed.sampling);
  }
  jacobianStats(result.transform, region, result);
  if (inputs.fixedMask && inputs.movingMask) {
    const Transform identity;
    const core::Mask fixedOnGrid = warpMask(*inputs.fixedMask, identity, checkGrid);
    const Transform init(makeTransformImpl(compose(*initial, nullptr), core::ImageGeometry{}));
    result.diceBefore = dice(fixedOnGrid, warpMask(*inputs.movingMask, init, checkGrid));
    result.diceAfter = dice(fixedOnGrid, warpMask(*inputs.movingMask, result.transform, checkGrid));
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  core::reportProgress(progress, "registration", 1.0);
  return result;
}

} // namespace vestige::registration
