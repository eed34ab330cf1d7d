// `vestige view` on a case: opens the session (a case file, or two series with the series chooser), offers the
// autosave of unsaved work left by a crash, and runs the case window or its capture.
#include "case_window.h"
#include "series_chooser.h"
#include "viewer_window.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/visualization/render.h"

#include <QApplication>
#include <QMessageBox>

#include <iostream>
#include <string>

namespace vestige::viewer {

namespace {

// Stage names on stderr while the scans load and the livers are segmented (before the window shows).
class StageLines final : public core::Progress {
public:
  void report(std::string_view stage, double) override {
    if (stage != m_last) {
      m_last = std::string(stage);
      std::cerr << "vestige view: " << m_last << "\n";
    }
  }

private:
  std::string m_last;
};

std::unique_ptr<CaseSession> openSession(const ViewerOptions& options) {
  StageLines progress;
  if (!options.baselineSeries && !options.followupSeries)
    return CaseSession::open(options.folder, &progress);
  if (!options.baselineSeries || !options.followupSeries)
    throw core::Error(core::ErrorCode::InvalidArgument, "a case from series needs both --baseline and --followup",
                      "vestige view");
  const auto baseline = chooseSeries(*options.baselineSeries, "Baseline series (before chemotherapy)");
  if (!baseline)
    return nullptr;
  const auto followup = chooseSeries(*options.followupSeries, "Follow-up series (today)");
  if (!followup)
    return nullptr;
  return CaseSession::fromSeries(*baseline, *followup, &progress);
}

bool takeRecovery(const RecoveryInfo& info, Recovery choice, bool capture) {
  if (choice != Recovery::Ask)
    return choice == Recovery::Accept;
  if (capture)
    return false; // scripts say --recover yes to take it
  const QString text = QString("Unsaved work of this case was kept at %1 (%2 sites, %3 edits). Recover it?")
                           .arg(QString::fromStdString(info.savedUtc))
                           .arg(info.lesionCount)
                           .arg(info.editCount);
  return QMessageBox::question(nullptr, "Recover unsaved work", text, QMessageBox::Yes | QMessageBox::No) ==
         QMessageBox::Yes;
}

} // namespace

int runCaseViewer(const ViewerOptions& options) {
  std::unique_ptr<visualization::DisplayGuard> display;
  if (!visualization::displayAnswers())
    display = std::make_unique<visualization::DisplayGuard>();
  prepareOpenGl();
  int argc = 1;
  char name[] = "vestige-view";
  char* argv[] = {name, nullptr};
  QApplication app(argc, argv);
  std::unique_ptr<CaseSession> session = openSession(options);
  if (!session)
    return 1;
  const bool capture = options.screenshot.has_value();
  CaseWindowOptions windowOptions;
  windowOptions.autosaveSeconds = options.autosaveSeconds;
  windowOptions.autosave = session->defaultAutosaveFolder();
  windowOptions.registerOnOpen = !capture; // a capture shows the baseline positions rather than wait
  if (const auto info = CaseSession::findRecovery(windowOptions.autosave)) {
    if (takeRecovery(*info, options.recovery, capture)) {
      StageLines progress;
      session = CaseSession::recover(info->folder, &progress);
      std::cerr << "vestige view: recovered the work autosaved at " << info->savedUtc << "\n";
    }
  }
  CaseWindow window(std::move(session), windowOptions);
  window.resize(options.width, options.height);
  window.show();
  if (options.markAtLps) {
    const auto& p = *options.markAtLps;
    window.setTool(Tool::Click);
    window.proposeAt({p[0], p[1], p[2]});
    window.acceptProposal();
    if (!window.messageText().isEmpty())
      std::cerr << "vestige view: " << window.messageText().toStdString() << "\n";
  }
  if (options.site)
    window.selectSite(*options.site);
  if (!capture)
    return app.exec();
  for (int n = 0; n < 5; ++n)
    QApplication::processEvents();
  const QImage picture = window.grab().toImage();
  core::writeAtomically(*options.screenshot, [&](const std::filesystem::path& tmp) {
    if (!picture.save(QString::fromStdString(tmp.string()), "PNG"))
      throw core::Error(core::ErrorCode::Io, "cannot write PNG", options.screenshot->string());
  });
  std::cout << "wrote " << options.screenshot->string() << " (" << picture.width() << " x " << picture.height() << ")\n"
            << window.siteSummary();
  return 0;
}

} // namespace vestige::viewer
