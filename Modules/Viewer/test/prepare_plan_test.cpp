// Planning from the case window on the phantom (seed 1), as issue 16 asks: the window saves the case and runs
// planning::runPlan on a worker thread with a progress bar and a cancel button while it stays responsive; the plan
// it makes has the same figures as the command line's (the viewer fixture's `vestige plan` of the same case):
// resected volume, FLR and sFLR of each scenario and every site's status. Then the review of the new plan opens.
// On the way, the liver warning of the automatic follow-up outline is listed with a button that jumps to its place.
#include "prepare_test_support.h"
#include "viewer_window.h"

#include "vestige/testing/test_support.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QPushButton>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

using namespace vestige;
using namespace vestige::viewer;
using namespace vestige::viewer::test;

namespace {

// The fixture's case file with its relative paths made absolute, in `folder` (so that saving writes only there).
fs::path copyCase(const fs::path& caseDir, const fs::path& folder) {
  nlohmann::json c = readJson(caseDir / "case.json");
  for (const char* date : {"baseline", "followup"})
    c[date]["series"] = (caseDir / c[date]["series"].get<std::string>()).string();
  for (auto& l : c["lesions"])
    l["mask"] = (caseDir / l["mask"].get<std::string>()).string();
  const fs::path file = folder / "case.json";
  std::ofstream(file) << c.dump(2);
  return file;
}

const nlohmann::json* scenario(const nlohmann::json& plan, const std::string& name) {
  for (const auto& s : plan["scenarios"])
    if (s["name"] == name)
      return &s;
  return nullptr;
}

} // namespace

class CasePlanTest : public QObject {
  Q_OBJECT

private slots:
  void planFromTheWindowMatchesTheCommandLine() {
    const fs::path caseDir = phantomCase();
    const fs::path cliPlan = caseDir.parent_path() / "plan" / "plan.json";
    QVERIFY2(fs::exists(cliPlan), "the viewer fixture's plan of the phantom case is missing");
    const fs::path temp = vestige::testing::freshTempDir("viewer-case-plan");
    CaseWindowOptions options;
    options.autosave = temp / "autosave";
    options.autosaveSeconds = 0;
    CaseWindow window(CaseSession::open(copyCase(caseDir, temp)), options);
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    // The automatic follow-up liver of the phantom reaches the scan's bottom slice: the warning is listed with a
    // button that brings the follow-up views to the place.
    const auto warnings = window.session().liverWarnings(Date::Followup);
    QVERIFY(!warnings.empty() && warnings.front().placeLps.has_value());
    auto* go = window.findChild<QPushButton*>("warning_0");
    QVERIFY(go);
    QTest::mouseClick(go, Qt::LeftButton);
    QVERIFY(core::distanceMm(window.cursor(Date::Followup), *warnings.front().placeLps) < 1e-6);
    SliceView* coronal = window.view(Date::Followup, Plane::Coronal);
    QVERIFY(core::distanceMm(coronal->pixelToLps(QPointF(coronal->width() / 2.0, coronal->height() / 2.0)),
                             *warnings.front().placeLps) <= 1.0);

    // The UI thread's longest pause while planning runs: a 20 ms timer that notes the gaps between its ticks.
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.elapsed(), longest = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, [&] {
      longest = std::max(longest, clock.elapsed() - last);
      last = clock.elapsed();
    });

    // Cancel first: the button stops the worker and nothing is reported as planned.
    auto* plan = window.findChild<QPushButton*>("plan");
    auto* cancel = window.findChild<QPushButton*>("cancelPlan");
    QVERIFY(plan && cancel);
    QSignalSpy finished(&window, &CaseWindow::planFinished);
    QTest::mouseClick(plan, Qt::LeftButton);
    QVERIFY2(window.planRunning(), qPrintable(window.messageText()));
    QTest::qWait(1500);
    QVERIFY(cancel->isVisible());
    QTest::mouseClick(cancel, Qt::LeftButton);
    QVERIFY(finished.wait(120000));
    QCOMPARE(finished.takeFirst().at(0).toBool(), false);
    QCOMPARE(window.messageText(), QString("planning cancelled"));
    QVERIFY(window.reviewWindow() == nullptr);

    QElapsedTimer planTime;
    planTime.start();
    QTest::mouseClick(plan, Qt::LeftButton); // saves the case (on the UI thread), then starts the worker
    QVERIFY(window.planRunning());
    qInfo("save before planning took %.2f s", planTime.elapsed() / 1e3);
    ticker.start(20);
    last = clock.elapsed();
    longest = 0;
    QVERIFY(finished.wait(900000));
    ticker.stop();
    QVERIFY2(finished.takeFirst().at(0).toBool(), qPrintable(window.messageText()));
    qInfo("plan from the window in %.1f s; longest pause of the UI thread meanwhile %lld ms", planTime.elapsed() / 1e3,
          static_cast<long long>(longest));
    QVERIFY(longest < 1000);

    const nlohmann::json cli = readJson(cliPlan);
    const nlohmann::json gui = readJson(window.planFolder() / "plan.json");
    double worstMl = 0, worstPercent = 0;
    for (const char* name : {kAllSites, kVisibleOnly}) {
      const nlohmann::json* a = scenario(cli, name);
      const nlohmann::json* b = scenario(gui, name);
      QVERIFY2(a && b, name);
      const double dMl = std::abs((*a)["resected_ml"].get<double>() - (*b)["resected_ml"].get<double>());
      const double dFlr = std::abs((*a)["flr_percent"].get<double>() - (*b)["flr_percent"].get<double>());
      const double dSflr = std::abs((*a)["sflr_percent"].get<double>() - (*b)["sflr_percent"].get<double>());
      qInfo("%s: resected %.2f mL (command line %.2f), FLR %.2f %% (%.2f), sFLR %.2f %% (%.2f)", name,
            (*b)["resected_ml"].get<double>(), (*a)["resected_ml"].get<double>(), (*b)["flr_percent"].get<double>(),
            (*a)["flr_percent"].get<double>(), (*b)["sflr_percent"].get<double>(), (*a)["sflr_percent"].get<double>());
      worstMl = std::max(worstMl, dMl);
      worstPercent = std::max({worstPercent, dFlr, dSflr});
    }
    qInfo("largest difference to the command line: %.4f mL, %.4f percentage points", worstMl, worstPercent);
    // Figures as plan.json reports them to people: 0.1 mL and 0.1 %.
    QVERIFY(worstMl < 0.05);
    QVERIFY(worstPercent < 0.05);
    QCOMPARE(gui["lesions"].size(), cli["lesions"].size());
    for (std::size_t k = 0; k < cli["lesions"].size(); ++k) {
      QCOMPARE(gui["lesions"][k]["id"], cli["lesions"][k]["id"]);
      QCOMPARE(gui["lesions"][k]["status"], cli["lesions"][k]["status"]);
    }
    // With the new plan's registration, N centres the follow-up views on each site's projected position.
    QVERIFY(window.registered());
    for (const auto& site : gui["lesions"]) {
      QTest::keyClick(&window, Qt::Key_N);
      QCOMPARE(window.selectedSite(), site["id"].get<std::string>());
      SliceView* v = window.view(Date::Followup, Plane::Axial);
      const core::Vec3 shown = v->pixelToLps(QPointF(v->width() / 2.0, v->height() / 2.0));
      const double error = core::distanceMm(shown, vec(site["projected_center_lps"]));
      qInfo("%s: follow-up view centre %.2f mm from plan.json's projected centre",
            site["id"].get<std::string>().c_str(), error);
      QVERIFY(error <= 1.0);
    }
    // The review of the new plan is open on it.
    QVERIFY(window.reviewWindow() != nullptr);
    QVERIFY(window.reviewWindow()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(window.reviewWindow()->imagesLoaded(), 120000);
    QCOMPARE(window.reviewWindow()->state().images->folder, window.planFolder());
    window.reviewWindow()->close();
    QTRY_VERIFY_WITH_TIMEOUT(window.reviewWindow()->fullyLoaded(), 300000);
    fs::remove_all(temp);
  }
};

QTEST_MAIN(CasePlanTest)
#include "prepare_plan_test.moc"
