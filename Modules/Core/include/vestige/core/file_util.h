#pragma once
// File helpers shared by every module: checked opening and all-or-nothing writing.
#include <filesystem>
#include <functional>
#include <string>

namespace vestige::core {

// Throws NotFound / PermissionDenied / InvalidArgument with the path in the message unless path is a readable
// regular file (or a readable folder when folder is true).
void requireReadable(const std::filesystem::path& path, bool folder = false);

// Writes target all-or-nothing: writer receives a temporary path in the same folder with the same extension
// (e.g. ".vestige-tmp-1234-plan.nii.gz"), which is renamed onto target when writer returns. If writer throws,
// the temporary file is removed and target is left as it was. The folder of target is created if needed.
void writeAtomically(const std::filesystem::path& target,
                     const std::function<void(const std::filesystem::path&)>& writer);

// writeAtomically for text content.
void writeTextAtomically(const std::filesystem::path& target, const std::string& text);

// Lower-case "extension" including compound ones: "a.nii.gz" -> ".nii.gz", "b.NRRD" -> ".nrrd".
[[nodiscard]] std::string fullExtension(const std::filesystem::path& path);

} // namespace vestige::core
