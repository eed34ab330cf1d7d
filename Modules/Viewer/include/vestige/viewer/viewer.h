#pragma once
// `vestige view`: the interactive viewer of a plan folder (linked follow-up/baseline slice views and 3D, overlays,
// site list, scenarios, operating-room mode) and its scriptable capture. This header is Qt-free so that the command
// line stays thin; the window itself lives in src/.
#include <filesystem>
#include <optional>
#include <string>

namespace vestige::viewer {

enum class Layout { Review, Compare, Scene3d };
// "review", "compare", "3d"; throws core::Error(InvalidArgument) otherwise.
[[nodiscard]] Layout parseLayout(const std::string& name);

struct ViewerOptions {
  std::filesystem::path folder; // written by `vestige plan`; only read
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

} // namespace vestige::viewer
