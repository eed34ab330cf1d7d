#include "app_context.h"

#include <cstdio>
#include <unistd.h>

namespace vestige::app {

TerminalProgress::TerminalProgress(const std::atomic<bool>& interrupted)
    : m_interrupted(interrupted), m_tty(::isatty(STDERR_FILENO) != 0) {}

TerminalProgress::~TerminalProgress() {
  finish();
}

void TerminalProgress::report(std::string_view stage, double fraction) {
  if (m_quiet)
    return;
  const int percent = static_cast<int>(fraction * 100.0 + 0.5);
  const bool newStage = stage != m_stage;
  if (newStage) {
    finish();
    m_stage = std::string(stage);
    m_lastPercent = -1;
  }
  if (m_tty) {
    const auto now = std::chrono::steady_clock::now();
    if (!newStage && percent == m_lastPercent)
      return;
    if (!newStage && percent < 100 && now - m_lastDraw < std::chrono::milliseconds(50))
      return;
    m_lastDraw = now;
    constexpr int kWidth = 30;
    const int filled = percent * kWidth / 100;
    std::fprintf(stderr, "\r%-28.28s [%.*s%*s] %3d%%", m_stage.c_str(), filled, "##############################",
                 kWidth - filled, "", percent);
    std::fflush(stderr);
    m_lineOpen = true;
  } else {
    if (percent / 10 == m_lastPercent / 10 && !newStage)
      return;
    std::fprintf(stderr, "%s: %d%%\n", m_stage.c_str(), percent);
  }
  m_lastPercent = percent;
}

void TerminalProgress::finish() {
  if (m_lineOpen) {
    std::fputc('\n', stderr);
    m_lineOpen = false;
  }
}

} // namespace vestige::app
