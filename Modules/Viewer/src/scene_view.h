#pragma once
// The 3D view: the plan's surfaces (Visualization's scene, in its palette) in a QVTKOpenGLNativeWidget, with a
// patient orientation cube and a legend. Which surfaces show follows the layers and the scenario.
#include "viewer_state.h"

#include <QWidget>

#include <memory>
#include <optional>

namespace vestige::viewer {

class SceneView : public QWidget {
  Q_OBJECT
public:
  explicit SceneView(const ViewerState& state, QWidget* parent = nullptr);
  ~SceneView() override;

  // Takes the surfaces (built off the UI thread) and uploads them.
  void setSurfaces(std::shared_ptr<const PlanSurfaces> surfaces);
  [[nodiscard]] bool hasSurfaces() const noexcept;
  // Visibility and opacity from the layers and scenario; the chosen site is drawn opaque and the camera looks at it.
  void refresh();
  void focusOn(const core::Vec3& lps);
  void resetCamera();          // anterior view of the whole liver
  void rotate(double degrees); // about the patient's superior axis
  void renderNow();
  // Ruler on the surfaces: Shift + left click picks a surface point; two points give a line and its length in mm
  // (a third starts a new ruler). pickRulerPoint takes view pixels from the top-left, as Qt gives them.
  bool pickRulerPoint(int x, int y);
  [[nodiscard]] std::optional<double> rulerLengthMm() const;
  // Seconds per rendered frame while turning the scene by 360 degrees in `frames` steps (benchmark).
  [[nodiscard]] double secondsPerRotationFrame(int frames);

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
  const ViewerState& m_state;
};

} // namespace vestige::viewer
