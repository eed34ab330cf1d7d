// Automatic liver segmentation against truth: 3D-IRCADb patient 17 (manual mask, issue 5 bars: Dice >= 0.94,
// mean surface distance <= 2 mm, volume error <= 5 %) and the two HCC_009 dates (same patient five weeks apart:
// volumes within 10 %). Overlays of HCC_009 are written when VESTIGE_OVERLAY_DIR is set (for the documentation).
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/segmentation/liver_segmentation.h"
#include "vestige/segmentation/mask_metrics.h"
#include "vestige/segmentation/overlay_png.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>

using namespace vestige;

namespace {

std::filesystem::path findSeries(const std::filesystem::path& root, const std::string& prefix) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.is_directory() && e.path().filename().string().rfind(prefix, 0) == 0)
      return e.path();
  return {};
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

TEST(LiverSegmentationData, Ircadb17AgainstManualMask) {
  VESTIGE_REQUIRE_DATA(root, "ircadb1-17");
  const auto ct = dicom::loadSeries(root / "PATIENT_DICOM").image;
  const auto reference = dicom::conformMask(dicom::loadMask(root / "MASKS_DICOM" / "liver"), ct.geometry, "liver");
  const auto start = std::chrono::steady_clock::now();
  const auto result = segmentation::segmentLiver(ct);
  const double seconds = secondsSince(start);
  const auto c = segmentation::compareMasks(result.liver, reference);
  std::cout << "IRCADb 17 liver: Dice " << c.dice << ", ASSD " << c.meanSurfaceDistanceMm << " mm, HD95 "
            << c.hausdorff95Mm << " mm, volume " << c.testVolumeMl << " mL vs " << c.referenceVolumeMl << " mL (error "
            << 100.0 * c.volumeErrorFraction << " %), " << seconds << " s\n";
  EXPECT_GE(c.dice, 0.94);
  EXPECT_LE(c.meanSurfaceDistanceMm, 2.0);
  EXPECT_LE(std::fabs(c.volumeErrorFraction), 0.05);
}

TEST(LiverSegmentationData, Hcc009BothDatesAgree) {
  VESTIGE_REQUIRE_DATA(root, "hcc-tace-seg-009");
  const auto baselineDir = findSeries(root, "4.000000-Recon 2 LIVER 3 PHASE CAP");
  const auto followupDir = findSeries(root, "105.000000-NA");
  ASSERT_FALSE(baselineDir.empty());
  ASSERT_FALSE(followupDir.empty());
  double volumes[2] = {0, 0};
  int n = 0;
  for (const auto& dir : {baselineDir, followupDir}) {
    const auto ct = dicom::loadSeries(dir).image;
    const auto start = std::chrono::steady_clock::now();
    const auto result = segmentation::segmentLiver(ct);
    std::cout << dir.filename() << ": liver " << result.volumeMl << " mL in " << secondsSince(start) << " s\n";
    for (const auto& note : result.notes)
      std::cout << "  " << note << "\n";
    volumes[n] = result.volumeMl;
    if (const char* out = std::getenv("VESTIGE_OVERLAY_DIR")) {
      const auto centre = segmentation::centroidLps(result.liver);
      const std::vector<segmentation::OverlayOutline> outline{{&result.liver, {255, 60, 60}}};
      const std::string tag = n == 0 ? "baseline" : "followup";
      segmentation::writeOverlayPng(ct, outline, segmentation::OverlayPlane::Axial, centre, 60, 400,
                                    std::filesystem::path(out) / ("seg_hcc009_" + tag + "_axial.png"));
      segmentation::writeOverlayPng(ct, outline, segmentation::OverlayPlane::Coronal, centre, 60, 400,
                                    std::filesystem::path(out) / ("seg_hcc009_" + tag + "_coronal.png"));
    }
    ++n;
  }
  ASSERT_GT(volumes[0], 500.0); // a liver, not a fragment
  const double difference = std::fabs(volumes[1] - volumes[0]) / volumes[0];
  std::cout << "HCC_009 volume difference between dates: " << 100.0 * difference << " %\n";
  EXPECT_LT(difference, 0.10);
}
