#pragma once
// One slice view: the follow-up or the baseline scan in an axial, coronal or sagittal plane through its cursor,
// with the plan's overlays, orientation letters, a scale bar, the series in a corner and a legend. Pixels are
// computed on the CPU from the volumes (nearest voxel), so a frame costs a few milliseconds at 512 x 512 and the
// picture does not depend on the OpenGL driver.
#include "viewer_state.h"

#include <QImage>
#include <QPointF>
#include <QWidget>

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

class QMouseEvent;
class QPainter;

namespace vestige::viewer {

enum class Plane { Axial, Coronal, Sagittal };
enum class Scan { Followup, Baseline };
[[nodiscard]] const char* planeName(Plane plane) noexcept;

class SliceView : public QWidget {
  Q_OBJECT
public:
  SliceView(const ViewerState& state, Scan scan, Plane plane, QWidget* parent = nullptr);

  [[nodiscard]] Scan scan() const noexcept { return m_scan; }
  [[nodiscard]] Plane plane() const noexcept { return m_plane; }
  void setPlane(Plane plane);

  // The whole picture of this view at `size` (what paintEvent draws).
  [[nodiscard]] QImage render(QSize size) const;
  // Screen <-> LPS for the current size, zoom and pan; the through-plane coordinate is the cursor's.
  [[nodiscard]] core::Vec3 pixelToLps(QPointF pixel) const;
  [[nodiscard]] QPointF lpsToPixel(const core::Vec3& lps) const;
  // The point shown at the centre of the view moves to `lps` (in-plane); zoom is kept.
  void centreOn(const core::Vec3& lps);
  void resetView(); // whole scan, zoom 1, no pan
  void zoomBy(double factor);
  void setZoom(double zoom); // 1: the whole scan fits the view
  // One voxel step along the view normal (positive: towards L, P or S).
  void stepSlice(int steps);
  [[nodiscard]] std::optional<double> rulerLengthMm() const;

  // Hooks for the case-preparation window, which edits what the review only shows. The raster overlay blends into
  // the slice pixels; `voxel` holds each pixel's linear voxel index in the scan's grid (-1 outside), row by row.
  using RasterOverlay = std::function<void(QImage& image, const std::vector<std::int64_t>& voxel)>;
  using VectorOverlay = std::function<void(QPainter& painter)>;
  // A tool sees every mouse press, move and release first; returning true keeps the view's own handling out.
  using MouseTool = std::function<bool(SliceView* view, QMouseEvent* event)>;
  void setRasterOverlay(RasterOverlay overlay) { m_rasterOverlay = std::move(overlay); }
  void setVectorOverlay(VectorOverlay overlay) { m_vectorOverlay = std::move(overlay); }
  void setMouseTool(MouseTool tool) { m_mouseTool = std::move(tool); }
  // The scan's voxel axis closest to this view's normal (the axis a 2D brush disc is normal to).
  [[nodiscard]] int normalVoxelAxis() const;

signals:
  void cursorPicked(vestige::viewer::Scan scan, vestige::core::Vec3 lps);
  void windowChanged(double widthHu, double centerHu);
  void hovered(vestige::viewer::SliceView* view);

protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void enterEvent(QEvent* event) override;

private:
  struct Frame; // the pixel grid of one render
  [[nodiscard]] const core::Image* volume() const;
  [[nodiscard]] core::Vec3 cursor() const;
  [[nodiscard]] Frame frameFor(QSize size, bool withVoxels = true) const;
  void paintPicture(QPainter& painter, QSize size) const;
  void drawSlice(QImage& image, const Frame& frame) const;
  void drawVectorOverlays(QPainter& painter, const Frame& frame) const;
  void drawAnnotations(QPainter& painter, QSize size, const Frame& frame) const;
  void drawLegend(QPainter& painter, QSize size) const;

  const ViewerState& m_state;
  Scan m_scan;
  Plane m_plane;
  core::Vec3 m_centreLps{};
  bool m_centreSet = false;
  double m_zoom = 1.0;
  QPoint m_dragStart;
  Qt::MouseButton m_dragButton = Qt::NoButton;
  WindowLevel m_dragWindow;
  core::Vec3 m_dragCentre{};
  std::optional<core::Vec3> m_rulerA, m_rulerB;
  RasterOverlay m_rasterOverlay;
  VectorOverlay m_vectorOverlay;
  MouseTool m_mouseTool;
};

} // namespace vestige::viewer
