// Liver outline checks (issue 17) on real CT with manual masks: a correct outline raises no dome warning, a liver
// that runs off the scan (CHAOS, and 3D-IRCADb 17 cropped through the dome) raises liver_cut_by_scan, and an outline
// extended into the heart raises liver_above_dome with the volume added.
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/segmentation/liver_checks.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <iostream>

using namespace vestige;
using segmentation::LiverWarning;

namespace {

struct Case {
  core::Image ct;
  core::Mask liver;
};

Case loadDevCase(const std::filesystem::path& root, const std::string& name) {
  const auto dir = root / name;
  std::filesystem::path series;
  const auto dicomDir = dir / "dicom";
  if (std::filesystem::exists(dicomDir / "i0000,0000b.dcm"))
    series = dicomDir;
  else
    for (const auto& e : std::filesystem::directory_iterator(dicomDir))
      if (e.is_directory() && (e.path().filename().string().find("EQP") != std::string::npos) == (name != "rad2022"))
        series = e.path();
  Case c;
  c.ct = dicom::loadSeries(series).image;
  c.liver = dicom::conformMask(dicom::loadMask(dir / "liver_mask.nii.gz"), c.ct.geometry, name);
  return c;
}

Case loadIrcadb(const std::filesystem::path& root) {
  Case c;
  c.ct = dicom::loadSeries(root / "PATIENT_DICOM").image;
  c.liver = dicom::conformMask(dicom::loadMask(root / "MASKS_DICOM" / "liver"), c.ct.geometry, "liver");
  return c;
}

std::optional<LiverWarning> find(const std::vector<LiverWarning>& ws, const std::string& code) {
  for (const auto& w : ws)
    if (w.code == code)
      return w;
  return std::nullopt;
}

void print(const std::string& name, const std::vector<LiverWarning>& ws) {
  std::cout << name << ": " << ws.size() << " warning(s)\n";
  for (const auto& w : ws)
    std::cout << "  [" << w.code << "] " << w.message << "\n";
}

// Axial slices k0..k1 (inclusive) of a volume, as a volume of their own.
template <class T> core::Volume<T> slab(const core::Volume<T>& v, std::size_t k0, std::size_t k1) {
  core::IndexBox box;
  box.lo = {0, 0, k0};
  box.hi = {v.geometry.size[0] - 1, v.geometry.size[1] - 1, k1};
  box.empty = false;
  return core::crop(v, box);
}

} // namespace

TEST(LiverChecksData, ManualMasksOfTheDevelopmentSet) {
  VESTIGE_REQUIRE_DATA(root, "liver-ct-dev");
  for (const std::string name : {"rad0697", "rad2022", "rad2144", "chaos-ct"}) {
    const Case c = loadDevCase(root, name);
    const auto ws = segmentation::checkLiverOutline(c.ct, c.liver, true);
    print(name + " (manual mask)", ws);
    EXPECT_FALSE(find(ws, "liver_above_dome")) << name;
    // The rad* scans are 5 mm apart; CHAOS's 2 mm.
    EXPECT_EQ(find(ws, "thick_slices").has_value(), name != "chaos-ct") << name;
    // PROVENANCE.md: CHAOS's liver runs off the bottom of the scan; the rad* livers lie inside theirs.
    const auto edge = find(ws, "liver_cut_by_scan");
    EXPECT_EQ(edge.has_value(), name == "chaos-ct") << name;
    if (edge) {
      EXPECT_NE(edge->message.find("bottom"), std::string::npos) << edge->message;
    }
  }
}

TEST(LiverChecksData, Ircadb17CroppedThroughTheDome) {
  VESTIGE_REQUIRE_DATA(root, "ircadb1-17");
  const Case c = loadIrcadb(root);
  const auto whole = segmentation::checkLiverOutline(c.ct, c.liver, true);
  print("3D-IRCADb 17 (manual mask)", whole);
  EXPECT_TRUE(whole.empty());

  // Cropped 20 mm below the liver's top: the scan cuts through the dome.
  const core::IndexBox box = core::boundingBox(c.liver);
  const std::size_t cut = box.hi[2] - std::size_t(20.0 / c.ct.geometry.spacingMm[2]);
  const auto cropped = segmentation::checkLiverOutline(slab(c.ct, 0, cut), slab(c.liver, 0, cut), true);
  print("3D-IRCADb 17 cropped through the dome", cropped);
  const auto edge = find(cropped, "liver_cut_by_scan");
  ASSERT_TRUE(edge);
  EXPECT_NE(edge->message.find("top"), std::string::npos) << edge->message;
  EXPECT_GT(edge->value, 20.0); // cm2: a cut through the dome, not a tip
}

TEST(LiverChecksData, Rad2144LeakingIntoTheHeart) {
  VESTIGE_REQUIRE_DATA(root, "liver-ct-dev");
  const Case c = loadDevCase(root, "rad2144");
  const core::IndexBox box = core::boundingBox(c.liver);
  // A leak into the heart: the liver's columns under the heart (from 4 cm right of the body's midline to its left,
  // LPS x growing to the patient's left) grown 40 mm upwards from their top through soft tissue, as a
  // region-growing outline does when the diaphragm is thin.
  core::Mask leaky = c.liver;
  const auto& g = c.ct.geometry;
  const std::size_t rise = std::size_t(40.0 / g.spacingMm[2]);
  double xMid = 0.0;
  std::size_t n = 0;
  for (std::size_t v = 0; v < c.ct.voxels.size(); ++v)
    if (c.ct.voxels[v] > -400.0F) {
      xMid += g.indexToLps({double(v % g.size[0]), double((v / g.size[0]) % g.size[1]), 0.0})[0];
      ++n;
    }
  xMid = xMid / double(n) - 40.0;
  std::size_t added = 0, addedAboveLiverTop = 0;
  for (std::size_t j = 0; j < g.size[1]; ++j)
    for (std::size_t i = 0; i < g.size[0]; ++i) {
      if (g.indexToLps({double(i), double(j), 0.0})[0] < xMid)
        continue;
      std::size_t top = g.size[2];
      for (std::size_t k = g.size[2]; k-- > 0;)
        if (c.liver.at(i, j, k)) {
          top = k;
          break;
        }
      if (top == g.size[2])
        continue;
      for (std::size_t k = top + 1; k <= top + rise && k < g.size[2]; ++k)
        if (c.ct.at(i, j, k) > -100.0F) {
          leaky.at(i, j, k) = 1;
          ++added;
          // Surely thorax: above the true liver's highest slice by more than the check's 10 mm tolerance.
          addedAboveLiverTop += double(k) * g.spacingMm[2] > double(box.hi[2]) * g.spacingMm[2] + 10.0 ? 1 : 0;
        }
    }
  const double addedMl = double(added) * g.voxelVolumeMm3() / 1000.0;
  const auto leak = segmentation::checkLiverOutline(c.ct, leaky, true);
  print("rad2144 with " + std::to_string(addedMl) + " mL added above its left lobe", leak);
  const auto dome = find(leak, "liver_above_dome");
  ASSERT_TRUE(dome);
  const double aboveTopMl = double(addedAboveLiverTop) * g.voxelVolumeMm3() / 1000.0;
  std::cout << aboveTopMl << " mL of it above the manual liver's top + 10 mm\n";
  EXPECT_GT(aboveTopMl, 10.0); // the test's own premise: the leak does climb into the thorax
  EXPECT_GE(dome->value, aboveTopMl - 1e-6);
  EXPECT_LE(dome->value, addedMl + 1e-6);
  ASSERT_TRUE(dome->placeLps);
  EXPECT_GT((*dome->placeLps)[2], g.indexToLps({0, 0, double(box.hi[2])})[2] - 5.0);
}
