#pragma once
// Pictures of a plan: offscreen 3D renders of the scene from the standard directions, and CT slices through each
// site with the site, resection and liver outlined. 3D rendering needs an X display (Debian's VTK has no EGL/OSMesa
// build): DisplayGuard provides one by starting Xvfb when none answers.
#include "vestige/core/image.h"
#include "vestige/planning/plan_result.h"
#include "vestige/visualization/scene.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vestige::visualization {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb; // row-major from the top row, 3 bytes per pixel
};

void writePng(const RgbImage& image, const std::filesystem::path& file);
[[nodiscard]] RgbImage readPng(const std::filesystem::path& file);

struct ImageDifference {
  double meanAbsolute = 0.0;      // mean over pixels and channels, 0..255
  double fractionDiffering = 0.0; // pixels with any channel differing by more than the threshold
};

// Compares two images of the same size (Error(InconsistentData) otherwise).
[[nodiscard]] ImageDifference compareImages(const RgbImage& a, const RgbImage& b, int threshold = 24);

// Makes an X display available to VTK for the lifetime of the object. If $DISPLAY names a display that answers,
// nothing is started; otherwise Xvfb is started on a free display number and $DISPLAY points at it (restored on
// destruction). Throws Error(Unsupported) saying what to install or run when neither works.
class DisplayGuard {
public:
  DisplayGuard();
  ~DisplayGuard();
  DisplayGuard(const DisplayGuard&) = delete;
  DisplayGuard& operator=(const DisplayGuard&) = delete;

  [[nodiscard]] bool startedXvfb() const noexcept { return m_pid > 0; }
  [[nodiscard]] const std::string& display() const noexcept { return m_display; }

private:
  int m_pid = -1;
  // An X server resets when its last client leaves, and refuses connections meanwhile; holding one connection for
  // the guard's lifetime keeps it up between renders.
  void* m_connection = nullptr;
  std::string m_display;
  std::string m_previous;
  bool m_hadPrevious = false;
};

// True when an X display answers at `display` (e.g. ":0"); empty means $DISPLAY.
[[nodiscard]] bool displayAnswers(const std::string& display = {});

enum class View { Anterior, Posterior, Superior, Right, Left };
[[nodiscard]] const char* viewName(View view) noexcept;
inline constexpr View kAllViews[] = {View::Anterior, View::Posterior, View::Superior, View::Right, View::Left};

struct RenderOptions {
  int width = 800;
  int height = 800;
  bool legend = true;
  bool orientationLabels = true; // patient direction letters at the image borders
};

// Renders the scene seen from `view` (camera outside the patient on that side, head up except for Superior, where
// anterior is up). Needs a display (see DisplayGuard).
[[nodiscard]] RgbImage renderScene(const Scene& scene, View view, const RenderOptions& options = {});
// Several views of one scene in one window (the meshes are uploaded once): faster than renderScene per view.
[[nodiscard]] std::vector<RgbImage> renderViews(const Scene& scene, const std::vector<View>& views,
                                                const RenderOptions& options = {});

enum class SlicePlane { Axial, Coronal };
[[nodiscard]] const char* slicePlaneName(SlicePlane plane) noexcept;

struct SliceOptions {
  double fieldOfViewMm = 160.0; // square, centred on the site
  int pixels = 480;
  double windowCenterHu = 60.0; // liver window
  double windowWidthHu = 350.0;
};

// CT slice through the projected centre of lesion `lesionIndex` (axial: patient right on image left, anterior up;
// coronal: patient right on image left, superior up) with outlines of the liver (remnant colour), the resection
// zone and the original site, and a cross at the projected centre. Pure CPU, needs no display.
[[nodiscard]] RgbImage renderSiteSlice(const planning::PlanSummary& summary, const planning::PlanMasks& masks,
                                       std::size_t lesionIndex, SlicePlane plane, const SliceOptions& options = {});

} // namespace vestige::visualization
