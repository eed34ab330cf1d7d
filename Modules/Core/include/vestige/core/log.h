#pragma once
// A logger object handed down by whoever owns the output (the CLI, a test). No global logger: libraries take a
// Logger& (or none) and the owner decides where messages go.
#include <functional>
#include <string>
#include <string_view>

namespace vestige::core {

enum class LogLevel { Debug, Info, Warning, Error };

[[nodiscard]] const char* logLevelName(LogLevel level) noexcept;

class Logger {
public:
  using Sink = std::function<void(LogLevel, std::string_view)>;

  Logger() = default; // discards everything
  Logger(Sink sink, LogLevel minimum) : m_sink(std::move(sink)), m_minimum(minimum) {}

  // A logger writing "vestige: warning: ..." lines to stderr.
  [[nodiscard]] static Logger toStderr(LogLevel minimum = LogLevel::Info);

  void log(LogLevel level, std::string_view message) const;
  void debug(std::string_view m) const { log(LogLevel::Debug, m); }
  void info(std::string_view m) const { log(LogLevel::Info, m); }
  void warning(std::string_view m) const { log(LogLevel::Warning, m); }
  void error(std::string_view m) const { log(LogLevel::Error, m); }

private:
  Sink m_sink;
  LogLevel m_minimum = LogLevel::Info;
};

} // namespace vestige::core
