#include "case_window.h"

#include "viewer_window.h"

#include "vestige/core/error.h"
#include "vestige/core/format.h"
#include "vestige/planning/plan.h"
#include "vestige/registration/registration.h"
#include "vestige/registration/registration_io.h"

#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMouseEvent>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <pwd.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace vestige::viewer {

namespace fs = std::filesystem;

const char* toolName(Tool tool) noexcept {
  switch (tool) {
  case Tool::Navigate:
    return "Navigate (V)";
  case Tool::Click:
    return "Click lesion (C)";
  case Tool::Line:
    return "Line -> ball (L)";
  case Tool::PaintLesion:
    return "Paint lesion (P, Shift: erase)";
  case Tool::Move:
    return "Move site (M)";
  case Tool::LiverBrush:
    return "Liver brush (B)";
  case Tool::LiverEraser:
    return "Liver eraser (E)";
  case Tool::Fill:
    return "Liver fill (F)";
  }
  return "?";
}

std::string systemUserName() {
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_name && *pw->pw_name)
    return pw->pw_name;
  if (const char* user = std::getenv("USER"); user && *user)
    return user;
  return "unknown";
}

namespace {

constexpr std::array<Plane, 3> kPlanes = {Plane::Axial, Plane::Coronal, Plane::Sagittal};
const visualization::Rgb8 kProposal{255, 215, 0};

// Blends into one RGB32 pixel (bytes B, G, R, A).
void blend(std::uint8_t* px, const visualization::Rgb8& c, double a) {
  px[0] = static_cast<std::uint8_t>(std::lround(px[0] * (1.0 - a) + c.b * a));
  px[1] = static_cast<std::uint8_t>(std::lround(px[1] * (1.0 - a) + c.g * a));
  px[2] = static_cast<std::uint8_t>(std::lround(px[2] * (1.0 - a) + c.r * a));
}

// Fills (fillAlpha) and outlines (edgeAlpha) the pixels whose voxel satisfies `inside`.
template <class Inside>
void paintMask(QImage& image, const std::vector<std::int64_t>& voxel, Inside inside, const visualization::Rgb8& c,
               double fillAlpha, double edgeAlpha) {
  const int w = image.width(), h = image.height();
  const auto at = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= w || y >= h)
      return false;
    const std::int64_t n = voxel[std::size_t(y) * w + x];
    return n >= 0 && inside(std::size_t(n));
  };
  for (int y = 0; y < h; ++y) {
    auto* row = image.scanLine(y);
    for (int x = 0; x < w; ++x) {
      if (!at(x, y))
        continue;
      const bool edge = !at(x - 1, y) || !at(x + 1, y) || !at(x, y - 1) || !at(x, y + 1);
      const double a = edge ? edgeAlpha : fillAlpha;
      if (a > 0)
        blend(row + 4 * x, c, a);
    }
  }
}

visualization::Rgb8 statusColor(const std::string& status) {
  return visualization::styleOf(visualization::siteRoleOf(status.empty() ? "visible" : status)).color;
}

QString fixed(double value, int decimals = 1) {
  return QString::number(value, 'f', decimals);
}

// Progress of the planning thread, posted to the window's bar.
class BarProgress final : public core::Progress {
public:
  BarProgress(QProgressBar* bar, const std::atomic<bool>& cancel) : m_bar(bar), m_cancel(cancel) {}
  void report(std::string_view stage, double fraction) override {
    const int value = int(std::lround(100.0 * std::clamp(fraction, 0.0, 1.0)));
    const QString text = QString::fromUtf8(stage.data(), int(stage.size()));
    QMetaObject::invokeMethod(
        m_bar,
        [bar = m_bar, value, text] {
          bar->setValue(value);
          bar->setFormat("Planning: " + text + "  %p%");
        },
        Qt::QueuedConnection);
  }
  [[nodiscard]] bool cancelRequested() const override { return m_cancel.load(); }

private:
  QProgressBar* m_bar;
  const std::atomic<bool>& m_cancel;
};

} // namespace

CaseWindow::CaseWindow(std::unique_ptr<CaseSession> session, CaseWindowOptions options, QWidget* parent)
    : QMainWindow(parent), m_session(std::move(session)), m_options(std::move(options)) {
  auto images = std::make_shared<PlanImages>();
  images->baseline = m_session->image(Date::Baseline);
  images->masks.followup = m_session->image(Date::Followup);
  m_state.images = std::move(images);
  m_state.layers = defaultLayers();
  m_state.window = kWindowPresets[1].value;
  m_brush.radiusMm = 5.0;
  m_autosaveFolder = m_options.autosave.empty() ? m_session->defaultAutosaveFolder() : m_options.autosave;
  setWindowTitle("vestige view - case " +
                 QString::fromStdString(m_session->caseFile() ? m_session->caseFile()->string() : "(not saved)"));
  auto* splitter = new QSplitter(this);
  auto* viewArea = new QWidget(splitter);
  for (std::size_t p = 0; p < kPlanes.size(); ++p) {
    m_baselineViews[p] = new SliceView(m_state, Scan::Baseline, kPlanes[p], viewArea);
    m_followupViews[p] = new SliceView(m_state, Scan::Followup, kPlanes[p], viewArea);
    installOverlays(m_baselineViews[p], Date::Baseline);
    installOverlays(m_followupViews[p], Date::Followup);
  }
  // Baseline (where lesions are marked) large on the left, the follow-up on the right; coronal and sagittal below.
  auto* rows = new QGridLayout(viewArea);
  rows->setContentsMargins(0, 0, 0, 0);
  rows->setSpacing(2);
  rows->addWidget(m_baselineViews[0], 0, 0);
  rows->addWidget(m_followupViews[0], 0, 1);
  auto* lower = new QHBoxLayout;
  for (std::size_t p = 1; p < kPlanes.size(); ++p) {
    lower->addWidget(m_baselineViews[p]);
    lower->addWidget(m_followupViews[p]);
  }
  rows->addLayout(lower, 1, 0, 1, 2);
  rows->setRowStretch(0, 3);
  rows->setRowStretch(1, 2);
  m_active = m_baselineViews[0];
  buildPanel();
  splitter->addWidget(viewArea);
  splitter->addWidget(m_panel);
  splitter->setStretchFactor(0, 1);
  splitter->setStretchFactor(1, 0);
  setCentralWidget(splitter);

  m_autosaveTimer = new QTimer(this);
  connect(m_autosaveTimer, &QTimer::timeout, this, [this] {
    if (m_changeSerial != m_autosavedSerial)
      autosaveNow();
  });
  if (m_options.autosaveSeconds > 0)
    m_autosaveTimer->start(int(std::lround(m_options.autosaveSeconds * 1000)));
  m_warningTimer = new QTimer(this);
  m_warningTimer->setSingleShot(true);
  m_warningTimer->setInterval(800);
  connect(m_warningTimer, &QTimer::timeout, this, [this] { refreshWarnings(); });

  // Both cursors start at the middle of the baseline liver's scan, so that the first slices show the liver.
  for (Date date : {Date::Baseline, Date::Followup}) {
    const core::BoundsLps b = m_session->image(date).geometry.boundsLps();
    setCursor(date, core::scale(core::add(b.min, b.max), 0.5));
  }
  refreshSites();
  refreshWarnings();
  refreshPanel();
  if (m_options.registerOnOpen)
    startRegistration();
}

CaseWindow::~CaseWindow() {
  m_planCancel = true;
  m_regCancel = true;
  if (m_planThread.joinable())
    m_planThread.join();
  if (m_regThread.joinable())
    m_regThread.join();
}

namespace {

// Progress of the registration thread, posted to a label.
class LabelProgress final : public core::Progress {
public:
  LabelProgress(QLabel* label, const std::atomic<bool>& cancel) : m_label(label), m_cancel(cancel) {}
  void report(std::string_view stage, double fraction) override {
    const QString text = QString("Registering the scans: %1 %2 %")
                             .arg(QString::fromUtf8(stage.data(), int(stage.size())))
                             .arg(int(std::lround(100.0 * fraction)));
    QMetaObject::invokeMethod(
        m_label, [label = m_label, text] { label->setText(text); }, Qt::QueuedConnection);
  }
  [[nodiscard]] bool cancelRequested() const override { return m_cancel.load(); }

private:
  QLabel* m_label;
  const std::atomic<bool>& m_cancel;
};

} // namespace

bool CaseWindow::startRegistration() {
  if (m_regThread.joinable())
    return false;
  // The worker gets its own copies: the UI thread keeps editing the livers and marks meanwhile.
  auto followup = std::make_shared<const core::Image>(m_session->image(Date::Followup));
  auto baseline = std::make_shared<const core::Image>(m_session->image(Date::Baseline));
  auto followupLiver = std::make_shared<const core::Mask>(m_session->liver(Date::Followup));
  auto baselineLiver = std::make_shared<const core::Mask>(m_session->liver(Date::Baseline));
  auto sites = std::make_shared<core::Mask>(m_session->lesionLabels().geometry, 0);
  for (std::size_t n = 0; n < sites->voxels.size(); ++n)
    sites->voxels[n] = m_session->lesionLabels().voxels[n] != 0;
  m_registration->setText("Registering the scans ...");
  m_regThread = std::thread([this, followup, baseline, followupLiver, baselineLiver, sites] {
    std::shared_ptr<registration::Transform> transform;
    QString message;
    try {
      LabelProgress progress(m_registration, m_regCancel);
      registration::RegistrationOptions options;
      options.estimateUncertainty = false; // positions only; the plan estimates the uncertainty
      options.threads = std::max(1u, std::thread::hardware_concurrency() - 1);
      const registration::RegistrationInputs inputs{followup.get(), baseline.get(), followupLiver.get(),
                                                    baselineLiver.get(), sites.get()};
      transform =
          std::make_shared<registration::Transform>(registration::registerImages(inputs, options, &progress).transform);
    } catch (const std::exception& e) {
      message = e.what();
    }
    QMetaObject::invokeMethod(
        this,
        [this, transform, message] {
          if (m_regThread.joinable())
            m_regThread.join();
          if (transform)
            useTransform(*transform, "registered in the window");
          else
            m_registration->setText("Registration failed: " + message);
          emit registrationFinished(transform != nullptr);
        },
        Qt::QueuedConnection);
  });
  return true;
}

void CaseWindow::useTransform(const registration::Transform& transform, const QString& source) {
  auto shared = std::make_shared<const registration::Transform>(transform);
  m_session->setRegistration([shared](const core::Vec3& baselineLps) {
    try {
      return shared->baselineToFollowupLps(baselineLps);
    } catch (const core::Error&) {
      return baselineLps; // T^-1 does not converge outside the registered region
    }
  });
  m_registered = true;
  m_registration->setText("Follow-up positions: projected (" + source + ")");
  if (!m_selected.empty())
    selectSite(m_selected);
  refreshViews();
}

SliceView* CaseWindow::view(Date date, Plane plane) const {
  const auto& views = date == Date::Baseline ? m_baselineViews : m_followupViews;
  for (std::size_t p = 0; p < kPlanes.size(); ++p)
    if (kPlanes[p] == plane)
      return views[p];
  return views[0];
}

void CaseWindow::installOverlays(SliceView* view, Date date) {
  view->setRasterOverlay(
      [this, date](QImage& image, const std::vector<std::int64_t>& voxel) { drawRaster(date, image, voxel); });
  view->setVectorOverlay([this, view, date](QPainter& painter) { drawVectors(view, date, painter); });
  view->setMouseTool([this, date](SliceView* v, QMouseEvent* event) { return handleMouse(v, date, event); });
  connect(view, &SliceView::cursorPicked, this, [this](Scan scan, core::Vec3 lps) {
    setCursor(scan == Scan::Baseline ? Date::Baseline : Date::Followup, lps);
  });
  connect(view, &SliceView::windowChanged, this, [this](double width, double centre) {
    m_state.window = {width, centre};
    refreshViews();
  });
  connect(view, &SliceView::hovered, this, [this](SliceView* v) { m_active = v; });
}

// --- Panel ---

void CaseWindow::buildPanel() {
  m_panel = new QWidget(this);
  auto* scroll = new QScrollArea(this);
  auto* inner = new QWidget(scroll);
  auto* layout = new QVBoxLayout(inner);
  m_messages = new QLabel(inner);
  m_messages->setWordWrap(true);
  m_messages->setStyleSheet("QLabel { background: #fff3cd; color: #222; padding: 4px; }");
  m_messages->hide();
  layout->addWidget(m_messages);
  layout->addWidget(buildToolBox(inner));
  m_registration = new QLabel("Follow-up positions: the baseline's (no registration yet)", inner);
  m_registration->setWordWrap(true);
  layout->addWidget(m_registration);

  m_proposal = new QLabel(inner);
  m_proposal->setWordWrap(true);
  m_proposal->setStyleSheet("QLabel { background: #fff0a0; color: #222; padding: 4px; }");
  m_proposal->hide();
  layout->addWidget(m_proposal);

  m_sites = new QTableWidget(0, 6, inner);
  m_sites->setHorizontalHeaderLabels({"Site", "Mark", "mL", "\u00d8 mm", "Follow-up", "Note"});
  m_sites->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_sites->setSelectionMode(QAbstractItemView::SingleSelection);
  m_sites->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_sites->verticalHeader()->hide();
  m_sites->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_sites->setMinimumHeight(170);
  m_sites->setFocusPolicy(Qt::NoFocus);
  connect(m_sites, &QTableWidget::cellClicked, this, [this](int row, int) {
    if (row >= 0 && std::size_t(row) < m_session->lesions().size())
      selectSite(m_session->lesions()[std::size_t(row)].id);
  });
  connect(m_sites, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
    if (row < 0 || std::size_t(row) >= m_session->lesions().size())
      return;
    const std::string id = m_session->lesions()[std::size_t(row)].id;
    bool ok = false;
    const QString name =
        QInputDialog::getText(this, "Rename site", "New id", QLineEdit::Normal, QString::fromStdString(id), &ok);
    if (ok)
      runGuarded("rename", [&] {
        m_session->renameLesion(id, name.trimmed().toStdString());
        m_selected = name.trimmed().toStdString();
        afterEdit(true);
      });
  });
  layout->addWidget(m_sites, 1);

  auto* statusRow = new QHBoxLayout;
  const std::pair<const char*, const char*> statuses[] = {
      {"Visible (1)", "visible"}, {"Shrunk (2)", "shrunk"}, {"Disappeared (3)", "disappeared"}};
  for (const auto& [text, status] : statuses) {
    auto* b = new QPushButton(text, inner);
    b->setFocusPolicy(Qt::NoFocus);
    connect(b, &QPushButton::clicked, this, [this, status = status] { setStatus(status); });
    statusRow->addWidget(b);
  }
  layout->addLayout(statusRow);
  auto* siteRow = new QHBoxLayout;
  m_note = new QLineEdit(inner);
  m_note->setPlaceholderText("Note on the chosen site (Enter to keep)");
  connect(m_note, &QLineEdit::returnPressed, this, [this] {
    if (!m_selected.empty())
      runGuarded("note", [&] {
        m_session->setNote(m_selected, m_note->text().toStdString());
        afterEdit(true);
      });
    m_note->clearFocus();
  });
  siteRow->addWidget(m_note, 1);
  auto* remove = new QPushButton("Delete", inner);
  remove->setFocusPolicy(Qt::NoFocus);
  connect(remove, &QPushButton::clicked, this, [this] {
    if (!m_selected.empty())
      runGuarded("delete", [&] {
        m_session->deleteLesion(m_selected);
        m_selected.clear();
        afterEdit(true);
      });
  });
  siteRow->addWidget(remove);
  layout->addLayout(siteRow);

  m_liver = new QLabel(inner);
  m_liver->setWordWrap(true);
  layout->addWidget(m_liver);
  auto* liverRow = new QHBoxLayout;
  auto* interpolate = new QPushButton("Interpolate edited slices (I)", inner);
  interpolate->setFocusPolicy(Qt::NoFocus);
  connect(interpolate, &QPushButton::clicked, this, [this] {
    runGuarded("interpolation", [&] {
      const std::size_t n = m_session->interpolateLiver(m_liverDate, m_active->normalVoxelAxis());
      m_message = QString("%1 slices filled by interpolation").arg(n);
      afterEdit(false);
    });
  });
  liverRow->addWidget(interpolate);
  layout->addLayout(liverRow);
  auto* warningsTitle = new QLabel("<b>Liver warnings</b>", inner);
  layout->addWidget(warningsTitle);
  m_warnings = new QWidget(inner);
  m_warningsLayout = new QVBoxLayout(m_warnings);
  m_warningsLayout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_warnings);
  layout->addWidget(buildSignOffBox(inner));
  scroll->setWidget(inner);
  scroll->setWidgetResizable(true);
  auto* outer = new QVBoxLayout(m_panel);
  outer->setContentsMargins(0, 0, 0, 0);
  outer->addWidget(scroll);
  m_panel->setMinimumWidth(400);
  m_panel->setMaximumWidth(520);
}

QWidget* CaseWindow::buildToolBox(QWidget* parent) {
  auto* box = new QWidget(parent);
  auto* layout = new QGridLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  const Tool tools[] = {Tool::Navigate,   Tool::Click,       Tool::Line, Tool::PaintLesion,
                        Tool::LiverBrush, Tool::LiverEraser, Tool::Fill, Tool::Move};
  int n = 0;
  for (Tool t : tools) {
    auto* b = new QPushButton(toolName(t), box);
    b->setFocusPolicy(Qt::NoFocus);
    connect(b, &QPushButton::clicked, this, [this, t] { setTool(t); });
    layout->addWidget(b, n / 2, n % 2);
    ++n;
  }
  m_toolLabel = new QLabel(box);
  layout->addWidget(m_toolLabel, n / 2 + 1, 0, 1, 2);
  auto* brushRow = new QHBoxLayout;
  brushRow->addWidget(new QLabel("Brush radius mm ([ ])", box));
  m_radius = new QDoubleSpinBox(box);
  m_radius->setRange(0.5, 50.0);
  m_radius->setSingleStep(0.5);
  m_radius->setValue(m_brush.radiusMm);
  m_radius->setFocusPolicy(Qt::ClickFocus);
  connect(m_radius, QOverload<double>::of(&QDoubleSpinBox::valueChanged), this,
          [this](double v) { m_brush.radiusMm = v; });
  brushRow->addWidget(m_radius);
  m_ball = new QCheckBox("3D ball (G)", box);
  m_ball->setFocusPolicy(Qt::NoFocus);
  connect(m_ball, &QCheckBox::toggled, this,
          [this](bool on) { m_brush.shape = on ? BrushShape::Ball : BrushShape::Disc; });
  brushRow->addWidget(m_ball);
  layout->addLayout(brushRow, n / 2 + 2, 0, 1, 2);
  auto* undoRow = new QHBoxLayout;
  auto* undo = new QPushButton("Undo (Ctrl+Z)", box);
  auto* redo = new QPushButton("Redo (Ctrl+Y)", box);
  for (QPushButton* b : {undo, redo})
    b->setFocusPolicy(Qt::NoFocus);
  connect(undo, &QPushButton::clicked, this, [this] {
    if (m_session->canUndo())
      runGuarded("undo", [&] {
        m_session->undo();
        afterEdit(false);
      });
  });
  connect(redo, &QPushButton::clicked, this, [this] {
    if (m_session->canRedo())
      runGuarded("redo", [&] {
        m_session->redo();
        afterEdit(false);
      });
  });
  undoRow->addWidget(undo);
  undoRow->addWidget(redo);
  layout->addLayout(undoRow, n / 2 + 3, 0, 1, 2);
  return box;
}

QWidget* CaseWindow::buildSignOffBox(QWidget* parent) {
  auto* box = new QWidget(parent);
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(new QLabel("<b>Sign-off</b>", box));
  auto* userRow = new QHBoxLayout;
  userRow->addWidget(new QLabel("Confirmed by", box));
  m_user = new QLineEdit(QString::fromStdString(m_options.user.empty() ? systemUserName() : m_options.user), box);
  userRow->addWidget(m_user, 1);
  layout->addLayout(userRow);
  auto* confirmRow = new QHBoxLayout;
  auto* livers = new QPushButton("Confirm livers", box);
  auto* statuses = new QPushButton("Confirm statuses", box);
  for (QPushButton* b : {livers, statuses})
    b->setFocusPolicy(Qt::NoFocus);
  connect(livers, &QPushButton::clicked, this, [this] { confirmLivers(); });
  connect(statuses, &QPushButton::clicked, this, [this] { confirmStatuses(); });
  livers->setObjectName("confirmLivers");
  statuses->setObjectName("confirmStatuses");
  confirmRow->addWidget(livers);
  confirmRow->addWidget(statuses);
  layout->addLayout(confirmRow);
  m_signOff = new QLabel(box);
  m_signOff->setWordWrap(true);
  layout->addWidget(m_signOff);
  auto* fileRow = new QHBoxLayout;
  auto* save = new QPushButton("Save (Ctrl+S)", box);
  auto* plan = new QPushButton("Plan", box);
  m_cancel = new QPushButton("Cancel planning", box);
  for (QPushButton* b : {save, plan, m_cancel})
    b->setFocusPolicy(Qt::NoFocus);
  save->setObjectName("save");
  plan->setObjectName("plan");
  m_cancel->setObjectName("cancelPlan");
  connect(save, &QPushButton::clicked, this, [this] { this->save(); });
  connect(plan, &QPushButton::clicked, this, [this] { startPlan(); });
  connect(m_cancel, &QPushButton::clicked, this, [this] { cancelPlan(); });
  m_cancel->hide();
  fileRow->addWidget(save);
  fileRow->addWidget(plan);
  fileRow->addWidget(m_cancel);
  layout->addLayout(fileRow);
  m_progress = new QProgressBar(box);
  m_progress->setRange(0, 100);
  m_progress->hide();
  layout->addWidget(m_progress);
  return box;
}

// --- State shown ---

void CaseWindow::refreshSites() {
  const auto& lesions = m_session->lesions();
  m_sites->setRowCount(int(lesions.size()));
  for (std::size_t k = 0; k < lesions.size(); ++k) {
    const SessionLesion& l = lesions[k];
    const QString status = l.followupStatus.empty()
                               ? QString("-")
                               : QString::fromStdString(l.followupStatus) + (l.statusConfirmed ? " \u2713" : " (auto)");
    const QStringList cells = {
        QString::fromStdString(l.id),  lesions::markKindName(l.kind), fixed(l.volumeMl, 2), fixed(l.diameterMm), status,
        QString::fromStdString(l.note)};
    for (int c = 0; c < cells.size(); ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      if (c == 4 && !l.followupStatus.empty()) {
        const auto color = statusColor(l.followupStatus);
        item->setBackground(QColor(color.r, color.g, color.b));
        item->setForeground(Qt::black);
      }
      m_sites->setItem(int(k), c, item);
    }
    if (l.id == m_selected)
      m_sites->selectRow(int(k));
  }
  if (m_selected.empty() || !m_session->lesion(m_selected))
    m_sites->clearSelection();
}

void CaseWindow::refreshPanel() {
  m_messages->setVisible(!m_message.isEmpty());
  m_messages->setText(m_message);
  m_toolLabel->setText(QString("Tool: <b>%1</b>%2")
                           .arg(toolName(m_tool))
                           .arg(m_tool == Tool::LiverBrush || m_tool == Tool::LiverEraser || m_tool == Tool::Fill
                                    ? QString(" on the view's date (%1 last)").arg(dateName(m_liverDate))
                                    : QString()));
  if (const auto& p = m_session->proposal()) {
    m_proposal->setText(QString("Proposed lesion: %1 mL, \u00d8 %2 mm. Enter/A accepts, Esc/X rejects.")
                            .arg(fixed(p->volumeMl, 2))
                            .arg(fixed(p->diameterMm)));
    m_proposal->show();
  } else {
    m_proposal->hide();
  }
  m_liver->setText(liverText());
  m_signOff->setText(signOffText());
  if (const SessionLesion* l = m_selected.empty() ? nullptr : m_session->lesion(m_selected); l && !m_note->hasFocus())
    m_note->setText(QString::fromStdString(l->note));
}

QString CaseWindow::messageText() const {
  return m_message;
}

QString CaseWindow::liverText() const {
  return QString("Liver: baseline %1 mL, follow-up %2 mL%3")
      .arg(fixed(m_session->liverVolumeMl(Date::Baseline)))
      .arg(fixed(m_session->liverVolumeMl(Date::Followup)))
      .arg(m_session->modified() ? "  (unsaved edits)" : "");
}

QString CaseWindow::signOffText() const {
  const planning::SignOff& s = m_session->signOff();
  const auto line = [](const char* what, const std::optional<planning::Confirmation>& c) {
    if (!c)
      return QString("%1: not confirmed").arg(what);
    return QString("%1: confirmed by %2 at %3%4")
        .arg(what)
        .arg(QString::fromStdString(c->by))
        .arg(QString::fromStdString(c->utc))
        .arg(c->note.empty() ? QString() : " (" + QString::fromStdString(c->note) + ")");
  };
  return line("Liver outlines", s.livers) + "\n" + line("Follow-up statuses", s.statuses) +
         (s.complete() ? "" : "\nUntil both are confirmed the verdict is provisional.");
}

void CaseWindow::refreshWarnings() {
  while (QLayoutItem* item = m_warningsLayout->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  int shown = 0;
  for (Date date : {Date::Baseline, Date::Followup}) {
    std::vector<segmentation::LiverWarning> warnings;
    try {
      warnings = m_session->liverWarnings(date);
    } catch (const std::exception& e) {
      m_message = QString("liver checks failed: ") + e.what();
    }
    for (const auto& w : warnings) {
      auto* row = new QWidget(m_warnings);
      auto* rowLayout = new QHBoxLayout(row);
      rowLayout->setContentsMargins(0, 0, 0, 0);
      auto* text = new QLabel(QString("%1: %2").arg(dateName(date)).arg(QString::fromStdString(w.message)), row);
      text->setWordWrap(true);
      rowLayout->addWidget(text, 1);
      if (w.placeLps) {
        auto* go = new QPushButton("Go", row);
        go->setFocusPolicy(Qt::NoFocus);
        go->setObjectName(QString("warning_%1").arg(shown));
        connect(go, &QPushButton::clicked, this, [this, date, place = *w.placeLps] {
          setCursor(date, place);
          for (Plane plane : kPlanes)
            view(date, plane)->centreOn(place);
        });
        rowLayout->addWidget(go);
      }
      m_warningsLayout->addWidget(row);
      ++shown;
    }
  }
  if (shown == 0)
    m_warningsLayout->addWidget(new QLabel("none", m_warnings));
}

void CaseWindow::refreshViews() {
  for (auto* views : {&m_baselineViews, &m_followupViews})
    for (SliceView* v : *views)
      v->update();
}

void CaseWindow::afterEdit(bool autosave) {
  ++m_changeSerial;
  refreshSites();
  refreshPanel();
  refreshViews();
  m_warningTimer->start();
  if (autosave)
    autosaveNow();
}

void CaseWindow::runGuarded(const char* what, const std::function<void()>& action) {
  try {
    m_message.clear();
    action();
  } catch (const std::exception& e) {
    m_message = QString("%1: %2").arg(what).arg(e.what());
  }
  refreshPanel();
  refreshViews();
}

// --- Drawing ---

void CaseWindow::drawRaster(Date date, QImage& image, const std::vector<std::int64_t>& voxel) const {
  const core::Mask& liver = m_session->liver(date);
  const std::size_t voxels = m_session->image(date).voxels.size();
  if (liver.voxels.size() == voxels)
    paintMask(
        image, voxel, [&](std::size_t n) { return liver.voxels[n] != 0; }, layerColor(Layer::Liver), 0.0, 1.0);
  if (date != Date::Baseline)
    return;
  const core::LabelMap& labels = m_session->lesionLabels();
  if (labels.voxels.size() == voxels)
    for (const SessionLesion& l : m_session->lesions()) {
      const bool chosen = l.id == m_selected;
      paintMask(
          image, voxel, [&](std::size_t n) { return labels.voxels[n] == l.label; }, statusColor(l.followupStatus),
          chosen ? 0.5 : 0.35, chosen ? 1.0 : 0.8);
    }
  if (const auto& p = m_session->proposal(); p && p->mask.voxels.size() == voxels)
    paintMask(
        image, voxel, [&](std::size_t n) { return p->mask.voxels[n] != 0; }, kProposal, 0.3, 1.0);
}

void CaseWindow::drawVectors(SliceView* view, Date date, QPainter& painter) const {
  QFont font = painter.font();
  font.setPixelSize(13);
  font.setBold(true);
  painter.setFont(font);
  const core::Vec3 through = cursor(date);
  for (const SessionLesion& l : m_session->lesions()) {
    const core::Vec3 at = date == Date::Baseline ? l.centreLps : m_session->followupPositionLps(l.id);
    // Labelled on the slices within its radius of the centre.
    const core::Vec3 offset = core::sub(at, through);
    const core::Vec3 onPlane = core::sub(view->pixelToLps(view->lpsToPixel(at)), through);
    const double across = std::abs(core::dot(offset, offset) - core::dot(onPlane, onPlane));
    if (std::sqrt(across) > std::max(3.0, l.diameterMm / 2.0))
      continue;
    const QPointF p = view->lpsToPixel(at);
    const auto c = statusColor(l.followupStatus);
    painter.setPen(QPen(QColor(c.r, c.g, c.b), l.id == m_selected ? 3.0 : 1.5));
    painter.setBrush(Qt::NoBrush);
    if (date == Date::Followup)
      painter.drawEllipse(p, 8.0, 8.0);
    painter.drawText(p + QPointF(10, -10), QString::fromStdString(l.id) + (l.statusConfirmed ? " \u2713" : ""));
    if (date == Date::Baseline && l.lineStartLps && l.lineEndLps)
      painter.drawLine(view->lpsToPixel(*l.lineStartLps), view->lpsToPixel(*l.lineEndLps));
  }
  if (date == Date::Baseline && m_tool == Tool::Line && m_pressLps && m_dragLps && m_active == view) {
    painter.setPen(QPen(QColor(kProposal.r, kProposal.g, kProposal.b), 2.0));
    const QPointF a = view->lpsToPixel(*m_pressLps), b = view->lpsToPixel(*m_dragLps);
    painter.drawLine(a, b);
    painter.drawText(b + QPointF(6, -6), fixed(core::distanceMm(*m_pressLps, *m_dragLps)) + " mm");
  }
}

// --- Mouse ---

bool CaseWindow::handleMouse(SliceView* view, Date date, QMouseEvent* event) {
  if (event->type() == QEvent::MouseButtonPress) {
    m_active = view;
    if (event->button() != Qt::LeftButton || (event->modifiers() & Qt::AltModifier) || m_tool == Tool::Navigate)
      return false; // the view's own handling: cursor, window, pan, ruler
  } else if (!m_pressLps && !m_stroking) {
    return false;
  }
  const core::Vec3 lps = view->pixelToLps(event->localPos());
  switch (m_tool) {
  case Tool::Click:
  case Tool::Line:
  case Tool::PaintLesion:
  case Tool::Move:
    return date == Date::Baseline ? handleBaselineTool(view, event, lps) : false;
  case Tool::LiverBrush:
  case Tool::LiverEraser:
  case Tool::Fill:
    return handleLiverTool(view, date, event, lps);
  case Tool::Navigate:
    break;
  }
  return false;
}

bool CaseWindow::handleBaselineTool(SliceView* view, QMouseEvent* event, const core::Vec3& lps) {
  const QEvent::Type type = event->type();
  if (m_tool == Tool::Click) {
    if (type == QEvent::MouseButtonPress)
      proposeAt(lps);
    return true;
  }
  if (m_tool == Tool::PaintLesion) {
    if (type == QEvent::MouseButtonPress) {
      runGuarded("paint", [&] {
        if (m_selected.empty() || !m_session->lesion(m_selected))
          m_selected = m_session->addPaintedLesion();
        Brush b = m_brush;
        b.normalAxis = view->normalVoxelAxis();
        b.erase = (event->modifiers() & Qt::ShiftModifier) != 0;
        m_session->beginStroke({EditTarget::Kind::Lesion, Date::Baseline, m_session->lesion(m_selected)->label});
        m_stroking = true;
        m_session->dab(lps, b);
      });
      refreshSites();
    } else if (m_stroking) {
      Brush b = m_brush;
      b.normalAxis = view->normalVoxelAxis();
      b.erase = (event->modifiers() & Qt::ShiftModifier) != 0;
      runGuarded("paint", [&] { m_session->dab(lps, b); });
      if (type == QEvent::MouseButtonRelease) {
        m_stroking = false;
        runGuarded("paint", [&] {
          m_session->endStroke();
          afterEdit(true);
        });
      }
    }
    return true;
  }
  // Line and Move: a press and a release (the drag between is only drawn).
  if (type == QEvent::MouseButtonPress) {
    m_pressLps = m_dragLps = lps;
  } else if (type == QEvent::MouseMove) {
    m_dragLps = lps;
    view->update();
  } else if (type == QEvent::MouseButtonRelease && m_pressLps) {
    const core::Vec3 start = *m_pressLps;
    m_pressLps.reset();
    m_dragLps.reset();
    if (m_tool == Tool::Line && core::distanceMm(start, lps) >= 1.0) {
      runGuarded("line mark", [&] {
        m_selected = m_session->addLineMark(start, lps);
        afterEdit(true);
      });
    } else if (m_tool == Tool::Move && !m_selected.empty()) {
      runGuarded("move", [&] {
        m_session->moveLesion(m_selected, core::sub(lps, start));
        afterEdit(true);
      });
    }
    refreshViews();
  }
  return true;
}

bool CaseWindow::handleLiverTool(SliceView* view, Date date, QMouseEvent* event, const core::Vec3& lps) {
  const QEvent::Type type = event->type();
  Brush b = m_brush;
  b.normalAxis = view->normalVoxelAxis();
  b.erase = m_tool == Tool::LiverEraser;
  if (type == QEvent::MouseButtonPress) {
    setLiverDate(date);
    if (m_tool == Tool::Fill) {
      runGuarded("fill", [&] {
        m_session->fill(liverTarget(), lps, view->normalVoxelAxis());
        afterEdit(false);
      });
      return true;
    }
    runGuarded("brush", [&] {
      m_session->beginStroke(liverTarget());
      m_stroking = true;
      m_session->dab(lps, b);
    });
    refreshPanel();
    return true;
  }
  if (!m_stroking)
    return true;
  runGuarded("brush", [&] { m_session->dab(lps, b); });
  if (type == QEvent::MouseButtonRelease) {
    m_stroking = false;
    runGuarded("brush", [&] {
      m_session->endStroke();
      afterEdit(false);
    });
  } else {
    m_liver->setText(liverText());
  }
  return true;
}

EditTarget CaseWindow::liverTarget() const {
  EditTarget t;
  t.kind = EditTarget::Kind::Liver;
  t.date = m_liverDate;
  return t;
}

// --- Actions ---

void CaseWindow::setTool(Tool tool) {
  if (m_stroking) {
    m_stroking = false;
    runGuarded("brush", [&] { m_session->endStroke(); });
  }
  m_tool = tool;
  m_pressLps.reset();
  m_dragLps.reset();
  refreshPanel();
}

void CaseWindow::setLiverDate(Date date) {
  m_liverDate = date;
  refreshPanel();
}

void CaseWindow::setCursor(Date date, const core::Vec3& lps) {
  m_state.haveCursor = true;
  (date == Date::Baseline ? m_state.baselineCursorLps : m_state.followupCursorLps) = lps;
  refreshViews();
}

core::Vec3 CaseWindow::cursor(Date date) const {
  return date == Date::Baseline ? m_state.baselineCursorLps : m_state.followupCursorLps;
}

void CaseWindow::selectSite(const std::string& id) {
  const SessionLesion* l = m_session->lesion(id);
  if (!l)
    return;
  m_selected = id;
  setCursor(Date::Baseline, l->centreLps);
  const core::Vec3 projected = m_session->followupPositionLps(id);
  setCursor(Date::Followup, projected);
  for (Plane plane : kPlanes) {
    view(Date::Baseline, plane)->centreOn(l->centreLps);
    view(Date::Followup, plane)->centreOn(projected);
  }
  refreshSites();
  refreshPanel();
}

void CaseWindow::stepSite(int delta) {
  const auto& lesions = m_session->lesions();
  if (lesions.empty())
    return;
  int index = -1;
  for (std::size_t k = 0; k < lesions.size(); ++k)
    if (lesions[k].id == m_selected)
      index = int(k);
  const int n = int(lesions.size());
  index = index < 0 ? (delta > 0 ? 0 : n - 1) : ((index + delta) % n + n) % n;
  selectSite(lesions[std::size_t(index)].id);
}

void CaseWindow::proposeAt(const core::Vec3& lps) {
  // The segmentation takes seconds on the UI thread (the session is not shared with workers while it edits): say so
  // before it starts.
  m_proposal->setText("Outlining the lesion at the click ...");
  m_proposal->show();
  m_proposal->repaint();
  QApplication::setOverrideCursor(Qt::WaitCursor);
  runGuarded("one-click segmentation", [&] { m_session->proposeClick(lps); });
  QApplication::restoreOverrideCursor();
  // Shown at once: the views repaint before the next event is handled.
  for (SliceView* v : m_baselineViews)
    v->repaint();
}

void CaseWindow::acceptProposal() {
  if (!m_session->proposal())
    return;
  runGuarded("accept", [&] {
    m_selected = m_session->acceptProposal();
    afterEdit(true);
  });
}

void CaseWindow::rejectProposal() {
  if (!m_session->proposal())
    return;
  runGuarded("reject", [&] { m_session->rejectProposal(); });
}

void CaseWindow::setStatus(const std::string& status) {
  if (m_selected.empty()) {
    m_message = "choose a site first (N: next site)";
    refreshPanel();
    return;
  }
  runGuarded("status", [&] {
    m_session->setFollowupStatus(m_selected, status);
    afterEdit(true);
  });
}

void CaseWindow::confirmLivers() {
  runGuarded("liver sign-off", [&] {
    m_session->confirmLivers(m_user->text().trimmed().toStdString());
    afterEdit(true);
  });
}

void CaseWindow::confirmStatuses() {
  runGuarded("status sign-off", [&] {
    m_session->confirmStatuses(m_user->text().trimmed().toStdString());
    afterEdit(true);
  });
}

bool CaseWindow::save() {
  if (m_session->caseFile())
    return saveAs(*m_session->caseFile());
  const QString file = QFileDialog::getSaveFileName(this, "Save case", "case.json", "Case files (*.json)");
  return !file.isEmpty() && saveAs(file.toStdString());
}

bool CaseWindow::saveAs(const fs::path& caseFile) {
  bool ok = false;
  runGuarded("save", [&] {
    m_session->save(caseFile);
    ok = true;
    // The work is on disk: nothing left to recover.
    std::error_code ec;
    fs::remove_all(m_autosaveFolder, ec);
    m_autosavedSerial = m_changeSerial;
    m_message = "saved " + QString::fromStdString(caseFile.string());
    setWindowTitle("vestige view - case " + QString::fromStdString(caseFile.string()));
  });
  return ok;
}

void CaseWindow::autosaveNow() {
  try {
    m_session->autosave(m_autosaveFolder);
    m_autosavedSerial = m_changeSerial;
    ++m_autosaves;
  } catch (const std::exception& e) {
    m_message = QString("autosave failed: ") + e.what();
    refreshPanel();
  }
}

bool CaseWindow::startPlan(std::optional<fs::path> outDir) {
  if (planRunning())
    return false;
  if (m_planThread.joinable())
    m_planThread.join();
  if (!save())
    return false;
  planning::CaseFile caseFile;
  try {
    // What `vestige plan` reads: the file just written, not the session's memory.
    caseFile = planning::readCaseFile(*m_session->caseFile());
  } catch (const std::exception& e) {
    m_message = QString("planning: ") + e.what();
    refreshPanel();
    return false;
  }
  if (!outDir) {
    const fs::path base = m_session->caseFile()->parent_path() / "plan";
    outDir = base;
    for (int n = 2; fs::exists(*outDir); ++n)
      outDir = base.string() + "_" + std::to_string(n);
  }
  m_planFolder = *outDir;
  m_planCancel = false;
  m_planDone = false;
  m_progress->setValue(0);
  m_progress->show();
  m_cancel->show();
  m_message = "planning into " + QString::fromStdString(m_planFolder.string());
  refreshPanel();
  m_planThread = std::thread([this, caseFile = std::move(caseFile), out = m_planFolder] {
    bool ok = false;
    QString message;
    try {
      BarProgress progress(m_progress, m_planCancel);
      // One core stays with the window so that it keeps answering while the plan runs.
      planning::PlanOptions planOptions;
      planOptions.threads = std::max(1u, std::thread::hardware_concurrency() - 1);
      (void)planning::runPlan(caseFile, out, planOptions, &progress);
      ok = true;
    } catch (const std::exception& e) {
      message = e.what();
    }
    m_planDone = true;
    QMetaObject::invokeMethod(
        this, [this, ok, message] { planArrived(ok, message); }, Qt::QueuedConnection);
  });
  return true;
}

void CaseWindow::cancelPlan() {
  m_planCancel = true;
}

void CaseWindow::planArrived(bool ok, const QString& message) {
  if (m_planThread.joinable())
    m_planThread.join();
  m_progress->hide();
  m_cancel->hide();
  if (ok) {
    m_message = "plan written to " + QString::fromStdString(m_planFolder.string());
    // The plan's registration gives the follow-up views the plan's projected positions.
    try {
      useTransform(registration::loadRegistration(m_planFolder / "registration").transform, "the new plan's");
    } catch (const std::exception& e) {
      m_message += QString("; its registration could not be read: ") + e.what();
    }
    m_review = std::make_unique<ViewerWindow>(m_planFolder);
    m_review->setFullScreenAllowed(false);
    m_review->resize(size());
    m_review->show();
  } else {
    m_message = m_planCancel ? QString("planning cancelled") : "planning failed: " + message;
  }
  refreshPanel();
  emit planFinished(ok);
}

std::string CaseWindow::siteSummary() const {
  std::ostringstream out;
  for (const SessionLesion& l : m_session->lesions())
    out << "site " << l.id << " " << lesions::markKindName(l.kind) << " " << core::formatFixed(l.volumeMl, 2) << " mL "
        << core::formatFixed(l.diameterMm, 1) << " mm status " << (l.followupStatus.empty() ? "-" : l.followupStatus)
        << (l.statusConfirmed ? " confirmed" : "") << "\n";
  return out.str();
}

// --- Keys ---

void CaseWindow::keyPressEvent(QKeyEvent* event) {
  if (event->matches(QKeySequence::Undo)) {
    if (m_session->canUndo())
      runGuarded("undo", [&] {
        m_session->undo();
        afterEdit(false);
      });
    return;
  }
  if (event->matches(QKeySequence::Redo) || (event->key() == Qt::Key_Y && (event->modifiers() & Qt::ControlModifier))) {
    if (m_session->canRedo())
      runGuarded("redo", [&] {
        m_session->redo();
        afterEdit(false);
      });
    return;
  }
  if (event->matches(QKeySequence::Save)) {
    save();
    return;
  }
  if (event->modifiers() & (Qt::ControlModifier | Qt::AltModifier)) {
    QMainWindow::keyPressEvent(event);
    return;
  }
  const bool proposal = m_session->proposal().has_value();
  switch (event->key()) {
  case Qt::Key_Return:
  case Qt::Key_Enter:
  case Qt::Key_A:
    acceptProposal();
    return;
  case Qt::Key_Escape:
  case Qt::Key_X:
    if (proposal)
      rejectProposal();
    else
      setTool(Tool::Navigate);
    return;
  case Qt::Key_V:
    setTool(Tool::Navigate);
    return;
  case Qt::Key_C:
    setTool(Tool::Click);
    return;
  case Qt::Key_L:
    setTool(Tool::Line);
    return;
  case Qt::Key_P:
    // A new site: choosing a row afterwards paints into that site instead.
    m_selected.clear();
    refreshSites();
    setTool(Tool::PaintLesion);
    return;
  case Qt::Key_M:
    setTool(Tool::Move);
    return;
  case Qt::Key_B:
    setTool(Tool::LiverBrush);
    return;
  case Qt::Key_E:
    setTool(Tool::LiverEraser);
    return;
  case Qt::Key_F:
    setTool(Tool::Fill);
    return;
  case Qt::Key_G:
    m_ball->setChecked(!m_ball->isChecked());
    return;
  case Qt::Key_BracketLeft:
    m_radius->setValue(m_radius->value() - 0.5);
    return;
  case Qt::Key_BracketRight:
    m_radius->setValue(m_radius->value() + 0.5);
    return;
  case Qt::Key_N:
    stepSite((event->modifiers() & Qt::ShiftModifier) ? -1 : 1);
    return;
  case Qt::Key_1:
    setStatus("visible");
    return;
  case Qt::Key_2:
    setStatus("shrunk");
    return;
  case Qt::Key_3:
    setStatus("disappeared");
    return;
  case Qt::Key_I:
    runGuarded("interpolation", [&] {
      m_session->interpolateLiver(m_liverDate, m_active->normalVoxelAxis());
      afterEdit(false);
    });
    return;
  case Qt::Key_Delete:
    if (!m_selected.empty())
      runGuarded("delete", [&] {
        m_session->deleteLesion(m_selected);
        m_selected.clear();
        afterEdit(true);
      });
    return;
  case Qt::Key_Up:
  case Qt::Key_Down:
  case Qt::Key_PageUp:
  case Qt::Key_PageDown: {
    const int step = event->key() == Qt::Key_Up       ? 1
                     : event->key() == Qt::Key_Down   ? -1
                     : event->key() == Qt::Key_PageUp ? 10
                                                      : -10;
    m_active->stepSlice(step);
    return;
  }
  default:
    QMainWindow::keyPressEvent(event);
  }
}

void CaseWindow::closeEvent(QCloseEvent* event) {
  if (m_session->modified()) {
    const auto answer = QMessageBox::question(this, "Unsaved edits", "Save the case before closing?",
                                              QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Cancel || (answer == QMessageBox::Save && !save())) {
      event->ignore();
      return;
    }
  }
  event->accept();
}

} // namespace vestige::viewer
