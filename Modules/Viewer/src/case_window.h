#pragma once
// The case-preparation window of `vestige view CASE.json` / `--baseline DIR --followup DIR`: the baseline and
// follow-up scans side by side, the tools that mark lesions on the baseline and correct either liver, the site list
// with volumes, diameters, follow-up statuses and notes, the liver warnings, undo/redo, autosave, save, planning on a
// worker thread and the sign-off. Every edit goes through CaseSession; this class only turns mouse and keys into
// session calls and draws the session's state on the shared SliceViews. Geometry is LPS millimetres.
#include "case_session.h"
#include "slice_view.h"
#include "vestige/registration/transform.h"
#include "vestige/viewer/viewer.h"
#include "viewer_state.h"

#include <QMainWindow>

#include <array>
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTimer;
class QVBoxLayout;

namespace vestige::viewer {

class ViewerWindow;

enum class Tool { Navigate, Click, Line, PaintLesion, Move, LiverBrush, LiverEraser, Fill };
[[nodiscard]] const char* toolName(Tool tool) noexcept;

struct CaseWindowOptions {
  double autosaveSeconds = 30.0;  // period of the autosave of unsaved work (0: only on accepted marks)
  std::filesystem::path autosave; // folder of the autosave; empty: CaseSession::defaultAutosaveFolder()
  std::string user;               // sign-off name; empty: the system's user name
  // Register the scans on a worker thread as soon as the window opens, so that the follow-up views find each
  // site's projected position (until then, and without it, they use the baseline position).
  bool registerOnOpen = false;
};

class CaseWindow : public QMainWindow {
  Q_OBJECT
public:
  CaseWindow(std::unique_ptr<CaseSession> session, CaseWindowOptions options = {}, QWidget* parent = nullptr);
  ~CaseWindow() override;

  [[nodiscard]] CaseSession& session() const noexcept { return *m_session; }
  [[nodiscard]] SliceView* view(Date date, Plane plane) const;
  [[nodiscard]] Tool tool() const noexcept { return m_tool; }
  void setTool(Tool tool);
  [[nodiscard]] Brush& brush() noexcept { return m_brush; }
  [[nodiscard]] Date liverDate() const noexcept { return m_liverDate; }
  void setLiverDate(Date date);
  // Moves the cursor of one date; the views of that date show the slices through it.
  void setCursor(Date date, const core::Vec3& lps);
  [[nodiscard]] core::Vec3 cursor(Date date) const;
  // Chooses a site: the baseline views centre on its mark, the follow-up views on its projected position.
  void selectSite(const std::string& id);
  [[nodiscard]] const std::string& selectedSite() const noexcept { return m_selected; }
  [[nodiscard]] QTableWidget* siteTable() const noexcept { return m_sites; }
  [[nodiscard]] QString messageText() const;
  [[nodiscard]] QString liverText() const;
  [[nodiscard]] QString signOffText() const;
  [[nodiscard]] const std::filesystem::path& autosaveFolder() const noexcept { return m_autosaveFolder; }
  [[nodiscard]] std::size_t autosaveCount() const noexcept { return m_autosaves; }

  // The same actions as the keys and buttons (for scripts and the command line's capture).
  void proposeAt(const core::Vec3& lps);
  void acceptProposal();
  void rejectProposal();
  void setStatus(const std::string& status); // of the selected site
  void confirmLivers();
  void confirmStatuses();
  bool save(); // to the case file (asks for one when there is none)
  bool saveAs(const std::filesystem::path& caseFile);
  void autosaveNow();
  // Saves, then runs planning::runPlan on a worker thread into `outDir` (default: a fresh `plan` folder beside the
  // case file); when it finishes, the review of the new plan opens. False when it could not start.
  bool startPlan(std::optional<std::filesystem::path> outDir = std::nullopt);
  void cancelPlan();
  // Registers baseline -> follow-up on a worker thread (the same registration `vestige plan` runs, without the
  // uncertainty run); when it finishes, the follow-up views use the projected positions. False if one is running.
  bool startRegistration();
  [[nodiscard]] bool registered() const noexcept { return m_registered; }
  [[nodiscard]] bool planRunning() const noexcept { return m_planThread.joinable() && !m_planDone; }
  [[nodiscard]] const std::filesystem::path& planFolder() const noexcept { return m_planFolder; }
  [[nodiscard]] ViewerWindow* reviewWindow() const noexcept { return m_review.get(); }
  // Lines that describe the sites (id, kind, volume, diameter, status): what --screenshot prints.
  [[nodiscard]] std::string siteSummary() const;

signals:
  void planFinished(bool ok);
  void registrationFinished(bool ok);

protected:
  void keyPressEvent(QKeyEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

private:
  void buildPanel();
  QWidget* buildToolBox(QWidget* parent);
  QWidget* buildSignOffBox(QWidget* parent);
  void installOverlays(SliceView* view, Date date);
  bool handleMouse(SliceView* view, Date date, QMouseEvent* event);
  bool handleBaselineTool(SliceView* view, QMouseEvent* event, const core::Vec3& lps);
  bool handleLiverTool(SliceView* view, Date date, QMouseEvent* event, const core::Vec3& lps);
  void drawRaster(Date date, QImage& image, const std::vector<std::int64_t>& voxel) const;
  void drawVectors(SliceView* view, Date date, QPainter& painter) const;
  void afterEdit(bool autosave);
  void refreshSites();
  void refreshPanel();
  void refreshWarnings();
  void refreshViews();
  void stepSite(int delta);
  void runGuarded(const char* what, const std::function<void()>& action);
  void planArrived(bool ok, const QString& message);
  void useTransform(const registration::Transform& transform, const QString& source);
  [[nodiscard]] EditTarget liverTarget() const;

  std::unique_ptr<CaseSession> m_session;
  CaseWindowOptions m_options;
  ViewerState m_state; // both scans for the shared SliceViews (no plan: the review's overlays stay off)
  std::array<SliceView*, 3> m_baselineViews{}, m_followupViews{};
  SliceView* m_active = nullptr;
  Tool m_tool = Tool::Navigate;
  Brush m_brush;
  Date m_liverDate = Date::Baseline;
  std::string m_selected;
  // A mouse gesture in progress.
  std::optional<core::Vec3> m_pressLps;
  std::optional<core::Vec3> m_dragLps;
  bool m_stroking = false;

  QWidget* m_panel = nullptr;
  QLabel* m_messages = nullptr;
  QLabel* m_toolLabel = nullptr;
  QLabel* m_liver = nullptr;
  QLabel* m_proposal = nullptr;
  QDoubleSpinBox* m_radius = nullptr;
  QCheckBox* m_ball = nullptr;
  QTableWidget* m_sites = nullptr;
  QLineEdit* m_note = nullptr;
  QVBoxLayout* m_warningsLayout = nullptr;
  QWidget* m_warnings = nullptr;
  QLineEdit* m_user = nullptr;
  QLabel* m_signOff = nullptr;
  QProgressBar* m_progress = nullptr;
  QPushButton* m_cancel = nullptr;
  QTimer* m_autosaveTimer = nullptr;
  QTimer* m_warningTimer = nullptr;
  QString m_message;

  std::filesystem::path m_autosaveFolder;
  std::size_t m_changeSerial = 0, m_autosavedSerial = 0, m_autosaves = 0;
  std::thread m_planThread;
  std::atomic<bool> m_planCancel{false};
  std::atomic<bool> m_planDone{false};
  std::filesystem::path m_planFolder;
  std::unique_ptr<ViewerWindow> m_review;
  std::thread m_regThread;
  std::atomic<bool> m_regCancel{false};
  bool m_registered = false;
  QLabel* m_registration = nullptr;
};

// `vestige view CASE.json` or `--baseline DIR --followup DIR` (ViewerOptions in viewer.h): opens the session,
// offers the autosave found for it, and runs the case window (or its capture with --screenshot).
int runCaseViewer(const ViewerOptions& options);

// The user name for the sign-off: the system's (login name, else $USER), else "unknown".
[[nodiscard]] std::string systemUserName();

} // namespace vestige::viewer
