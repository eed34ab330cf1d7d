// vestige view OUT: the interactive viewer of a plan folder, or its capture (--screenshot) and benchmark.
#include "app_context.h"

#include "vestige/core/error.h"
#include "vestige/viewer/viewer.h"

#include <cstdio>
#include <memory>

namespace vestige::app {

namespace {

struct ViewArgs {
  std::string folder;
  std::string layout = "review";
  std::string site;
  std::string screenshot;
  std::string size = "1600x1000";
  bool operatingRoom = false;
  bool benchmark = false;
};

void runView(const ViewArgs& args, AppContext& ctx) {
  viewer::ViewerOptions options;
  options.folder = args.folder;
  options.layout = viewer::parseLayout(args.layout);
  if (!args.site.empty())
    options.site = args.site;
  if (!args.screenshot.empty())
    options.screenshot = args.screenshot;
  options.operatingRoom = args.operatingRoom;
  options.benchmark = args.benchmark;
  char x = 0;
  char rest = 0;
  if (std::sscanf(args.size.c_str(), "%d%c%d%c", &options.width, &x, &options.height, &rest) != 3 || x != 'x' ||
      options.width < 200 || options.height < 150 || options.width > 8192 || options.height > 8192)
    throw core::Error(core::ErrorCode::InvalidArgument, "size must be WIDTHxHEIGHT, 200x150 to 8192x8192",
                      "--size " + args.size);
  ctx.exitCode = viewer::runViewer(options);
}

} // namespace

void addViewCommand(CLI::App& app, AppContext& ctx) {
  auto args = std::make_shared<ViewArgs>();
  auto* cmd = app.add_subcommand("view", "Review a plan folder: linked slice views, 3D, sites, scenarios, OR mode");
  cmd->add_option("folder", args->folder, "Plan folder written by `vestige plan` (only read, never written)")
      ->required();
  cmd->add_option("--layout", args->layout, "review (2x3), compare (baseline | follow-up) or 3d")
      ->capture_default_str();
  cmd->add_option("--site", args->site, "Centre every view on this site id (e.g. L1)");
  cmd->add_flag("--or", args->operatingRoom, "Operating-room mode: full screen, dark, large labels, few keys");
  cmd->add_option("--screenshot", args->screenshot, "Render the window into this PNG and exit");
  cmd->add_option("--size", args->size, "Window size WIDTHxHEIGHT (screenshots)")->capture_default_str();
  cmd->add_flag("--benchmark", args->benchmark, "Print load time, frame rates and peak memory, then exit")
      ->group(""); // hidden: used by Testing/Benchmarks/viewer_hcc009.sh
  cmd->callback([args, &ctx] { runView(*args, ctx); });
}

} // namespace vestige::app
