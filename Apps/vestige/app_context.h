#pragma once
// What every subcommand shares: the logger, the terminal progress reporter (which also carries the Ctrl-C flag),
// and common options.
#include "vestige/core/log.h"
#include "vestige/core/progress.h"

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <string>

namespace vestige::report {
struct ReportFiles;
} // namespace vestige::report

namespace vestige::app {

// Draws a bar when stderr is a terminal, plain "stage: 40%" lines (at most one per 10 %) otherwise.
class TerminalProgress final : public core::Progress {
public:
  explicit TerminalProgress(const std::atomic<bool>& interrupted);
  ~TerminalProgress() override;
  void report(std::string_view stage, double fraction) override;
  [[nodiscard]] bool cancelRequested() const override { return m_interrupted.load(); }
  void finish(); // ends the current bar line
  void setQuiet(bool quiet) { m_quiet = quiet; }

private:
  const std::atomic<bool>& m_interrupted;
  bool m_tty;
  bool m_quiet = false;
  std::string m_stage;
  int m_lastPercent = -1;
  std::chrono::steady_clock::time_point m_lastDraw{};
  bool m_lineOpen = false;
};

struct AppContext {
  core::Logger log;
  TerminalProgress* progress = nullptr;
  unsigned threads = 0;
  int exitCode = 0; // a command that finished with a documented partial result sets it (e.g. kExitExportsMissing)
};

// Exit code of `vestige plan` / `vestige report` when the plan and report.html/report.pdf were written but some
// exports (DICOM SEG/SR/SC, meshes, pictures) were not (Documentation/cli.md).
inline constexpr int kExitExportsMissing = 10;

// One function per subcommand group, each in its own cmd_*.cpp file.
void addDicomCommands(CLI::App& app, AppContext& context);
void addInfoCommand(CLI::App& app, AppContext& context);
void addSegmentCommands(CLI::App& app, AppContext& context);
void addReportCommand(CLI::App& app, AppContext& context);
void addPhantomCommands(CLI::App& app, AppContext& context);
void addRegisterCommands(CLI::App& app, AppContext& context);
void addPlanCommand(CLI::App& app, AppContext& context);
void addPacsCommands(CLI::App& app, AppContext& context);
void addViewCommand(CLI::App& app, AppContext& context);

// Lists the exports a report could not write on stderr and sets the exit code kExitExportsMissing (cmd_report.cpp).
void reportFailedExports(const report::ReportFiles& files, AppContext& context);

} // namespace vestige::app
