#pragma once
// Semi-automatic lesion segmentation from one click: a marker-based watershed inside a sphere around the click
// (lesion marker grown from the click, background marker from fat, air and parenchyma-like tissue), widened by the
// transition rim and made slice-wise convex; then run again from seeds spread over that result and voted, so that
// the outline does not depend on where in the lesion the click fell. Hypo- and hyper-dense lesions are both
// handled: the side is decided by comparing the intensity at the click with the surrounding tissue.
#include "vestige/core/image.h"
#include "vestige/core/progress.h"

namespace vestige::segmentation {

struct LesionClickOptions {
  double maxRadiusMm = 45.0;    // the lesion is looked for inside this sphere around the click
  double openingRadiusMm = 3.0; // bridges thinner than this are cut before the lesion marker is taken
  double smoothingMm = 1.5;     // Gaussian sigma before thresholding
  // Boundary at `toleranceSd` robust SDs of the surrounding tissue from its mode, or halfway to the lesion's
  // intensity when that is nearer the mode.
  double toleranceSd = 1.5;
  // The liver (tumours included) on the image's grid, when the caller has one (not owned; must outlive the call).
  // The lesion is then kept within the liver dilated by liverToleranceMm, which stops the transition rim at the
  // diaphragm, pericardium and stomach wall, so the rim may reach further (liverRimMm instead of rimMm).
  const core::Mask* liver = nullptr;
  double liverToleranceMm = 3.0; // an automatic liver misses a few mm of a tumour at its edge
  double rimMm = 8.0;            // the rim reaches this far beyond the watershed region without a liver
  double liverRimMm = 9.0;       // and this far with one
  // Re-run from up to seven seeds spread over the first result (its centroid and six points around it) and keep
  // the voxels at least half the runs find: the outline no longer depends on where in the lesion the click fell.
  // About eight times the work of one run.
  bool reseed = true;
};

struct LesionClickResult {
  core::Mask mask;            // on the image's grid
  bool hypodense = true;      // darker than its surroundings
  double lesionHu = 0.0;      // median near the click (smoothed)
  double surroundingHu = 0.0; // mode of the tissue in the sphere's outer shell
  double thresholdHu = 0.0;   // boundary used
  double volumeMl = 0.0;
};

// clickLps: a point inside the lesion, LPS mm. Throws core::Error(InvalidArgument) when the click is outside the
// image, Error(InconsistentData) when nothing lesion-like is found at the click.
[[nodiscard]] LesionClickResult segmentLesionFromClick(const core::Image& image, const core::Vec3& clickLps,
                                                       const LesionClickOptions& options = {},
                                                       core::Progress* progress = nullptr);

} // namespace vestige::segmentation
