// The report and exports of one plan: pictures, meshes, DICOM, then the HTML and PDF that show them.
#include "vestige/report/report.h"
#include "vestige/segmentation/mask_metrics.h"
#include "vestige/segmentation/overlay_png.h"

#include "annotate.h"
#include "content.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/sc_writer.h"
#include "vestige/dicom/seg_writer.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/dicom/sr_writer.h"
#include "vestige/dicom/vr_rules.h"
#include "vestige/visualization/render.h"
#include "vestige/visualization/scene.h"

#include <cctype>
#include <memory>
#include <optional>

namespace vestige::report {

namespace {

namespace fs = std::filesystem;
using visualization::Role;

std::string stem(const std::string& id) {
  std::string out;
  for (char c : id)
    out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_');
  return out.empty() ? std::string("site") : out;
}

std::array<std::uint8_t, 3> rgbOf(Role role) {
  const auto c = visualization::styleOf(role).color;
  return {c.r, c.g, c.b};
}

const dicom::CodedConcept kAnatomical{"123037004", "SCT", "Anatomical Structure"};
const dicom::CodedConcept kLiver{"10200004", "SCT", "Liver"};
// CID 7150 / 7159: a lesion is a morphologically abnormal structure; its type follows the case's diagnosis.
const dicom::CodedConcept kAbnormal{"49755003", "SCT", "Morphologically Abnormal Structure"};
const dicom::CodedConcept kMetastasis{"14799000", "SCT", "Neoplasm, Secondary"};
const dicom::CodedConcept kHcc{"25370001", "SCT", "Hepatocellular carcinoma"};
// The remnant and the resection zone are planned regions of the liver, not the organ: a spatial concept (CID 7150)
// whose type no standard code names, with the liver as anatomic region.
const dicom::CodedConcept kSpatial{"309825002", "SCT", "Spatial and Relational Concept"};
const dicom::CodedConcept kRemnantRegion{"FLRREGION", "99VESTIGE", "Future liver remnant"};
const dicom::CodedConcept kResectionRegion{"RESZONE", "99VESTIGE", "Resection zone"};
const dicom::CodedConcept kVolume{"118565006", "SCT", "Volume"};
const dicom::CodedConcept kDiameter{"81827009", "SCT", "Diameter"};
const dicom::CodedConcept kDepth{"111020", "DCM", "Depth"};
const dicom::CodedConcept kMl{"ml", "UCUM", "milliliter"};
const dicom::CodedConcept kMm{"mm", "UCUM", "millimeter"};
const dicom::CodedConcept kPercent{"%", "UCUM", "percent"};
// Concepts no standard terminology names: a private coding scheme (designators starting with 99 are private).
const dicom::CodedConcept kFlr{"FLR", "99VESTIGE", "Future liver remnant fraction"};
const dicom::CodedConcept kSflr{"SFLR", "99VESTIGE", "Standardized future liver remnant fraction"};
const dicom::CodedConcept kGrow{"GROW", "99VESTIGE", "Resection margin plus registration uncertainty"};
const dicom::CodedConcept kStatus{"STATUS", "99VESTIGE", "Status on follow-up"};
const dicom::CodedConcept kMissing{"MISSING", "99VESTIGE", "Missing metastasis under visible-only resection"};

const dicom::CodedConcept& tumourType(const planning::PlanSummary& summary) {
  return summary.diagnosis == "hcc" ? kHcc : kMetastasis;
}

// The follow-up as a DICOM series whose grid is the plan's; nullopt (with a note) when it is not one.
std::optional<dicom::LoadedSeries> followupSeries(const planning::PlanSummary& summary, const core::ImageGeometry& grid,
                                                  std::vector<std::string>& notes) {
  const fs::path source = summary.followup.source;
  if (source.empty() || !fs::exists(source)) {
    notes.push_back("DICOM export skipped: follow-up source '" + source.string() + "' not found");
    return std::nullopt;
  }
  const std::string ext = core::fullExtension(source);
  if (fs::is_regular_file(source) &&
      (ext == ".nii" || ext == ".nii.gz" || ext == ".nrrd" || ext == ".mha" || ext == ".mhd")) {
    notes.push_back("DICOM export skipped: the follow-up was a volume file, not a DICOM series (" + source.string() +
                    ")");
    return std::nullopt;
  }
  dicom::LoadOptions options;
  options.seriesUid = summary.followup.seriesUid;
  dicom::LoadedSeries loaded = dicom::loadSeries(source, options);
  if (!core::sameGrid(loaded.image.geometry, grid, 0.01)) {
    notes.push_back("DICOM export skipped: the plan's grid (" + core::describe(grid) +
                    ") is not the follow-up series' grid (" + core::describe(loaded.image.geometry) + ")");
    return std::nullopt;
  }
  return loaded;
}

// Runs one export; a failure (core::Error, or anything else thrown by a library) is recorded with its reason instead
// of ending the report. Cancellation (Ctrl-C) still stops everything. True when the export was written.
template <class Export> bool attempt(const std::string& name, ReportFiles& out, Export&& run) {
  std::string reason;
  try {
    run();
    return true;
  } catch (const core::Error& e) {
    if (e.code() == core::ErrorCode::Cancelled)
      throw;
    reason = e.what();
  } catch (const std::exception& e) {
    reason = e.what();
  }
  out.failed.push_back({name, reason});
  out.notes.push_back(name + " not written: " + reason);
  return false;
}

struct DicomContent {
  std::vector<dicom::SegmentSpec> segments;
  std::vector<dicom::SrMeasurementGroup> groups;
};

DicomContent dicomContent(const planning::PlanSummary& summary, const planning::PlanMasks& masks,
                          const core::ImageGeometry& g) {
  DicomContent c;
  auto onGrid = [&](core::Mask m) {
    m.geometry = g; // exact DICOM geometry for the frames
    return m;
  };
  auto addRegion = [&](const std::string& label, const std::string& description, const dicom::CodedConcept& category,
                       const dicom::CodedConcept& type, const dicom::CodedConcept& region, Role role,
                       const core::Mask& mask, double volumeMl, std::vector<dicom::SrMeasurement> extra) {
    c.segments.push_back({label, description, category, type, region, rgbOf(role), "", onGrid(mask)});
    dicom::SrMeasurementGroup group{label, static_cast<unsigned>(c.segments.size()), type, region, {}, {}};
    group.measurements.push_back({kVolume, volumeMl, kMl});
    group.measurements.insert(group.measurements.end(), extra.begin(), extra.end());
    c.groups.push_back(group);
  };
  addRegion("Liver", "Follow-up liver, tumours included", kAnatomical, kLiver, {}, Role::Liver, masks.liver,
            summary.liverMl, {});
  std::vector<dicom::SrMeasurement> flr{{kFlr, summary.flrPercent, kPercent}};
  if (summary.sflrPercent)
    flr.push_back({kSflr, *summary.sflrPercent, kPercent});
  addRegion("Future liver remnant", "Liver minus the resection zones of all original sites", kSpatial, kRemnantRegion,
            kLiver, Role::Remnant, masks.remnant, summary.remnantMl, flr);
  addRegion("Resection zone", "Original sites grown by margin and uncertainty, within the liver", kSpatial,
            kResectionRegion, kLiver, Role::Resection, masks.resection, summary.resectedMl, {});
  const dicom::CodedConcept& tumour = tumourType(summary);
  for (std::size_t k = 0; k < summary.lesions.size(); ++k) {
    const planning::LesionResult& l = summary.lesions[k];
    const Role role = visualization::siteRoleOf(l.status);
    core::Mask site = core::extractLabel(masks.projectedSites, static_cast<std::uint16_t>(k + 1));
    const std::string label = dicom::shortenAtWord("Site " + l.id, 64);
    c.segments.push_back({label, "Baseline extent on the follow-up; " + l.status, kAbnormal, tumour, kLiver,
                          rgbOf(role), l.id, onGrid(std::move(site))});
    dicom::SrMeasurementGroup group{label, static_cast<unsigned>(c.segments.size()), tumour, kLiver, {}, {}};
    group.measurements = {{kVolume, l.projectedVolumeMl, kMl},
                          {kDiameter, l.baselineDiameterMm, kMm},
                          {kDepth, l.depthBelowSurfaceMm, kMm},
                          {kGrow, l.growMm > 0 ? l.growMm : summary.marginMm + l.uncertaintyMm, kMm}};
    group.qualitative = {{kStatus, l.status}, {kMissing, l.missingMetastasis ? "yes" : "no"}};
    c.groups.push_back(group);
  }
  if (!masks.visibleTumour.empty() && core::countNonZero(masks.visibleTumour) > 0) {
    c.segments.push_back({"Visible tumour", "Tumour visible on the follow-up", kAbnormal, tumour, kLiver,
                          rgbOf(Role::VisibleTumour), "", onGrid(masks.visibleTumour)});
    c.groups.push_back({"Visible tumour",
                        static_cast<unsigned>(c.segments.size()),
                        tumour,
                        kLiver,
                        {{kVolume, summary.tumourMl, kMl}},
                        {}});
  }
  return c;
}

// SEG, SR (it references the SEG) and Secondary Captures, each written or listed as failed on its own.
void exportDicom(const planning::PlanSummary& summary, const planning::PlanMasks& masks,
                 const std::vector<ReportImage>& images, const fs::path& folder, ReportFiles& out,
                 core::Progress* progress) {
  std::optional<dicom::LoadedSeries> loaded;
  const bool readable = attempt("DICOM exports (SEG, SR, Secondary Capture)", out,
                                [&] { loaded = followupSeries(summary, masks.liver.geometry, out.notes); });
  if (!readable || !loaded)
    return;
  const DicomContent content = dicomContent(summary, masks, loaded->image.geometry);
  std::error_code ec;
  fs::create_directories(folder, ec); // an unwritable folder shows as each export's own error below

  dicom::DerivedSeriesInfo info;
  info.seriesDescription = "Vestige plan segmentation";
  info.seriesNumber = 9001;
  info.contentLabel = "VESTIGE_PLAN";
  std::optional<dicom::WrittenObject> seg;
  attempt("DICOM SEG", out, [&] {
    core::SubProgress segProgress(progress, 0.0, 0.6);
    seg = dicom::writeSegmentation(loaded->series, content.segments, info, folder / "plan_seg.dcm", &segProgress);
    out.dicom.push_back(seg->file);
  });
  if (seg) {
    info.seriesDescription = "Vestige plan measurements";
    info.seriesNumber = 9002;
    attempt("DICOM SR", out, [&] {
      out.dicom.push_back(
          dicom::writeMeasurementReport(loaded->series, *seg, content.groups, info, folder / "plan_sr.dcm").file);
    });
  } else {
    out.failed.push_back({"DICOM SR", "it references the DICOM SEG, which was not written"});
    out.notes.push_back("DICOM SR not written: it references the DICOM SEG, which was not written");
  }
  core::reportProgress(progress, "DICOM", 0.8);
  if (!images.empty()) {
    info.seriesDescription = "Vestige plan pictures";
    info.seriesNumber = 9003;
    attempt("DICOM Secondary Capture", out, [&] {
      std::vector<dicom::CapturedImage> captures;
      for (const ReportImage& image : images) {
        const visualization::RgbImage png = visualization::readPng(image.file);
        captures.push_back({png.width, png.height, png.rgb, image.caption});
      }
      for (const auto& w : dicom::writeSecondaryCaptures(loaded->series, captures, info, folder, "plan_sc"))
        out.dicom.push_back(w.file);
    });
  }
  core::reportProgress(progress, "DICOM", 1.0);
}

} // namespace

ReportFiles writeReport(const planning::PlanSummary& summary, const planning::PlanMasks& masks,
                        const fs::path& outFolder, const ReportOptions& options, core::Progress* progress) {
  ReportFiles out;
  fs::create_directories(outFolder / "images");
  core::reportProgress(progress, "report", 0.0);

  // Slices (CPU) first: they need no display. The liver outline comes first, through the liver's centre and through
  // each place a warning names, so that a reader sees a leak or a cut-off liver at a glance.
  std::vector<std::pair<std::string, core::Vec3>> outlinePlaces;
  if (core::countNonZero(masks.liver) > 0)
    outlinePlaces.emplace_back("the liver's centre", segmentation::centroidLps(masks.liver));
  for (const planning::PlanWarning& w : summary.warnings)
    if (w.placeLps && w.scan != "baseline") // the plan keeps the follow-up's image only
      outlinePlaces.emplace_back("the place of warning " + w.code, *w.placeLps);
  for (std::size_t n = 0; n < outlinePlaces.size(); ++n)
    for (auto plane : {segmentation::OverlayPlane::Axial, segmentation::OverlayPlane::Coronal}) {
      const std::string planeName = plane == segmentation::OverlayPlane::Axial ? "axial" : "coronal";
      const fs::path file = outFolder / "images" / ("liver_" + std::to_string(n + 1) + "_" + planeName + ".png");
      attempt("picture of the liver outline", out, [&] {
        const std::vector<segmentation::OverlayOutline> outline{{&masks.liver, {255, 176, 0}}};
        segmentation::writeOverlayPng(masks.followup, outline, plane, outlinePlaces[n].second, 60.0, 400.0, file);
        out.images.push_back({file,
                              "Follow-up liver outline (orange), " + planeName + " through " + outlinePlaces[n].first +
                                  " (" + core::formatVec(outlinePlaces[n].second, 0) +
                                  " LPS mm); patient right on the image left",
                              "liver"});
      });
    }

  for (std::size_t k = 0; k < summary.lesions.size(); ++k) {
    const planning::LesionResult& l = summary.lesions[k];
    for (auto plane : {visualization::SlicePlane::Axial, visualization::SlicePlane::Coronal}) {
      const fs::path file =
          outFolder / "images" / ("site_" + stem(l.id) + "_" + visualization::slicePlaneName(plane) + ".png");
      attempt(std::string("picture of site ") + l.id, out, [&] {
        const visualization::SliceOptions sliceOptions;
        visualization::RgbImage picture = visualization::renderSiteSlice(summary, masks, k, plane, sliceOptions);
        annotateSiteSlice(picture, {l.id, l.status, plane, sliceOptions.fieldOfViewMm / sliceOptions.pixels});
        visualization::writePng(picture, file);
        out.images.push_back({file,
                              "Site " + l.id + " (" + l.status + "), " + visualization::slicePlaneName(plane) +
                                  " through the projected centre (cross); patient right on the image left; bar 10 mm",
                              l.id});
      });
    }
  }
  core::reportProgress(progress, "report", 0.1);

  core::Mask vessels;
  if (!options.vessels.empty())
    vessels = dicom::conformMask(dicom::loadMask(options.vessels), masks.liver.geometry, "vessels");
  visualization::Scene scene;
  if (options.renders || options.meshes) {
    core::SubProgress sub(progress, 0.1, 0.4);
    scene = visualization::buildPlanScene(summary, masks, vessels, options.surface, &sub);
    out.notes.insert(out.notes.end(), scene.notes.begin(), scene.notes.end());
  }
  std::vector<ReportImage> views;
  if (options.renders) {
    // Without a display and without Xvfb the rest of the report is still worth having: say so and go on.
    std::unique_ptr<visualization::DisplayGuard> display;
    try {
      display = std::make_unique<visualization::DisplayGuard>(); // starts Xvfb when no display answers
    } catch (const core::Error& e) {
      if (e.code() != core::ErrorCode::Unsupported)
        throw;
      out.notes.push_back(std::string("3D views skipped: ") + e.what());
    }
    if (display)
      attempt("3D views", out, [&] {
        visualization::RenderOptions render;
        render.width = render.height = options.renderSize;
        const std::vector<visualization::View> all(std::begin(visualization::kAllViews),
                                                   std::end(visualization::kAllViews));
        const std::vector<visualization::RgbImage> pictures = visualization::renderViews(scene, all, render);
        for (std::size_t v = 0; v < all.size(); ++v) {
          const fs::path file =
              outFolder / "images" / (std::string("view_") + visualization::viewName(all[v]) + ".png");
          visualization::writePng(pictures[v], file);
          views.push_back({file, std::string(visualization::viewName(all[v])) + " view", "views"});
        }
        out.images.insert(out.images.begin(), views.begin(), views.end());
      });
  }
  core::reportProgress(progress, "report", 0.55);
  if (options.meshes)
    attempt("meshes", out, [&] { out.meshes = visualization::writeSceneMeshes(scene, outFolder / "meshes").files; });
  core::reportProgress(progress, "report", 0.65);
  if (options.dicom) {
    core::SubProgress sub(progress, 0.65, 0.9);
    exportDicom(summary, masks, out.images, outFolder / "dicom", out, &sub);
  }
  out.html = outFolder / "report.html";
  core::writeTextAtomically(out.html, reportHtml(summary, out.images, out.notes));
  out.pdf = outFolder / "report.pdf";
  writeReportPdf(summary, out.images, out.pdf, out.notes);
  core::reportProgress(progress, "report", 1.0);
  return out;
}

ReportFiles writeReport(const fs::path& planFolder, const ReportOptions& options, core::Progress* progress) {
  core::requireReadable(planFolder, true);
  planning::PlanSummary summary = planning::readPlanSummary(planFolder);
  // A relative follow-up source is taken as given when it exists from here, else relative to the plan folder.
  const fs::path source = summary.followup.source;
  if (!source.empty() && source.is_relative() && !fs::exists(source) && fs::exists(planFolder / source))
    summary.followup.source = (planFolder / source).string();
  const planning::PlanMasks masks = planning::readPlanMasks(planFolder);
  return writeReport(summary, masks, planFolder, options, progress);
}

} // namespace vestige::report
