// vestige segment-liver | segment-lesion
#include "app_context.h"

#include "vestige/core/error.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/segmentation/lesion_segmentation.h"
#include "vestige/segmentation/liver_checks.h"
#include "vestige/segmentation/liver_segmentation.h"
#include "vestige/segmentation/mask_metrics.h"
#include "vestige/segmentation/overlay_png.h"

#include <chrono>
#include <iostream>

namespace vestige::app {

namespace {

struct SegmentLiverOptions {
  std::string input;
  std::string seriesUid;
  std::string output;
  std::vector<double> seed;
  std::vector<double> box;
  std::string overlayPrefix;
};

struct SegmentLesionOptions {
  std::string input;
  std::string seriesUid;
  std::string output;
  std::vector<double> click;
  double maxRadiusMm = 45.0;
  std::string liverMask;
};

// modality: the series' DICOM Modality, empty for a volume file (which carries none).
core::Image loadInput(const std::string& input, const std::string& seriesUid, AppContext& ctx,
                      std::string* modality = nullptr) {
  if (dicom::isVolumeFile(input))
    return dicom::readImage(input);
  dicom::LoadOptions options;
  options.seriesUid = seriesUid;
  options.threads = ctx.threads;
  dicom::LoadedSeries loaded = dicom::loadSeries(input, options, ctx.progress);
  for (const auto& note : loaded.notes)
    ctx.log.info(note);
  if (modality)
    *modality = loaded.series.modality;
  return std::move(loaded.image);
}

core::Vec3 pointOption(const std::vector<double>& v, const char* name) {
  if (v.size() != 3)
    throw core::Error(core::ErrorCode::InvalidArgument, "expected three numbers x,y,z (LPS mm)", name);
  return {v[0], v[1], v[2]};
}

void requireVolumeOutput(const std::string& output) {
  if (!dicom::isVolumeFile(output))
    throw core::Error(core::ErrorCode::InvalidArgument, "output must end in .nii.gz, .nii, .nrrd or .mha",
                      "-o " + output);
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void runSegmentLiver(const SegmentLiverOptions& o, AppContext& ctx) {
  requireVolumeOutput(o.output);
  const auto start = std::chrono::steady_clock::now();
  std::string modality;
  const core::Image ct = loadInput(o.input, o.seriesUid, ctx, &modality);
  // A volume file carries no modality: segmentLiver itself refuses values that are not Hounsfield units.
  if (!modality.empty() && modality != "CT")
    throw core::Error(core::ErrorCode::Unsupported,
                      "automatic liver segmentation works on CT only; this series is " + modality +
                          ": draw the liver mask in another tool and give it to `vestige plan` in the case file",
                      o.input);
  segmentation::LiverSegmentationOptions options;
  if (!o.seed.empty())
    options.seedLps = pointOption(o.seed, "--seed");
  if (!o.box.empty()) {
    if (o.box.size() != 6)
      throw core::Error(core::ErrorCode::InvalidArgument, "expected six numbers xmin,ymin,zmin,xmax,ymax,zmax (LPS mm)",
                        "--box");
    options.boxLps = core::BoundsLps{{o.box[0], o.box[1], o.box[2]}, {o.box[3], o.box[4], o.box[5]}};
  }
  const auto result = segmentation::segmentLiver(ct, options, ctx.progress);
  ctx.progress->finish();
  for (const auto& note : result.notes)
    ctx.log.info(note);
  // segment-liver works on CT only, so the dome check reads the scan as HU.
  for (const auto& w : segmentation::checkLiverOutline(ct, result.liver, true))
    ctx.log.warning("check the outline [" + w.code + "]: " + w.message);
  dicom::writeMask(result.liver, o.output);
  if (!o.overlayPrefix.empty()) {
    const auto centre = segmentation::centroidLps(result.liver);
    const std::vector<segmentation::OverlayOutline> outline{{&result.liver, {255, 60, 60}}};
    segmentation::writeOverlayPng(ct, outline, segmentation::OverlayPlane::Axial, centre, 60, 400,
                                  o.overlayPrefix + "_axial.png");
    segmentation::writeOverlayPng(ct, outline, segmentation::OverlayPlane::Coronal, centre, 60, 400,
                                  o.overlayPrefix + "_coronal.png");
  }
  std::cout << "wrote " << o.output << "  liver " << result.volumeMl << " mL  (" << secondsSince(start) << " s)\n";
}

void runSegmentLesion(const SegmentLesionOptions& o, AppContext& ctx) {
  requireVolumeOutput(o.output);
  const auto start = std::chrono::steady_clock::now();
  const core::Image image = loadInput(o.input, o.seriesUid, ctx);
  segmentation::LesionClickOptions options;
  options.maxRadiusMm = o.maxRadiusMm;
  core::Mask liver;
  if (!o.liverMask.empty()) {
    liver = dicom::conformMask(dicom::loadMask(o.liverMask), image.geometry, "--liver " + o.liverMask);
    options.liver = &liver;
  }
  const auto result =
      segmentation::segmentLesionFromClick(image, pointOption(o.click, "--click"), options, ctx.progress);
  ctx.progress->finish();
  dicom::writeMask(result.mask, o.output);
  std::cout << "wrote " << o.output << "  lesion " << result.volumeMl << " mL, longest diameter "
            << segmentation::longestDiameterMm(result.mask) << " mm, "
            << (result.hypodense ? "hypodense" : "hyperdense") << " (" << int(result.lesionHu) << " vs "
            << int(result.surroundingHu) << " around)  (" << secondsSince(start) << " s)\n";
}

} // namespace

void addSegmentCommands(CLI::App& app, AppContext& ctx) {
  auto liver = std::make_shared<SegmentLiverOptions>();
  auto* liverCmd = app.add_subcommand("segment-liver", "Segment the liver (tumours included) of a CT automatically");
  liverCmd->add_option("series", liver->input, "DICOM folder or file, or a volume file (CT in HU)")->required();
  liverCmd->add_option("--series", liver->seriesUid, "SeriesInstanceUID (needed when the folder holds several)");
  liverCmd->add_option("-o,--output", liver->output, "Output mask .nii.gz, .nii, .nrrd or .mha")->required();
  liverCmd->add_option("--seed", liver->seed, "A point in the liver, x,y,z in LPS mm (when the automatic pick fails)")
      ->delimiter(',')
      ->expected(3);
  liverCmd->add_option("--box", liver->box, "Only inside xmin,ymin,zmin,xmax,ymax,zmax (LPS mm)")
      ->delimiter(',')
      ->expected(6);
  liverCmd->add_option("--overlay", liver->overlayPrefix,
                       "Also write PREFIX_axial.png and PREFIX_coronal.png with the outline, for a visual check");
  liverCmd->callback([liver, &ctx] { runSegmentLiver(*liver, ctx); });

  auto lesion = std::make_shared<SegmentLesionOptions>();
  auto* lesionCmd = app.add_subcommand("segment-lesion", "Segment one lesion from a click inside it");
  lesionCmd->add_option("series", lesion->input, "DICOM folder or file, or a volume file")->required();
  lesionCmd->add_option("--series", lesion->seriesUid, "SeriesInstanceUID (needed when the folder holds several)");
  lesionCmd->add_option("--click", lesion->click, "A point inside the lesion, x,y,z in LPS mm")
      ->delimiter(',')
      ->expected(3)
      ->required();
  lesionCmd->add_option("-o,--output", lesion->output, "Output mask .nii.gz, .nii, .nrrd or .mha")->required();
  lesionCmd->add_option("--radius", lesion->maxRadiusMm, "Search sphere radius around the click, mm")
      ->capture_default_str();
  lesionCmd->add_option("--liver", lesion->liverMask,
                        "Liver mask (e.g. from segment-liver): the lesion is kept within it (3 mm tolerance) and its "
                        "transition rim may reach further without leaking into the diaphragm or stomach");
  lesionCmd->callback([lesion, &ctx] { runSegmentLesion(*lesion, ctx); });
}

} // namespace vestige::app
