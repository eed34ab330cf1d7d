#include "vestige/phantom/phantom.h"

#include "anatomy.h"
#include "case_writer.h"
#include "deformation.h"
#include "nifti_writer.h"
#include "parallel.h"
#include "render.h"
#include "vestige/core/parallel.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/dicom/series_writer.h"
#include "vestige/phantom/displacement_field.h"
#include "vestige/phantom/snapshot.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <set>

namespace fs = std::filesystem;
using vestige::core::Error;
using vestige::core::ErrorCode;

namespace vestige::phantom {

using namespace detail;

const char* lesionFateName(LesionFate fate) noexcept {
  switch (fate) {
  case LesionFate::Visible:
    return "visible";
  case LesionFate::Shrunk:
    return "shrunk";
  case LesionFate::Disappeared:
    return "disappeared";
  }
  return "?";
}

LesionFate parseLesionFate(const std::string& name) {
  for (LesionFate f : {LesionFate::Visible, LesionFate::Shrunk, LesionFate::Disappeared})
    if (name == lesionFateName(f))
      return f;
  throw Error(ErrorCode::InvalidArgument, "unknown lesion status '" + name + "' (visible, shrunk or disappeared)");
}

std::vector<LesionPlan> defaultLesionPlan() {
  return {{"L1", 34.0, LesionFate::Visible, 1.0, true},      {"L2", 26.0, LesionFate::Shrunk, 0.35, false},
          {"L3", 20.0, LesionFate::Shrunk, 0.5, false},      {"L4", 16.0, LesionFate::Disappeared, 0.0, false},
          {"L5", 13.0, LesionFate::Disappeared, 0.0, false}, {"L6", 12.0, LesionFate::Disappeared, 0.0, false}};
}

namespace {

constexpr double kBaselinePixelMm = 1.1;
constexpr std::size_t kBaselineColumns = 352;
constexpr double kBaselineSliceMm = 1.25;
constexpr double kFollowupPixelMm = 1.2;
constexpr std::size_t kFollowupColumns = 320;
constexpr double kFollowupSliceMm = 1.6;

void validate(const PhantomOptions& o) {
  std::set<std::string> ids;
  for (const LesionPlan& l : o.lesions) {
    if (l.id.empty() || !ids.insert(l.id).second)
      throw Error(ErrorCode::InvalidArgument, "lesion ids must be unique and non-empty", l.id);
    if (!(l.baselineDiameterMm >= 5.0 && l.baselineDiameterMm <= 60.0))
      throw Error(ErrorCode::InvalidArgument, "lesion diameter must be within 5..60 mm", l.id);
    if (l.fate == LesionFate::Shrunk && !(l.followupVolumeFraction > 0.0 && l.followupVolumeFraction < 1.0))
      throw Error(ErrorCode::InvalidArgument, "a shrunk lesion needs a follow-up volume fraction in (0, 1)", l.id);
  }
}

double followupFraction(const LesionPlan& l) {
  switch (l.fate) {
  case LesionFate::Visible:
    return 1.0;
  case LesionFate::Shrunk:
    return l.followupVolumeFraction;
  case LesionFate::Disappeared:
    return 0.0;
  }
  return 1.0;
}

core::ImageGeometry axialGrid(std::size_t columns, double pixelMm, double sliceMm, const core::Vec3& centreLps,
                              double zMin, double zMax) {
  core::ImageGeometry g;
  const auto slices = static_cast<std::size_t>(std::ceil((zMax - zMin) / sliceMm)) + 1;
  g.size = {columns, columns, slices};
  g.spacingMm = {pixelMm, pixelMm, sliceMm};
  const double half = (static_cast<double>(columns) - 1.0) * pixelMm / 2.0;
  // Round the origin to 0.1 mm: DICOM positions then print exactly.
  auto r = [](double v) { return std::round(v * 10.0) / 10.0; };
  g.originLps = {r(centreLps[0] - half), r(centreLps[1] - half), r(zMin)};
  return g;
}

core::ImageGeometry followupGrid(const Anatomy& an, const FollowupTransform& t, std::uint64_t seed) {
  core::BoundsLps box{{1e9, 1e9, 1e9}, {-1e9, -1e9, -1e9}};
  for (int corner = 0; corner < 8; ++corner) {
    const core::Vec3 p{corner & 1 ? an.liverBox.max[0] : an.liverBox.min[0],
                       corner & 2 ? an.liverBox.max[1] : an.liverBox.min[1],
                       corner & 4 ? an.liverBox.max[2] : an.liverBox.min[2]};
    const core::Vec3 q = t.inverse(p);
    for (int c = 0; c < 3; ++c) {
      box.min[c] = std::min(box.min[c], q[c]);
      box.max[c] = std::max(box.max[c], q[c]);
    }
  }
  const core::Vec3 body = t.inverse({0.0, -3.5, an.liverCentreLps[2]});
  const double shift = static_cast<double>(mixSeed(seed, 99) % 11) - 5.0; // a few mm of other centring
  return axialGrid(kFollowupColumns, kFollowupPixelMm, kFollowupSliceMm, {body[0] + shift, body[1] - shift, 0.0},
                   box.min[2] - 14.0, box.max[2] + 12.0);
}

DisplacementField trueField(const FollowupTransform& t, const core::ImageGeometry& g, unsigned threads,
                            core::Progress* progress) {
  DisplacementField field{g, std::vector<std::array<float, 3>>(g.voxelCount())};
  core::parallelFor(g.size[2], threads, progress, "displacement field", [&](std::size_t k) {
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const core::Vec3 x = g.indexToLps({double(i), double(j), double(k)});
        const core::Vec3 u = core::sub(t.apply(x), x);
        field.vectors[i + g.size[0] * (j + g.size[1] * k)] = {quantize(u[0]), quantize(u[1]), quantize(u[2])};
      }
  });
  return field;
}

bool insideGrid(const core::ImageGeometry& g, const core::Vec3& lps, double marginMm) {
  const core::BoundsLps b = g.boundsLps();
  for (int c = 0; c < 3; ++c)
    if (lps[c] < b.min[c] + marginMm || lps[c] > b.max[c] - marginMm)
      return false;
  return true;
}

std::vector<LandmarkPair> landmarkPairs(const Anatomy& an, const FollowupTransform& t, const core::ImageGeometry& gb,
                                        const core::ImageGeometry& gf) {
  std::vector<LandmarkPair> pairs;
  for (const Bifurcation& b : an.bifurcations) {
    bool hidden = false;
    for (const LesionShape& l : an.lesions)
      hidden = hidden || lesionDistance(l, b.pointLps) < b.radiusMm + 3.0;
    const core::Vec3 f = t.inverse(b.pointLps);
    if (!hidden && insideGrid(gb, b.pointLps, 5.0) && insideGrid(gf, f, 5.0))
      pairs.push_back({b.name, b.pointLps, f});
  }
  return pairs;
}

void jacobianRange(const FollowupTransform& t, const core::Mask& liver, CaseTruth& truth) {
  const core::ImageGeometry& g = liver.geometry;
  truth.jacobianMin = 1e9;
  truth.jacobianMax = -1e9;
  for (std::size_t k = 0; k < g.size[2]; k += 4)
    for (std::size_t j = 0; j < g.size[1]; j += 4)
      for (std::size_t i = 0; i < g.size[0]; i += 4)
        if (liver.at(i, j, k)) {
          const double d = t.jacobianDeterminant(g.indexToLps({double(i), double(j), double(k)}));
          truth.jacobianMin = std::min(truth.jacobianMin, d);
          truth.jacobianMax = std::max(truth.jacobianMax, d);
        }
}

double labelVolumeMl(const core::LabelMap& labels, std::uint16_t label) {
  return core::maskVolumeMl(core::extractLabel(labels, label));
}

using WriteJob = std::function<void()>;

void addTruthMaskJobs(std::vector<WriteJob>& jobs, const fs::path& folder, const RenderResult& r, const Anatomy& an,
                      const std::vector<double>& factor) {
  jobs.emplace_back([&r, folder] { writeNiftiFast(r.liver, folder / "liver.nii.gz"); });
  jobs.emplace_back([&r, folder] { writeNiftiFast(r.lesions, folder / "lesions.nii.gz"); });
  jobs.emplace_back([&r, folder] { writeNiftiFast(r.vessels, folder / "vessels.nii.gz"); });
  jobs.emplace_back([&r, folder] { writeNiftiFast(r.anatomy, folder / "anatomy.nii.gz"); });
  for (std::size_t i = 0; i < an.lesions.size(); ++i)
    if (factor[i] > 0.0) {
      const fs::path path = folder / ("lesion_" + an.lesions[i].id + ".nii.gz");
      jobs.emplace_back(
          [&r, i, path] { writeNiftiFast(core::extractLabel(r.lesions, static_cast<std::uint16_t>(i + 1)), path); });
    }
}

dicom::SeriesWriteInfo seriesInfo(std::uint64_t seed, bool baseline, FollowupModality modality) {
  dicom::SeriesWriteInfo info;
  info.patientName = "Phantom^Vestige";
  info.patientId = "VESTIGE-PHANTOM-" + std::to_string(seed);
  info.patientBirthDate = "19610305";
  info.patientSex = "O";
  info.accessionNumber = baseline ? "VPH" + std::to_string(seed) + "A" : "VPH" + std::to_string(seed) + "B";
  if (baseline) {
    info.studyDate = "20250114";
    info.studyTime = "093000";
    info.studyDescription = "Vestige phantom: baseline (before chemotherapy)";
    info.seriesDescription = "Portal venous 1.25 mm (synthetic)";
    info.seriesNumber = 2;
  } else {
    info.studyDate = "20250422";
    info.studyTime = "141500";
    info.studyDescription = "Vestige phantom: follow-up (after chemotherapy)";
    info.seriesDescription = modality == FollowupModality::Ct ? "Portal venous 1.6 mm (synthetic)"
                                                              : "T1 hepatobiliary phase 1.6 mm (synthetic)";
    info.seriesNumber = 3;
    info.modality = modality == FollowupModality::Ct ? "CT" : "MR";
  }
  return info;
}

void writeSnapshots(const fs::path& dir, const RenderResult& base, const RenderResult& follow, const Anatomy& an,
                    const FollowupTransform& t, FollowupModality modality) {
  const core::Vec3 cb = an.liverCentreLps;
  const core::Vec3 cf = t.inverse(cb);
  const bool mr = modality == FollowupModality::Mr;
  writeSnapshotPng(base.image, SnapshotPlane::Axial, cb, 50, 350, dir / "phantom_baseline_axial.png");
  writeSnapshotPng(base.image, SnapshotPlane::Coronal, cb, 50, 350, dir / "phantom_baseline_coronal.png");
  const std::string f = mr ? "phantom_followup_mr" : "phantom_followup";
  writeSnapshotPng(follow.image, SnapshotPlane::Axial, cf, mr ? 500 : 40, mr ? 1100 : 350, dir / (f + "_axial.png"));
  writeSnapshotPng(follow.image, SnapshotPlane::Coronal, cf, mr ? 500 : 40, mr ? 1100 : 350,
                   dir / (f + "_coronal.png"));
}

} // namespace

CaseTruth writePhantomCase(const fs::path& outDir, const PhantomOptions& options, core::Progress* progress) {
  const auto start = std::chrono::steady_clock::now();
  validate(options);
  StagingFolder stage(outDir);
  std::vector<LesionRequest> requests;
  std::vector<double> followFactor;
  for (const LesionPlan& l : options.lesions) {
    requests.push_back({l.id, l.baselineDiameterMm, l.necroticCore});
    followFactor.push_back(std::cbrt(followupFraction(l)));
  }
  core::reportProgress(progress, "building anatomy", 0.0);
  const Anatomy an = buildAnatomy(options.seed, requests);
  const FollowupTransform t = randomFollowupTransform(options.seed, an.liverCentreLps);
  const core::ImageGeometry gb = axialGrid(kBaselineColumns, kBaselinePixelMm, kBaselineSliceMm, {0.0, -3.5, 0.0},
                                           an.liverBox.min[2] - 20.0, an.liverBox.max[2] + 15.0);
  const core::ImageGeometry gf = followupGrid(an, t, options.seed);

  RenderRequest rb;
  rb.anatomy = &an;
  rb.lesionFactor.assign(an.lesions.size(), 1.0);
  rb.table = ctTable(0.0);
  rb.noise = {NoiseKind::Ct, 11.0, 0.0};
  rb.noiseSeed = mixSeed(options.seed, 1);
  rb.grid = gb;
  rb.threads = options.threads;
  core::SubProgress p1(progress, 0.0, 0.35);
  const RenderResult base = render(rb, &p1);

  RenderRequest rf = rb;
  rf.transform = &t;
  rf.lesionFactor = followFactor;
  const bool mr = options.followupModality == FollowupModality::Mr;
  rf.table = mr ? mrTable() : ctTable(-18.0); // chemotherapy-associated steatosis lowers liver attenuation
  rf.noise = mr ? NoiseModel{NoiseKind::Mr, 18.0, 0.25} : NoiseModel{NoiseKind::Ct, 14.0, 0.0};
  rf.noiseSeed = mixSeed(options.seed, 2);
  rf.grid = gf;
  core::SubProgress p2(progress, 0.35, 0.65);
  const RenderResult follow = render(rf, &p2);

  core::SubProgress p3(progress, 0.65, 0.72);
  const DisplacementField field = trueField(t, gf, options.threads, &p3);

  CaseTruth truth;
  for (std::size_t i = 0; i < an.lesions.size(); ++i) {
    const LesionShape& s = an.lesions[i];
    const LesionPlan& plan = options.lesions[i];
    LesionTruth l;
    l.id = s.id;
    l.fate = plan.fate;
    l.baselineCentreLps = s.centreLps;
    l.followupCentreLps = t.inverse(s.centreLps);
    l.baselineDiameterMm = plan.baselineDiameterMm;
    l.baselineRequestedMl = s.requestedVolumeMl;
    l.followupRequestedMl = s.requestedVolumeMl * followupFraction(plan);
    l.baselineMaskMl = labelVolumeMl(base.lesions, static_cast<std::uint16_t>(i + 1));
    l.followupMaskMl = labelVolumeMl(follow.lesions, static_cast<std::uint16_t>(i + 1));
    l.baselineMask = std::string(layout::kBaselineTruth) + "/lesion_" + s.id + ".nii.gz";
    if (followFactor[i] > 0.0)
      l.followupMask = std::string(layout::kFollowupTruth) + "/lesion_" + s.id + ".nii.gz";
    truth.lesions.push_back(l);
  }
  truth.landmarks = landmarkPairs(an, t, gb, gf);
  truth.baselineLiverMl = core::maskVolumeMl(base.liver);
  truth.followupLiverMl = core::maskVolumeMl(follow.liver);
  jacobianRange(t, follow.liver, truth);

  const fs::path root = stage.path();
  core::SubProgress p4(progress, 0.72, 0.82);
  dicom::writeImageSeries(base.image, seriesInfo(options.seed, true, options.followupModality),
                          root / layout::kBaselineSeries, &p4);
  core::SubProgress p5(progress, 0.82, 0.9);
  dicom::writeImageSeries(follow.image, seriesInfo(options.seed, false, options.followupModality),
                          root / layout::kFollowupSeries, &p5);
  core::reportProgress(progress, "writing ground truth", 0.9);
  const std::vector<double> all(an.lesions.size(), 1.0);
  std::vector<WriteJob> jobs;
  jobs.emplace_back([&] { writeDisplacementField(field, root / layout::kField); }); // the longest first
  addTruthMaskJobs(jobs, root / layout::kBaselineTruth, base, an, all);
  addTruthMaskJobs(jobs, root / layout::kFollowupTruth, follow, an, followFactor);
  core::SubProgress p6(progress, 0.9, 0.99);
  core::parallelFor(jobs.size(), options.threads, &p6, "writing ground truth", [&](std::size_t i) { jobs[i](); });
  nlohmann::json transform = transformJson(t);
  transform["seed"] = options.seed;
  transform["followup_modality"] = mr ? "MR" : "CT";
  writeTruthFiles(root, truth, transform);
  writeCaseFile(root, {layout::kBaselineSeries, layout::kFollowupSeries}, truth);
  if (!options.snapshotDir.empty())
    writeSnapshots(options.snapshotDir, base, follow, an, t, options.followupModality);
  stage.commit();
  core::reportProgress(progress, "writing ground truth", 1.0);
  truth.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return truth;
}

CaseTruth readCaseTruth(const fs::path& caseDir) {
  auto load = [&](const char* rel) {
    const fs::path p = caseDir / rel;
    core::requireReadable(p);
    std::ifstream in(p);
    try {
      return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw Error(ErrorCode::InvalidFormat, e.what(), p.string());
    }
  };
  auto vec = [](const nlohmann::json& j) {
    return core::Vec3{j.at(0).get<double>(), j.at(1).get<double>(), j.at(2).get<double>()};
  };
  CaseTruth truth;
  try {
    const nlohmann::json lesions = load(layout::kLesions); // named: a temporary would dangle in the loop
    for (const auto& l : lesions.at("lesions")) {
      LesionTruth t;
      t.id = l.at("id").get<std::string>();
      t.fate = parseLesionFate(l.at("followup_status").get<std::string>());
      t.baselineCentreLps = vec(l.at("baseline_centre_lps"));
      t.followupCentreLps = vec(l.at("followup_centre_lps"));
      t.baselineDiameterMm = l.at("baseline_diameter_mm").get<double>();
      t.baselineRequestedMl = l.at("baseline_volume_ml").get<double>();
      t.followupRequestedMl = l.at("followup_volume_ml").get<double>();
      t.baselineMaskMl = l.at("baseline_mask_volume_ml").get<double>();
      t.followupMaskMl = l.at("followup_mask_volume_ml").get<double>();
      t.baselineMask = l.at("baseline_mask").get<std::string>();
      t.followupMask = l.at("followup_mask").get<std::string>();
      truth.lesions.push_back(t);
    }
    const nlohmann::json landmarks = load(layout::kLandmarks);
    for (const auto& p : landmarks.at("pairs"))
      truth.landmarks.push_back(
          {p.at("name").get<std::string>(), vec(p.at("baseline_lps")), vec(p.at("followup_lps"))});
    truth.baselineLiverMl = lesions.at("liver_volume_ml").at("baseline").get<double>();
    truth.followupLiverMl = lesions.at("liver_volume_ml").at("followup").get<double>();
    const auto transform = load(layout::kTransform);
    truth.jacobianMin = transform.at("jacobian_determinant_in_liver").at("min").get<double>();
    truth.jacobianMax = transform.at("jacobian_determinant_in_liver").at("max").get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::InvalidFormat, std::string("unexpected ground-truth file: ") + e.what(), caseDir.string());
  }
  return truth;
}

} // namespace vestige::phantom
