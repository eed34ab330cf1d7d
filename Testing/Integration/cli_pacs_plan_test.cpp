// `vestige plan` from a case file that names PACS studies, with --send: the plan equals the plan from folders, and
// the DICOM SEG, SR and Secondary Captures end up in Orthanc, valid for dciodvfy as Orthanc returns them.
#include "pacs_test_util.h"
#include "vestige/testing/orthanc_server.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>

namespace fs = std::filesystem;
using nlohmann::json;
using vestige::testing::shellQuote;
using vestige::testing::vestigeCli;

namespace {

json readJson(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

// plan.json without what names the inputs' location or measures time.
json figures(json plan) {
  std::function<void(json&)> strip = [&](json& j) {
    if (j.is_object()) {
      for (const char* key : {"source", "seconds", "created_utc"})
        j.erase(key);
      for (auto& item : j.items())
        strip(item.value());
    } else if (j.is_array()) {
      for (auto& item : j)
        strip(item);
    }
  };
  strip(plan);
  return plan;
}

std::string uidOf(const fs::path& folder, bool study) {
  const auto instances = vestige::testing::instancesUnder(folder);
  return study ? instances.begin()->second.studyUid : instances.begin()->second.seriesUid;
}

} // namespace

TEST(PacsPlan, PlanFromPacsStudiesEqualsPlanFromFoldersAndSendLeavesValidObjectsInOrthanc) {
  const fs::path work = vestige::testing::freshTempDir("pacs-plan");
  const fs::path phantom = work / "phantom";
  ASSERT_EQ(vestigeCli("-q phantom -o " + shellQuote(phantom.string()) + " --seed 2").exitCode, 0);
  vestige::testing::OrthancServer orthanc;
  const auto sent = vestigeCli("-q pacs send --pacs " + orthanc.address() + " " +
                               shellQuote((phantom / "baseline" / "dicom").string()) + " " +
                               shellQuote((phantom / "followup" / "dicom").string()));
  ASSERT_EQ(sent.exitCode, 0) << sent.output;
  const std::size_t stored = vestige::testing::instancesUnder(phantom / "baseline" / "dicom").size() +
                             vestige::testing::instancesUnder(phantom / "followup" / "dicom").size();

  // The server by name, from $XDG_CONFIG_HOME/vestige/pacs.json; the retrieved series in $XDG_CACHE_HOME.
  fs::create_directories(work / "config" / "vestige");
  std::ofstream(work / "config" / "vestige" / "pacs.json")
      << R"({"servers": {"local": {"ae_title": "ORTHANC", "host": "127.0.0.1", "port": )" << orthanc.dicomPort()
      << R"(, "response_timeout_s": 5, "connect_timeout_s": 5}}})";
  ::setenv("XDG_CONFIG_HOME", (work / "config").c_str(), 1);
  ::setenv("XDG_CACHE_HOME", (work / "cache").c_str(), 1);
  json pacsCase = readJson(phantom / "case.json");
  for (const char* scan : {"baseline", "followup"}) {
    const fs::path dicom = phantom / scan / "dicom";
    pacsCase[scan] = {{"pacs", "local"}, {"study_uid", uidOf(dicom, true)}, {"series_uid", uidOf(dicom, false)}};
  }
  std::ofstream(phantom / "pacs_case.json") << pacsCase.dump(2);

  const fs::path fromPacs = work / "from-pacs";
  const auto planPacs = vestigeCli("-q plan " + shellQuote((phantom / "pacs_case.json").string()) + " -o " +
                                   shellQuote(fromPacs.string()) + " --send local");
  ASSERT_EQ(planPacs.exitCode, 0) << planPacs.output;
  EXPECT_TRUE(fs::exists(work / "cache" / "vestige" / "pacs")) << "retrieved into the cache folder";
  const fs::path fromFolders = work / "from-folders";
  const auto planFolders = vestigeCli("-q plan " + shellQuote((phantom / "case.json").string()) + " -o " +
                                      shellQuote(fromFolders.string()) + " --no-report");
  ASSERT_EQ(planFolders.exitCode, 0) << planFolders.output;
  EXPECT_EQ(figures(readJson(fromPacs / "plan.json")), figures(readJson(fromFolders / "plan.json")));

  // What --send left in Orthanc, as Orthanc returns it (C-GET of the follow-up study).
  const std::size_t exported = vestige::testing::filesUnder(fromPacs / "dicom");
  ASSERT_GE(exported, 3u) << "SEG, SR and at least one Secondary Capture";
  const auto stats = json::parse(orthanc.get("/statistics"));
  EXPECT_EQ(stats["CountInstances"].get<std::size_t>(), stored + exported);
  const fs::path back = work / "back";
  const auto got = vestigeCli("-q pacs get --pacs local --study " + uidOf(phantom / "followup" / "dicom", true) +
                              " -o " + shellQuote(back.string()));
  ASSERT_EQ(got.exitCode, 0) << got.output;
  std::set<std::string> classes;
  for (const auto& e : fs::recursive_directory_iterator(back)) {
    if (!e.is_regular_file())
      continue;
    const auto facts = vestige::testing::instancesUnder(e.path());
    ASSERT_EQ(facts.size(), 1u);
    const std::string cls = facts.begin()->second.sopClassUid;
    if (cls == UID_SegmentationStorage || cls == UID_EnhancedSRStorage || cls == UID_ComprehensiveSRStorage ||
        cls == UID_SecondaryCaptureImageStorage) {
      classes.insert(cls);
      std::string output;
      EXPECT_EQ(vestige::testing::dciodvfyErrors(e.path(), output), 0) << e.path() << "\n" << output;
    }
  }
  EXPECT_TRUE(classes.count(UID_SegmentationStorage));
  EXPECT_TRUE(classes.count(UID_EnhancedSRStorage) || classes.count(UID_ComprehensiveSRStorage));
  EXPECT_TRUE(classes.count(UID_SecondaryCaptureImageStorage));
}
