#include "vestige/testing/test_support.h"

#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sys/resource.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace vestige::testing {

fs::path dataSet(const std::string& name) {
  const char* root = std::getenv("VESTIGE_TESTDATA_DIR");
  if (!root || !*root)
    return {};
  const fs::path p = fs::path(root) / name;
  return fs::is_directory(p) ? p : fs::path();
}

int dciodvfyErrors(const fs::path& file, std::string& output) {
  if (!fs::exists("/usr/bin/dciodvfy"))
    return -1;
  const std::string command = "/usr/bin/dciodvfy '" + file.string() + "' 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe)
    return -1;
  char line[4096];
  int errors = 0;
  while (std::fgets(line, sizeof line, pipe.get()) != nullptr) {
    output += line;
    errors += std::string(line).rfind("Error", 0) == 0 ? 1 : 0;
  }
  return errors;
}

int dciodvfyErrors(const fs::path& file) {
  std::string output;
  const int errors = dciodvfyErrors(file, output);
  if (errors != 0)
    std::cerr << "dciodvfy " << file.filename().string() << ":\n" << output;
  return errors;
}

FileSizeLimit::FileSizeLimit(unsigned long long bytes) {
  rlimit limit{};
  ::getrlimit(RLIMIT_FSIZE, &limit);
  m_savedSoft = limit.rlim_cur;
  m_savedHandler = std::signal(SIGXFSZ, SIG_IGN);
  limit.rlim_cur = static_cast<rlim_t>(bytes);
  ::setrlimit(RLIMIT_FSIZE, &limit);
}

FileSizeLimit::~FileSizeLimit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_FSIZE, &limit);
  limit.rlim_cur = static_cast<rlim_t>(m_savedSoft);
  ::setrlimit(RLIMIT_FSIZE, &limit);
  std::signal(SIGXFSZ, m_savedHandler);
}

fs::path freshTempDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  const fs::path p = fs::temp_directory_path() /
                     ("vestige-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::map<std::string, std::string> fingerprintTree(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file())
      continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::uint64_t h = 1469598103934665603ull;
    char buf[65536];
    std::uint64_t size = 0;
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      for (std::streamsize n = 0; n < in.gcount(); ++n)
        h = (h ^ static_cast<unsigned char>(buf[n])) * 1099511628211ull;
      size += static_cast<std::uint64_t>(in.gcount());
    }
    const auto perms = static_cast<unsigned>(entry.status().permissions());
    out[entry.path().string()] = std::to_string(h) + ":" + std::to_string(size) + ":" + std::to_string(perms);
  }
  return out;
}

} // namespace vestige::testing
