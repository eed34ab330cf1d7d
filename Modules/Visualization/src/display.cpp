// An X display for VTK's offscreen rendering (Debian's VTK renders through GLX only).
#include "vestige/visualization/render.h"

#include "vestige/core/error.h"

#include <X11/Xlib.h>

#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace vestige::visualization {

namespace {

std::string findXvfb() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = dirs.find(':', start);
    const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / "Xvfb";
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return {};
}

const char* kHowTo = "no X display for rendering: install xvfb (apt-get install xvfb, scripts/install-deps.sh) "
                     "or run the command under `xvfb-run -a`";

} // namespace

bool displayAnswers(const std::string& display) {
  const char* name = display.empty() ? std::getenv("DISPLAY") : display.c_str();
  if (name == nullptr || *name == '\0')
    return false;
  Display* d = XOpenDisplay(name);
  if (d == nullptr)
    return false;
  XCloseDisplay(d);
  return true;
}

DisplayGuard::DisplayGuard() {
  if (const char* current = std::getenv("DISPLAY")) {
    m_hadPrevious = true;
    m_previous = current;
    if (displayAnswers(current)) {
      m_display = current;
      m_connection = XOpenDisplay(current);
      return;
    }
  }
  const std::string xvfb = findXvfb();
  if (xvfb.empty())
    throw core::Error(core::ErrorCode::Unsupported, kHowTo, "DISPLAY");
  // Display numbers from 99 up; another process may take the same number at the same time, in which case Xvfb exits
  // at once and the next number is tried.
  for (int number = 99; number < 160; ++number) {
    if (std::filesystem::exists("/tmp/.X" + std::to_string(number) + "-lock") ||
        std::filesystem::exists("/tmp/.X11-unix/X" + std::to_string(number)))
      continue;
    const std::string name = ":" + std::to_string(number);
    const pid_t pid = ::fork();
    if (pid < 0)
      throw core::Error(core::ErrorCode::Io, "cannot start Xvfb (fork failed)", "DISPLAY");
    if (pid == 0) {
      const int null = ::open("/dev/null", O_RDWR);
      if (null >= 0) {
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
      }
      ::execl(xvfb.c_str(), "Xvfb", name.c_str(), "-screen", "0", "1280x1024x24", "-nolisten", "tcp", "-noreset",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      if (displayAnswers(name)) {
        // The server answering may be another process's Xvfb that won the race for this number while ours is
        // about to exit: only a child still alive a moment later is ours.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (::waitpid(pid, &status, WNOHANG) == pid) {
          exited = true;
          break;
        }
        m_pid = pid;
        m_display = name;
        m_connection = XOpenDisplay(name.c_str());
        ::setenv("DISPLAY", name.c_str(), 1);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!exited) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
      throw core::Error(core::ErrorCode::Unsupported, std::string("Xvfb did not answer within 10 s; ") + kHowTo,
                        "DISPLAY");
    }
  }
  throw core::Error(core::ErrorCode::Unsupported, std::string("Xvfb could not start on :99-:159; ") + kHowTo,
                    "DISPLAY");
}

DisplayGuard::~DisplayGuard() {
  if (m_connection != nullptr)
    XCloseDisplay(static_cast<Display*>(m_connection));
  if (m_pid > 0) {
    ::kill(m_pid, SIGTERM);
    ::waitpid(m_pid, nullptr, 0);
    if (m_hadPrevious)
      ::setenv("DISPLAY", m_previous.c_str(), 1);
    else
      ::unsetenv("DISPLAY");
  }
}

} // namespace vestige::visualization
