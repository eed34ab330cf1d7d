#include "vestige/core/file_util.h"

#include "vestige/core/error.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
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

void writeAtomically(const fs::path& target, const std::function<void(const fs::path&)>& writer) {
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec)
    throw Error(ErrorCode::Io, "cannot create folder: " + ec.message(), folder.string());
  const fs::path tmp = folder / (".vestige-tmp-" + std::to_string(::getpid()) + "-" + target.filename().string());
  try {
    writer(tmp);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error(ErrorCode::Io, "cannot move the finished file into place: " + ec.message(), target.string());
  }
}

void writeTextAtomically(const fs::path& target, const std::string& text) {
  writeAtomically(target, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    out.close();
    if (!out)
      throw Error(ErrorCode::Io, "write failed", target.string());
  });
}

} // namespace vestige::core
