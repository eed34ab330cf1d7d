// Formulas against worked examples from the cited papers and clinical-background.md.
#include "vestige/core/error.h"
#include "vestige/planning/volumetry.h"

#include <gtest/gtest.h>

using namespace vestige::planning;

TEST(Volumetry, WorkedExample170cm70kg) {
  // clinical-background.md: 170 cm, 70 kg -> BSA(Mosteller) 1.8181 m^2 -> TELV(Vauthey) 1509.7 mL, SLV(Urata) 1286.4
  // mL.
  const double bsa = bodySurfaceAreaM2(170, 70, BsaFormula::Mosteller);
  EXPECT_NEAR(bsa, 1.8181, 1e-4);
  EXPECT_NEAR(totalEstimatedLiverVolumeMl(bsa, TelvFormula::Vauthey), 1509.7, 0.1);
  EXPECT_NEAR(totalEstimatedLiverVolumeMl(bsa, TelvFormula::Urata), 1286.4, 0.1);
  EXPECT_NEAR(totalEstimatedLiverVolumeMl(bsa, TelvFormula::Heinemann), 1072.8 * bsa - 345.7, 1e-9);
}

TEST(Volumetry, DuBoisReferenceValue) {
  // DuBois & DuBois 1916 formula: 180 cm, 80 kg -> 0.007184 * 180^0.725 * 80^0.425 = 1.9964 m^2.
  EXPECT_NEAR(bodySurfaceAreaM2(180, 80, BsaFormula::DuBois), 1.9964, 1e-3);
  // Mosteller 1987 example scale: 180 cm, 80 kg -> sqrt(14400/3600) = 2.0 m^2 exactly.
  EXPECT_DOUBLE_EQ(bodySurfaceAreaM2(180, 80, BsaFormula::Mosteller), 2.0);
}

TEST(Volumetry, ThresholdsByCondition) {
  EXPECT_EQ(minimumSflrPercent(LiverCondition::Normal), 20.0);
  EXPECT_EQ(minimumSflrPercent(LiverCondition::Chemotherapy), 30.0);
  EXPECT_EQ(minimumSflrPercent(LiverCondition::Cirrhosis), 40.0);
  EXPECT_EQ(parseLiverCondition("chemotherapy"), LiverCondition::Chemotherapy);
  EXPECT_FALSE(parseLiverCondition("Chemo").has_value());
}

TEST(Volumetry, FlrAndSflr) {
  // 600 mL remnant of a 1700 mL liver holding 100 mL tumour: 600 / 1600 = 37.5 %.
  EXPECT_DOUBLE_EQ(flrPercent(600, 1700, 100), 37.5);
  EXPECT_NEAR(sflrPercent(600, 1509.7), 39.743, 1e-3);
  EXPECT_THROW((void)flrPercent(10, 100, 100), vestige::core::Error);
  EXPECT_THROW((void)bodySurfaceAreaM2(17, 70, BsaFormula::Mosteller), vestige::core::Error);
}
