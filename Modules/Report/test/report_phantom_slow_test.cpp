// End to end on the digital phantom: a plan built from the phantom's ground truth (sites = baseline lesions carried
// through the known deformation, resection by Planning's zone growth), written as a plan folder, then the report
// and every export made from that folder as `vestige report` does. VESTIGE_DOC_IMAGES_DIR=<dir> copies the
// pictures used in Documentation/report.md.
#include "vestige/core/error.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/phantom/displacement_field.h"
#include "vestige/phantom/phantom.h"
#include "vestige/planning/plan_result.h"
#include "vestige/planning/resection.h"
#include "vestige/planning/volumetry.h"
#include "vestige/report/report.h"
#include "vestige/testing/test_support.h"
#include "vestige/visualization/mesh.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

// Liver outline pictures the report adds: axial and coronal through the liver's centre and through each follow-up
// place a warning names.
inline std::size_t liverOutlinePictures(const vestige::planning::PlanSummary& s) {
  std::size_t places = 1;
  for (const auto& w : s.warnings)
    places += (w.placeLps && w.scan != "baseline") ? 1 : 0;
  return 2 * places;
}

namespace vestige::report {
namespace {

namespace fs = std::filesystem;

using vestige::testing::dciodvfyErrors;

constexpr double kMarginMm = 10.0;
constexpr double kUncertaintyMm = 2.0; // assumed: the truth plan has no registration to measure it

struct TruthPlan {
  planning::PlanSummary summary;
  planning::PlanMasks masks;
};

TruthPlan phantomTruthPlan(const fs::path& caseDir) {
  namespace layout = phantom::layout;
  const phantom::CaseTruth truth = phantom::readCaseTruth(caseDir);
  const dicom::LoadedSeries followup = dicom::loadSeries(caseDir / layout::kFollowupSeries);
  const dicom::LoadedSeries baseline = dicom::loadSeries(caseDir / layout::kBaselineSeries);
  const core::ImageGeometry& g = followup.image.geometry;
  const phantom::DisplacementField field = phantom::readDisplacementField(caseDir / layout::kField);

  TruthPlan plan;
  auto& m = plan.masks;
  m.followup = followup.image;
  m.liver = dicom::conformMask(dicom::readMaskFile(caseDir / layout::kFollowupTruth / "liver.nii.gz"), g, "liver");
  m.projectedSites = core::LabelMap(g, 0);
  m.visibleTumour = core::Mask(g, 0);
  std::vector<core::Mask> sites;
  for (const phantom::LesionTruth& l : truth.lesions) {
    const core::Mask base = dicom::readMaskFile(caseDir / l.baselineMask);
    sites.push_back(dicom::conformMask(phantom::warpMask(base, field), g, l.id));
    if (!l.followupMask.empty()) {
      const core::Mask now = dicom::conformMask(dicom::readMaskFile(caseDir / l.followupMask), g, l.id);
      for (std::size_t v = 0; v < now.voxels.size(); ++v)
        m.visibleTumour.voxels[v] |= now.voxels[v];
    }
  }
  for (std::size_t k = 0; k < sites.size(); ++k)
    for (std::size_t v = 0; v < sites[k].voxels.size(); ++v)
      if (sites[k].voxels[v] && m.projectedSites.voxels[v] == 0)
        m.projectedSites.voxels[v] = static_cast<std::uint16_t>(k + 1);

  std::vector<const core::Mask*> all, visibleOnly;
  std::vector<double> growAll, growVisible;
  for (std::size_t k = 0; k < sites.size(); ++k) {
    all.push_back(&sites[k]);
    growAll.push_back(kMarginMm + kUncertaintyMm);
    if (truth.lesions[k].fate != phantom::LesionFate::Disappeared) {
      visibleOnly.push_back(&sites[k]);
      growVisible.push_back(kMarginMm + kUncertaintyMm);
    }
  }
  const planning::ResectionZones zones = planning::planResection(m.liver, all, growAll);
  const planning::ResectionZones visible = planning::planResection(m.liver, visibleOnly, growVisible);
  m.resection = zones.resection;
  m.remnant = zones.remnant;

  auto& s = plan.summary;
  s.vestigeVersion = "0.1.0";
  s.createdUtc = "phantom ground truth";
  auto series = [](const dicom::LoadedSeries& l, const fs::path& source) {
    planning::SeriesSummary out;
    out.source = source.string();
    out.seriesUid = l.series.seriesUid;
    out.studyUid = l.series.studyUid;
    out.frameOfReferenceUid = l.series.frameOfReferenceUid;
    out.modality = l.series.modality;
    out.date = l.series.date;
    out.description = l.series.description;
    out.patientId = l.series.patientId;
    out.patientName = l.series.patientName;
    out.geometry = l.image.geometry;
    return out;
  };
  s.baseline = series(baseline, caseDir / layout::kBaselineSeries);
  s.followup = series(followup, caseDir / layout::kFollowupSeries);
  s.heightCm = 170;
  s.weightKg = 70;
  s.bsaM2 = planning::bodySurfaceAreaM2(170, 70, planning::BsaFormula::Mosteller);
  s.telvMl = planning::totalEstimatedLiverVolumeMl(*s.bsaM2, planning::TelvFormula::Vauthey);
  s.marginMm = kMarginMm;
  s.liverMl = core::maskVolumeMl(m.liver);
  s.tumourMl = core::maskVolumeMl(m.visibleTumour);
  s.resectedMl = zones.resectedMl;
  s.remnantMl = zones.remnantMl;
  s.usableRemnantMl = zones.usableRemnantMl;
  s.remnantPieces = zones.remnantPieces;
  s.flrPercent = planning::flrPercent(zones.usableRemnantMl, s.liverMl, s.tumourMl);
  s.sflrPercent = planning::sflrPercent(zones.usableRemnantMl, *s.telvMl);
  s.flrThresholdPercent = planning::minimumSflrPercent(planning::LiverCondition::Chemotherapy);
  s.flrSufficient = *s.sflrPercent >= s.flrThresholdPercent;

  // Depth: projected centre to the nearest voxel outside the liver.
  core::Mask outside = m.liver;
  for (auto& v : outside.voxels)
    v = !v;
  const core::Image depth = planning::distanceToMaskMm(outside, 300.0);
  std::vector<std::string> allIds, visibleIds;
  for (std::size_t k = 0; k < truth.lesions.size(); ++k) {
    const phantom::LesionTruth& t = truth.lesions[k];
    planning::LesionResult l;
    l.id = t.id;
    l.markKind = "mask";
    l.status = phantom::lesionFateName(t.fate);
    l.baselineCenterLps = t.baselineCentreLps;
    l.baselineVolumeMl = t.baselineMaskMl;
    l.baselineDiameterMm = t.baselineDiameterMm;
    l.projectedCenterLps = t.followupCentreLps;
    l.projectedVolumeMl = core::maskVolumeMl(sites[k]);
    if (t.fate != phantom::LesionFate::Disappeared) {
      l.followupDiameterMm = 2.0 * std::cbrt(3.0 * t.followupMaskMl * 1000.0 / (4.0 * 3.14159265358979));
      l.followupVolumeMl = t.followupMaskMl;
    }
    l.uncertaintyMm = kUncertaintyMm;
    l.growMm = kMarginMm + kUncertaintyMm;
    const core::Vec3 idx = g.lpsToIndex(l.projectedCenterLps);
    l.depthBelowSurfaceMm =
        depth.at(static_cast<std::size_t>(std::lround(idx[0])), static_cast<std::size_t>(std::lround(idx[1])),
                 static_cast<std::size_t>(std::lround(idx[2])));
    bool inRemnant = false;
    for (std::size_t v = 0; v < sites[k].voxels.size() && !inRemnant; ++v)
      inRemnant = sites[k].voxels[v] && visible.remnant.voxels[v];
    l.missingMetastasis = t.fate == phantom::LesionFate::Disappeared && inRemnant;
    allIds.push_back(t.id);
    if (t.fate != phantom::LesionFate::Disappeared)
      visibleIds.push_back(t.id);
    s.lesions.push_back(l);
  }
  s.scenarios.push_back({"all_original_sites", allIds, zones.resectedMl, zones.remnantMl, zones.usableRemnantMl,
                         zones.remnantPieces, s.flrPercent, s.sflrPercent});
  s.scenarios.push_back({"visible_only", visibleIds, visible.resectedMl, visible.remnantMl, visible.usableRemnantMl,
                         visible.remnantPieces, planning::flrPercent(visible.usableRemnantMl, s.liverMl, s.tumourMl),
                         planning::sflrPercent(visible.usableRemnantMl, *s.telvMl)});
  s.registration.minJacobian = truth.jacobianMin;
  s.registration.maxJacobian = truth.jacobianMax;
  s.registration.metric = "none: phantom ground-truth deformation";
  s.notes.push_back("Plan built from the phantom's ground truth (known deformation), not by registration; "
                    "registration uncertainty assumed 2 mm.");
  return plan;
}

TEST(ReportPhantom, EveryExportFromAPlanFolder) {
  const fs::path dir = testing::freshTempDir("report-phantom");
  phantom::PhantomOptions options;
  (void)phantom::writePhantomCase(dir / "case", options);
  const TruthPlan plan = phantomTruthPlan(dir / "case");
  ASSERT_EQ(plan.summary.lesions.size(), 6U);
  const fs::path out = dir / "plan";
  planning::writePlanFolder(plan.summary, plan.masks, out);

  ReportOptions reportOptions;
  reportOptions.vessels = dir / "case" / phantom::layout::kFollowupTruth / "vessels.nii.gz";
  const ReportFiles files = writeReport(out, reportOptions);
  EXPECT_TRUE(files.notes.empty()) << files.notes.front();
  ASSERT_EQ(files.images.size(), 5U + liverOutlinePictures(plan.summary) + 2U * 6U);
  EXPECT_TRUE(fs::exists(out / "report.html"));
  EXPECT_TRUE(fs::exists(out / "report.pdf"));
  EXPECT_TRUE(fs::exists(out / "meshes" / "plan.glb"));
  EXPECT_TRUE(fs::exists(out / "meshes" / "vessels.stl"));
  // remnant mesh encloses the remnant volume of plan.json
  // (the folder's masks went through NIfTI: same voxels)
  const auto masks = planning::readPlanMasks(out);
  const double meshMl = visualization::meshVolumeMl(visualization::surfaceFromMask(masks.remnant));
  EXPECT_NEAR(meshMl / plan.summary.remnantMl, 1.0, 0.03);

  ASSERT_EQ(files.dicom.size(), 2U + files.images.size());
  for (std::size_t f = 0; f < 3; ++f) { // SEG, SR and the first capture
    std::string output;
    EXPECT_EQ(dciodvfyErrors(files.dicom[f], output), 0) << files.dicom[f] << "\n" << output;
  }
  const auto segments = dicom::readSegmentation(files.dicom[0]);
  ASSERT_EQ(segments.size(), 3U + 6U + 1U);
  const core::ImageGeometry& g = plan.masks.liver.geometry;
  auto same = [&](const core::Mask& a, const core::Mask& b) {
    const core::Mask c = dicom::conformMask(a, g, "segment");
    std::size_t d = 0;
    for (std::size_t v = 0; v < c.voxels.size(); ++v)
      d += (c.voxels[v] != 0) != (b.voxels[v] != 0);
    return d;
  };
  EXPECT_EQ(same(segments[0].mask, plan.masks.liver), 0U);
  EXPECT_EQ(same(segments[1].mask, plan.masks.remnant), 0U);
  EXPECT_EQ(same(segments[2].mask, plan.masks.resection), 0U);
  for (std::uint16_t k = 1; k <= 6; ++k)
    EXPECT_EQ(same(segments[2 + k].mask, core::extractLabel(plan.masks.projectedSites, k)), 0U) << k;

  if (const char* docs = std::getenv("VESTIGE_DOC_IMAGES_DIR")) {
    for (const ReportImage& image : files.images)
      fs::copy_file(image.file, fs::path(docs) / ("report_phantom_" + image.file.filename().string()),
                    fs::copy_options::overwrite_existing);
    fs::copy_file(out / "report.pdf", fs::path(docs) / "report_phantom.pdf", fs::copy_options::overwrite_existing);
    std::cout << "plan folder kept for inspection: " << out << "\n";
    return;
  }
  fs::remove_all(dir);
}

} // namespace
} // namespace vestige::report
