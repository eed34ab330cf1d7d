// The series chooser of `vestige view --baseline DIR --followup DIR` (issue 16): a folder holding several image
// series lists each with patient, study date, modality, description and number of slices from dicom::Catalog, and
// the row the user picks is the series the case takes; a folder with one series is taken without asking.
#include "prepare_test_support.h"
#include "series_chooser.h"

#include "vestige/testing/test_support.h"

#include <QApplication>
#include <QDialog>
#include <QTableWidget>
#include <QTimer>
#include <QtTest>

using namespace vestige;
using namespace vestige::viewer;
using namespace vestige::viewer::test;

class PrepareSeriesTest : public QObject {
  Q_OBJECT

private slots:
  void chooserListsAndPicksASeries() {
    const fs::path caseDir = phantomCase();
    QVERIFY2(fs::exists(caseDir / "case.json"), "VESTIGE_VIEWER_PLAN/../case must hold the phantom case (fixture)");
    const fs::path temp = vestige::testing::freshTempDir("viewer-series");
    // One folder with both phantom series (a link to each file, so nothing is copied).
    for (const char* date : {"baseline", "followup"}) {
      fs::create_directories(temp / date);
      for (const auto& entry : fs::directory_iterator(caseDir / date / "dicom"))
        fs::create_symlink(entry.path(), temp / date / entry.path().filename());
    }
    const dicom::Catalog both = dicom::scanCatalog(temp);
    const auto series = imageSeries(both);
    QCOMPARE(series.size(), std::size_t(2));
    std::size_t followupRow = series.size();
    for (std::size_t r = 0; r < series.size(); ++r) {
      const dicom::Catalog one = dicom::scanCatalog(caseDir / "followup/dicom");
      if (series[r]->seriesUid == imageSeries(one).front()->seriesUid)
        followupRow = r;
    }
    QVERIFY(followupRow < series.size());

    // The dialog: check what it lists, then pick the follow-up's row as a user would (click, OK).
    std::string shownSlices, shownModality;
    QTimer::singleShot(300, [&] {
      auto* chooser = qobject_cast<SeriesChooser*>(QApplication::activeModalWidget());
      QVERIFY(chooser);
      QTableWidget* table = chooser->table();
      QCOMPARE(table->rowCount(), 2);
      QCOMPARE(table->columnCount(), 5);
      QCOMPARE(table->horizontalHeaderItem(4)->text(), QString("Slices"));
      shownSlices = table->item(int(followupRow), 4)->text().toStdString();
      shownModality = table->item(int(followupRow), 2)->text().toStdString();
      QTest::mouseClick(table->viewport(), Qt::LeftButton, Qt::NoModifier,
                        table->visualItemRect(table->item(int(followupRow), 3)).center());
      chooser->accept();
    });
    const auto chosen = chooseSeries(temp, "Follow-up series");
    QVERIFY(chosen.has_value());
    QCOMPARE(chosen->seriesUid, series[followupRow]->seriesUid);
    QCOMPARE(shownSlices, std::to_string(series[followupRow]->instances.size()));
    QCOMPARE(shownModality, series[followupRow]->modality);

    // A folder with one image series needs no question.
    const auto single = chooseSeries(caseDir / "baseline/dicom", "Baseline series");
    QVERIFY(single.has_value());
    QVERIFY(!single->seriesUid.empty());
    fs::remove_all(temp);
  }
};

QTEST_MAIN(PrepareSeriesTest)
#include "prepare_series_test.moc"
