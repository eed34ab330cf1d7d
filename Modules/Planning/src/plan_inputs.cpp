#include "plan_inputs.h"

#include "vestige/core/error.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/lesions/followup_status.h"
#include "vestige/lesions/lesion_marks.h"
#include "vestige/segmentation/liver_segmentation.h"
#include "vestige/segmentation/mask_metrics.h"

#include <algorithm>
#include <cmath>

namespace fs = std::filesystem;

namespace vestige::planning::detail {

using core::Error;
using core::ErrorCode;

namespace {

// A scan of the abdomen, not a mask or an empty volume: refuses what would otherwise plan to "every lesion
// disappeared" (a binary liver mask given as the follow-up has two values, both inside the soft-tissue range).
void requireBodyImage(const core::Image& image, const std::string& modality, const std::string& key) {
  std::vector<float> distinct;
  for (const float v : image.voxels) {
    if (std::find(distinct.begin(), distinct.end(), v) == distinct.end())
      distinct.push_back(v);
    if (distinct.size() > 2)
      break;
  }
  if (distinct.size() <= 2) {
    std::string values;
    for (const float v : distinct)
      values += (values.empty() ? "" : " and ") + std::to_string(v);
    throw Error(ErrorCode::InvalidArgument,
                "holds only the value(s) " + values + ": a mask or an empty volume, not an image of the body",
                "case file " + key);
  }
  if (modality != "CT")
    return;
  // Soft tissue, fat and enhanced vessels span about -200 .. +400 HU; in a CT of the upper abdomen the body fills a
  // large part of the field of view, never under a tenth of it (air and table are the rest).
  std::size_t tissue = 0;
  for (const float v : image.voxels)
    tissue += (v >= -200.0F && v <= 400.0F) ? 1 : 0;
  const double fraction = double(tissue) / double(image.voxels.size());
  if (fraction < 0.1)
    throw Error(ErrorCode::InvalidArgument,
                "only " + std::to_string(int(std::lround(100.0 * fraction))) +
                    " % of the voxels lie in the soft-tissue range (-200 .. 400 HU): not a CT of the body in HU",
                "case file " + key);
}

} // namespace

LoadedScan loadScan(const SeriesRef& ref, const std::string& key, unsigned threads, core::Progress* progress) {
  LoadedScan scan;
  scan.summary.source = ref.series.string();
  try {
    if (dicom::isVolumeFile(ref.series)) {
      scan.image = dicom::readImage(ref.series);
      scan.summary.modality = "CT"; // a volume file carries no modality; Vestige's volume inputs are CT in HU
      scan.summary.description = ref.series.filename().string();
      scan.notes.push_back(key + ": volume file without DICOM header; assumed CT in HU");
    } else {
      dicom::LoadOptions options;
      options.seriesUid = ref.seriesUid;
      options.threads = threads;
      dicom::LoadedSeries s = dicom::loadSeries(ref.series, options, progress);
      scan.image = std::move(s.image);
      for (auto& n : s.notes)
        scan.notes.push_back(key + ": " + n);
      scan.summary.seriesUid = s.series.seriesUid;
      scan.summary.studyUid = s.series.studyUid;
      scan.summary.frameOfReferenceUid = s.series.frameOfReferenceUid;
      scan.summary.modality = s.series.modality;
      scan.summary.date = s.series.date;
      scan.summary.description = s.series.description;
      scan.summary.patientId = s.series.patientId;
      scan.summary.patientName = s.series.patientName;
      scan.headerHeightCm = s.series.patientHeightCm;
      scan.headerWeightKg = s.series.patientWeightKg;
    }
  } catch (const Error& e) {
    throw Error(e.code(), e.message(), "case file " + key + (e.context().empty() ? "" : " (" + e.context() + ")"));
  }
  scan.summary.geometry = scan.image.geometry;
  requireBodyImage(scan.image, scan.summary.modality, key);
  return scan;
}

} // namespace vestige::planning::detail

namespace vestige::planning::detail {

namespace {

void requireInside(const core::ImageGeometry& g, const core::Vec3& lps, const std::string& key) {
  if (!g.contains(g.lpsToIndex(lps)))
    throw Error(ErrorCode::InvalidArgument,
                "point " + core::formatVec(lps, 1) + " (LPS mm) lies outside the baseline image, which covers " +
                    core::formatVec(g.boundsLps().min, 1) + " .. " + core::formatVec(g.boundsLps().max, 1),
                "case file " + key);
}

// One lesion from a Slicer markups file: a line (longest diameter) or one fiducial with the spec's diameter.
core::Mask markupMask(const LesionSpec& spec, const core::Image& baseline) {
  const std::string key = "case file " + spec.key + ".markup";
  std::vector<lesions::LesionMark> marks;
  try {
    marks = lesions::marksFromMarkups(lesions::readSlicerMarkups(spec.markup), spec.diameterMm);
  } catch (const Error& e) {
    throw Error(e.code(), e.message(), key + " (" + spec.markup.string() + ")");
  }
  if (marks.size() != 1)
    throw Error(ErrorCode::InvalidArgument,
                "holds " + std::to_string(marks.size()) +
                    " marks; one lesion entry needs exactly one (a line, or a "
                    "fiducial with diameter_mm)",
                key);
  if (marks.front().kind == lesions::MarkKind::Point && !(spec.diameterMm > 0.0))
    throw Error(ErrorCode::InvalidArgument, "a fiducial needs diameter_mm beside it in the case file", key);
  requireInside(baseline.geometry, marks.front().centreLps, spec.key + ".markup");
  return lesions::resolveMark(marks.front(), baseline);
}

} // namespace

core::Mask liverMask(const std::optional<fs::path>& path, const LoadedScan& scan, const std::string& key,
                     core::Progress* progress) {
  if (path) {
    try {
      return dicom::conformMask(dicom::loadMask(*path, 0, progress), scan.image.geometry, key);
    } catch (const Error& e) {
      throw Error(e.code(), e.message(), "case file " + key + " (" + path->string() + ")");
    }
  }
  if (scan.summary.modality != "CT")
    throw Error(ErrorCode::InvalidArgument,
                "automatic liver segmentation works on CT only; this scan is " + scan.summary.modality +
                    ": give the liver mask in the case file",
                "case file " + key);
  return segmentation::segmentLiver(scan.image, {}, progress).liver;
}

core::Mask lesionMask(const LesionSpec& spec, const LoadedScan& baseline, const core::Mask& baselineLiver,
                      core::Progress* progress) {
  const core::ImageGeometry& g = baseline.image.geometry;
  core::Mask mask;
  switch (spec.kind) {
  case LesionMarkKind::Mask:
    try {
      mask = dicom::conformMask(dicom::loadMask(spec.mask, spec.segment, progress), g, spec.key + ".mask");
    } catch (const Error& e) {
      throw Error(e.code(), e.message(), "case file " + spec.key + ".mask (" + spec.mask.string() + ")");
    }
    break;
  case LesionMarkKind::CenterDiameter:
    requireInside(g, spec.centerLps, spec.key + ".center");
    mask = lesions::ballMask(g, spec.centerLps, spec.diameterMm);
    break;
  case LesionMarkKind::Click:
    requireInside(g, spec.clickLps, spec.key + ".click");
    core::reportProgress(progress, "Lesion " + spec.id + " from one click", 0.0);
    mask = lesions::resolveMark(lesions::clickMark(spec.id, spec.clickLps), baseline.image, &baselineLiver);
    break;
  case LesionMarkKind::Markup:
    mask = markupMask(spec, baseline.image);
    break;
  }
  if (core::countNonZero(mask) == 0)
    throw Error(ErrorCode::InvalidArgument, "the mark yields an empty lesion on the baseline grid",
                "case file " + spec.key);
  // A ball from a point + diameter or a line is a model of a tumour in the liver: the part of it outside the
  // baseline liver is stomach, kidney or air, not the site.
  if (spec.kind == LesionMarkKind::CenterDiameter || spec.kind == LesionMarkKind::Markup) {
    core::Mask clipped = mask;
    for (std::size_t n = 0; n < clipped.voxels.size(); ++n)
      clipped.voxels[n] = clipped.voxels[n] && baselineLiver.voxels[n];
    if (core::countNonZero(clipped) > 0)
      return clipped;
  }
  return mask;
}

double longestDiameterMm(const core::Mask& mask) {
  return segmentation::longestDiameterMm(mask);
}

FollowupStatus classifySite(const LoadedScan& baseline, const core::Mask& baselineSite, const core::Mask& baselineLiver,
                            const LoadedScan& followup, const core::Mask& projectedSite,
                            const core::Mask& followupLiver) {
  const bool sameModality = baseline.summary.modality == followup.summary.modality;
  const lesions::FollowupAssessment a = lesions::assessOriginalSite(
      {baseline.image, baselineSite, baselineLiver}, followup.image, projectedSite, followupLiver, sameModality);
  FollowupStatus s;
  s.status = lesions::statusName(a.status);
  s.followupDiameterMm = a.diameterMm;
  s.followupVolumeMl = a.lesionVolumeMl;
  s.referenceVolumeMl = a.referenceVolumeMl;
  s.followupLesion = a.lesion;
  return s;
}

} // namespace vestige::planning::detail
