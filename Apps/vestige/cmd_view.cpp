// vestige view PLAN_FOLDER | CASE.json | --baseline DIR --followup DIR: the review viewer of a plan folder, or the
// case-preparation window of a case; their capture (--screenshot) and benchmark.
#include "app_context.h"

#include "vestige/core/error.h"
#include "vestige/viewer/viewer.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace vestige::app {

namespace {

struct ViewArgs {
  std::string folder;
  std::string baseline;
  std::string followup;
  double autosaveSeconds = -1.0; // unset: $VESTIGE_AUTOSAVE_SECONDS, else 30
  std::string recover = "ask";
  std::vector<double> markAt;
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
  if (args.folder.empty() && (args.baseline.empty() || args.followup.empty()))
    throw core::Error(core::ErrorCode::InvalidArgument, "give a plan folder, a case file, or --baseline and --followup",
                      "vestige view");
  if (!args.baseline.empty())
    options.baselineSeries = args.baseline;
  if (!args.followup.empty())
    options.followupSeries = args.followup;
  options.autosaveSeconds = args.autosaveSeconds;
  if (options.autosaveSeconds < 0) {
    const char* env = std::getenv("VESTIGE_AUTOSAVE_SECONDS");
    options.autosaveSeconds = env && *env ? std::atof(env) : 30.0;
  }
  options.recovery = viewer::parseRecovery(args.recover);
  if (!args.markAt.empty()) {
    if (args.markAt.size() != 3)
      throw core::Error(core::ErrorCode::InvalidArgument, "mark-at needs X,Y,Z in LPS mm", "--mark-at");
    options.markAtLps = std::array<double, 3>{args.markAt[0], args.markAt[1], args.markAt[2]};
  }
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
  auto* cmd = app.add_subcommand(
      "view", "Review a plan folder (slice views, 3D, sites, scenarios, OR mode) or prepare a case (mark lesions, "
              "correct livers, confirm statuses, sign off, plan)");
  cmd->add_option("folder", args->folder,
                  "Plan folder written by `vestige plan` (only read, never written), or a case file (*.json) to "
                  "prepare");
  cmd->add_option("--baseline", args->baseline, "Prepare a new case: baseline series (DICOM folder or volume file)");
  cmd->add_option("--followup", args->followup, "Prepare a new case: follow-up series (DICOM folder or volume file)");
  cmd->add_option("--autosave-seconds", args->autosaveSeconds,
                  "Case window: autosave period of unsaved work (default $VESTIGE_AUTOSAVE_SECONDS, else 30)");
  cmd->add_option("--recover", args->recover, "Case window: take an autosave left by a crash: ask, yes or no")
      ->capture_default_str();
  cmd->add_option("--mark-at", args->markAt, "Case window, for scripts: one-click mark at X,Y,Z (LPS mm), accepted")
      ->delimiter(',')
      ->expected(3);
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
