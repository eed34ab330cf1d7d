#pragma once
// Internal pieces of the registration pipeline (ITK types; private to the module).
#include "transform_impl.h"

#include "vestige/core/image.h"
#include "vestige/core/progress.h"
#include "vestige/registration/registration.h"

#include <itkAffineTransform.h>
#include <itkImage.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vestige::registration::detail {

using FloatImage = itk::Image<float, 3>;
using ByteImage = itk::Image<unsigned char, 3>;
using AffineType = itk::AffineTransform<double, 3>;

enum class Contrast { Ct, Mr };

// One image prepared for registration: intensities made comparable across dates (CT clamped to a soft-tissue
// window, MR scaled to its 99.5th percentile), smoothed and resampled onto an isotropic grid over its region of
// interest; plus the region where the metric samples (liver dilated, or the body).
struct WorkingImage {
  FloatImage::Pointer image;
  ByteImage::Pointer sampling; // may be null: sample everywhere
  ByteImage::Pointer liver;    // the liver on the working grid (null without a mask)
  ByteImage::Pointer sites;    // lesion sites on the working grid (moving image only; null without)
  core::Vec3 centreLps{};      // centroid of the liver mask (if any) or of the body
  bool centreFromLiver = false;
};

// roiMarginMm < 0: whole image. liver may be null.
// sites: lesion sites to keep out of the image forces (see fillSites, which also needs liver).
[[nodiscard]] WorkingImage prepareImage(const core::Image& image, const core::Mask* liver, const core::Mask* sites,
                                        Contrast contrast, double spacingMm, double roiMarginMm,
                                        double samplingMarginMm, unsigned threads);

// Lesion sites change between dates (shrink, vanish), so they must not drive the deformation: fills the sites of
// the moving working image, and the same sites carried through `affine` onto the fixed working image, both grown by
// growMm, with the median liver intensity of each image.
void fillSites(WorkingImage& fixed, WorkingImage& moving, const itk::Transform<double, 3, 3>& affine, double growMm,
               unsigned threads);

// The lesion sites of the moving image carried onto the fixed working grid by fixedToMoving, grown by growMm:
// inside them the deformation comes from the surrounding tissue only (Laplace's equation with the field around the
// region as boundary values). The sites are filled before demons, so nothing inside pins the field down, and a
// shrunk lesion must not pull its site along.
void inpaintSites(DenseFieldType& field, const WorkingImage& fixed, const WorkingImage& moving,
                  const itk::Transform<double, 3, 3>& fixedToMoving, double growMm, unsigned threads);
// The same for a region already on the field's grid (changed tissue found by the B-spline stage).
void inpaintRegion(DenseFieldType& field, const ByteImage::Pointer& region, double growMm, unsigned threads);

// The deformable stage (bspline.cpp): T(x) = A(x + v(x)) with v a sum of cubic B-spline levels, coarse to fine,
// optimised by stochastic gradient descent on samples of the fixed sampling region drawn anew every iteration.
// Intensities are made comparable first (quantile map of the moving image onto the fixed one after the affine
// stage for the same modality; the fixed image remapped into moving intensities through the joint histogram for
// different ones), then the metric is the mean squared difference. Returns v on the fixed working grid.
struct BSplineLevel {
  double gridSpacingMm = 16;
  double imageSigmaMm = 0; // extra Gaussian smoothing of both working images at this level
  unsigned iterations = 200;
  double stepMm = 1.0; // initial step of the largest coefficient change, decays as (1 + it/50)^-0.602
};
struct BSplineSetup {
  std::string name = "deformable";
  std::vector<BSplineLevel> levels{{64, 4, 150, 2.0}, {32, 2, 150, 1.0}, {16, 0, 200, 0.5}};
  unsigned samplesPerIteration = 4096;
  double smoothing = 0.0; // membrane regularisation per iteration (see bspline.cpp)
  std::uint64_t randomSeed = 1;
  core::Progress* progress = nullptr;
  // Find tissue that changed between the dates from the residuals after each level but the last, and keep it out
  // of the metric (bspline.cpp, changedVoxels); the region found is handed back on the fixed working grid.
  bool detectChanges = true;
  ByteImage::Pointer* changedRegion = nullptr;
};
// What the B-spline runs read, prepared once: the main and the perturbed run share it (read-only, no ITK
// pipeline touches it while they run), which saves each run the intensity map, the smoothing of every level and
// its own copy of the working images.
struct BSplineImages {
  struct Level {
    double sigmaMm = 0;
    FloatImage::Pointer fixed;
    FloatImage::Pointer moving;
  };
  bool sameContrast = true;
  FloatImage::Pointer fixed;             // fixed working image (remapped into moving intensities across contrasts)
  FloatImage::Pointer moving;            // moving working image (quantile-mapped onto fixed ones, same contrast)
  std::vector<Level> levels;             // both smoothed, one entry per level smoothing > 0
  std::vector<std::uint32_t> candidates; // fixed voxels in the sampling region
  ByteImage::Pointer sites;              // lesion sites of the moving image, grown (null without)
  [[nodiscard]] const Level* smoothed(double sigmaMm) const;
  void release(double sigmaMm);
};
// sigmasMm: the image smoothing of every level the runs will use. siteGrowMm: growth of the lesion sites of the
// moving image, where samples are skipped.
[[nodiscard]] BSplineImages prepareBSpline(const WorkingImage& fixed, const WorkingImage& moving,
                                           const AffineType& affine, const std::vector<double>& sigmasMm,
                                           bool sameContrast, double siteGrowMm, unsigned threads);
// Runs on the calling thread. `images` is the run's own (shallow) copy: it drops each level's smoothed images when
// it is done with them, and they are freed when no run holds them any more.
[[nodiscard]] DenseFieldType::Pointer runBSpline(BSplineImages images, const AffineType& affine,
                                                 const BSplineSetup& setup, std::vector<StageStats>* stats);

// `moving` resampled onto `grid` through `transform` (linear; `outside` beyond the moving image).
[[nodiscard]] FloatImage::Pointer resampleThrough(const FloatImage& moving, const AffineType& transform,
                                                  const FloatImage& grid, float outside, unsigned threads);
// Pseudo-image of `fixed` in the moving image's intensities: for each of 64 fixed-intensity bins, the mean of
// `movingOnFixed` over the voxels of `region` in that bin.
[[nodiscard]] FloatImage::Pointer remapByJointHistogram(const FloatImage& fixed, const FloatImage& movingOnFixed,
                                                        const ByteImage* region);

// det(I + grad v) of x + v(x) at a voxel of a displacement field (LPS; central differences inside, one-sided at
// the border).
[[nodiscard]] double jacobianDeterminantAt(const DenseFieldType& field, const std::array<std::size_t, 3>& index);

// Where x + v(x) folds or nearly does (Jacobian determinant below minDeterminant: bowel gas that came or went,
// the edge of the field of view), the field is smoothed locally, round after round, until it no longer does;
// returns the number of voxel repairs (0: the field was fine).
std::size_t unfoldField(DenseFieldType& field, double minDeterminant, unsigned maxRounds);

// Hands memory freed by the registration back to the system. The large buffers freed in the middle of the
// registration (a level's smoothed images, the working images) sit between live allocations in malloc's heap, where
// they would stay counted in the process's resident memory until reused, while the next large buffer (a field)
// is mapped anew beside them.
void returnFreedMemory();

// A mask grown by marginMm (Euclidean distance).
[[nodiscard]] ByteImage::Pointer dilateByDistance(const ByteImage::Pointer& mask, double marginMm, unsigned threads);

struct StageSetup {
  std::string name;
  Metric metric = Metric::Ncc;
  unsigned threads = 0;
  double shrink = 1; // of the working images
  unsigned iterations = 100;
  double samplingFraction = 0.1;
  unsigned randomSeed = 7;
  core::Progress* progress = nullptr;
};

// Rigid (Euler) from an initial translation, then affine; returns the affine (fixed -> moving).
[[nodiscard]] StageStats runRigid(const WorkingImage& fixed, const WorkingImage& moving, const StageSetup& setup,
                                  AffineType& inOut);
[[nodiscard]] StageStats runAffine(const WorkingImage& fixed, const WorkingImage& moving, const StageSetup& setup,
                                   AffineType& inOut);
// The deformable stage: diffeomorphic demons (Vercauteren et al. 2009, ITK's DiffeomorphicDemonsRegistrationFilter)
// between the fixed working image and the moving one resampled through `affine`, multi-resolution (shrink 4, 2, 1).
// Intensities are made comparable first: histogram matching for the same modality; for different modalities the
// fixed image is remapped to the moving image's intensities by the conditional mean of the joint histogram after
// the affine stage (a pseudo-CT), which keeps demons' sum of squared differences meaningful.
// Returns v with T(x) = A(x + v(x)) on the fixed working grid (LPS mm).
struct DemonsSetup {
  std::string name = "deformable";
  bool sameContrast = true;
  double fieldSigmaVoxels = 2.0;                // Gaussian smoothing of the field (elastic regularisation)
  double updateSigmaVoxels = 1.0;               // Gaussian smoothing of each update (fluid regularisation)
  std::vector<unsigned> iterations{50, 30, 10}; // coarsest first; level i at 2^(levels-1-i) x the working spacing
  unsigned threads = 0;
  core::Progress* progress = nullptr;
};
[[nodiscard]] DenseFieldType::Pointer runDemons(const WorkingImage& fixed, const WorkingImage& moving,
                                                const AffineType& affine, const DemonsSetup& setup,
                                                std::vector<StageStats>* stats);

} // namespace vestige::registration::detail
