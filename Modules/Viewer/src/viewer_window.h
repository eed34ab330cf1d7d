#pragma once
// The viewer's main window: the slice views and the 3D view in one of three layouts, the side panel (messages,
// sites, scenario figures, layers, window presets, cursor) and the keys. Loading runs on a worker thread; the views
// fill in as its parts arrive.
#include "scene_view.h"
#include "slice_view.h"
#include "vestige/viewer/viewer.h"
#include "viewer_state.h"

#include <QMainWindow>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QProgressBar;
class QSlider;
class QTableWidget;
class QWidget;

namespace vestige::viewer {

// Sets the OpenGL surface format VTK's Qt widget needs; call before the QApplication is created.
void prepareOpenGl();

class ViewerWindow : public QMainWindow {
  Q_OBJECT
public:
  explicit ViewerWindow(const std::filesystem::path& folder, QWidget* parent = nullptr);
  ~ViewerWindow() override;

  [[nodiscard]] const ViewerState& state() const noexcept { return m_state; }
  [[nodiscard]] bool imagesLoaded() const noexcept { return m_state.images != nullptr; }
  [[nodiscard]] bool fullyLoaded() const noexcept { return m_loadFinished; }
  [[nodiscard]] SliceView* followupView(Plane plane) const;
  [[nodiscard]] SliceView* baselineView() const noexcept { return m_baseline; }
  [[nodiscard]] SceneView* sceneView() const noexcept { return m_scene; }
  [[nodiscard]] QString figuresText() const;
  [[nodiscard]] QString messageText() const;
  [[nodiscard]] QString cursorText() const;
  // Seconds from the window's creation to the first slice frame that showed the follow-up (0: not yet).
  [[nodiscard]] double secondsToFirstFrame() const noexcept { return m_firstFrameSeconds; }

  void setViewerLayout(Layout layout);
  void setOperatingRoom(bool on);
  void chooseSite(int index); // row of plan.json's lesions
  [[nodiscard]] int siteIndex(const std::string& id) const;
  void setScenario(const std::string& name); // kAllSites or kVisibleOnly
  void setLayer(Layer layer, bool on);
  void setLayerOpacity(Layer layer, double opacity);
  void setWindow(WindowLevel window);
  // Moves one cursor and the other through the registration (follow-up -> baseline: T, baseline -> follow-up: T^-1).
  void setCursor(Scan scan, const core::Vec3& lps);
  void resetViews();
  // Captures keep their requested size in OR mode (the text then scales with it as with a screen).
  void setFullScreenAllowed(bool allowed) { m_fullScreenAllowed = allowed; }

signals:
  void loadFinished();

protected:
  void keyPressEvent(QKeyEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

private:
  void buildPanel();
  void startLoading(const std::filesystem::path& folder);
  void imagesArrived(std::shared_ptr<PlanImages> images);
  void linkedPartsArrived(std::shared_ptr<LinkedParts> parts);
  void surfacesArrived(std::shared_ptr<const PlanSurfaces> surfaces);
  void fillSiteTable();
  void refreshPanel();
  void refreshViews();
  void applyTextSize();
  void stepSite(int delta);

  ViewerState m_state;
  std::shared_ptr<PlanImages> m_images; // the UI thread's handle: linked parts are merged into it here
  Layout m_layout = Layout::Review;
  SliceView* m_axial = nullptr;
  SliceView* m_coronal = nullptr;
  SliceView* m_sagittal = nullptr;
  SliceView* m_baseline = nullptr;
  SliceView* m_active = nullptr; // the slice view arrow keys step
  SceneView* m_scene = nullptr;
  QWidget* m_viewArea = nullptr;
  QGridLayout* m_grid = nullptr;
  QWidget* m_panel = nullptr;
  QLabel* m_banner = nullptr;
  QLabel* m_messages = nullptr;
  QProgressBar* m_progress = nullptr;
  QTableWidget* m_sites = nullptr;
  QComboBox* m_scenario = nullptr;
  QLabel* m_figures = nullptr;
  QLabel* m_cursor = nullptr;
  std::array<QCheckBox*, kLayerCount> m_layerBoxes{};
  std::array<QSlider*, kLayerCount> m_layerSliders{};
  std::vector<std::string> m_problems;
  std::thread m_loader;
  std::atomic<bool> m_cancel{false};
  bool m_loadFinished = false;
  double m_firstFrameSeconds = 0.0;
  std::chrono::steady_clock::time_point m_created;
  std::array<LayerState, kLayerCount> m_savedLayers{};
  bool m_layersHidden = false;
  bool m_fullScreenAllowed = true;
};

} // namespace vestige::viewer
