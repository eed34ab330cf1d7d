#include "vestige/core/error.h"

namespace vestige::core {

namespace {
std::string describe(const std::string& message, const std::string& context) {
  return context.empty() ? message : context + ": " + message;
}
} // namespace

Error::Error(ErrorCode code, const std::string& message, const std::string& context)
    : std::runtime_error(describe(message, context)), m_code(code), m_message(message), m_context(context) {}

const char* errorCodeName(ErrorCode code) noexcept {
  switch (code) {
  case ErrorCode::InvalidArgument:
    return "invalid argument";
  case ErrorCode::NotFound:
    return "not found";
  case ErrorCode::PermissionDenied:
    return "permission denied";
  case ErrorCode::Io:
    return "i/o error";
  case ErrorCode::InvalidFormat:
    return "invalid format";
  case ErrorCode::InconsistentData:
    return "inconsistent data";
  case ErrorCode::Ambiguous:
    return "ambiguous input";
  case ErrorCode::Unsupported:
    return "unsupported";
  case ErrorCode::Cancelled:
    return "cancelled";
  case ErrorCode::Network:
    return "network error";
  case ErrorCode::Internal:
    return "internal error";
  }
  return "unknown error";
}

int exitCodeFor(ErrorCode code) noexcept {
  switch (code) {
  case ErrorCode::InvalidArgument:
    return 2;
  case ErrorCode::NotFound:
    return 3;
  case ErrorCode::PermissionDenied:
    return 4;
  case ErrorCode::Io:
    return 5;
  case ErrorCode::InvalidFormat:
    return 6;
  case ErrorCode::InconsistentData:
    return 7;
  case ErrorCode::Ambiguous:
    return 8;
  case ErrorCode::Unsupported:
    return 9;
  case ErrorCode::Cancelled:
    return 130;
  case ErrorCode::Network:
    return 11;
  case ErrorCode::Internal:
    return 70;
  }
  return 70;
}

} // namespace vestige::core
