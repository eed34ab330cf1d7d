#include "vestige/viewer/viewer.h"

#include "case_window.h"
#include "viewer_window.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/visualization/render.h"

#include <QApplication>
#include <QEventLoop>
#include <QSurfaceFormat>
#include <QTimer>
#include <QVTKOpenGLNativeWidget.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

namespace vestige::viewer {

Layout parseLayout(const std::string& name) {
  if (name == "review")
    return Layout::Review;
  if (name == "compare")
    return Layout::Compare;
  if (name == "3d")
    return Layout::Scene3d;
  throw core::Error(core::ErrorCode::InvalidArgument, "layout must be review, compare or 3d", "--layout " + name);
}

Recovery parseRecovery(const std::string& name) {
  if (name == "ask")
    return Recovery::Ask;
  if (name == "yes")
    return Recovery::Accept;
  if (name == "no")
    return Recovery::Decline;
  throw core::Error(core::ErrorCode::InvalidArgument, "recover must be ask, yes or no", "--recover " + name);
}

bool isCaseFile(const std::filesystem::path& folder) {
  std::error_code ec;
  return folder.extension() == ".json" && std::filesystem::is_regular_file(folder, ec);
}

void prepareOpenGl() {
  QSurfaceFormat::setDefaultFormat(QVTKOpenGLNativeWidget::defaultFormat());
}

namespace {

void waitUntilLoaded(ViewerWindow& window) {
  if (window.fullyLoaded())
    return;
  QEventLoop loop;
  QObject::connect(&window, &ViewerWindow::loadFinished, &loop, &QEventLoop::quit);
  loop.exec();
}

void settle() {
  for (int n = 0; n < 5; ++n)
    QApplication::processEvents();
}

double peakResidentMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0; // kB on Linux
}

void printBenchmark(ViewerWindow& window, const std::chrono::steady_clock::time_point& start) {
  const double firstFrame = window.secondsToFirstFrame();
  const double loaded = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  SliceView* axial = window.followupView(Plane::Axial);
  window.setViewerLayout(Layout::Compare);
  axial->setFixedSize(512, 512);
  settle();
  constexpr int kSteps = 200;
  auto t0 = std::chrono::steady_clock::now();
  for (int n = 0; n < kSteps; ++n) {
    axial->stepSlice(n < kSteps / 2 ? 1 : -1);
    axial->repaint();
  }
  const double sliceSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  axial->setMinimumSize(160, 160);
  axial->setMaximumSize(QWIDGETSIZE_MAX, QWIDGETSIZE_MAX);
  window.setViewerLayout(Layout::Scene3d);
  settle();
  const double perRotation = window.sceneView()->secondsPerRotationFrame(120);
  std::printf("time to first slice frame     %.2f s (goal < 3 s)\n", firstFrame);
  std::printf("time to everything loaded     %.2f s (surfaces of both scenarios)\n", loaded);
  std::printf("slice stepping at 512 x 512   %.1f frames/s (goal >= 30)\n", kSteps / sliceSeconds);
  std::printf("3D rotation, all surfaces     %.1f frames/s (window %d x %d)\n", 1.0 / perRotation,
              window.sceneView()->width(), window.sceneView()->height());
  std::printf("peak memory                   %.0f MB resident\n", peakResidentMb());
}

} // namespace

int runViewer(const ViewerOptions& options) {
  if (options.baselineSeries || options.followupSeries || isCaseFile(options.folder))
    return runCaseViewer(options);
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<visualization::DisplayGuard> display;
  if (!visualization::displayAnswers())
    display = std::make_unique<visualization::DisplayGuard>();
  prepareOpenGl();
  int argc = 1;
  char name[] = "vestige-view";
  char* argv[] = {name, nullptr};
  QApplication app(argc, argv);
  ViewerWindow window(options.folder);
  window.resize(options.width, options.height);
  window.setViewerLayout(options.layout);
  const bool capture = options.screenshot.has_value() || options.benchmark;
  if (options.operatingRoom) {
    // A capture keeps the requested size: OR mode's text then scales with it as it would with the screen.
    window.setFullScreenAllowed(!capture);
    window.setOperatingRoom(true);
  }
  window.resize(options.width, options.height);
  window.show();
  if (!capture)
    return app.exec();

  waitUntilLoaded(window);
  if (options.site) {
    const int index = window.siteIndex(*options.site);
    if (index < 0)
      throw core::Error(core::ErrorCode::NotFound, "no site with this id in plan.json", "--site " + *options.site);
    window.chooseSite(index);
  }
  window.resize(options.width, options.height);
  settle();
  window.sceneView()->renderNow();
  settle();
  if (options.benchmark) {
    printBenchmark(window, start);
    return 0;
  }
  const QImage picture = window.grab().toImage();
  core::writeAtomically(*options.screenshot, [&](const std::filesystem::path& tmp) {
    if (!picture.save(QString::fromStdString(tmp.string()), "PNG"))
      throw core::Error(core::ErrorCode::Io, "cannot write PNG", options.screenshot->string());
  });
  std::cout << "wrote " << options.screenshot->string() << " (" << picture.width() << " x " << picture.height()
            << ")\n";
  if (!window.messageText().isEmpty())
    std::cerr << "vestige view: " << window.messageText().toStdString() << "\n";
  return 0;
}

} // namespace vestige::viewer
