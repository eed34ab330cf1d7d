// `vestige view` on incomplete plan folders: without plan.json, with an unreadable mask, and a folder that does not
// exist. Each opens, shows what it can, says in the window what is missing, and writes nothing into the folder.
#include "viewer_window.h"

#include "vestige/testing/test_support.h"

#include <QApplication>
#include <QtTest>

#include <fstream>

using namespace vestige;
using namespace vestige::viewer;
namespace fs = std::filesystem;

namespace {

fs::path planFolder() {
  const char* env = std::getenv("VESTIGE_VIEWER_PLAN");
  return env ? fs::path(env) : fs::path();
}

// Pixels of the picture brighter than the darkest grey: the scan is drawn, not a black placeholder.
int brightPixels(const QImage& image) {
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x)
      n += qGray(image.pixel(x, y)) > 60 ? 1 : 0;
  return n;
}

} // namespace

class MissingPartsTest : public QObject {
  Q_OBJECT

private:
  fs::path m_temp;

  std::unique_ptr<ViewerWindow> open(const fs::path& folder) {
    auto window = std::make_unique<ViewerWindow>(folder);
    window->setFullScreenAllowed(false);
    window->resize(1200, 760);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
      return nullptr;
    QElapsedTimer timer;
    timer.start();
    while (!window->fullyLoaded() && timer.elapsed() < 600000)
      QTest::qWait(50);
    return window;
  }

private slots:
  void initTestCase() {
    QVERIFY2(fs::exists(planFolder() / "plan.json"), "VESTIGE_VIEWER_PLAN must name the phantom plan (fixture)");
    m_temp = vestige::testing::freshTempDir("viewer-missing");
  }
  void cleanupTestCase() { fs::remove_all(m_temp); }

  void withoutPlanJsonShowsTheScanAndSaysSo() {
    const fs::path folder = m_temp / "no_plan_json";
    fs::copy(planFolder(), folder, fs::copy_options::recursive);
    fs::remove(folder / "plan.json");
    const auto before = vestige::testing::fingerprintTree(folder);
    {
      auto window = open(folder);
      QVERIFY(window && window->fullyLoaded());
      QVERIFY2(window->messageText().contains("plan.json is missing"), qPrintable(window->messageText()));
      QVERIFY(window->figuresText().contains("No plan.json"));
      QCOMPARE(window->state().site, -1);
      QTest::keyClick(window.get(), Qt::Key_N); // no sites: nothing happens, nothing breaks
      QCOMPARE(window->state().site, -1);
      QVERIFY(brightPixels(window->followupView(Plane::Axial)->render(QSize(300, 300))) > 5000);
    }
    QVERIFY(vestige::testing::fingerprintTree(folder) == before);
  }

  void unreadableMaskIsNamedAndTheRestShown() {
    const fs::path folder = m_temp / "bad_mask";
    fs::copy(planFolder(), folder, fs::copy_options::recursive);
    std::ofstream(folder / "resection.nii.gz", std::ios::binary | std::ios::trunc) << "not a NIfTI file";
    const auto before = vestige::testing::fingerprintTree(folder);
    {
      auto window = open(folder);
      QVERIFY(window && window->fullyLoaded());
      QVERIFY2(window->messageText().contains("resection.nii.gz"), qPrintable(window->messageText()));
      QTest::keyClick(window.get(), Qt::Key_N);
      QCOMPARE(window->state().site, 0);
      QVERIFY(brightPixels(window->followupView(Plane::Axial)->render(QSize(300, 300))) > 5000);
    }
    QVERIFY(vestige::testing::fingerprintTree(folder) == before);
  }

  void missingFolderOpensWithAMessage() {
    auto window = open(m_temp / "does_not_exist");
    QVERIFY(window && window->fullyLoaded());
    QVERIFY2(window->messageText().contains("not a folder"), qPrintable(window->messageText()));
    QVERIFY(!fs::exists(m_temp / "does_not_exist"));
  }
};

int main(int argc, char** argv) {
  prepareOpenGl();
  QApplication app(argc, argv);
  MissingPartsTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "missing_parts_test.moc"
