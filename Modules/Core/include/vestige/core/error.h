#pragma once
// The one error type of Vestige. Every module translates third-party failures (ITK exceptions, DCMTK
// OFConditions, std::filesystem errors) into vestige::core::Error at its boundary, so callers and the CLI see
// one domain. The code selects the documented exit code of the command line (see Documentation/cli.md).
#include <stdexcept>
#include <string>

namespace vestige::core {

enum class ErrorCode {
  InvalidArgument,  // a bad option, key or value given by the user
  NotFound,         // a file, folder, series or key that does not exist
  PermissionDenied, // a file or folder that cannot be read or written
  Io,               // the operating system failed to read or write
  InvalidFormat,    // not DICOM / not an image / truncated / corrupt
  InconsistentData, // readable but contradictory: missing slices, mixed sizes, mask on another grid, ...
  Ambiguous,        // several candidates and no way to choose (e.g. several series, no UID given)
  Unsupported,      // valid but not handled (e.g. a transfer syntax no installed codec decodes)
  Cancelled,        // stopped by the user (Ctrl-C)
  Network,          // a DICOM server unreachable, not answering in time, or the connection lost
  Internal,         // a bug: should never happen
};

[[nodiscard]] const char* errorCodeName(ErrorCode code) noexcept;

// Exit code of the `vestige` command for an error of this code (documented in Documentation/cli.md).
[[nodiscard]] int exitCodeFor(ErrorCode code) noexcept;

class Error : public std::runtime_error {
public:
  // context names what the error is about: a file, a key, a series UID ("series 1.2.3", "case.json: margin_mm").
  Error(ErrorCode code, const std::string& message, const std::string& context = {});

  [[nodiscard]] ErrorCode code() const noexcept { return m_code; }
  [[nodiscard]] const std::string& message() const noexcept { return m_message; }
  [[nodiscard]] const std::string& context() const noexcept { return m_context; }

private:
  ErrorCode m_code;
  std::string m_message;
  std::string m_context;
};

} // namespace vestige::core
