// Issue 16's bar for one-click marks in the case window on the phantom (seed 1): a click at each lesion's centre
// on the baseline axial view (after an Alt+click on the coronal view brings its slice), then Enter, gives a mark
// with Dice >= 0.85 against the phantom's truth mask. The outline comes from lesions::resolveMark bounded by the
// baseline liver, exactly as `vestige plan` resolves a "click" lesion; the window adds nothing to it.
#include "prepare_test_support.h"

#include "vestige/testing/test_support.h"

#include <QApplication>
#include <QtTest>

#include <chrono>

using namespace vestige;
using namespace vestige::viewer;
using namespace vestige::viewer::test;

class PrepareClickTest : public QObject {
  Q_OBJECT

private slots:
  void clickAtEachCentreGivesTheLesion() {
    const fs::path caseDir = phantomCase();
    QVERIFY2(fs::exists(caseDir / "case.json"), "VESTIGE_VIEWER_PLAN/../case must hold the phantom case (fixture)");
    const std::vector<TruthLesion> truth = readTruth(caseDir);
    QCOMPARE(truth.size(), std::size_t(6));
    const fs::path temp = vestige::testing::freshTempDir("viewer-case-click");
    CaseWindowOptions options;
    options.autosave = temp / "autosave";
    options.autosaveSeconds = 0;
    CaseWindow window(CaseSession::open(writeUnmarkedCase(caseDir, temp)), options);
    window.resize(1500, 950);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    CaseSession& s = window.session();
    SliceView* axial = window.view(Date::Baseline, Plane::Axial);
    SliceView* coronal = window.view(Date::Baseline, Plane::Coronal);
    QTest::keyClick(&window, Qt::Key_C);
    std::vector<double> dices;
    for (const TruthLesion& t : truth) {
      QTest::mouseClick(coronal, Qt::LeftButton, Qt::AltModifier, pixelOf(coronal, t.centreLps));
      const auto started = std::chrono::steady_clock::now();
      QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, pixelOf(axial, t.centreLps));
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      QVERIFY2(s.proposal().has_value(), qPrintable(window.messageText()));
      QTest::keyClick(&window, Qt::Key_Return);
      const SessionLesion* mark = s.lesion(t.id);
      QVERIFY2(mark, t.id.c_str());
      const core::Mask reference = dicom::readMaskFile(t.mask);
      dices.push_back(dice(labelMask(s.lesionLabels(), mark->label), reference));
      qInfo("%s (%.0f mm): Dice %.3f, %.2f mL against %.2f mL true, click to outline %.2f s", t.id.c_str(),
            t.diameterMm, dices.back(), mark->volumeMl, core::maskVolumeMl(reference), seconds);
    }
    fs::remove_all(temp);
    for (std::size_t k = 0; k < truth.size(); ++k)
      QVERIFY2(dices[k] >= 0.85, truth[k].id.c_str());
  }
};

QTEST_MAIN(PrepareClickTest)
#include "prepare_click_test.moc"
