// vestige report OUT: the report and standard exports of a plan folder written by `vestige plan`.
#include "app_context.h"

#include "vestige/report/report.h"

#include <filesystem>
#include <iostream>
#include <memory>

namespace vestige::app {

void reportFailedExports(const report::ReportFiles& files, AppContext& ctx) {
  if (files.failed.empty())
    return;
  std::cerr << "vestige: report written, but " << files.failed.size() << " export(s) missing:\n";
  for (const report::FailedExport& f : files.failed)
    std::cerr << "  " << f.name << ": " << f.reason << "\n";
  ctx.exitCode = kExitExportsMissing;
}

namespace {

struct ReportArgs {
  std::string folder;
  std::string vessels;
  bool noRenders = false;
  bool noMeshes = false;
  bool noDicom = false;
  int size = 800;
};

void runReport(const ReportArgs& args, AppContext& ctx) {
  report::ReportOptions options;
  options.renders = !args.noRenders;
  options.meshes = !args.noMeshes;
  options.dicom = !args.noDicom;
  options.renderSize = args.size;
  options.vessels = args.vessels;
  const report::ReportFiles files = report::writeReport(args.folder, options, ctx.progress);
  ctx.progress->finish();
  for (const std::string& note : files.notes)
    ctx.log.warning("note: " + note);
  std::cout << "pictures  " << files.images.size() << " in " << (std::filesystem::path(args.folder) / "images").string()
            << "\n";
  if (!files.meshes.empty())
    std::cout << "meshes    " << files.meshes.size() << " in "
              << (std::filesystem::path(args.folder) / "meshes").string()
              << " (STL/OBJ in LPS mm; plan.glb in glTF metres, +X left +Y superior +Z anterior)\n";
  for (const auto& f : files.dicom)
    std::cout << "DICOM     " << f.string() << "\n";
  std::cout << "report    " << files.html.string() << "\n"
            << "report    " << files.pdf.string() << "\n";
  reportFailedExports(files, ctx);
}

} // namespace

void addReportCommand(CLI::App& app, AppContext& ctx) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd =
      app.add_subcommand("report", "Write report.html/report.pdf, meshes and DICOM SEG/SR/SC for a plan folder");
  cmd->add_option("folder", args->folder, "Plan folder written by `vestige plan` (plan.json + masks)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--vessels", args->vessels, "Vessel mask on the follow-up grid, shown in the 3D views");
  cmd->add_option("--size", args->size, "Pixels of the square 3D views")
      ->capture_default_str()
      ->check(CLI::Range(64, 4096));
  cmd->add_flag("--no-renders", args->noRenders, "Skip the 3D views (they need an X display or Xvfb)");
  cmd->add_flag("--no-meshes", args->noMeshes, "Skip STL/OBJ/glTF meshes");
  cmd->add_flag("--no-dicom", args->noDicom, "Skip DICOM SEG/SR/Secondary Capture");
  cmd->callback([args, &ctx] { runReport(*args, ctx); });
}

} // namespace vestige::app
