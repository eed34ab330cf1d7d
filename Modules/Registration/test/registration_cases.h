#pragma once
// Shared evaluation of a registration against a case with ground truth written by the Phantom module (phantom
// cases and simulated follow-ups of real baselines): landmark TRE, lesion-site centroid error and Dice against the
// sites warped with the true field, folding, and the honesty of the per-site uncertainty.
#include "vestige/core/image.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/phantom/displacement_field.h"
#include "vestige/phantom/phantom.h"
#include "vestige/registration/registration.h"
#include "vestige/registration/registration_io.h"
#include "vestige/registration/uncertainty.h"
#include "vestige/registration/warp.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace vestige::registration::testcases {

struct CaseOutcome {
  TreSummary tre;
  TreSummary treBefore;
  std::vector<double> centroidErrorsMm; // lesion sites
  std::vector<double> lesionDice;
  double jacobianMin = 0;
  double foldingFraction = 1;
  double uncertaintyCoverage = 0; // fraction of sites (landmarks and lesion centres) with U >= true error
  double medianUncertaintyMm = 1e9;
  double seconds = 0;
};

inline core::Vec3 centroidLps(const core::Mask& m) {
  core::Vec3 sum{};
  double n = 0;
  for (std::size_t k = 0; k < m.geometry.size[2]; ++k)
    for (std::size_t j = 0; j < m.geometry.size[1]; ++j)
      for (std::size_t i = 0; i < m.geometry.size[0]; ++i)
        if (m.at(i, j, k)) {
          sum = core::add(sum, m.geometry.indexToLps({double(i), double(j), double(k)}));
          n += 1;
        }
  return core::scale(sum, 1.0 / std::max(n, 1.0));
}

inline double dice(const core::Mask& a, const core::Mask& b) {
  std::size_t na = 0, nb = 0, both = 0;
  for (std::size_t i = 0; i < a.voxels.size(); ++i) {
    na += a.voxels[i] != 0;
    nb += b.voxels[i] != 0;
    both += a.voxels[i] && b.voxels[i];
  }
  return 2.0 * double(both) / double(std::max<std::size_t>(na + nb, 1));
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// Registers case/<baselineSeries> (moving) onto case/followup/dicom (fixed) with the truth liver masks and
// evaluates against the truth files.
inline CaseOutcome evaluateCase(const std::filesystem::path& caseDir, const std::filesystem::path& baselineSeries,
                                bool mrFollowup) {
  namespace fs = std::filesystem;
  const auto baseline = dicom::loadSeries(baselineSeries);
  const auto followup = dicom::loadSeries(caseDir / phantom::layout::kFollowupSeries);
  const fs::path tb = caseDir / phantom::layout::kBaselineTruth;
  const fs::path tf = caseDir / phantom::layout::kFollowupTruth;
  const core::Mask movingLiver =
      dicom::conformMask(dicom::readMaskFile(tb / "liver.nii.gz"), baseline.image.geometry, "baseline liver");
  const core::Mask fixedLiver =
      dicom::conformMask(dicom::readMaskFile(tf / "liver.nii.gz"), followup.image.geometry, "follow-up liver");
  // The baseline lesion sites are known (they are what Planning carries over): registration keeps them out of the
  // image forces.
  core::Mask lesions(baseline.image.geometry, 0);
  const phantom::CaseTruth truth = phantom::readCaseTruth(caseDir);
  for (const auto& lesion : truth.lesions) {
    const core::Mask site =
        dicom::conformMask(dicom::readMaskFile(caseDir / lesion.baselineMask), baseline.image.geometry, lesion.id);
    for (std::size_t i = 0; i < site.voxels.size(); ++i)
      lesions.voxels[i] |= site.voxels[i];
  }
  RegistrationInputs inputs{&followup.image, &baseline.image, &fixedLiver, &movingLiver, &lesions};
  RegistrationOptions options;
  options.threads = 2;
  options.fixedModality = mrFollowup ? "MR" : followup.series.modality;
  options.movingModality = baseline.series.modality;
  const RegistrationResult result = registerImages(inputs, options);

  CaseOutcome out;
  out.seconds = result.seconds;
  out.jacobianMin = result.jacobianMin;
  out.foldingFraction = result.foldingFraction;
  std::vector<LandmarkPair> pairs;
  for (const auto& l : truth.landmarks)
    pairs.push_back({l.name, l.baselineLps, l.followupLps});
  out.tre = landmarkTre(pairs, &result.transform);
  out.treBefore = landmarkTre(pairs, nullptr);

  std::vector<double> errors = out.tre.errorsMm;
  std::vector<double> uncertainties;
  for (const auto& p : pairs)
    uncertainties.push_back(pointUncertaintyMm(result.uncertaintyMm, result.transform, p.baselineLps));

  const phantom::DisplacementField field = phantom::readDisplacementField(caseDir / phantom::layout::kField);
  for (const auto& lesion : truth.lesions) {
    const core::Mask site =
        dicom::conformMask(dicom::readMaskFile(caseDir / lesion.baselineMask), baseline.image.geometry, lesion.id);
    const core::Mask truthSite = phantom::warpMask(site, field);
    const core::Mask ours = warpMask(site, result.transform, field.geometry);
    out.lesionDice.push_back(dice(ours, truthSite));
    out.centroidErrorsMm.push_back(core::distanceMm(centroidLps(ours), centroidLps(truthSite)));
    errors.push_back(
        core::distanceMm(result.transform.baselineToFollowupLps(lesion.baselineCentreLps), lesion.followupCentreLps));
    uncertainties.push_back(maskUncertaintyMm(result.uncertaintyMm, result.transform, site));
  }
  std::size_t covered = 0;
  for (std::size_t i = 0; i < errors.size(); ++i)
    covered += uncertainties[i] >= errors[i];
  out.uncertaintyCoverage = double(covered) / double(std::max<std::size_t>(errors.size(), 1));
  out.medianUncertaintyMm = median(uncertainties);

  std::cout << caseDir.filename().string() << ": TRE before " << out.treBefore.meanMm << " mm, after mean "
            << out.tre.meanMm << " p95 " << out.tre.p95Mm << " max " << out.tre.maxMm << " (" << pairs.size()
            << " landmarks); lesions:";
  for (std::size_t i = 0; i < out.lesionDice.size(); ++i)
    std::cout << " " << truth.lesions[i].id << " Dice " << out.lesionDice[i] << " centroid " << out.centroidErrorsMm[i]
              << " mm;";
  std::cout << " jacobian min " << out.jacobianMin << ", folding " << out.foldingFraction
            << "; uncertainty >= error at " << out.uncertaintyCoverage * 100 << " % of sites, median "
            << out.medianUncertaintyMm << " mm; " << out.seconds << " s\n";
  return out;
}

} // namespace vestige::registration::testcases
