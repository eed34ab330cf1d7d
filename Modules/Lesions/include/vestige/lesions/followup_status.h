#pragma once
// Follow-up status of one original site: is there still lesion tissue at the projected site on the follow-up image?
// Inputs are all on the follow-up grid: the image, the projected site (the site's full baseline extent carried
// over by the registration) and the follow-up liver. The liver around the site gives the parenchyma's intensity
// model; voxels of the site departing from it (on the lesion's side) form the remaining lesion.
#include "vestige/core/image.h"
#include "vestige/lesions/lesion_registry.h"

#include <optional>

namespace vestige::lesions {

enum class Polarity { Auto, Hypodense, Hyperdense };

struct FollowupStatusOptions {
  Polarity polarity = Polarity::Auto; // Auto: the side with more departing tissue in the site
  double departureSd = 3.0;           // lesion tissue departs from the parenchyma median by this many robust SDs
  double minDepartureFraction = 0.15; // ... and by at least this fraction of it (15 HU for 100 HU liver on CT)
  double siteToleranceMm = 3.0;       // the site is widened by this much (registration error)
  double visibleFraction = 0.75;      // follow-up / baseline volume at or above: visible (unchanged)
  double disappearedFraction = 0.05;  // below (or below minVolumeMl): disappeared
  double minVolumeMl = 0.05;
};

struct FollowupAssessment {
  LesionStatus status = LesionStatus::Unknown;
  double lesionVolumeMl = 0.0;      // departing tissue in the site, largest connected part
  double volumeFraction = 0.0;      // lesionVolumeMl / baseline volume
  std::optional<double> diameterMm; // longest diameter of that part, when not disappeared
  double parenchymaMedian = 0.0;    // image units (HU for CT)
  double parenchymaSpread = 0.0;
  double lesionMedian = 0.0;      // of the lesion tissue found (image units)
  double referenceVolumeMl = 0.0; // the baseline volume the fraction is taken of
  bool hypodense = true;
  core::Mask lesion; // the departing tissue found, on the follow-up grid
};

// baselineVolumeMl: the lesion volume the follow-up is compared with. Best measured the same way on the baseline
// (assessFollowup(baselineImage, baselineMask, baselineLiver, 1.0).lesionVolumeMl), so that how generously the
// baseline mark was drawn does not count as shrinkage; the baseline mask volume otherwise.
// Throws core::Error(InconsistentData) when the masks are not on the image's grid, the site is empty, or the liver
// around the site is too small to learn the parenchyma from.
[[nodiscard]] FollowupAssessment assessFollowup(const core::Image& followup, const core::Mask& projectedSite,
                                                const core::Mask& followupLiver, double baselineVolumeMl,
                                                const FollowupStatusOptions& options = {});

// The one configuration in which a site's status is decided, by `vestige plan` and by the tests that check the
// status against ground truth:
// - polarity: the side (darker / brighter than the parenchyma) the lesion is on at baseline, measured with
//   polarityOf, when both dates share a modality; across modalities (CT -> MR) contrast is each scan's own, so Auto;
// - reference volume: the baseline lesion measured the same way as the follow-up (assessFollowup on the baseline
//   image, its own liver and the mark), so that how generously the mark was drawn does not count as shrinkage. When
//   the baseline shows no departing tissue at the mark (an isodense lesion, a mark beside it) or too little liver
//   around it, the mark's volume is the reference instead;
// - conspicuity (same modality only): tissue found at the site that departs from the parenchyma by less than half
//   the baseline lesion's contrast is not read as lesion (the site reads disappeared).
struct BaselineSite {
  const core::Image& image;
  const core::Mask& mask;  // the original site on the baseline grid
  const core::Mask& liver; // the baseline liver
};
[[nodiscard]] FollowupAssessment assessOriginalSite(const BaselineSite& baseline, const core::Image& followup,
                                                    const core::Mask& projectedSite, const core::Mask& followupLiver,
                                                    bool sameModality, FollowupStatusOptions options = {});

// Polarity of a lesion on its baseline image: darker or brighter than the liver around it.
[[nodiscard]] Polarity polarityOf(const core::Image& baseline, const core::Mask& lesion, const core::Mask& liver);

// Records an image-based assessment in the site unless a radiologist already set the status.
void applyAssessment(LesionSite& site, const FollowupAssessment& assessment);

// A radiologist's follow-up mark overrides the image: the status, and the diameter when the lesion is seen.
struct FollowupMark {
  LesionStatus status = LesionStatus::Unknown;
  std::optional<double> diameterMm;
};
void applyFollowupMark(LesionSite& site, const FollowupMark& mark);

} // namespace vestige::lesions
