// vestige register | warp
#include "app_context.h"

#include "vestige/core/error.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/registration/markups.h"
#include "vestige/registration/registration.h"
#include "vestige/registration/registration_io.h"
#include "vestige/registration/uncertainty.h"
#include "vestige/registration/warp.h"

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <vector>

namespace vestige::app {

namespace {

struct RegisterOptions {
  std::string fixed;
  std::string moving;
  std::string fixedMask;
  std::string movingMask;
  std::vector<std::string> movingLesions;
  std::string fixedSeries;
  std::string movingSeries;
  std::string metric = "auto";
  std::string fixedModality;
  std::string movingModality;
  double spacingMm = 2.0;
  bool affineOnly = false;
  bool noUncertainty = false;
  bool noMovedImage = false;
  std::string output;
};

struct WarpOptions {
  std::string registration;
  std::string image;
  std::string mask;
  std::string labels;
  std::string points;
  std::string reference;
  std::string interpolation = "linear";
  bool fromFollowup = false;
  std::string output;
};

struct LoadedImage {
  core::Image image;
  std::string modality;
};

// A DICOM folder/file (modality from the series) or a volume file (modality given, CT by default).
LoadedImage loadImage(const std::string& input, const std::string& seriesUid, const std::string& modality,
                      AppContext& ctx) {
  LoadedImage out;
  if (dicom::isVolumeFile(input)) {
    out.image = dicom::readImage(input);
    out.modality = modality.empty() ? "CT" : modality;
    return out;
  }
  dicom::LoadOptions options;
  options.seriesUid = seriesUid;
  options.threads = ctx.threads;
  dicom::LoadedSeries loaded = dicom::loadSeries(input, options, ctx.progress);
  for (const auto& note : loaded.notes)
    ctx.log.info(note);
  out.image = std::move(loaded.image);
  out.modality = modality.empty() ? loaded.series.modality : modality;
  return out;
}

void runRegister(const RegisterOptions& o, AppContext& ctx) {
  LoadedImage fixed = loadImage(o.fixed, o.fixedSeries, o.fixedModality, ctx);
  LoadedImage moving = loadImage(o.moving, o.movingSeries, o.movingModality, ctx);
  core::Mask fixedMask;
  core::Mask movingMask;
  registration::RegistrationInputs inputs;
  inputs.fixed = &fixed.image;
  inputs.moving = &moving.image;
  if (!o.fixedMask.empty()) {
    fixedMask = dicom::conformMask(dicom::loadMask(o.fixedMask, 0, ctx.progress), fixed.image.geometry, o.fixedMask);
    inputs.fixedMask = &fixedMask;
  }
  if (!o.movingMask.empty()) {
    movingMask =
        dicom::conformMask(dicom::loadMask(o.movingMask, 0, ctx.progress), moving.image.geometry, o.movingMask);
    inputs.movingMask = &movingMask;
  }
  core::Mask movingLesions;
  if (!o.movingLesions.empty()) {
    movingLesions = core::Mask(moving.image.geometry, 0);
    for (const auto& file : o.movingLesions) {
      const core::Mask site = dicom::conformMask(dicom::loadMask(file, 0, ctx.progress), moving.image.geometry, file);
      for (std::size_t n = 0; n < site.voxels.size(); ++n)
        movingLesions.voxels[n] |= site.voxels[n];
    }
    inputs.movingLesions = &movingLesions;
  }
  registration::RegistrationOptions options;
  options.metric = registration::parseMetric(o.metric);
  options.fixedModality = fixed.modality;
  options.movingModality = moving.modality;
  options.threads = ctx.threads;
  options.workingSpacingMm = o.spacingMm;
  options.deformable = !o.affineOnly;
  options.estimateUncertainty = !o.noUncertainty && !o.affineOnly;
  const registration::RegistrationResult result = registration::registerImages(inputs, options, ctx.progress);
  // The input voxels are not needed any more (the moved image needs the baseline's): writing the transform holds a
  // copy of the field.
  std::vector<float>().swap(fixed.image.voxels);
  if (o.noMovedImage)
    std::vector<float>().swap(moving.image.voxels);
  registration::saveRegistration(result, {o.fixed, o.moving, o.fixedMask, o.movingMask}, o.output);
  if (!o.noMovedImage) {
    const float outside = moving.modality == "MR" ? 0.0F : -1024.0F;
    const core::Image moved = registration::warpImage(moving.image, result.transform, fixed.image.geometry,
                                                      registration::Interpolation::Linear, outside);
    dicom::writeImage(moved, std::filesystem::path(o.output) / registration::layout::kMovedBaseline);
  }
  ctx.progress->finish();
  for (const auto& note : result.notes)
    ctx.log.info(note);
  std::cout << std::fixed << std::setprecision(3);
  for (const auto& s : result.stages)
    std::cout << "  " << std::left << std::setw(20) << s.name << std::right << " " << s.metric << " " << std::setw(9)
              << s.metricValue << "  " << std::setw(4) << s.iterations << " it  " << std::setw(7) << s.seconds
              << " s\n";
  std::cout << "jacobian " << (result.jacobianInLiver ? "in liver" : "in region") << ": min " << result.jacobianMin
            << " max " << result.jacobianMax << " folding " << result.foldingFraction * 100 << " %\n";
  if (result.diceAfter)
    std::cout << "liver Dice: " << *result.diceBefore << " after initialisation, " << *result.diceAfter
              << " after registration\n";
  std::cout << "wrote " << o.output << " (" << result.seconds << " s)\n";
}

// Points keep their structure: a markups file (chosen by name, .mrk.json) is read as its markups, so a Line stays
// a Line; the tool's own point JSON is one point list.
std::vector<registration::Markup> readPointSets(const std::string& path) {
  if (registration::isMarkupsFile(path))
    return registration::readMarkups(path);
  registration::Markup list;
  list.name = std::filesystem::path(path).stem().string();
  for (const auto& p : registration::readPointsJson(path))
    list.points.push_back({p.name, p.lps, ""});
  return {list};
}

void warpPoints(const WarpOptions& o, const registration::RegistrationResult& reg) {
  std::vector<registration::Markup> sets = readPointSets(o.points);
  std::vector<registration::MappedPoint> mapped;
  for (auto& set : sets)
    for (auto& p : set.points) {
      registration::MappedPoint m;
      m.name = p.label;
      if (o.fromFollowup) {
        m.followupLps = p.lps;
        m.baselineLps = reg.transform.followupToBaselineLps(p.lps);
      } else {
        m.baselineLps = p.lps;
        m.followupLps = reg.transform.baselineToFollowupLps(p.lps);
      }
      if (!reg.uncertaintyMm.empty())
        m.uncertaintyMm = registration::pointUncertaintyMm(reg.uncertaintyMm, reg.transform, m.baselineLps);
      p.lps = o.fromFollowup ? m.baselineLps : m.followupLps;
      if (!reg.uncertaintyMm.empty()) {
        std::ostringstream text;
        text << "registration uncertainty " << std::fixed << std::setprecision(1) << m.uncertaintyMm << " mm";
        p.description = text.str();
      }
      mapped.push_back(m);
    }
  if (registration::isMarkupsFile(o.output))
    registration::writeMarkups(sets, o.output);
  else
    registration::writeMappedPointsJson(mapped, o.output);
  std::cout << "wrote " << mapped.size() << " points ("
            << (o.fromFollowup ? "follow-up -> baseline" : "baseline -> follow-up") << ", LPS mm) to " << o.output
            << "\n";
}

void runWarp(const WarpOptions& o, AppContext& ctx) {
  const int given = !o.image.empty() + !o.mask.empty() + !o.labels.empty() + !o.points.empty();
  if (given != 1)
    throw core::Error(core::ErrorCode::InvalidArgument, "give exactly one of --image, --mask, --labels, --points",
                      "vestige warp");
  const registration::RegistrationResult reg = registration::loadRegistration(o.registration);
  core::ImageGeometry target = reg.fixedGeometry;
  if (!o.reference.empty())
    target = dicom::isVolumeFile(o.reference) ? dicom::readVolumeInfo(o.reference).geometry
                                              : loadImage(o.reference, "", "", ctx).image.geometry;
  if (!o.points.empty()) {
    warpPoints(o, reg);
    return;
  }
  if (!dicom::isVolumeFile(o.output))
    throw core::Error(core::ErrorCode::InvalidArgument, "output must end in .nii.gz, .nii, .nrrd or .mha",
                      "-o " + o.output);
  if (!o.image.empty()) {
    if (o.interpolation != "linear" && o.interpolation != "bspline")
      throw core::Error(core::ErrorCode::InvalidArgument, "interpolation must be linear or bspline", "--interpolation");
    const LoadedImage image = loadImage(o.image, "", "", ctx);
    const auto interpolation =
        o.interpolation == "bspline" ? registration::Interpolation::BSpline : registration::Interpolation::Linear;
    dicom::writeImage(registration::warpImage(image.image, reg.transform, target, interpolation,
                                              image.modality == "MR" ? 0.0F : -1024.0F),
                      o.output);
  } else if (!o.mask.empty()) {
    dicom::writeMask(registration::warpMask(dicom::loadMask(o.mask, 0, ctx.progress), reg.transform, target), o.output);
  } else {
    dicom::writeLabelMap(registration::warpLabelMap(dicom::readLabelMapFile(o.labels), reg.transform, target),
                         o.output);
  }
  ctx.progress->finish();
  std::cout << "wrote " << o.output << "  " << core::describe(target) << "\n";
}

} // namespace

void addRegisterCommands(CLI::App& app, AppContext& ctx) {
  auto reg = std::make_shared<RegisterOptions>();
  auto* cmd = app.add_subcommand("register", "Register a baseline scan (moving) onto a follow-up scan (fixed)");
  cmd->add_option("--fixed", reg->fixed, "Follow-up: DICOM folder or volume file")->required();
  cmd->add_option("--moving", reg->moving, "Baseline: DICOM folder or volume file")->required();
  cmd->add_option("--fixed-mask", reg->fixedMask, "Liver mask of the follow-up (file, SEG or mask series)");
  cmd->add_option("--moving-mask", reg->movingMask, "Liver mask of the baseline");
  cmd->add_option("--moving-lesions", reg->movingLesions,
                  "Baseline lesion masks (any mask format), kept out of the image forces: they may change");
  cmd->add_option("--fixed-series", reg->fixedSeries, "SeriesInstanceUID when the fixed folder holds several");
  cmd->add_option("--moving-series", reg->movingSeries, "SeriesInstanceUID when the moving folder holds several");
  cmd->add_option("--metric", reg->metric, "auto (by modality), ncc (CT-CT) or mi (CT-MR)")->capture_default_str();
  cmd->add_option("--fixed-modality", reg->fixedModality, "CT or MR for volume files (default: DICOM's, else CT)");
  cmd->add_option("--moving-modality", reg->movingModality, "CT or MR for volume files");
  cmd->add_option("--spacing", reg->spacingMm, "Working spacing in mm")->capture_default_str();
  cmd->add_flag("--affine-only", reg->affineOnly, "Stop after the affine stage");
  cmd->add_flag("--no-uncertainty", reg->noUncertainty, "Skip the perturbed run that estimates uncertainty");
  cmd->add_flag("--no-moved-image", reg->noMovedImage, "Do not write the baseline resampled onto the follow-up");
  cmd->add_option("-o,--output", reg->output, "Registration folder to write")->required();
  cmd->callback([reg, &ctx] { runRegister(*reg, ctx); });

  auto warp = std::make_shared<WarpOptions>();
  auto* w = app.add_subcommand("warp", "Carry baseline images, masks, label maps or points onto the follow-up");
  w->add_option("--registration", warp->registration, "Folder written by 'vestige register'")->required();
  w->add_option("--image", warp->image, "Baseline image (DICOM folder or volume file)");
  w->add_option("--mask", warp->mask, "Baseline mask (any mask format)");
  w->add_option("--labels", warp->labels, "Baseline label map (volume file), label-preserving");
  w->add_option("--points", warp->points, "Baseline points: points JSON or 3D Slicer markups (.mrk.json), LPS mm");
  w->add_option("--reference", warp->reference, "Target grid (default: the registration's follow-up grid)");
  w->add_flag("--from-followup", warp->fromFollowup,
              "Points are on the follow-up: map them to the baseline (the transform's own direction)");
  w->add_option("--interpolation", warp->interpolation, "linear or bspline (images)")->capture_default_str();
  w->add_option("-o,--output", warp->output,
                "Output volume file, points JSON, or markups (.mrk.json: same markups, mapped)")
      ->required();
  w->callback([warp, &ctx] { runWarp(*warp, ctx); });
}

} // namespace vestige::app
