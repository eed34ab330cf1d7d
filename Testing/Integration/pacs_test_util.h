#pragma once
// Shared by the PACS integration tests: what a DICOM folder holds, by SOP instance, as the tests compare it.
#include "cli_run.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dctk.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace vestige::testing {

struct InstanceFacts {
  std::string studyUid;
  std::string seriesUid;
  std::string sopClassUid;
  std::string pixelHash; // FNV-1a 64 of the uncompressed PixelData ("" without pixel data)
};

// Every DICOM file under root (or root itself, a file) by SOP instance UID, pixel data decompressed (so a
// transcoded copy compares equal).
inline std::map<std::string, InstanceFacts> instancesUnder(const std::filesystem::path& root) {
  DcmRLEDecoderRegistration::registerCodecs();
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_regular_file(root))
    files.push_back(root);
  else
    for (const auto& e : std::filesystem::recursive_directory_iterator(root))
      if (e.is_regular_file())
        files.push_back(e.path());
  std::map<std::string, InstanceFacts> out;
  for (const std::filesystem::path& file : files) {
    DcmFileFormat ff;
    if (ff.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_fileOnly).bad())
      continue;
    DcmDataset* ds = ff.getDataset();
    OFString sop, study, series, cls;
    if (ds->findAndGetOFString(DCM_SOPInstanceUID, sop).bad())
      continue;
    ds->findAndGetOFString(DCM_StudyInstanceUID, study);
    ds->findAndGetOFString(DCM_SeriesInstanceUID, series);
    ds->findAndGetOFString(DCM_SOPClassUID, cls);
    InstanceFacts f{study.c_str(), series.c_str(), cls.c_str(), {}};
    (void)ds->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
    const Uint8* pixels = nullptr;
    unsigned long count = 0;
    if (ds->findAndGetUint8Array(DCM_PixelData, pixels, &count).good() && pixels) {
      std::uint64_t h = 1469598103934665603ULL;
      for (unsigned long i = 0; i < count; ++i)
        h = (h ^ pixels[i]) * 1099511628211ULL;
      f.pixelHash = std::to_string(h) + ":" + std::to_string(count);
    }
    out[sop.c_str()] = f;
  }
  return out;
}

inline std::size_t filesUnder(const std::filesystem::path& root) {
  std::size_t n = 0;
  if (std::filesystem::exists(root))
    for (const auto& e : std::filesystem::recursive_directory_iterator(root))
      n += e.is_regular_file() ? 1 : 0;
  return n;
}

// Names directly in folder that start with a dot (hidden receive folders).
inline std::set<std::string> hiddenIn(const std::filesystem::path& folder) {
  std::set<std::string> names;
  if (std::filesystem::exists(folder))
    for (const auto& e : std::filesystem::directory_iterator(folder))
      if (e.path().filename().string().rfind('.', 0) == 0)
        names.insert(e.path().filename().string());
  return names;
}

struct TimedRun {
  CliRun run;
  double seconds = 0.0;
};

inline TimedRun timedCli(const std::string& args) {
  const auto start = std::chrono::steady_clock::now();
  TimedRun t;
  t.run = vestigeCli(args);
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return t;
}

} // namespace vestige::testing
