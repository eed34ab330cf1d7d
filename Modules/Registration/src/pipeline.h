#pragma once
// Internal pieces of the registration pipeline (ITK types; private to the module).
#include "transform_impl.h"

#include "vestige/core/image.h"
#include "vestige/core/progress.h"
#include "vestige/registration/registration.h"

#include <itkAffineTransform.h>
#include <itkImage.h>

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
// sites: lesion sites to keep out of the image forces (see fillSites); needs liver.
[[nodiscard]] WorkingImage prepareImage(const core::Image& image, const core::Mask* liver, const core::Mask* sites,
                                        Contrast contrast, double spacingMm, double roiMarginMm,
                                        double samplingMarginMm, unsigned threads);

// Lesion sites change between dates (shrink, vanish), so they must not drive the deformation: fills the sites of
// the moving working image, and the same sites carried through `affine` onto the fixed working image, both grown by
// growMm, with the median liver intensity of each image.
void fillSites(WorkingImage& fixed, WorkingImage& moving, const itk::Transform<double, 3, 3>& affine, double growMm,
               unsigned threads);

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
  double fieldSigmaVoxels = 2.0;         // Gaussian smoothing of the field (elastic regularisation)
  double updateSigmaVoxels = 1.0;        // Gaussian smoothing of each update (fluid regularisation)
  unsigned iterations[3] = {50, 30, 10}; // at 4x, 2x and 1x the working spacing
  unsigned threads = 0;
  core::Progress* progress = nullptr;
};
[[nodiscard]] DenseFieldType::Pointer runDemons(const WorkingImage& fixed, const WorkingImage& moving,
                                                const AffineType& affine, const DemonsSetup& setup,
                                                std::vector<StageStats>* stats);

} // namespace vestige::registration::detail
