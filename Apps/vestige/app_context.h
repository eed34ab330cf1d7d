#pragma once
// What every subcommand shares: the logger, the terminal progress reporter (which also carries the Ctrl-C flag),
// and common options.
#include "vestige/core/log.h"
#include "vestige/core/progress.h"

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <string>

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
};

// One function per subcommand group, each in its own cmd_*.cpp file.
void addDicomCommands(CLI::App& app, AppContext& context);
void addInfoCommand(CLI::App& app, AppContext& context);
void addSegmentCommands(CLI::App& app, AppContext& context);
void addReportCommand(CLI::App& app, AppContext& context);
void addPhantomCommands(CLI::App& app, AppContext& context);
void addRegisterCommands(CLI::App& app, AppContext& context);
void addPlanCommand(CLI::App& app, AppContext& context);

} // namespace vestige::app
