// vestige dicom ls | convert
#include "app_context.h"

#include "vestige/core/error.h"
#include "vestige/dicom/catalog.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/series_loader.h"

#include <chrono>
#include <iostream>

namespace vestige::app {

namespace {

struct LsOptions {
  std::string folder;
  bool json = false;
};

struct ConvertOptions {
  std::string input;
  std::string seriesUid;
  std::string output;
};

void runLs(const LsOptions& o, AppContext& ctx) {
  dicom::CatalogOptions options;
  options.threads = ctx.threads;
  const dicom::Catalog catalog = dicom::scanCatalog(o.folder, options, ctx.progress);
  ctx.progress->finish();
  std::cout << (o.json ? dicom::catalogToJson(catalog) + "\n" : dicom::catalogToText(catalog));
}

void runConvert(const ConvertOptions& o, AppContext& ctx) {
  if (!dicom::isVolumeFile(o.output))
    throw core::Error(core::ErrorCode::InvalidArgument, "output must end in .nii.gz, .nii, .nrrd or .mha",
                      "-o " + o.output);
  const auto start = std::chrono::steady_clock::now();
  dicom::LoadOptions options;
  options.seriesUid = o.seriesUid;
  options.threads = ctx.threads;
  const dicom::LoadedSeries loaded = dicom::loadSeries(o.input, options, ctx.progress);
  ctx.progress->finish();
  for (const auto& note : loaded.notes)
    ctx.log.info(note);
  dicom::writeImage(loaded.image, o.output);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "wrote " << o.output << "  " << core::describe(loaded.image.geometry) << "  (" << loaded.series.modality
            << ", series " << loaded.series.seriesUid << ", " << seconds << " s)\n";
}

} // namespace

void addDicomCommands(CLI::App& app, AppContext& ctx) {
  auto* dicom = app.add_subcommand("dicom", "Explore and convert DICOM folders");
  dicom->require_subcommand(1);

  auto ls = std::make_shared<LsOptions>();
  auto* lsCmd = dicom->add_subcommand("ls", "List patients, studies and series under a folder (header-only scan)");
  lsCmd->add_option("folder", ls->folder, "Folder (searched recursively) or file")->required();
  lsCmd->add_flag("--json", ls->json, "Print JSON instead of a table");
  lsCmd->callback([ls, &ctx] { runLs(*ls, ctx); });

  auto conv = std::make_shared<ConvertOptions>();
  auto* convCmd = dicom->add_subcommand("convert", "Load one series into a volume file (LPS geometry kept)");
  convCmd->add_option("input", conv->input, "DICOM folder or file")->required();
  convCmd->add_option("--series", conv->seriesUid, "SeriesInstanceUID (needed when the folder holds several series)");
  convCmd->add_option("-o,--output", conv->output, "Output .nii.gz, .nii, .nrrd or .mha")->required();
  convCmd->callback([conv, &ctx] { runConvert(*conv, ctx); });
}

} // namespace vestige::app
