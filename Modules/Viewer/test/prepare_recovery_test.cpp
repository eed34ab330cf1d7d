// Autosave, recovery and registration of the case window, as issue 16 asks: a `vestige view CASE` process that is
// killed with SIGKILL after a mark restores that mark on the next start (`--recover yes`, the answer the dialog asks
// for); the periodic autosave keeps edits that are not marks (a liver stroke) within its period. The autosave folder is
// $XDG_STATE_HOME/vestige/autosave/... (set to a temporary folder here); the period comes from --autosave-seconds.
// The registration the window runs on a worker as it opens puts each site's follow-up position within the
// project's registration bar (TRE <= 3 mm) of the phantom's true follow-up centre, while the window keeps answering.
#include "prepare_test_support.h"

#include "vestige/testing/test_support.h"

#include <QApplication>
#include <QProcess>
#include <QSignalSpy>
#include <QtTest>

#include <chrono>

using namespace vestige;
using namespace vestige::viewer;
using namespace vestige::viewer::test;

namespace {

// The autosave with at least `lesions` sites under `stateHome`, if one is there.
std::optional<RecoveryInfo> findAutosave(const fs::path& stateHome, std::size_t lesions) {
  const fs::path root = stateHome / "vestige" / "autosave";
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return std::nullopt;
  for (const auto& entry : fs::directory_iterator(root, ec))
    if (const auto info = CaseSession::findRecovery(entry.path()); info && info->lesionCount >= lesions)
      return info;
  return std::nullopt;
}

} // namespace

class CaseRecoveryTest : public QObject {
  Q_OBJECT

private:
  fs::path m_temp;
  fs::path m_caseFile;
  std::vector<TruthLesion> m_truth;

  QProcess* startViewer(const QStringList& extra) {
    auto* process = new QProcess(this);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_STATE_HOME", QString::fromStdString((m_temp / "state").string()));
    process->setProcessEnvironment(env);
    process->setProcessChannelMode(QProcess::SeparateChannels);
    process->start(VESTIGE_CLI,
                   QStringList{"view", QString::fromStdString(m_caseFile.string()), "--size", "1200x800"} + extra);
    return process;
  }

private slots:
  void initTestCase() {
    const fs::path caseDir = phantomCase();
    QVERIFY2(fs::exists(caseDir / "case.json"), "VESTIGE_VIEWER_PLAN/../case must hold the phantom case (fixture)");
    m_truth = readTruth(caseDir);
    QVERIFY(!m_truth.empty());
    m_temp = vestige::testing::freshTempDir("viewer-case-recovery");
    m_caseFile = writeUnmarkedCase(caseDir, m_temp);
  }
  void cleanupTestCase() { fs::remove_all(m_temp); }

  void killedViewerRestoresTheLastAutosave() {
    const std::string before = readJson(m_caseFile).dump();
    const core::Vec3 c = m_truth[0].centreLps;
    const QString at = QString("%1,%2,%3").arg(c[0], 0, 'f', 3).arg(c[1], 0, 'f', 3).arg(c[2], 0, 'f', 3);
    QProcess* first = startViewer({"--autosave-seconds", "1", "--mark-at", at});
    QVERIFY(first->waitForStarted(10000));
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<RecoveryInfo> info;
    while (!(info = findAutosave(m_temp / "state", 1)) && first->state() == QProcess::Running &&
           std::chrono::steady_clock::now() - t0 < std::chrono::minutes(5))
      QTest::qWait(200);
    QVERIFY2(info.has_value(), first->readAllStandardError().constData());
    qInfo("autosave with the mark after %.1f s (saved %s); killing the viewer",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), info->savedUtc.c_str());
    QCOMPARE(first->state(), QProcess::Running);
    first->kill(); // SIGKILL: no chance to save or clean up
    QVERIFY(first->waitForFinished(10000));
    QCOMPARE(first->exitStatus(), QProcess::CrashExit);
    QCOMPARE(readJson(m_caseFile).dump(), before); // nothing was saved into the case

    QProcess* second =
        startViewer({"--recover", "yes", "--screenshot", QString::fromStdString((m_temp / "a.png").string())});
    QVERIFY(second->waitForFinished(300000));
    const QString out = second->readAllStandardOutput(), err = second->readAllStandardError();
    qInfo("restarted viewer: %s", qPrintable(out.trimmed()));
    QCOMPARE(second->exitCode(), 0);
    QVERIFY2(err.contains("recovered the work autosaved at"), qPrintable(err));
    QVERIFY2(out.contains(QRegularExpression("site L1 click [0-9.]+ mL")), qPrintable(out));

    // Declining starts from the case file as saved: no marks.
    QProcess* third =
        startViewer({"--recover", "no", "--screenshot", QString::fromStdString((m_temp / "b.png").string())});
    QVERIFY(third->waitForFinished(300000));
    QCOMPARE(third->exitCode(), 0);
    QVERIFY(!QString(third->readAllStandardOutput()).contains("site L1"));
  }

  void periodicAutosaveKeepsAStroke() {
    const fs::path folder = m_temp / "periodic";
    CaseWindowOptions options;
    options.autosave = folder;
    options.autosaveSeconds = 0.5;
    CaseWindow window(CaseSession::open(m_caseFile), options);
    window.resize(1200, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const double startMl = window.session().liverVolumeMl(Date::Followup);
    SliceView* axial = window.view(Date::Followup, Plane::Axial);
    QTest::keyClick(&window, Qt::Key_B);
    const QPoint centre(axial->width() / 2, axial->height() / 2);
    QTest::mousePress(axial, Qt::LeftButton, Qt::NoModifier, centre + QPoint(-150, 0));
    QTest::mouseMove(axial, centre + QPoint(150, 0));
    QTest::mouseRelease(axial, Qt::LeftButton, Qt::NoModifier, centre + QPoint(150, 0));
    QVERIFY(window.session().liverVolumeMl(Date::Followup) > startMl);
    QCOMPARE(window.autosaveCount(), std::size_t(0)); // a stroke waits for the timer
    QTRY_VERIFY_WITH_TIMEOUT(window.autosaveCount() >= 1, 3000);
    const auto recovered = CaseSession::recover(folder);
    QVERIFY(recovered->liver(Date::Followup).voxels == window.session().liver(Date::Followup).voxels);
  }

  void registrationOnOpenProjectsTheSites() {
    CaseWindowOptions options;
    options.autosave = m_temp / "registration";
    options.autosaveSeconds = 0;
    options.registerOnOpen = true;
    CaseWindow window(CaseSession::open(writeMarkedCase(phantomCase(), m_temp)), options);
    QSignalSpy done(&window, &CaseWindow::registrationFinished);
    window.resize(1200, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // The window answers meanwhile: a status can be set while the worker registers.
    QTest::keyClick(&window, Qt::Key_N);
    QTest::keyClick(&window, Qt::Key_1);
    QCOMPARE(window.session().lesion("L1")->followupStatus, std::string("visible"));
    QVERIFY(!window.registered());
    QVERIFY(done.count() == 1 || done.wait(600000));
    QVERIFY(done.takeFirst().at(0).toBool());
    double worst = 0;
    for (const TruthLesion& t : m_truth) {
      bool projected = false;
      const double error =
          core::distanceMm(window.session().followupPositionLps(t.id, &projected), t.followupCentreLps);
      QVERIFY(projected);
      qInfo("%s: projected follow-up position %.2f mm from the truth", t.id.c_str(), error);
      worst = std::max(worst, error);
    }
    QVERIFY(worst <= 3.0);
    // N centres the follow-up views on it.
    QTest::keyClick(&window, Qt::Key_N);
    SliceView* v = window.view(Date::Followup, Plane::Axial);
    const core::Vec3 shown = v->pixelToLps(QPointF(v->width() / 2.0, v->height() / 2.0));
    QVERIFY(core::distanceMm(shown, window.session().followupPositionLps(window.selectedSite())) <= 1.0);
  }
};

QTEST_MAIN(CaseRecoveryTest)
#include "prepare_recovery_test.moc"
