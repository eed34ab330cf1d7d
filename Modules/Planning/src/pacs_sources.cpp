// Case files whose scans are in a PACS: retrieve them into a cache folder, then plan from there.
#include "vestige/core/error.h"
#include "vestige/dicom/pacs.h"
#include "vestige/planning/case_file.h"

#include <cstdlib>

namespace vestige::planning {

std::filesystem::path defaultPacsCacheFolder() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "vestige" / "pacs";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".cache" / "vestige" / "pacs";
  return std::filesystem::path(".cache") / "vestige" / "pacs";
}

void fetchPacsSeries(CaseFile& caseFile, const std::filesystem::path& cacheFolder,
                     const std::filesystem::path& pacsConfig, core::Progress* progress) {
  SeriesRef* refs[] = {&caseFile.baseline, &caseFile.followup};
  for (std::size_t i = 0; i < 2; ++i) {
    SeriesRef& ref = *refs[i];
    if (ref.pacs.empty())
      continue;
    const dicom::PacsServer server = dicom::resolvePacsServer(ref.pacs, pacsConfig);
    dicom::PacsRetrieveOptions options;
    options.studyUid = ref.studyUid;
    options.seriesUids = {ref.seriesUid};
    const std::filesystem::path studyFolder = cacheFolder / ref.studyUid;
    core::SubProgress sub(progress, i * 0.5, (i + 1) * 0.5);
    try {
      const dicom::PacsRetrieveResult r = dicom::pacsRetrieve(server, options, studyFolder, &sub);
      ref.series = r.series.at(0).folder;
    } catch (const core::Error& e) {
      throw core::Error(e.code(), e.message(),
                        caseFile.file.filename().string() + ": " + (i == 0 ? "baseline" : "followup") + " (" +
                            e.context() + ")");
    }
  }
}

} // namespace vestige::planning
