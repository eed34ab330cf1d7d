#include "viewer_window.h"

#include "vestige/core/error.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace vestige::viewer {

const char* layerName(Layer layer) noexcept {
  switch (layer) {
  case Layer::Liver:
    return "Liver outline";
  case Layer::Tumour:
    return "Visible tumour";
  case Layer::Sites:
    return "Original sites (by status)";
  case Layer::Uncertainty:
    return "Uncertainty reach";
  case Layer::Resection:
    return "Resection zones";
  case Layer::Remnant:
    return "Remnant";
  }
  return "?";
}

visualization::Rgb8 layerColor(Layer layer) noexcept {
  using visualization::Role;
  switch (layer) {
  case Layer::Liver:
    return visualization::styleOf(Role::Liver).color;
  case Layer::Tumour:
    return visualization::styleOf(Role::VisibleTumour).color;
  case Layer::Sites:
  case Layer::Uncertainty:
    return visualization::styleOf(Role::SiteVisible).color;
  case Layer::Resection:
    return visualization::styleOf(Role::Resection).color;
  case Layer::Remnant:
    return visualization::styleOf(Role::Remnant).color;
  }
  return {};
}

std::array<LayerState, kLayerCount> defaultLayers() noexcept {
  return {LayerState{true, 1.0}, LayerState{true, 0.5}, LayerState{true, 0.55},
          LayerState{true, 0.3}, LayerState{true, 0.3}, LayerState{true, 0.15}};
}

namespace {

// Progress of the loader thread, shown in the window's progress bar (posted to the UI thread).
class WindowProgress final : public core::Progress {
public:
  WindowProgress(QProgressBar* bar, const std::atomic<bool>& cancel, double begin, double end)
      : m_bar(bar), m_cancel(cancel), m_begin(begin), m_end(end) {}
  void report(std::string_view stage, double fraction) override {
    const int value = int(std::lround(100.0 * (m_begin + (m_end - m_begin) * fraction)));
    const QString text = QString::fromUtf8(stage.data(), int(stage.size()));
    QMetaObject::invokeMethod(
        m_bar,
        [bar = m_bar, value, text] {
          bar->setValue(value);
          bar->setFormat("Loading " + text + "  %p%");
        },
        Qt::QueuedConnection);
  }
  [[nodiscard]] bool cancelRequested() const override { return m_cancel.load(); }

private:
  QProgressBar* m_bar;
  const std::atomic<bool>& m_cancel;
  double m_begin, m_end;
};

QString fixed(double value, int decimals = 1) {
  return QString::number(value, 'f', decimals);
}

QString scenarioTitle(const std::string& name) {
  return name == kVisibleOnly ? "Visible sites only" : "All original sites";
}

} // namespace

ViewerWindow::ViewerWindow(const std::filesystem::path& folder, QWidget* parent)
    : QMainWindow(parent), m_created(std::chrono::steady_clock::now()) {
  m_state.layers = defaultLayers();
  setWindowTitle("vestige view - " + QString::fromStdString(folder.string()));
  auto* splitter = new QSplitter(this);
  m_viewArea = new QWidget(splitter);
  auto* areaLayout = new QVBoxLayout(m_viewArea);
  areaLayout->setContentsMargins(0, 0, 0, 0);
  areaLayout->setSpacing(2);
  m_banner = new QLabel(m_viewArea);
  m_banner->setWordWrap(true);
  m_banner->hide();
  areaLayout->addWidget(m_banner);
  auto* grid = new QWidget(m_viewArea);
  m_grid = new QGridLayout(grid);
  m_grid->setContentsMargins(0, 0, 0, 0);
  m_grid->setSpacing(2);
  areaLayout->addWidget(grid, 1);
  m_axial = new SliceView(m_state, Scan::Followup, Plane::Axial, grid);
  m_coronal = new SliceView(m_state, Scan::Followup, Plane::Coronal, grid);
  m_sagittal = new SliceView(m_state, Scan::Followup, Plane::Sagittal, grid);
  m_baseline = new SliceView(m_state, Scan::Baseline, Plane::Axial, grid);
  m_scene = new SceneView(m_state, grid);
  m_active = m_axial;
  for (SliceView* view : {m_axial, m_coronal, m_sagittal, m_baseline}) {
    connect(view, &SliceView::cursorPicked, this, [this](Scan scan, core::Vec3 lps) { setCursor(scan, lps); });
    connect(view, &SliceView::windowChanged, this, [this](double width, double centre) { setWindow({width, centre}); });
    connect(view, &SliceView::hovered, this, [this](SliceView* v) { m_active = v; });
  }
  m_axial->installEventFilter(this);
  buildPanel();
  splitter->addWidget(m_viewArea);
  splitter->addWidget(m_panel);
  splitter->setStretchFactor(0, 1);
  splitter->setStretchFactor(1, 0);
  m_panel->setMaximumWidth(420);
  setCentralWidget(splitter);
  setViewerLayout(Layout::Review);
  applyTextSize();
  startLoading(folder);
}

ViewerWindow::~ViewerWindow() {
  m_cancel = true;
  if (m_loader.joinable())
    m_loader.join();
}

void ViewerWindow::buildPanel() {
  m_panel = new QWidget(this);
  auto* layout = new QVBoxLayout(m_panel);
  m_messages = new QLabel(m_panel);
  m_messages->setWordWrap(true);
  m_messages->setStyleSheet("QLabel { background: #fff3cd; color: #222; padding: 4px; }");
  m_messages->hide();
  layout->addWidget(m_messages);
  m_progress = new QProgressBar(m_panel);
  m_progress->setRange(0, 100);
  layout->addWidget(m_progress);

  auto* layouts = new QHBoxLayout;
  const std::pair<const char*, Layout> buttons[] = {
      {"Review", Layout::Review}, {"Compare", Layout::Compare}, {"3D", Layout::Scene3d}};
  for (const auto& [text, value] : buttons) {
    auto* b = new QPushButton(text, m_panel);
    b->setFocusPolicy(Qt::NoFocus);
    connect(b, &QPushButton::clicked, this, [this, value = value] { setViewerLayout(value); });
    layouts->addWidget(b);
  }
  auto* orButton = new QPushButton("OR mode", m_panel);
  orButton->setFocusPolicy(Qt::NoFocus);
  connect(orButton, &QPushButton::clicked, this, [this] { setOperatingRoom(!m_state.orMode); });
  layouts->addWidget(orButton);
  layout->addLayout(layouts);

  m_sites = new QTableWidget(0, 6, m_panel);
  m_sites->setHorizontalHeaderLabels({"Site", "Status", "\u00d8 mm", "Unc. mm", "Depth mm", "Missing"});
  m_sites->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_sites->setSelectionMode(QAbstractItemView::SingleSelection);
  m_sites->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_sites->verticalHeader()->hide();
  m_sites->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  connect(m_sites, &QTableWidget::cellClicked, this, [this](int row, int) { chooseSite(row); });
  layout->addWidget(m_sites, 1);

  m_scenario = new QComboBox(m_panel);
  m_scenario->addItem(scenarioTitle(kAllSites), QString(kAllSites));
  m_scenario->addItem(scenarioTitle(kVisibleOnly), QString(kVisibleOnly));
  m_scenario->setFocusPolicy(Qt::NoFocus);
  connect(m_scenario, QOverload<int>::of(&QComboBox::activated), this,
          [this](int index) { setScenario(m_scenario->itemData(index).toString().toStdString()); });
  layout->addWidget(m_scenario);
  m_figures = new QLabel(m_panel);
  m_figures->setWordWrap(true);
  m_figures->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(m_figures);

  auto* layers = new QGridLayout;
  for (Layer l : kAllLayers) {
    const std::size_t n = std::size_t(l);
    m_layerBoxes[n] = new QCheckBox(layerName(l), m_panel);
    m_layerBoxes[n]->setChecked(m_state.layer(l).on);
    m_layerBoxes[n]->setFocusPolicy(Qt::NoFocus);
    connect(m_layerBoxes[n], &QCheckBox::toggled, this, [this, l](bool on) { setLayer(l, on); });
    m_layerSliders[n] = new QSlider(Qt::Horizontal, m_panel);
    m_layerSliders[n]->setRange(0, 100);
    m_layerSliders[n]->setValue(int(std::lround(m_state.layer(l).opacity * 100)));
    m_layerSliders[n]->setFocusPolicy(Qt::NoFocus);
    m_layerSliders[n]->setToolTip("Opacity");
    connect(m_layerSliders[n], &QSlider::valueChanged, this, [this, l](int v) { setLayerOpacity(l, v / 100.0); });
    layers->addWidget(m_layerBoxes[n], int(n), 0);
    layers->addWidget(m_layerSliders[n], int(n), 1);
  }
  layout->addLayout(layers);

  auto* presets = new QHBoxLayout;
  for (const WindowPreset& preset : kWindowPresets) {
    auto* b = new QPushButton(preset.name, m_panel);
    b->setFocusPolicy(Qt::NoFocus);
    connect(b, &QPushButton::clicked, this, [this, value = preset.value] { setWindow(value); });
    presets->addWidget(b);
  }
  layout->addLayout(presets);
  m_cursor = new QLabel(m_panel);
  m_cursor->setWordWrap(true);
  m_cursor->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(m_cursor);
}

void ViewerWindow::startLoading(const std::filesystem::path& folder) {
  m_loader = std::thread([this, folder] {
    try {
      // Three steps, each shown as it arrives: the follow-up side, the baseline side, the 3D surfaces. The UI
      // thread merges the baseline side into the images; the surfaces read only plan.json and the masks.
      WindowProgress imagesProgress(m_progress, m_cancel, 0.0, 0.2);
      auto images = std::make_shared<PlanImages>(loadFollowupImages(folder, &imagesProgress));
      QMetaObject::invokeMethod(
          this, [this, images] { imagesArrived(images); }, Qt::QueuedConnection);
      WindowProgress linkedProgress(m_progress, m_cancel, 0.2, 0.5);
      auto linked = std::make_shared<LinkedParts>(loadLinkedParts(*images, &linkedProgress));
      QMetaObject::invokeMethod(
          this, [this, linked] { linkedPartsArrived(linked); }, Qt::QueuedConnection);
      WindowProgress surfacesProgress(m_progress, m_cancel, 0.5, 1.0);
      auto surfaces = std::make_shared<const PlanSurfaces>(buildPlanSurfaces(*images, &surfacesProgress));
      QMetaObject::invokeMethod(
          this, [this, surfaces] { surfacesArrived(surfaces); }, Qt::QueuedConnection);
    } catch (const std::exception& e) {
      if (m_cancel)
        return;
      const QString what = e.what();
      QMetaObject::invokeMethod(
          this,
          [this, what] {
            m_problems.push_back("loading stopped: " + what.toStdString());
            surfacesArrived(nullptr);
          },
          Qt::QueuedConnection);
    }
  });
}

void ViewerWindow::linkedPartsArrived(std::shared_ptr<LinkedParts> parts) {
  m_problems.insert(m_problems.end(), parts->problems.begin(), parts->problems.end());
  mergeLinkedParts(*m_images, std::move(*parts));
  // A clicked follow-up cursor gets its baseline partner now that the transform is known (a chosen site keeps
  // plan.json's baseline centre).
  if (m_state.haveCursor && m_images->transform && m_state.site < 0)
    setCursor(Scan::Followup, m_state.followupCursorLps);
  refreshPanel();
  refreshViews();
}

void ViewerWindow::imagesArrived(std::shared_ptr<PlanImages> images) {
  m_images = images;
  m_state.images = std::move(images);
  m_problems.insert(m_problems.end(), m_state.images->problems.begin(), m_state.images->problems.end());
  fillSiteTable();
  refreshPanel();
  refreshViews();
  if (!m_state.images->masks.followup.empty()) {
    m_axial->repaint();
    m_firstFrameSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_created).count();
  }
}

void ViewerWindow::surfacesArrived(std::shared_ptr<const PlanSurfaces> surfaces) {
  if (surfaces) {
    m_problems.insert(m_problems.end(), surfaces->problems.begin(), surfaces->problems.end());
    m_scene->setSurfaces(std::move(surfaces));
  }
  m_progress->hide();
  m_loadFinished = true;
  refreshPanel();
  emit loadFinished();
}

SliceView* ViewerWindow::followupView(Plane plane) const {
  switch (plane) {
  case Plane::Axial:
    return m_axial;
  case Plane::Coronal:
    return m_coronal;
  case Plane::Sagittal:
    return m_sagittal;
  }
  return m_axial;
}

void ViewerWindow::fillSiteTable() {
  m_sites->setRowCount(0);
  if (!m_state.images || !m_state.images->summary)
    return;
  const auto& lesions = m_state.images->summary->lesions;
  m_sites->setRowCount(int(lesions.size()));
  for (std::size_t k = 0; k < lesions.size(); ++k) {
    const planning::LesionResult& l = lesions[k];
    const QStringList cells = {
        QString::fromStdString(l.id), QString::fromStdString(l.status) + (l.statusOverridden ? " (radiologist)" : ""),
        fixed(l.baselineDiameterMm),  fixed(l.uncertaintyMm),
        fixed(l.depthBelowSurfaceMm), l.missingMetastasis ? "MISSING" : ""};
    for (int c = 0; c < cells.size(); ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      if (c == 1) {
        const auto color = visualization::styleOf(visualization::siteRoleOf(l.status)).color;
        item->setBackground(QColor(color.r, color.g, color.b));
        item->setForeground(Qt::black);
      }
      m_sites->setItem(int(k), c, item);
    }
  }
}

QString ViewerWindow::figuresText() const {
  if (!m_state.images || !m_state.images->summary)
    return "No plan.json: no volumes or FLR to show.";
  const planning::PlanSummary& s = *m_state.images->summary;
  const auto index = scenarioIndex(s, m_state.scenario);
  if (!index)
    return "plan.json has no scenario \"" + QString::fromStdString(m_state.scenario) + "\".";
  const planning::Scenario& sc = s.scenarios[*index];
  QString text = scenarioTitle(sc.name) + "\n";
  text += "Liver " + fixed(s.liverMl) + " mL, resected " + fixed(sc.resectedMl) + " mL\n";
  text += "Remnant " + fixed(sc.remnantMl) + " mL (usable " + fixed(sc.usableRemnantMl) + " mL, " +
          QString::number(qulonglong(sc.remnantPieces)) + " piece(s))\n";
  text += "FLR " + fixed(sc.flrPercent) + " %";
  text += sc.sflrPercent ? ", sFLR " + fixed(*sc.sflrPercent) + " %" : QString(", sFLR n/a (no height/weight)");
  text += "  (minimum " + fixed(s.flrThresholdPercent, 0) + " %)";
  // The verdict is the recommended plan's; while a warning stands or the sign-off is incomplete it is provisional,
  // with the same reasons as the report's first page.
  text += QString("\nVerdict: ") + (s.flrSufficient ? "sufficient" : "INSUFFICIENT");
  if (planning::verdictProvisional(s)) {
    text += " - PROVISIONAL, check first:";
    for (const std::string& reason : planning::provisionalReasons(s))
      text += "\n- " + QString::fromStdString(reason);
    for (const planning::PlanWarning& w : s.warnings)
      text += "\n  - " + QString::fromStdString(w.message);
  }
  QStringList missing;
  if (sc.name == kVisibleOnly)
    for (const auto& l : s.lesions)
      if (l.missingMetastasis)
        missing << QString::fromStdString(l.id);
  if (!missing.isEmpty())
    text += "\nLeft in the remnant (missing metastases): " + missing.join(", ");
  return text;
}

QString ViewerWindow::messageText() const {
  QStringList lines;
  for (const auto& p : m_problems)
    lines << QString::fromStdString(p);
  return lines.join("\n");
}

QString ViewerWindow::cursorText() const {
  if (!m_state.haveCursor)
    return "Click a view to place the cursor.";
  auto vec = [](const core::Vec3& v) { return fixed(v[0]) + ", " + fixed(v[1]) + ", " + fixed(v[2]); };
  QString text = "Follow-up (LPS mm): " + vec(m_state.followupCursorLps) +
                 "\nBaseline (LPS mm): " + vec(m_state.baselineCursorLps);
  if (m_state.images) {
    if (const auto d = distanceToResectionBoundaryMm(*m_state.images, m_state.followupCursorLps))
      text += "\nNearest resection boundary: " + fixed(std::abs(*d)) + " mm (" +
              (*d < 0 ? "inside the zone" : "outside the zone") + ")";
  }
  return text;
}

void ViewerWindow::refreshPanel() {
  const QString messages = messageText();
  m_messages->setText(messages);
  m_messages->setVisible(!messages.isEmpty());
  m_figures->setText(figuresText());
  m_cursor->setText(cursorText());
  m_scenario->setCurrentIndex(m_state.scenario == kVisibleOnly ? 1 : 0);
  if (m_state.orMode) {
    QString banner;
    if (m_state.images && m_state.images->summary && m_state.site >= 0) {
      const auto& l = m_state.images->summary->lesions[std::size_t(m_state.site)];
      banner = "Site " + QString::fromStdString(l.id) + " (" + QString::fromStdString(l.status) + ")   ";
    }
    if (m_state.images && m_state.images->summary)
      banner += "Baseline " + QString::fromStdString(m_state.images->summary->baseline.date) + ", follow-up " +
                QString::fromStdString(m_state.images->summary->followup.date) + "\n";
    QString figures = figuresText();
    figures.replace('\n', "   ");
    banner += figures;
    if (!messages.isEmpty())
      banner += "\n" + messages;
    m_banner->setText(banner);
  }
}

void ViewerWindow::refreshViews() {
  for (SliceView* v : {m_axial, m_coronal, m_sagittal, m_baseline})
    v->update();
  m_scene->refresh();
}

void ViewerWindow::setViewerLayout(Layout layout) {
  m_layout = layout;
  while (m_grid->count() > 0)
    m_grid->takeAt(0);
  for (QWidget* w : std::initializer_list<QWidget*>{m_axial, m_coronal, m_sagittal, m_baseline, m_scene})
    w->hide();
  for (int n = 0; n < 3; ++n) {
    m_grid->setRowStretch(n, 0);
    m_grid->setColumnStretch(n, 0);
  }
  auto place = [&](QWidget* w, int row, int col, int rows = 1, int cols = 1) {
    m_grid->addWidget(w, row, col, rows, cols);
    w->show();
  };
  if (m_state.orMode) {
    // 3D first: the scene fills two thirds, today's axial slice and the baseline beside it.
    place(m_scene, 0, 0, 2, 1);
    place(m_axial, 0, 1);
    place(m_baseline, 1, 1);
    m_grid->setColumnStretch(0, 2);
    m_grid->setColumnStretch(1, 1);
    m_baseline->setPlane(Plane::Axial);
  } else if (layout == Layout::Review) {
    place(m_axial, 0, 0);
    place(m_coronal, 0, 1);
    place(m_sagittal, 0, 2);
    place(m_baseline, 1, 0);
    place(m_scene, 1, 1, 1, 2);
    for (int n = 0; n < 3; ++n)
      m_grid->setColumnStretch(n, 1);
    m_grid->setRowStretch(0, 1);
    m_grid->setRowStretch(1, 1);
  } else if (layout == Layout::Compare) {
    m_baseline->setPlane(Plane::Axial);
    place(m_baseline, 0, 0);
    place(m_axial, 0, 1);
    m_grid->setColumnStretch(0, 1);
    m_grid->setColumnStretch(1, 1);
  } else {
    place(m_scene, 0, 0);
  }
  m_scene->renderNow();
}

void ViewerWindow::applyTextSize() {
  // OR mode: at least 28 px at 1080 lines, growing with the window (the screen, when full screen).
  const double lines = std::max(1, height());
  m_state.textPx = m_state.orMode ? std::max(28.0, 28.0 * lines / 1080.0) : 13.0;
  if (m_state.orMode) {
    QFont font = m_banner->font();
    font.setPixelSize(int(std::round(m_state.textPx)));
    font.setBold(true);
    m_banner->setFont(font);
  }
}

void ViewerWindow::setOperatingRoom(bool on) {
  m_state.orMode = on;
  if (on) {
    setStyleSheet("QMainWindow, QWidget { background: #000; color: #fff; }");
    m_panel->hide();
    m_banner->show();
    if (m_fullScreenAllowed)
      showFullScreen();
  } else {
    setStyleSheet({});
    m_panel->show();
    m_banner->hide();
    if (isFullScreen())
      showNormal();
  }
  applyTextSize();
  setViewerLayout(m_layout);
  refreshPanel();
  refreshViews();
}

int ViewerWindow::siteIndex(const std::string& id) const {
  if (!m_state.images || !m_state.images->summary)
    return -1;
  const auto& lesions = m_state.images->summary->lesions;
  for (std::size_t k = 0; k < lesions.size(); ++k)
    if (lesions[k].id == id)
      return int(k);
  return -1;
}

void ViewerWindow::chooseSite(int index) {
  if (!m_state.images || !m_state.images->summary || index < 0 ||
      std::size_t(index) >= m_state.images->summary->lesions.size())
    return;
  const planning::LesionResult& l = m_state.images->summary->lesions[std::size_t(index)];
  m_state.site = index;
  m_state.haveCursor = true;
  // Each scan on its own record of the site: the follow-up on the projected centre, the baseline on the lesion.
  m_state.followupCursorLps = l.projectedCenterLps;
  m_state.baselineCursorLps = l.baselineCenterLps;
  for (SliceView* v : {m_axial, m_coronal, m_sagittal})
    v->centreOn(l.projectedCenterLps);
  m_baseline->centreOn(l.baselineCenterLps);
  if (m_state.orMode) // the side views of OR mode are small: show the site's neighbourhood, not the whole body
    for (SliceView* v : {m_axial, m_baseline})
      v->setZoom(2.5);
  m_sites->selectRow(index);
  m_scene->refresh();
  m_scene->focusOn(l.projectedCenterLps);
  refreshPanel();
  refreshViews();
}

void ViewerWindow::stepSite(int delta) {
  if (!m_state.images || !m_state.images->summary || m_state.images->summary->lesions.empty())
    return;
  const int n = int(m_state.images->summary->lesions.size());
  chooseSite(m_state.site < 0 ? (delta > 0 ? 0 : n - 1) : ((m_state.site + delta) % n + n) % n);
}

void ViewerWindow::setScenario(const std::string& name) {
  m_state.scenario = name == kVisibleOnly ? kVisibleOnly : kAllSites;
  refreshPanel();
  m_scene->refresh();
}

void ViewerWindow::setLayer(Layer layer, bool on) {
  m_state.layer(layer).on = on;
  QSignalBlocker block(m_layerBoxes[std::size_t(layer)]);
  m_layerBoxes[std::size_t(layer)]->setChecked(on);
  refreshViews();
}

void ViewerWindow::setLayerOpacity(Layer layer, double opacity) {
  m_state.layer(layer).opacity = std::clamp(opacity, 0.0, 1.0);
  QSignalBlocker block(m_layerSliders[std::size_t(layer)]);
  m_layerSliders[std::size_t(layer)]->setValue(int(std::lround(opacity * 100)));
  refreshViews();
}

void ViewerWindow::setWindow(WindowLevel window) {
  m_state.window = window;
  for (SliceView* v : {m_axial, m_coronal, m_sagittal, m_baseline})
    v->update();
}

void ViewerWindow::setCursor(Scan scan, const core::Vec3& lps) {
  m_state.haveCursor = true;
  if (scan == Scan::Followup) {
    m_state.followupCursorLps = lps;
    if (m_state.images && m_state.images->transform)
      m_state.baselineCursorLps = m_state.images->transform->followupToBaselineLps(lps);
  } else {
    m_state.baselineCursorLps = lps;
    if (m_state.images && m_state.images->transform) {
      try {
        m_state.followupCursorLps = m_state.images->transform->baselineToFollowupLps(lps);
      } catch (const core::Error&) {
        // T^-1 does not converge outside the registered region: the follow-up cursor stays where it was.
      }
    }
  }
  refreshPanel();
  for (SliceView* v : {m_axial, m_coronal, m_sagittal, m_baseline})
    v->update();
}

void ViewerWindow::resetViews() {
  for (SliceView* v : {m_axial, m_coronal, m_sagittal, m_baseline})
    v->resetView();
  m_scene->resetCamera();
}

void ViewerWindow::resizeEvent(QResizeEvent* event) {
  QMainWindow::resizeEvent(event);
  if (m_state.orMode)
    applyTextSize();
}

bool ViewerWindow::eventFilter(QObject* watched, QEvent* event) {
  if (watched == m_axial && event->type() == QEvent::Paint && m_firstFrameSeconds == 0.0 && m_state.images &&
      !m_state.images->masks.followup.empty())
    m_firstFrameSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_created).count();
  return QMainWindow::eventFilter(watched, event);
}

void ViewerWindow::keyPressEvent(QKeyEvent* event) {
  const bool shift = event->modifiers() & Qt::ShiftModifier;
  switch (event->key()) {
  case Qt::Key_N:
  case Qt::Key_PageDown:
  case Qt::Key_Right:
    stepSite(+1);
    break;
  case Qt::Key_P:
  case Qt::Key_PageUp:
  case Qt::Key_Left:
    stepSite(-1);
    break;
  case Qt::Key_Up:
    m_active->stepSlice(+1);
    break;
  case Qt::Key_Down:
    m_active->stepSlice(-1);
    break;
  case Qt::Key_R:
    m_scene->rotate(shift ? -30.0 : 30.0);
    break;
  case Qt::Key_Home:
  case Qt::Key_Space:
    resetViews();
    break;
  case Qt::Key_S:
    setScenario(m_state.scenario == kVisibleOnly ? kAllSites : kVisibleOnly);
    break;
  case Qt::Key_L:
    // All overlays off and back: a quick look at the bare scan.
    if (!m_layersHidden) {
      m_savedLayers = m_state.layers;
      for (Layer l : kAllLayers)
        setLayer(l, false);
    } else {
      for (Layer l : kAllLayers)
        setLayer(l, m_savedLayers[std::size_t(l)].on);
    }
    m_layersHidden = !m_layersHidden;
    break;
  case Qt::Key_1:
  case Qt::Key_2:
  case Qt::Key_3:
  case Qt::Key_4:
  case Qt::Key_5:
  case Qt::Key_6: {
    const Layer l = kAllLayers[std::size_t(event->key() - Qt::Key_1)];
    setLayer(l, !m_state.layer(l).on);
    break;
  }
  case Qt::Key_F1:
  case Qt::Key_F2:
  case Qt::Key_F3:
    setWindow(kWindowPresets[std::size_t(event->key() - Qt::Key_F1)].value);
    break;
  case Qt::Key_F5:
    setViewerLayout(Layout::Review);
    break;
  case Qt::Key_F6:
    setViewerLayout(Layout::Compare);
    break;
  case Qt::Key_F7:
    setViewerLayout(Layout::Scene3d);
    break;
  case Qt::Key_Plus:
  case Qt::Key_Equal:
    m_active->zoomBy(1.25);
    break;
  case Qt::Key_Minus:
    m_active->zoomBy(0.8);
    break;
  case Qt::Key_B:
    m_baseline->setPlane(Plane((int(m_baseline->plane()) + 1) % 3));
    break;
  case Qt::Key_O:
  case Qt::Key_F11:
    setOperatingRoom(!m_state.orMode);
    break;
  case Qt::Key_Escape:
    if (m_state.orMode)
      setOperatingRoom(false);
    break;
  default:
    QMainWindow::keyPressEvent(event);
    return;
  }
  event->accept();
}

} // namespace vestige::viewer
