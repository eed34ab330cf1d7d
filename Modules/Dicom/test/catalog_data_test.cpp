// The catalog on real data: HCC_009 (TCIA folder names with spaces and dots, non-DICOM files mixed in).
#include "vestige/dicom/catalog.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>

using namespace vestige::dicom;

TEST(CatalogData, Hcc009HasTwoStudiesSixSeriesWithRightCountsAndDates) {
  VESTIGE_REQUIRE_DATA(root, "hcc-tace-seg-009");
  const Catalog catalog = scanCatalog(root);
  ASSERT_EQ(catalog.patients.size(), 1u);
  const auto& patient = catalog.patients.front();
  EXPECT_EQ(patient.patientId, "HCC_009");
  ASSERT_EQ(patient.studies.size(), 2u);
  EXPECT_EQ(patient.studies[0].date, "1998-02-15");
  EXPECT_EQ(patient.studies[1].date, "1998-03-20");
  // series number -> slices, per study (PROVENANCE.md).
  const std::map<int, std::size_t> first{{2, 20}, {4, 69}, {103, 69}};
  const std::map<int, std::size_t> second{{2, 20}, {105, 70}, {107, 96}};
  const std::map<int, std::size_t>* expected[] = {&first, &second};
  const double thickness[] = {10.0, 2.5};
  for (int s = 0; s < 2; ++s) {
    const auto& study = patient.studies[s];
    ASSERT_EQ(study.series.size(), 3u);
    for (const auto& series : study.series) {
      ASSERT_TRUE(expected[s]->count(series.seriesNumber)) << series.seriesNumber;
      EXPECT_EQ(series.instances.size(), expected[s]->at(series.seriesNumber)) << series.seriesNumber;
      EXPECT_EQ(series.geometry.slices, expected[s]->at(series.seriesNumber));
      EXPECT_EQ(series.geometry.rows, 512u);
      EXPECT_EQ(series.geometry.columns, 512u);
      EXPECT_NEAR(series.geometry.pixelSpacingRow, 0.742188, 1e-5);
      EXPECT_EQ(series.geometry.orientation, "axial");
      EXPECT_EQ(series.modality, "CT");
      EXPECT_EQ(series.kind, SeriesKind::Image);
      EXPECT_NEAR(series.geometry.sliceSpacingMm, series.seriesNumber == 2 ? thickness[0] : thickness[1], 1e-3);
      EXPECT_EQ(series.date, study.date);
    }
  }
  // PROVENANCE.md and the unpack stamp are reported as skipped, not lost.
  EXPECT_EQ(catalog.skipped.size(), 2u);
  const auto json = nlohmann::json::parse(catalogToJson(catalog));
  EXPECT_EQ(json["patients"][0]["studies"][1]["series"].size(), 3u);
}

TEST(CatalogData, WholeSharedDataIsCatalogued) {
  VESTIGE_REQUIRE_DATA(hcc, "hcc-tace-seg-009");
  const Catalog catalog = scanCatalog(hcc.parent_path());
  std::size_t seg = 0, devSeg = 0, image = 0;
  for (const auto* s : allSeries(catalog)) {
    const std::string file = s->instances.front().file.string();
    if (s->kind == SeriesKind::Segmentation)
      ++(file.find("liver-ct-dev") != std::string::npos ? devSeg : seg);
    image += s->kind == SeriesKind::Image;
  }
  EXPECT_EQ(seg, 2u); // the two dcmqi SEGs
  if (std::filesystem::exists(hcc.parent_path() / "liver-ct-dev")) {
    EXPECT_EQ(devSeg, 6u); // liver and tumour SEGs of rad0697, rad2022, rad2144 (PROVENANCE.md)
  }
  EXPECT_GE(image, 14u);
  // Compressed files are catalogued (their pixel data are checked when decoded, not here).
  for (const auto& skipped : catalog.skipped)
    EXPECT_EQ(skipped.file.extension() == ".dcm", false) << skipped.file << ": " << skipped.reason;
}
