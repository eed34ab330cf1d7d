#include "vestige/core/log.h"

#include <iostream>

namespace vestige::core {

const char* logLevelName(LogLevel level) noexcept {
  switch (level) {
  case LogLevel::Debug:
    return "debug";
  case LogLevel::Info:
    return "info";
  case LogLevel::Warning:
    return "warning";
  case LogLevel::Error:
    return "error";
  }
  return "?";
}

Logger Logger::toStderr(LogLevel minimum) {
  return Logger(
      [](LogLevel level, std::string_view m) { std::cerr << "vestige: " << logLevelName(level) << ": " << m << '\n'; },
      minimum);
}

void Logger::log(LogLevel level, std::string_view message) const {
  if (m_sink && level >= m_minimum)
    m_sink(level, message);
}

} // namespace vestige::core
