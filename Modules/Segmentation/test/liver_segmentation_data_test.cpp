// Automatic liver segmentation against manual masks on every contrast CT with a liver mask in ../shared/data
// (issue 17): the four cases of liver-ct-dev, 3D-IRCADb-01 patient 17, and 3D-IRCADb 17 made steatotic (the
// liver's parenchyma 30 and 50 HU darker, as fat lowers it). Bars of issue 17: every case Dice >= 0.92 and volume
// error < 8 %, median Dice >= 0.95 and median volume error < 4 %. 3D-IRCADb 17 also keeps issue 5's bars (Dice >=
// 0.94, mean surface distance <= 2 mm, volume error <= 5 %). The two HCC_009 dates (same patient five weeks apart)
// must give volumes within 10 %. Overlays are written when VESTIGE_OVERLAY_DIR is set (for the documentation).
#include "vestige/core/error.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/segmentation/liver_segmentation.h"
#include "vestige/segmentation/mask_metrics.h"
#include "vestige/segmentation/overlay_png.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
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

struct LiverCase {
  std::string name;
  core::Image ct;
  core::Mask reference;
};

// Steatosis lowers the parenchyma's attenuation and leaves vessels and tumours as they are: voxels of the manual
// liver within 3 robust SD of its median are shifted by shiftHu.
core::Image steatotic(const core::Image& ct, const core::Mask& liver, double shiftHu) {
  std::vector<float> values;
  for (std::size_t v = 0; v < liver.voxels.size(); ++v)
    if (liver.voxels[v])
      values.push_back(ct.voxels[v]);
  std::nth_element(values.begin(), values.begin() + long(values.size() / 2), values.end());
  const double medianHu = values[values.size() / 2];
  for (auto& x : values)
    x = float(std::fabs(x - medianHu));
  std::nth_element(values.begin(), values.begin() + long(values.size() / 2), values.end());
  const double spreadHu = 1.4826 * values[values.size() / 2];
  core::Image out = ct;
  for (std::size_t v = 0; v < liver.voxels.size(); ++v)
    if (liver.voxels[v] && std::fabs(ct.voxels[v] - medianHu) <= 3.0 * spreadHu)
      out.voxels[v] = float(ct.voxels[v] + shiftHu);
  return out;
}

std::vector<LiverCase> loadCases() {
  std::vector<LiverCase> cases;
  const auto dev = vestige::testing::dataSet("liver-ct-dev");
  if (!dev.empty()) {
    for (const auto& [name, series] : {std::pair<std::string, std::string>{"rad0697", "31_EQP_Ax5.00mm"},
                                       {"rad2022", "11_AP_Ax5.00mm"},
                                       {"rad2144", "31_EQP_Ax5.00mm"},
                                       {"chaos-ct", ""}}) {
      const auto dir = series.empty() ? dev / name / "dicom" : dev / name / "dicom" / series;
      auto ct = dicom::loadSeries(dir).image;
      auto reference = dicom::conformMask(dicom::loadMask(dev / name / "liver_mask.nii.gz"), ct.geometry, name);
      cases.push_back({name, std::move(ct), std::move(reference)});
    }
  }
  const auto ircadb = vestige::testing::dataSet("ircadb1-17");
  if (!ircadb.empty()) {
    auto ct = dicom::loadSeries(ircadb / "PATIENT_DICOM").image;
    auto reference = dicom::conformMask(dicom::loadMask(ircadb / "MASKS_DICOM" / "liver"), ct.geometry, "liver");
    cases.push_back({"ircadb17 steatotic -30 HU", steatotic(ct, reference, -30.0), reference});
    cases.push_back({"ircadb17 steatotic -50 HU", steatotic(ct, reference, -50.0), reference});
    cases.push_back({"ircadb17", std::move(ct), std::move(reference)});
  }
  return cases;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void writeOverlays(const core::Image& ct, const core::Mask& test, const core::Mask& reference, const std::string& tag) {
  const char* out = std::getenv("VESTIGE_OVERLAY_DIR");
  if (!out)
    return;
  const auto centre = segmentation::centroidLps(reference);
  const std::vector<segmentation::OverlayOutline> outline{{&reference, {60, 220, 60}}, {&test, {255, 60, 60}}};
  std::string file = tag;
  std::replace(file.begin(), file.end(), ' ', '_');
  segmentation::writeOverlayPng(ct, outline, segmentation::OverlayPlane::Axial, centre, 60, 400,
                                std::filesystem::path(out) / ("liver_" + file + "_axial.png"));
  segmentation::writeOverlayPng(ct, outline, segmentation::OverlayPlane::Coronal, centre, 60, 400,
                                std::filesystem::path(out) / ("liver_" + file + "_coronal.png"));
}

} // namespace

TEST(LiverSegmentationData, EveryDevelopmentCaseMeetsIssue17Bars) {
  const auto cases = loadCases();
  if (cases.size() < 7)
    GTEST_SKIP() << "liver-ct-dev or ircadb1-17 is not unpacked";
  std::vector<double> dices, volumeErrors;
  std::printf("| case | Dice | MSD mm | HD95 mm | volume mL (manual) | volume error | time s |\n");
  // Development aid: VESTIGE_LIVER_CASES=name runs only the cases whose name contains it (medians not checked).
  const char* only = std::getenv("VESTIGE_LIVER_CASES");
  for (const auto& c : cases) {
    if (only && c.name.find(only) == std::string::npos)
      continue;
    const auto start = std::chrono::steady_clock::now();
    const auto result = segmentation::segmentLiver(c.ct);
    const double seconds = secondsSince(start);
    const auto m = segmentation::compareMasks(result.liver, c.reference);
    std::printf("| %s | %.3f | %.2f | %.1f | %.1f (%.1f) | %+.1f %% | %.1f |\n", c.name.c_str(), m.dice,
                m.meanSurfaceDistanceMm, m.hausdorff95Mm, m.testVolumeMl, m.referenceVolumeMl,
                100.0 * m.volumeErrorFraction, seconds);
    for (const auto& note : result.notes)
      std::printf("    %s\n", note.c_str());
    if (std::getenv("VESTIGE_LIVER_DIAG")) { // development aid: where the errors lie along the scan
      const auto& g = c.reference.geometry;
      const auto box = core::boundingBox(c.reference);
      double above = 0, below = 0, within = 0, missed = 0;
      const double ml = g.voxelVolumeMm3() / 1000.0;
      for (std::size_t k = 0; k < g.size[2]; ++k)
        for (std::size_t j = 0; j < g.size[1]; ++j)
          for (std::size_t i = 0; i < g.size[0]; ++i) {
            const bool t = result.liver.at(i, j, k), r = c.reference.at(i, j, k);
            if (t && !r)
              (k < box.lo[2] ? below : k > box.hi[2] ? above : within) += ml;
            if (r && !t)
              missed += ml;
          }
      std::printf("    false positive: slices before the manual liver %.0f mL, after it %.0f mL, within %.0f mL; "
                  "missed %.0f mL; manual liver on slices %zu..%zu of %zu\n",
                  below, above, within, missed, box.lo[2], box.hi[2], g.size[2]);
      const auto tbox = core::boundingBox(result.liver);
      std::printf("    z LPS of slices: ref %.0f..%.0f, test %.0f..%.0f\n", g.indexToLps({0, 0, double(box.lo[2])})[2],
                  g.indexToLps({0, 0, double(box.hi[2])})[2], g.indexToLps({0, 0, double(tbox.lo[2])})[2],
                  g.indexToLps({0, 0, double(tbox.hi[2])})[2]);
    }
    std::fflush(stdout);
    writeOverlays(c.ct, result.liver, c.reference, c.name);
    EXPECT_GE(m.dice, 0.92) << c.name;
    EXPECT_LT(std::fabs(m.volumeErrorFraction), 0.08) << c.name;
    if (c.name == "ircadb17") { // issue 5's bars on the case they were set on
      EXPECT_GE(m.dice, 0.94);
      EXPECT_LE(m.meanSurfaceDistanceMm, 2.0);
      EXPECT_LE(std::fabs(m.volumeErrorFraction), 0.05);
    }
    dices.push_back(m.dice);
    volumeErrors.push_back(std::fabs(m.volumeErrorFraction));
  }
  std::printf("median Dice %.3f, median |volume error| %.1f %%\n", median(dices), 100.0 * median(volumeErrors));
  if (only)
    return;
  EXPECT_GE(median(dices), 0.95);
  EXPECT_LT(median(volumeErrors), 0.04);
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

// The six MR T2 livers of liver-mr-dev: no automatic MR segmentation, so each is refused (not segmented as if HU).
TEST(LiverSegmentationData, MrSeriesAreRefused) {
  VESTIGE_REQUIRE_DATA(root, "liver-mr-dev");
  int refused = 0;
  for (const auto* name : {"chaos-t2-01", "chaos-t2-02", "chaos-t2-03", "chaos-t2-05", "chaos-t2-08", "chaos-t2-21"}) {
    const auto mr = dicom::readImage(root / name / "image.nii.gz");
    try {
      (void)segmentation::segmentLiver(mr);
      ADD_FAILURE() << name << " was segmented";
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), core::ErrorCode::Unsupported) << name << ": " << e.what();
      refused += e.code() == core::ErrorCode::Unsupported ? 1 : 0;
    }
  }
  EXPECT_EQ(refused, 6);
}
