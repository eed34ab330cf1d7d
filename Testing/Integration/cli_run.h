#pragma once
// Running the `vestige` binary (VESTIGE_CLI, set by CMake) from the integration tests, as a user would.
#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace vestige::testing {

struct CliRun {
  int exitCode = -1;
  std::string output; // stdout and stderr together
};

// s single-quoted for the shell.
inline std::string shellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s)
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// `vestige args` with no stdin; exit code 128 + signal when a signal ended it.
inline CliRun vestigeCli(const std::string& args) {
  CliRun r;
  FILE* p = ::popen((std::string(VESTIGE_CLI) + " " + args + " 2>&1 < /dev/null").c_str(), "r");
  if (!p)
    return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0)
    r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

} // namespace vestige::testing
