// Inputs `vestige plan` must refuse before any work instead of planning nonsense: a case with no lesions (used to
// print SUFFICIENT with 0 mL resected) and a follow-up that is not an image of the body (a binary liver mask used to
// plan to "every lesion disappeared, SUFFICIENT").
#include "vestige/core/error.h"
#include "vestige/dicom/image_io.h"
#include "vestige/planning/case_file.h"
#include "vestige/planning/plan.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <fstream>

namespace fs = std::filesystem;
using namespace vestige;

namespace {

core::ImageGeometry grid() {
  core::ImageGeometry g;
  g.size = {40, 40, 20};
  g.spacingMm = {2.0, 2.0, 2.5};
  return g;
}

// A body-like CT: air around a soft-tissue block with a darker lesion.
core::Image bodyCt() {
  core::Image image(grid(), -1000.0F);
  for (std::size_t k = 0; k < 20; ++k)
    for (std::size_t j = 5; j < 35; ++j)
      for (std::size_t i = 5; i < 35; ++i)
        image.at(i, j, k) = (i / 4 + j / 4) % 2 ? 60.0F : 45.0F;
  return image;
}

fs::path writeCase(const fs::path& dir, const core::Image& followup, const std::string& lesions) {
  fs::create_directories(dir);
  dicom::writeImage(bodyCt(), dir / "baseline.nii.gz");
  dicom::writeImage(followup, dir / "followup.nii.gz");
  std::ofstream(dir / "case.json") << R"({"baseline": {"series": "baseline.nii.gz"},
    "followup": {"series": "followup.nii.gz"}, "lesions": )"
                                   << lesions << "}";
  return dir / "case.json";
}

void expectRefused(const fs::path& caseFile, const std::string& words, const std::string& key) {
  const fs::path out = caseFile.parent_path() / "out";
  try {
    (void)planning::runPlan(planning::readCaseFile(caseFile), out);
    ADD_FAILURE() << "planned it";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::InvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    EXPECT_NE(e.context().find(key), std::string::npos) << e.context();
  }
  EXPECT_FALSE(fs::exists(out / "plan.json"));
}

} // namespace

TEST(PlanRefusals, NoLesionsIsNotAPlan) {
  const fs::path dir = vestige::testing::freshTempDir("plan-no-lesions");
  expectRefused(writeCase(dir, bodyCt(), "[]"), "no lesions to plan", "lesions");
}

TEST(PlanRefusals, BinaryMaskAsFollowupIsRefused) {
  core::Image mask(grid(), 0.0F);
  for (std::size_t k = 5; k < 15; ++k)
    for (std::size_t j = 10; j < 30; ++j)
      for (std::size_t i = 10; i < 30; ++i)
        mask.at(i, j, k) = 1.0F;
  const fs::path dir = vestige::testing::freshTempDir("plan-mask-followup");
  expectRefused(writeCase(dir, mask, R"([{"id": "L1", "center": [30, 30, 20], "diameter_mm": 10}])"),
                "not an image of the body", "followup");
}

TEST(PlanRefusals, AirOnlyCtAsFollowupIsRefused) {
  core::Image air(grid(), -1000.0F);
  for (std::size_t n = 0; n < air.voxels.size(); n += 7)
    air.voxels[n] = -990.0F + float(n % 13);
  const fs::path dir = vestige::testing::freshTempDir("plan-air-followup");
  expectRefused(writeCase(dir, air, R"([{"id": "L1", "center": [30, 30, 20], "diameter_mm": 10}])"),
                "soft-tissue range", "followup");
}
