// HCC_009 (two CT studies, six series) through a private Orthanc: `pacs send` stores every instance, `pacs find`
// lists exactly its studies and series with the right counts, `pacs get` returns every instance with pixel data
// identical to the original.
#include "pacs_test_util.h"
#include "vestige/testing/orthanc_server.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using vestige::testing::shellQuote;
using vestige::testing::vestigeCli;

TEST(PacsData, Hcc009SendFindGetRoundTrip) {
  VESTIGE_REQUIRE_DATA(hcc, "hcc-tace-seg-009");
  const auto original = vestige::testing::instancesUnder(hcc);
  ASSERT_EQ(original.size(), 344u) << "HCC_009 has 344 instances (PROVENANCE.md)";
  vestige::testing::OrthancServer orthanc;
  const std::string pacs = " --pacs " + orthanc.address() + " --connect-timeout 5 --timeout 5";

  const auto sent = vestigeCli("-q pacs send" + pacs + " " + shellQuote(hcc.string()));
  ASSERT_EQ(sent.exitCode, 0) << sent.output;
  const auto stats = nlohmann::json::parse(orthanc.get("/statistics"));
  EXPECT_EQ(stats["CountInstances"].get<std::size_t>(), 344u);

  std::map<std::string, std::size_t> expectedSeries;
  std::set<std::string> expectedStudies;
  for (const auto& [uid, f] : original) {
    ++expectedSeries[f.seriesUid];
    expectedStudies.insert(f.studyUid);
  }
  ASSERT_EQ(expectedStudies.size(), 2u);
  ASSERT_EQ(expectedSeries.size(), 6u);
  const auto found = vestigeCli("-q pacs find --json --modality CT" + pacs);
  ASSERT_EQ(found.exitCode, 0) << found.output;
  std::map<std::string, std::size_t> listedSeries;
  std::set<std::string> listedStudies;
  for (const auto& study : nlohmann::json::parse(found.output)) {
    listedStudies.insert(study["study_uid"].get<std::string>());
    for (const auto& s : study["series"])
      listedSeries[s["series_uid"].get<std::string>()] = s["instances"].get<std::size_t>();
  }
  EXPECT_EQ(listedStudies, expectedStudies);
  EXPECT_EQ(listedSeries, expectedSeries);

  const fs::path out = vestige::testing::freshTempDir("pacs-hcc-get");
  for (const std::string& study : expectedStudies) {
    const auto got = vestigeCli("-q pacs get" + pacs + " --study " + study + " -o " + shellQuote(out.string()));
    ASSERT_EQ(got.exitCode, 0) << got.output;
  }
  const auto back = vestige::testing::instancesUnder(out);
  ASSERT_EQ(back.size(), original.size());
  std::size_t withPixels = 0;
  for (const auto& [uid, f] : original) {
    ASSERT_TRUE(back.count(uid)) << uid;
    EXPECT_EQ(back.at(uid).pixelHash, f.pixelHash) << uid;
    EXPECT_EQ(back.at(uid).seriesUid, f.seriesUid);
    withPixels += f.pixelHash.empty() ? 0 : 1;
  }
  EXPECT_EQ(withPixels, original.size()) << "every HCC_009 instance is an image";
}
