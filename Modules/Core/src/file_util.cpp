#include "vestige/core/file_util.h"

#include "vestige/core/error.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace vestige::core {

void requireReadable(const fs::path& path, bool folder) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status))
    throw Error(ErrorCode::NotFound, folder ? "no such folder" : "no such file", path.string());
  if (folder && !fs::is_directory(status))
    throw Error(ErrorCode::InvalidArgument, "expected a folder, found a file", path.string());
  if (!folder && fs::is_directory(status))
    throw Error(ErrorCode::InvalidArgument, "expected a file, found a folder", path.string());
  // open() rather than access(): it honours the effective and file-system ids, as the later read will.
  const int fd = ::open(path.c_str(), folder ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) {
    const int err = errno;
    throw Error(err == EACCES || err == EPERM ? ErrorCode::PermissionDenied : ErrorCode::Io,
                std::string("cannot read: ") + std::strerror(err), path.string());
  }
  ::close(fd);
}

std::string fullExtension(const fs::path& path) {
  std::string name = path.filename().string();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  for (const char* compound : {".nii.gz", ".tar.gz", ".mrk.json"}) {
    const std::string ext(compound);
    if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0)
      return ext;
  }
  const auto dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? std::string() : name.substr(dot);
}

namespace {

ErrorCode codeOf(const std::error_code& ec) {
  return ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted ||
                 ec == std::errc::read_only_file_system
             ? ErrorCode::PermissionDenied
             : ErrorCode::Io;
}

// Forces the finished file to the disk and reports what the writer may not have: a full disk or quota shows at
// the latest here (delayed allocation), and a file that is not there was never written.
void flushToDisk(const fs::path& file, const fs::path& target) {
  const int fd = ::open(file.c_str(), O_RDONLY);
  if (fd < 0)
    throw Error(ErrorCode::Io, std::string("the writer left no file: ") + std::strerror(errno), target.string());
  const int status = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (status != 0)
    throw Error(ErrorCode::Io, std::string("cannot flush the file to disk: ") + std::strerror(err), target.string());
}

} // namespace

void createFolder(const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec)
    throw Error(codeOf(ec), "cannot create folder: " + ec.message(), folder.string());
}

void writeAtomically(const fs::path& target, const std::function<void(const fs::path&)>& writer) {
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  createFolder(folder);
  const fs::path tmp = folder / (".vestige-tmp-" + std::to_string(::getpid()) + "-" + target.filename().string());
  std::error_code ignored;
  // Tried here first, so that a folder one may not write into is reported as such (writers say only "failed"); the
  // trial file is removed again so that a writer that writes nothing is noticed below.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    const int err = errno;
    throw Error(codeOf(std::error_code(err, std::generic_category())),
                "cannot create a file in " + folder.string() + ": " + std::strerror(err), target.string());
  }
  ::close(fd);
  ::unlink(tmp.c_str());
  try {
    writer(tmp);
    flushToDisk(tmp, target);
  } catch (...) {
    fs::remove(tmp, ignored);
    throw;
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    const Error error(codeOf(ec), "cannot move the finished file into place: " + ec.message(), target.string());
    fs::remove(tmp, ignored);
    throw error;
  }
}

namespace {

// ".vestige-stage-1234-name" / ".vestige-old-1234-name": the pid of the process that made it.
constexpr const char* kStagePrefix = ".vestige-stage-";
constexpr const char* kOldPrefix = ".vestige-old-";

bool processGone(long pid) {
  return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

void removeStaleStaging(const fs::path& folder, const std::string& name) {
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string entry = it->path().filename().string();
    for (const std::string prefix : {kStagePrefix, kOldPrefix}) {
      if (entry.rfind(prefix, 0) != 0)
        continue;
      const std::string rest = entry.substr(prefix.size());
      const auto dash = rest.find('-');
      if (dash == std::string::npos || rest.substr(dash + 1) != name)
        continue;
      char* end = nullptr;
      const long pid = std::strtol(rest.c_str(), &end, 10);
      std::error_code ignored;
      if (end == rest.c_str() + dash && processGone(pid))
        fs::remove_all(it->path(), ignored);
    }
  }
}

} // namespace

StagingFolder::StagingFolder(fs::path target, const std::string& marker) : m_target(std::move(target)) {
  if (m_target.filename().empty())
    m_target = m_target.parent_path(); // "out/" names the folder "out"
  std::error_code ec;
  const auto status = fs::status(m_target, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status))
      throw Error(ErrorCode::InvalidArgument, "exists and is not a folder", m_target.string());
    if (!fs::is_empty(m_target, ec) && !fs::exists(m_target / marker))
      throw Error(ErrorCode::InvalidArgument,
                  "exists, is not empty and holds no " + marker +
                      ": Vestige replaces only its own output folders; "
                      "choose a new or empty folder",
                  m_target.string());
  }
  const fs::path parent = m_target.has_parent_path() ? m_target.parent_path() : fs::path(".");
  createFolder(parent);
  const std::string name = m_target.filename().string();
  removeStaleStaging(parent, name);
  m_staging = parent / (kStagePrefix + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(m_staging, ec);
  createFolder(m_staging);
}

StagingFolder::~StagingFolder() {
  if (!m_committed) {
    std::error_code ignored;
    fs::remove_all(m_staging, ignored);
  }
}

void StagingFolder::commit() {
  const fs::path parent = m_staging.parent_path();
  const fs::path old = parent / (kOldPrefix + std::to_string(::getpid()) + "-" + m_target.filename().string());
  std::error_code ec, ignored;
  const bool hadTarget = fs::exists(m_target);
  if (hadTarget) {
    fs::remove_all(old, ignored);
    fs::rename(m_target, old, ec);
    if (ec)
      throw Error(codeOf(ec), "cannot move the earlier folder aside: " + ec.message(), m_target.string());
  }
  fs::rename(m_staging, m_target, ec);
  if (ec) {
    const Error error(codeOf(ec), "cannot move the finished folder into place: " + ec.message(), m_target.string());
    if (hadTarget)
      fs::rename(old, m_target, ignored);
    throw error;
  }
  m_committed = true;
  fs::remove_all(old, ignored);
}

void writeTextAtomically(const fs::path& target, const std::string& text) {
  writeAtomically(target, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    out.close();
    if (!out)
      throw Error(ErrorCode::Io, std::string("write failed: ") + std::strerror(errno), target.string());
  });
}

} // namespace vestige::core
