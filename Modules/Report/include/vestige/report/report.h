#pragma once
// The plan report and the standard exports of a plan folder: report.html (self-contained, images embedded),
// report.pdf, pictures (3D views, per-site slices), meshes (STL, OBJ, glTF binary) and DICOM objects for PACS
// (SEG, Enhanced SR TID 1500, Secondary Capture) referencing the follow-up series.
#include "vestige/core/progress.h"
#include "vestige/planning/plan_result.h"
#include "vestige/visualization/mesh.h"

#include <filesystem>
#include <string>
#include <vector>

namespace vestige::report {

struct ReportOptions {
  bool renders = true; // 3D views; they need an X display (Xvfb is started when none answers)
  bool meshes = true;
  bool dicom = true; // only when the follow-up was read from a DICOM series
  int renderSize = 800;
  visualization::SurfaceOptions surface;
  std::filesystem::path vessels; // optional vessel mask on the follow-up grid (any format loadMask reads)
};

struct ReportImage {
  std::filesystem::path file; // PNG
  std::string caption;
  std::string group; // "views" or the site ID
};

// An export that could not be written; the rest of the report was (report.html and report.pdf always are).
struct FailedExport {
  std::string name;   // "DICOM SEG", "DICOM SR", "DICOM Secondary Capture", "meshes", "3D views", ...
  std::string reason; // the error, with what it was about
};

struct ReportFiles {
  std::filesystem::path html;
  std::filesystem::path pdf;
  std::vector<ReportImage> images;
  std::vector<std::filesystem::path> meshes;
  std::vector<std::filesystem::path> dicom;
  std::vector<std::string> notes;   // what was skipped and why
  std::vector<FailedExport> failed; // exports that failed (each also has a note); empty when all were written
};

// Reads OUT/plan.json and the masks of a plan folder (planning::readPlanSummary / readPlanMasks) and writes the
// report and exports into the same folder. An export that fails (an invalid or unreadable follow-up series, an
// unwritable folder, ...) is listed in ReportFiles::failed with its reason and the report is still written; errors
// reading the plan itself, or writing report.html/report.pdf, are thrown. This is what `vestige report OUT` runs and
// `vestige plan` calls last.
ReportFiles writeReport(const std::filesystem::path& planFolder, const ReportOptions& options = {},
                        core::Progress* progress = nullptr);

// Same from a plan in memory; writes into outFolder (created).
ReportFiles writeReport(const planning::PlanSummary& summary, const planning::PlanMasks& masks,
                        const std::filesystem::path& outFolder, const ReportOptions& options = {},
                        core::Progress* progress = nullptr);

// The HTML page alone (images read from their files and embedded as base64).
[[nodiscard]] std::string reportHtml(const planning::PlanSummary& summary, const std::vector<ReportImage>& images,
                                     const std::vector<std::string>& exportNotes = {});

// The PDF alone (cairo), written atomically.
void writeReportPdf(const planning::PlanSummary& summary, const std::vector<ReportImage>& images,
                    const std::filesystem::path& file, const std::vector<std::string>& exportNotes = {});

// The statement of limits printed in every report.
[[nodiscard]] const std::vector<std::string>& limitsStatement();

} // namespace vestige::report
