#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/core/geometry.h"
#include "vestige/core/image.h"
#include "vestige/core/itk_bridge.h"
#include "vestige/core/parallel.h"
#include "vestige/core/progress.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace vestige::core;
namespace fs = std::filesystem;

TEST(Geometry, IndexToLpsRoundTripWithObliqueDirection) {
  ImageGeometry g;
  g.size = {10, 20, 30};
  g.spacingMm = {0.7, 0.8, 2.5};
  g.originLps = {-100, 50, 200};
  const double c = std::cos(0.3), s = std::sin(0.3);
  g.direction = Mat3{{{c, -s, 0}, {s, c, 0}, {0, 0, 1}}};
  const Vec3 idx{3.5, 7.25, 11};
  const Vec3 p = g.indexToLps(idx);
  // Hand computation: origin + R * (idx .* spacing).
  EXPECT_NEAR(p[0], -100 + c * 3.5 * 0.7 - s * 7.25 * 0.8, 1e-9);
  EXPECT_NEAR(p[1], 50 + s * 3.5 * 0.7 + c * 7.25 * 0.8, 1e-9);
  EXPECT_NEAR(p[2], 200 + 11 * 2.5, 1e-9);
  const Vec3 back = g.lpsToIndex(p);
  for (int a = 0; a < 3; ++a)
    EXPECT_NEAR(back[a], idx[a], 1e-9);
}

TEST(Geometry, SameGridDetectsDifferences) {
  ImageGeometry a;
  a.size = {4, 4, 4};
  ImageGeometry b = a;
  EXPECT_TRUE(sameGrid(a, b));
  b.originLps[2] += 0.5;
  EXPECT_FALSE(sameGrid(a, b));
  b = a;
  b.size[1] = 5;
  EXPECT_FALSE(sameGrid(a, b));
}

TEST(Image, MaskVolumeInMillilitres) {
  ImageGeometry g;
  g.size = {10, 10, 10};
  g.spacingMm = {1.0, 2.0, 5.0}; // 10 mm^3 per voxel
  Mask m(g, 0);
  for (int n = 0; n < 100; ++n)
    m.voxels[n] = 1;
  EXPECT_EQ(countNonZero(m), 100u);
  EXPECT_DOUBLE_EQ(maskVolumeMl(m), 1.0);
}

TEST(Image, BoundingBoxGrowAndCropKeepVoxelsAndPositions) {
  ImageGeometry g;
  g.size = {20, 20, 10};
  g.spacingMm = {1.0, 1.0, 2.0};
  g.originLps = {-5.0, 3.0, 7.0};
  Mask m(g, 0);
  EXPECT_TRUE(boundingBox(m).empty);
  m.at(4, 5, 3) = 1;
  m.at(9, 6, 4) = 1;
  const IndexBox box = boundingBox(m);
  ASSERT_FALSE(box.empty);
  EXPECT_EQ(box.lo, (Size3{4, 5, 3}));
  EXPECT_EQ(box.hi, (Size3{9, 6, 4}));
  // 2 mm: 3 voxels in x and y (ceil(2 / 1) + 1), 2 in z (ceil(2 / 2) + 1); clipped at the grid.
  const IndexBox grown = grow(box, g, 2.0);
  EXPECT_EQ(grown.lo, (Size3{1, 2, 1}));
  EXPECT_EQ(grown.hi, (Size3{12, 9, 6}));
  EXPECT_EQ(grow(box, g, 100.0).hi, (Size3{19, 19, 9}));
  const Mask sub = crop(m, grown);
  EXPECT_EQ(sub.geometry.size, (Size3{12, 8, 6}));
  EXPECT_EQ(countNonZero(sub), 2u);
  EXPECT_EQ(sub.at(3, 3, 2), 1);
  const Vec3 here = sub.geometry.indexToLps({3, 3, 2});
  const Vec3 there = g.indexToLps({4, 5, 3});
  for (int a = 0; a < 3; ++a)
    EXPECT_NEAR(here[a], there[a], 1e-9);
}

TEST(ItkBridge, RoundTripKeepsGeometryAndVoxels) {
  ImageGeometry g;
  g.size = {3, 4, 5};
  g.spacingMm = {0.5, 0.75, 2.0};
  g.originLps = {1, -2, 3};
  g.direction = Mat3{{{0, 1, 0}, {1, 0, 0}, {0, 0, -1}}};
  Image img(g);
  for (std::size_t n = 0; n < img.voxels.size(); ++n)
    img.voxels[n] = float(n) * 0.5f;
  const auto itkImage = toItk(img);
  // ITK must see the same physical point for an index.
  itk::Index<3> index{{2, 3, 4}};
  itk::Point<double, 3> p;
  itkImage->TransformIndexToPhysicalPoint(index, p);
  const Vec3 ours = g.indexToLps({2, 3, 4});
  for (int a = 0; a < 3; ++a)
    EXPECT_NEAR(p[a], ours[a], 1e-9);
  EXPECT_FLOAT_EQ(itkImage->GetPixel(index), img.at(2, 3, 4));
  const Image back = fromItk(*itkImage);
  EXPECT_TRUE(sameGrid(back.geometry, g));
  EXPECT_EQ(back.voxels, img.voxels);
}

TEST(Error, CarriesCodeContextAndExitCode) {
  const Error e(ErrorCode::InconsistentData, "slice 14 missing", "series 1.2.3");
  EXPECT_STREQ(e.what(), "series 1.2.3: slice 14 missing");
  EXPECT_EQ(exitCodeFor(e.code()), 7);
  EXPECT_EQ(exitCodeFor(ErrorCode::Cancelled), 130);
  EXPECT_EQ(exitCodeFor(ErrorCode::Network), 11); // a DICOM server unreachable or lost (Documentation/pacs.md)
}

TEST(Progress, CancellationThrows) {
  struct Cancelled : Progress {
    void report(std::string_view, double) override {}
    bool cancelRequested() const override { return true; }
  } cancelled;
  try {
    reportProgress(&cancelled, "x", 0.5);
    FAIL() << "expected a Cancelled error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Cancelled);
  }
  EXPECT_NO_THROW(reportProgress(nullptr, "x", 0.5));
}

TEST(ParallelFor, VisitsEveryIndexExactlyOnceForAnyThreadCount) {
  for (const std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(7), std::size_t(1000)})
    for (const unsigned threads : {0u, 1u, 2u, 3u, 8u}) {
      const auto visits = std::make_unique<std::atomic<int>[]>(std::max<std::size_t>(n, 1));
      for (std::size_t i = 0; i < n; ++i)
        visits[i] = 0;
      parallelFor(n, threads, nullptr, "x", [&](std::size_t i) { ++visits[i]; });
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_EQ(visits[i].load(), 1) << "index " << i << " of " << n << ", " << threads << " threads";
    }
}

TEST(ParallelFor, AWorkersExceptionReachesTheCaller) {
  for (const unsigned threads : {1u, 3u}) {
    try {
      parallelFor(100, threads, nullptr, "x", [](std::size_t i) {
        if (i == 17)
          throw Error(ErrorCode::InvalidArgument, "item 17", "worker");
      });
      FAIL() << "the worker's error was lost";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
      EXPECT_STREQ(e.what(), "worker: item 17");
    }
    EXPECT_THROW(parallelFor(10, threads, nullptr, "x", [](std::size_t) { throw std::out_of_range("x"); }),
                 std::out_of_range);
  }
}

namespace {

// Records reports and the threads they came from; asks to cancel once `cancelAfter` reports were made.
struct RecordingProgress : Progress {
  explicit RecordingProgress(std::size_t cancelAfter) : m_cancelAfter(cancelAfter) {}
  void report(std::string_view stage, double fraction) override {
    const std::lock_guard<std::mutex> lock(m_mutex);
    stages.emplace_back(stage);
    fractions.push_back(fraction);
    threads.push_back(std::this_thread::get_id());
  }
  [[nodiscard]] bool cancelRequested() const override {
    const std::lock_guard<std::mutex> lock(m_mutex);
    return fractions.size() >= m_cancelAfter;
  }
  std::vector<std::string> stages;
  std::vector<double> fractions;
  std::vector<std::thread::id> threads;

private:
  std::size_t m_cancelAfter;
  mutable std::mutex m_mutex;
};

} // namespace

TEST(ParallelFor, ReportsFromTheCallingThreadOnlyEndingAtOne) {
  RecordingProgress progress(std::numeric_limits<std::size_t>::max());
  parallelFor(40, 4, &progress, "stage",
              [](std::size_t) { std::this_thread::sleep_for(std::chrono::milliseconds(2)); });
  ASSERT_FALSE(progress.fractions.empty());
  EXPECT_EQ(progress.fractions.back(), 1.0);
  for (std::size_t r = 0; r < progress.fractions.size(); ++r) {
    EXPECT_EQ(progress.stages[r], "stage");
    EXPECT_EQ(progress.threads[r], std::this_thread::get_id());
    EXPECT_GE(progress.fractions[r], 0.0);
    EXPECT_LE(progress.fractions[r], 1.0);
    if (r > 0) {
      EXPECT_GE(progress.fractions[r], progress.fractions[r - 1]);
    }
  }
}

TEST(ParallelFor, CancellationStopsTheWorkersAndThrowsCancelled) {
  // 2000 items of 2 ms on 2 threads would take 2 s; cancelled at the first report (made as the workers start), the
  // workers stop at their next item. A tenth of the items leaves 200 ms for a busy machine to schedule the caller.
  RecordingProgress progress(1);
  std::atomic<std::size_t> started{0};
  try {
    parallelFor(2000, 2, &progress, "x", [&](std::size_t) {
      ++started;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    });
    FAIL() << "cancellation was ignored";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Cancelled);
  }
  EXPECT_LE(started.load(), 200u) << "workers went on after the cancellation";
}

TEST(FileUtil, AtomicWriteLeavesNothingOnFailure) {
  const fs::path dir = vestige::testing::freshTempDir("atomic");
  const fs::path target = dir / "out.txt";
  writeTextAtomically(target, "first");
  EXPECT_THROW(writeAtomically(target,
                               [](const fs::path& tmp) {
                                 std::ofstream(tmp) << "half";
                                 throw Error(ErrorCode::Io, "disk full");
                               }),
               Error);
  std::ifstream in(target);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "first");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  EXPECT_EQ(fullExtension("a/b.NII.GZ"), ".nii.gz");
  EXPECT_EQ(fullExtension("x.nrrd"), ".nrrd");
}
