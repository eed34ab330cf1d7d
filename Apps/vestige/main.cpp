// vestige: planning liver surgery after chemotherapy. This file wires subcommands together, maps errors to
// the documented exit codes (Documentation/cli.md) and turns Ctrl-C into a clean cancellation.
#include "app_context.h"

#include "vestige/core/error.h"
#include "vestige/core/version.h"

#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <iostream>

namespace {

std::atomic<bool> g_interrupted{false}; // the one piece of process state: set by the SIGINT handler

extern "C" void onInterrupt(int) {
  if (g_interrupted.exchange(true))
    std::_Exit(130); // second Ctrl-C: stop now
}

} // namespace

int main(int argc, char** argv) {
  using namespace vestige;
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);
  std::signal(SIGPIPE, SIG_IGN); // a PACS that drops the connection is an error to report, not a reason to die

  app::TerminalProgress progress(g_interrupted);
  app::AppContext context;
  context.progress = &progress;

  CLI::App cli{"vestige - plan liver surgery after chemotherapy: carry every original lesion site onto today's scan.\n"
               "Not a certified medical device."};
  cli.set_version_flag("--version", std::string("vestige ") + vestige::core::kVersion);
  cli.require_subcommand(1);
  bool verbose = false;
  bool quiet = false;
  cli.add_flag("-v,--verbose", verbose, "Print debug messages");
  cli.add_flag("-q,--quiet", quiet, "Print no progress and no notes");
  cli.add_option("--threads", context.threads, "Worker threads (0: all cores)")->capture_default_str();
  cli.parse_complete_callback([&] {
    context.log = core::Logger::toStderr(verbose ? core::LogLevel::Debug
                                                 : (quiet ? core::LogLevel::Warning : core::LogLevel::Info));
    progress.setQuiet(quiet);
  });

  app::addDicomCommands(cli, context);
  app::addInfoCommand(cli, context);
  app::addSegmentCommands(cli, context);
  app::addReportCommand(cli, context);
  app::addPhantomCommands(cli, context);
  app::addRegisterCommands(cli, context);
  app::addPlanCommand(cli, context);
  app::addPacsCommands(cli, context);
  app::addViewCommand(cli, context);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.exit(e);
    return code == 0 ? 0 : 1; // 1: usage error (documented)
  } catch (const core::Error& e) {
    progress.finish();
    std::cerr << "vestige: error: " << e.what() << '\n';
    return core::exitCodeFor(e.code());
  } catch (const std::bad_alloc&) {
    progress.finish();
    std::cerr << "vestige: error: out of memory\n";
    return core::exitCodeFor(core::ErrorCode::Io);
  } catch (const std::exception& e) {
    progress.finish();
    std::cerr << "vestige: internal error: " << e.what() << '\n';
    return core::exitCodeFor(core::ErrorCode::Internal);
  }
  progress.finish();
  return context.exitCode;
}
