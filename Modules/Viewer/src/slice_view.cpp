#include "slice_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace vestige::viewer {

const char* planeName(Plane plane) noexcept {
  switch (plane) {
  case Plane::Axial:
    return "Axial";
  case Plane::Coronal:
    return "Coronal";
  case Plane::Sagittal:
    return "Sagittal";
  }
  return "?";
}

namespace {

struct Axes {
  core::Vec3 right; // LPS direction of screen +x
  core::Vec3 down;  // LPS direction of screen +y
  int normal;       // LPS axis the plane is perpendicular to
};

// Radiological convention: the patient's right on the screen's left, anterior up on axial, superior up otherwise,
// anterior on the left of sagittal views.
Axes axesOf(Plane plane) {
  switch (plane) {
  case Plane::Axial:
    return {{1, 0, 0}, {0, 1, 0}, 2};
  case Plane::Coronal:
    return {{1, 0, 0}, {0, 0, -1}, 1};
  case Plane::Sagittal:
    return {{0, 1, 0}, {0, 0, -1}, 0};
  }
  return {{1, 0, 0}, {0, 1, 0}, 2};
}

QString letterOf(const core::Vec3& v) {
  int axis = 0;
  for (int a = 1; a < 3; ++a)
    if (std::abs(v[a]) > std::abs(v[axis]))
      axis = a;
  const char pos[3] = {'L', 'P', 'S'}, neg[3] = {'R', 'A', 'I'};
  return QString(QChar(v[axis] >= 0 ? pos[axis] : neg[axis]));
}

QColor toQColor(const visualization::Rgb8& c, int alpha = 255) {
  return QColor(c.r, c.g, c.b, alpha);
}

visualization::Rgb8 siteColor(const ViewerState& state, std::size_t label) {
  const auto& lesions = state.images->summary->lesions;
  const std::string status = label >= 1 && label <= lesions.size() ? lesions[label - 1].status : "visible";
  return visualization::styleOf(visualization::siteRoleOf(status)).color;
}

void blend(std::uint8_t* px, const visualization::Rgb8& c, double a) {
  px[0] = static_cast<std::uint8_t>(std::lround(px[0] * (1.0 - a) + c.b * a));
  px[1] = static_cast<std::uint8_t>(std::lround(px[1] * (1.0 - a) + c.g * a));
  px[2] = static_cast<std::uint8_t>(std::lround(px[2] * (1.0 - a) + c.r * a));
}

} // namespace

struct SliceView::Frame {
  int width = 0;
  int height = 0;
  double mmPerPixel = 1.0;
  core::Vec3 originLps{}; // centre of pixel (0, 0)
  Axes axes{};
  std::vector<std::int64_t> voxel; // linear voxel index of each pixel in the scan's grid, -1 outside
};

SliceView::SliceView(const ViewerState& state, Scan scan, Plane plane, QWidget* parent)
    : QWidget(parent), m_state(state), m_scan(scan), m_plane(plane) {
  setMinimumSize(160, 160);
  setMouseTracking(false);
  setFocusPolicy(Qt::ClickFocus);
}

void SliceView::setPlane(Plane plane) {
  m_plane = plane;
  update();
}

const core::Image* SliceView::volume() const {
  if (!m_state.images)
    return nullptr;
  const core::Image& v = m_scan == Scan::Followup ? m_state.images->masks.followup : m_state.images->baseline;
  return v.empty() ? nullptr : &v;
}

core::Vec3 SliceView::cursor() const {
  if (m_state.haveCursor)
    return m_scan == Scan::Followup ? m_state.followupCursorLps : m_state.baselineCursorLps;
  const core::Image* v = volume();
  if (!v)
    return {0, 0, 0};
  const core::BoundsLps b = v->geometry.boundsLps();
  return {(b.min[0] + b.max[0]) / 2, (b.min[1] + b.max[1]) / 2, (b.min[2] + b.max[2]) / 2};
}

SliceView::Frame SliceView::frameFor(QSize size, bool withVoxels) const {
  Frame f;
  f.width = std::max(1, size.width());
  f.height = std::max(1, size.height());
  f.axes = axesOf(m_plane);
  const core::Image* v = volume();
  if (!v)
    return f;
  const core::BoundsLps b = v->geometry.boundsLps();
  const core::Vec3 extent = core::sub(b.max, b.min);
  const double alongRight = std::abs(core::dot(extent, f.axes.right)) + 1.0;
  const double alongDown = std::abs(core::dot(extent, f.axes.down)) + 1.0;
  f.mmPerPixel = std::max(alongRight / f.width, alongDown / f.height) * 1.04 / m_zoom;
  core::Vec3 centre = m_centreSet ? m_centreLps : core::scale(core::add(b.min, b.max), 0.5);
  centre[f.axes.normal] = cursor()[f.axes.normal];
  f.originLps = core::add(centre, core::add(core::scale(f.axes.right, -(f.width / 2.0 - 0.5) * f.mmPerPixel),
                                            core::scale(f.axes.down, -(f.height / 2.0 - 0.5) * f.mmPerPixel)));
  if (!withVoxels)
    return f;
  // The map pixel -> continuous index is affine: one corner and two steps.
  const core::ImageGeometry& g = v->geometry;
  const core::Vec3 i0 = g.lpsToIndex(f.originLps);
  const core::Vec3 du = core::sub(g.lpsToIndex(core::add(f.originLps, core::scale(f.axes.right, f.mmPerPixel))), i0);
  const core::Vec3 dv = core::sub(g.lpsToIndex(core::add(f.originLps, core::scale(f.axes.down, f.mmPerPixel))), i0);
  f.voxel.assign(static_cast<std::size_t>(f.width) * f.height, -1);
  const double nx = double(g.size[0]), ny = double(g.size[1]), nz = double(g.size[2]);
  for (int y = 0; y < f.height; ++y)
    for (int x = 0; x < f.width; ++x) {
      const double ci = std::floor(i0[0] + x * du[0] + y * dv[0] + 0.5);
      const double cj = std::floor(i0[1] + x * du[1] + y * dv[1] + 0.5);
      const double ck = std::floor(i0[2] + x * du[2] + y * dv[2] + 0.5);
      if (ci < 0 || cj < 0 || ck < 0 || ci >= nx || cj >= ny || ck >= nz)
        continue;
      f.voxel[static_cast<std::size_t>(y) * f.width + x] = static_cast<std::int64_t>(ci + nx * (cj + ny * ck));
    }
  return f;
}

core::Vec3 SliceView::pixelToLps(QPointF pixel) const {
  const Frame f = frameFor(size(), false);
  // Pixel centres sit at integer + 0.5 in Qt's coordinates.
  return core::add(f.originLps, core::add(core::scale(f.axes.right, (pixel.x() - 0.5) * f.mmPerPixel),
                                          core::scale(f.axes.down, (pixel.y() - 0.5) * f.mmPerPixel)));
}

QPointF SliceView::lpsToPixel(const core::Vec3& lps) const {
  const Frame f = frameFor(size(), false);
  const core::Vec3 d = core::sub(lps, f.originLps);
  return {core::dot(d, f.axes.right) / f.mmPerPixel + 0.5, core::dot(d, f.axes.down) / f.mmPerPixel + 0.5};
}

void SliceView::centreOn(const core::Vec3& lps) {
  m_centreLps = lps;
  m_centreSet = true;
  update();
}

void SliceView::resetView() {
  m_centreSet = false;
  m_zoom = 1.0;
  m_rulerA.reset();
  m_rulerB.reset();
  update();
}

void SliceView::zoomBy(double factor) {
  if (!m_centreSet) {
    m_centreLps = pixelToLps(QPointF(width() / 2.0, height() / 2.0));
    m_centreSet = true;
  }
  m_zoom = std::clamp(m_zoom * factor, 0.25, 32.0);
  update();
}

void SliceView::setZoom(double zoom) {
  m_zoom = std::clamp(zoom, 0.25, 32.0);
  update();
}

int SliceView::normalVoxelAxis() const {
  const core::Image* v = volume();
  const int normal = axesOf(m_plane).normal;
  if (!v)
    return normal;
  int axis = 0;
  for (int a = 1; a < 3; ++a)
    if (std::abs(v->geometry.direction[normal][a]) > std::abs(v->geometry.direction[normal][axis]))
      axis = a;
  return axis;
}

void SliceView::stepSlice(int steps) {
  const core::Image* v = volume();
  if (!v)
    return;
  const int normal = axesOf(m_plane).normal;
  // The index axis closest to the view normal gives the slice step.
  const int axis = normalVoxelAxis();
  core::Vec3 c = cursor();
  c[normal] += steps * v->geometry.spacingMm[axis];
  emit cursorPicked(m_scan, c);
}

std::optional<double> SliceView::rulerLengthMm() const {
  if (!m_rulerA || !m_rulerB)
    return std::nullopt;
  return core::distanceMm(*m_rulerA, *m_rulerB);
}

QImage SliceView::render(QSize size) const {
  QImage image(size, QImage::Format_RGB32);
  image.fill(Qt::black);
  QPainter painter(&image);
  paintPicture(painter, size);
  return image;
}

void SliceView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  paintPicture(painter, size());
}

void SliceView::paintPicture(QPainter& painter, QSize size) const {
  const Frame frame = frameFor(size);
  QImage slice(size, QImage::Format_RGB32);
  slice.fill(Qt::black);
  if (volume()) {
    drawSlice(slice, frame);
    if (m_rasterOverlay)
      m_rasterOverlay(slice, frame.voxel);
  }
  painter.drawImage(0, 0, slice);
  painter.setRenderHint(QPainter::Antialiasing, true);
  painter.setRenderHint(QPainter::TextAntialiasing, true);
  if (volume()) {
    drawVectorOverlays(painter, frame);
    if (m_vectorOverlay)
      m_vectorOverlay(painter);
  }
  drawAnnotations(painter, size, frame);
  drawLegend(painter, size);
}

void SliceView::drawSlice(QImage& image, const Frame& f) const {
  const core::Image& v = *volume();
  const double lo = m_state.window.centerHu - m_state.window.widthHu / 2.0;
  const double scale = 255.0 / std::max(1.0, m_state.window.widthHu);
  for (int y = 0; y < f.height; ++y) {
    auto* row = image.scanLine(y);
    for (int x = 0; x < f.width; ++x) {
      const std::int64_t n = f.voxel[static_cast<std::size_t>(y) * f.width + x];
      const auto g = n < 0 ? 0 : static_cast<std::uint8_t>(std::clamp((v.voxels[n] - lo) * scale, 0.0, 255.0));
      row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = g;
      row[4 * x + 3] = 255;
    }
  }
  if (m_scan != Scan::Followup || !m_state.images->summary.has_value() || m_state.images->masks.followup.empty())
    return;
  const PlanImages& im = *m_state.images;
  const auto at = [&](auto const& mask, std::int64_t n) { return n >= 0 && !mask.empty() ? mask.voxels[n] : 0; };
  const auto opacity = [&](Layer l) { return m_state.layer(l).on ? m_state.layer(l).opacity : 0.0; };
  const double remnant = opacity(Layer::Remnant), resection = opacity(Layer::Resection);
  const double reach = opacity(Layer::Uncertainty), sites = opacity(Layer::Sites), tumour = opacity(Layer::Tumour);
  const double liver = opacity(Layer::Liver);
  const auto liverAt = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= f.width || y >= f.height)
      return false;
    return at(im.masks.liver, f.voxel[static_cast<std::size_t>(y) * f.width + x]) != 0;
  };
  for (int y = 0; y < f.height; ++y) {
    auto* row = image.scanLine(y);
    for (int x = 0; x < f.width; ++x) {
      const std::int64_t n = f.voxel[static_cast<std::size_t>(y) * f.width + x];
      if (n < 0)
        continue;
      std::uint8_t* px = row + 4 * x;
      if (remnant > 0 && at(im.masks.remnant, n))
        blend(px, layerColor(Layer::Remnant), remnant);
      if (resection > 0 && at(im.masks.resection, n))
        blend(px, layerColor(Layer::Resection), resection);
      if (reach > 0)
        if (const auto label = at(im.uncertaintyReach, n))
          blend(px, siteColor(m_state, label), reach);
      if (sites > 0)
        if (const auto label = at(im.masks.projectedSites, n))
          blend(px, siteColor(m_state, label), sites);
      if (tumour > 0 && at(im.masks.visibleTumour, n))
        blend(px, layerColor(Layer::Tumour), tumour);
      if (liver > 0 && liverAt(x, y) &&
          (!liverAt(x - 1, y) || !liverAt(x + 1, y) || !liverAt(x, y - 1) || !liverAt(x, y + 1)))
        blend(px, layerColor(Layer::Liver), liver);
    }
  }
}

void SliceView::drawVectorOverlays(QPainter& painter, const Frame& f) const {
  // The baseline has no site masks in the plan folder: each original lesion is drawn as its longest diameter's
  // sphere cut by the plane, in the colour of its status.
  if (m_scan == Scan::Baseline && m_state.images->summary && m_state.layer(Layer::Sites).on) {
    const auto& lesions = m_state.images->summary->lesions;
    for (std::size_t k = 0; k < lesions.size(); ++k) {
      const double radius = lesions[k].baselineDiameterMm / 2.0;
      const double off = lesions[k].baselineCenterLps[f.axes.normal] - cursor()[f.axes.normal];
      if (std::abs(off) >= radius)
        continue;
      const double r = std::sqrt(radius * radius - off * off) / f.mmPerPixel;
      const QPointF c = lpsToPixel(lesions[k].baselineCenterLps);
      const QColor color =
          toQColor(siteColor(m_state, k + 1), int(255 * std::max(0.3, m_state.layer(Layer::Sites).opacity)));
      painter.setPen(QPen(color, std::max(2.0, m_state.textPx / 6.0)));
      painter.setBrush(Qt::NoBrush);
      painter.drawEllipse(c, r, r);
    }
  }
  if (m_state.haveCursor) {
    const QPointF c = lpsToPixel(cursor());
    const double gap = m_state.textPx;
    painter.setPen(QPen(QColor(255, 255, 255, 170), 1.0));
    painter.drawLine(QPointF(0, c.y()), QPointF(c.x() - gap, c.y()));
    painter.drawLine(QPointF(c.x() + gap, c.y()), QPointF(f.width, c.y()));
    painter.drawLine(QPointF(c.x(), 0), QPointF(c.x(), c.y() - gap));
    painter.drawLine(QPointF(c.x(), c.y() + gap), QPointF(c.x(), f.height));
  }
  if (m_rulerA && m_rulerB) {
    const QPointF a = lpsToPixel(*m_rulerA), b = lpsToPixel(*m_rulerB);
    painter.setPen(QPen(QColor(255, 255, 255), 2.0));
    painter.drawLine(a, b);
    QFont font = painter.font();
    font.setPixelSize(int(m_state.textPx));
    painter.setFont(font);
    painter.drawText(b + QPointF(6, -6), QString::number(*rulerLengthMm(), 'f', 1) + " mm");
  }
}

void SliceView::drawAnnotations(QPainter& painter, QSize size, const Frame& f) const {
  QFont font = painter.font();
  font.setPixelSize(int(std::round(m_state.textPx)));
  font.setBold(m_state.orMode);
  painter.setFont(font);
  const QFontMetrics metrics(font);
  const int pad = int(m_state.textPx / 2);
  const int w = size.width(), h = size.height();
  auto outlined = [&](const QRect& box, int flags, const QString& text, QColor color = Qt::white) {
    // A dark shadow on two sides keeps labels readable on bright bone as well as on air, at a third of the cost
    // of a full outline (text drawing dominates a frame's time otherwise).
    painter.setPen(QColor(0, 0, 0, 230));
    painter.drawText(box.translated(1, 1), flags, text);
    painter.drawText(box.translated(-1, -1), flags, text);
    painter.setPen(color);
    painter.drawText(box, flags, text);
  };
  const QRect inner(pad, pad, w - 2 * pad, h - 2 * pad);
  const bool followup = m_scan == Scan::Followup;
  if (!volume()) {
    outlined(inner, Qt::AlignCenter | Qt::TextWordWrap,
             followup ? "No follow-up image (followup.nii.gz)" : "No baseline series (see the message panel)");
  }
  // Orientation letters at the middle of each edge.
  outlined(inner, Qt::AlignLeft | Qt::AlignVCenter, letterOf(core::scale(f.axes.right, -1)));
  outlined(inner, Qt::AlignRight | Qt::AlignVCenter, letterOf(f.axes.right));
  outlined(inner, Qt::AlignTop | Qt::AlignHCenter, letterOf(core::scale(f.axes.down, -1)));
  outlined(inner, Qt::AlignBottom | Qt::AlignHCenter, letterOf(f.axes.down));
  // Patient, series and date in the top-left corner (OR mode: the scan's name only; the banner has the dates).
  QString corner = followup ? "Follow-up" : "Baseline";
  if (m_state.images && m_state.images->summary && !m_state.orMode) {
    const planning::SeriesSummary& s = followup ? m_state.images->summary->followup : m_state.images->summary->baseline;
    corner += "  " + QString::fromStdString(s.date) + "\n" + QString::fromStdString(s.patientName) + "  " +
              QString::fromStdString(s.patientId) + "\n" + QString::fromStdString(s.description);
  }
  outlined(inner, Qt::AlignLeft | Qt::AlignTop, corner);
  const double position = cursor()[f.axes.normal];
  core::Vec3 normal{0, 0, 0};
  normal[f.axes.normal] = position >= 0 ? 1 : -1;
  outlined(inner, Qt::AlignRight | Qt::AlignTop,
           QString(planeName(m_plane)) + "  " + letterOf(normal) + " " + QString::number(std::abs(position), 'f', 1) +
               " mm");
  if (!m_state.orMode)
    outlined(inner, Qt::AlignLeft | Qt::AlignBottom,
             QString("W %1  L %2").arg(m_state.window.widthHu, 0, 'f', 0).arg(m_state.window.centerHu, 0, 'f', 0));
  // Scale bar: a round length near a fifth of the width, above the window text.
  if (volume()) {
    const double target = w * f.mmPerPixel / 5.0;
    double length = 1.0;
    for (double candidate : {1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0})
      if (candidate <= target)
        length = candidate;
    const double pixels = length / f.mmPerPixel;
    const int y = h - pad - metrics.height() - pad - (m_state.orMode ? 0 : metrics.height());
    const QPointF a(pad, y), b(pad + pixels, y);
    painter.setPen(QPen(Qt::black, 5));
    painter.drawLine(a, b);
    painter.setPen(QPen(Qt::white, 3));
    painter.drawLine(a, b);
    painter.drawLine(a + QPointF(0, -pad), a + QPointF(0, pad));
    painter.drawLine(b + QPointF(0, -pad), b + QPointF(0, pad));
    outlined(QRect(int(b.x()) + pad, y - metrics.height() / 2, w, metrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
             QString::number(length, 'f', 0) + " mm");
  }
}

void SliceView::drawLegend(QPainter& painter, QSize size) const {
  if (!m_state.images || !m_state.images->summary)
    return;
  using visualization::Role;
  std::vector<std::pair<QString, visualization::Rgb8>> entries;
  if (m_state.orMode) {
    // OR mode: few, large entries (the chosen site's status only) so that the scan stays visible.
    std::string status = "visible";
    if (m_state.site >= 0)
      status = m_state.images->summary->lesions[std::size_t(m_state.site)].status;
    const auto role = visualization::siteRoleOf(status);
    entries = {{"Site " + QString::fromStdString(status), visualization::styleOf(role).color}};
    if (m_scan == Scan::Followup)
      entries.insert(entries.end(), {{"Resection zone", layerColor(Layer::Resection)},
                                     {"Remnant", layerColor(Layer::Remnant)},
                                     {"Visible tumour", layerColor(Layer::Tumour)}});
  } else if (m_scan == Scan::Followup) {
    entries = {{"Liver outline", layerColor(Layer::Liver)},
               {"Visible tumour", layerColor(Layer::Tumour)},
               {"Site visible", visualization::styleOf(Role::SiteVisible).color},
               {"Site shrunk", visualization::styleOf(Role::SiteShrunk).color},
               {"Site disappeared", visualization::styleOf(Role::SiteDisappeared).color},
               {"Resection zone", layerColor(Layer::Resection)},
               {"Remnant", layerColor(Layer::Remnant)}};
  } else {
    entries = {{"Lesion visible", visualization::styleOf(Role::SiteVisible).color},
               {"Lesion shrunk", visualization::styleOf(Role::SiteShrunk).color},
               {"Lesion disappeared", visualization::styleOf(Role::SiteDisappeared).color}};
  }
  QFont font = painter.font();
  font.setPixelSize(int(std::round(m_state.textPx * (m_state.orMode ? 1.0 : 0.85))));
  font.setBold(m_state.orMode);
  painter.setFont(font);
  const QFontMetrics metrics(font);
  int widest = 0;
  for (const auto& e : entries)
    widest = std::max(widest, metrics.horizontalAdvance(e.first));
  const int line = metrics.height() + 2, box = metrics.ascent() - 2, pad = 6;
  const int legendW = widest + box + 3 * pad, legendH = int(entries.size()) * line + 2 * pad;
  const int x0 = size.width() - legendW - pad, y0 = size.height() - legendH - pad - metrics.height();
  painter.setPen(Qt::NoPen);
  painter.setBrush(QColor(0, 0, 0, 150));
  painter.drawRect(x0, y0, legendW, legendH);
  for (std::size_t n = 0; n < entries.size(); ++n) {
    const int y = y0 + pad + int(n) * line;
    painter.setBrush(toQColor(entries[n].second));
    painter.setPen(Qt::NoPen);
    painter.drawRect(x0 + pad, y + (line - box) / 2, box, box);
    painter.setPen(Qt::white);
    painter.drawText(QRect(x0 + 2 * pad + box, y, widest + pad, line), Qt::AlignLeft | Qt::AlignVCenter,
                     entries[n].first);
  }
}

void SliceView::mousePressEvent(QMouseEvent* event) {
  if (m_mouseTool && m_mouseTool(this, event))
    return;
  m_dragStart = event->pos();
  m_dragButton = event->button();
  m_dragWindow = m_state.window;
  m_dragCentre = pixelToLps(QPointF(width() / 2.0, height() / 2.0));
  if (event->button() == Qt::LeftButton && (event->modifiers() & Qt::ShiftModifier)) {
    m_rulerA = m_rulerB = pixelToLps(event->localPos());
    update();
  } else if (event->button() == Qt::LeftButton) {
    emit cursorPicked(m_scan, pixelToLps(event->localPos()));
  }
}

void SliceView::mouseMoveEvent(QMouseEvent* event) {
  if (m_mouseTool && m_mouseTool(this, event))
    return;
  const QPoint d = event->pos() - m_dragStart;
  if (m_dragButton == Qt::LeftButton && m_rulerA && (event->modifiers() & Qt::ShiftModifier)) {
    m_rulerB = pixelToLps(event->localPos());
    update();
  } else if (m_dragButton == Qt::LeftButton) {
    emit cursorPicked(m_scan, pixelToLps(event->localPos()));
  } else if (m_dragButton == Qt::RightButton) {
    // Right-drag: horizontal changes the width, vertical the level (as in most PACS viewers).
    emit windowChanged(std::max(1.0, m_dragWindow.widthHu + 2.0 * d.x()), m_dragWindow.centerHu - 1.0 * d.y());
  } else if (m_dragButton == Qt::MiddleButton) {
    const Frame f = frameFor(size(), false);
    m_centreLps = core::sub(m_dragCentre, core::add(core::scale(f.axes.right, d.x() * f.mmPerPixel),
                                                    core::scale(f.axes.down, d.y() * f.mmPerPixel)));
    m_centreSet = true;
    update();
  }
}

void SliceView::mouseReleaseEvent(QMouseEvent* event) {
  if (m_mouseTool && m_mouseTool(this, event))
    return;
  m_dragButton = Qt::NoButton;
}

void SliceView::wheelEvent(QWheelEvent* event) {
  const int steps = event->angleDelta().y() / 120;
  if (steps == 0)
    return;
  if (event->modifiers() & Qt::ControlModifier)
    zoomBy(std::pow(1.25, steps));
  else
    stepSlice(steps);
}

void SliceView::enterEvent(QEvent*) {
  emit hovered(this);
}

} // namespace vestige::viewer
