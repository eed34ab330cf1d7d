#pragma once
// `vestige view`: the interactive viewer of a plan folder (linked follow-up/baseline slice views and 3D, overlays,
// site list, scenarios, operating-room mode), the case-preparation window of a case file or two series (marking
// lesions, correcting livers, follow-up statuses, sign-off, planning), and their scriptable capture. This header is
// Qt-free so that the command line stays thin; the windows themselves live in src/.
#include <array>
#include <filesystem>
#include <optional>
#include <string>

namespace vestige::viewer {

enum class Layout { Review, Compare, Scene3d };
// "review", "compare", "3d"; throws core::Error(InvalidArgument) otherwise.
[[nodiscard]] Layout parseLayout(const std::string& name);

// What to do with the autosave of unsaved work found when a case opens.
enum class Recovery { Ask, Accept, Decline };
// "ask", "yes", "no"; throws core::Error(InvalidArgument) otherwise.
[[nodiscard]] Recovery parseRecovery(const std::string& name);

struct ViewerOptions {
  std::filesystem::path folder; // a plan folder written by `vestige plan` (only read), or a case file (*.json)
  // The case window from two series (DICOM folders or volume files); a folder with several series asks which.
  std::optional<std::filesystem::path> baselineSeries, followupSeries;
  double autosaveSeconds = 30.0; // case window: period of the autosave of unsaved work
  Recovery recovery = Recovery::Ask;
  // Case window, for scripts: a one-click mark at this LPS point (mm), accepted as a click and Enter would.
  std::optional<std::array<double, 3>> markAtLps;
  Layout layout = Layout::Review;
  std::optional<std::string> site;                 // lesion id to centre on
  bool operatingRoom = false;                      // full screen, dark, large labels, few keys
  std::optional<std::filesystem::path> screenshot; // render, write this PNG and exit
  int width = 1600;                                // window size for screenshots (and the initial window)
  int height = 1000;
  bool benchmark = false; // print time to first frame, slice and 3D frame rates, peak memory, then exit
};

// Runs the viewer (or the capture/benchmark) and returns the process exit code. Starts Xvfb when no X display
// answers (Visualization's DisplayGuard). Throws core::Error for unusable options or a failed capture.
int runViewer(const ViewerOptions& options);

// True when `folder` names a case file rather than a plan folder (a regular file ending in .json).
[[nodiscard]] bool isCaseFile(const std::filesystem::path& folder);

} // namespace vestige::viewer
