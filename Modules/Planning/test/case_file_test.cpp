// Case-file validation: every mistake is an error naming the key.
#include "vestige/core/error.h"
#include "vestige/planning/case_file.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace vestige;
using namespace vestige::planning;
namespace fs = std::filesystem;

namespace {

class CaseFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    m_dir = vestige::testing::freshTempDir("case");
    fs::create_directories(m_dir / "base");
    fs::create_directories(m_dir / "follow");
    std::ofstream(m_dir / "l1.nii.gz") << "x";
  }
  void expectError(const std::string& json, core::ErrorCode code, const std::string& key) {
    try {
      (void)parseCaseFile(json, m_dir / "case.json");
      ADD_FAILURE() << "no error for: " << json;
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << "key '" << key << "' not in: " << e.what();
    }
  }
  fs::path m_dir;
};

const char* kGood = R"({
  "patient": {"height_cm": 170, "weight_kg": 70, "liver_condition": "chemotherapy"},
  "baseline": {"series": "base"},
  "followup": {"series": "follow", "series_uid": "1.2.3"},
  "lesions": [
    {"id": "L1", "mask": "l1.nii.gz"},
    {"id": "L2", "center": [1, 2, 3], "diameter_mm": 14},
    {"id": "L3", "click": [4, 5, 6], "followup_status": "disappeared"}
  ],
  "margin_mm": 10
})";

} // namespace

TEST_F(CaseFileTest, ReadsTheDocumentedFormat) {
  const CaseFile c = parseCaseFile(kGood, m_dir / "case.json");
  EXPECT_EQ(c.patient.heightCm, 170.0);
  EXPECT_EQ(c.patient.liverCondition, LiverCondition::Chemotherapy);
  EXPECT_EQ(c.baseline.series, fs::absolute(m_dir / "base").lexically_normal());
  EXPECT_EQ(c.followup.seriesUid, "1.2.3");
  ASSERT_EQ(c.lesions.size(), 3u);
  EXPECT_EQ(c.lesions[0].kind, LesionMarkKind::Mask);
  EXPECT_EQ(c.lesions[1].kind, LesionMarkKind::CenterDiameter);
  EXPECT_EQ(c.lesions[1].diameterMm, 14.0);
  EXPECT_EQ(c.lesions[2].clickLps, (core::Vec3{4, 5, 6}));
  EXPECT_EQ(c.lesions[2].followupStatus, "disappeared");
  EXPECT_EQ(c.marginMm, 10.0);
}

TEST_F(CaseFileTest, ErrorsNameTheKey) {
  using core::ErrorCode;
  expectError(R"({"baseline": "base", "followup": "follow", "lesions": [], "margn_mm": 5})", ErrorCode::InvalidArgument,
              "margn_mm");
  expectError(R"({"baseline": "nope", "followup": "follow", "lesions": []})", ErrorCode::NotFound, "baseline");
  expectError(R"({"baseline": "base", "followup": "follow", "lesions": [{"id": "A", "mask": "gone.nii.gz"}]})",
              ErrorCode::NotFound, "lesions[0].mask");
  expectError(R"({"baseline": "base", "followup": "follow", "lesions": [{"id": "A", "center": [1,2,3]}]})",
              ErrorCode::InvalidArgument, "lesions[0].diameter_mm");
  expectError(
      R"({"baseline": "base", "followup": "follow", "lesions": [{"id": "A", "center": [1,2], "diameter_mm": 3}]})",
      ErrorCode::InvalidArgument, "lesions[0].center");
  expectError(
      R"({"baseline": "base", "followup": "follow", "lesions": [{"id": "A", "click": [1,2,3]}, {"id": "A", "click": [1,2,3]}]})",
      ErrorCode::InvalidArgument, "lesions[1].id");
  expectError(R"({"baseline": "base", "followup": "follow", "lesions": [{"id": "A", "click": [1,2,3], "diamter": 3}]})",
              ErrorCode::InvalidArgument, "lesions[0].diamter");
  expectError(R"({"patient": {"liver_condition": "fatty"}, "baseline": "base", "followup": "follow", "lesions": []})",
              ErrorCode::InvalidArgument, "patient.liver_condition");
  expectError(R"({"baseline": "base", "lesions": []})", ErrorCode::InvalidArgument, "followup");
  expectError(R"({"baseline": "base", "followup": "follow", "lesions": [], "margin_mm": -1})",
              ErrorCode::InvalidArgument, "margin_mm");
  expectError(R"({"baseline": "base", )", ErrorCode::InvalidFormat, "case.json");
  // Numbers beyond double (used to end as an internal error, exit 70) and implausible patients, refused at once with
  // the key or the file rather than after the registration.
  expectError(R"({"baseline": "base", "followup": "follow", "lesions": [], "margin_mm": 1e400})",
              ErrorCode::InvalidArgument, "case.json");
  expectError(R"({"patient": {"height_cm": 0, "weight_kg": 70}, "baseline": "base", "followup": "follow",
                  "lesions": []})",
              ErrorCode::InvalidArgument, "patient.height_cm");
  expectError(R"({"patient": {"height_cm": 170, "weight_kg": -3}, "baseline": "base", "followup": "follow",
                  "lesions": []})",
              ErrorCode::InvalidArgument, "patient.weight_kg");
  expectError(R"({"baseline": "base", "followup": "follow", "lesions": [{"id": 7, "click": [1,2,3]}]})",
              ErrorCode::InvalidArgument, "lesions[0].id");
}

TEST_F(CaseFileTest, DiagnosisDefaultsToColorectalMetastasis) {
  EXPECT_EQ(parseCaseFile(kGood, m_dir / "case.json").diagnosis, "colorectal_metastasis");
  const CaseFile hcc = parseCaseFile(R"({"diagnosis": "hcc", "baseline": "base", "followup": "follow", "lesions": []})",
                                     m_dir / "c.json");
  EXPECT_EQ(hcc.diagnosis, "hcc");
  expectError(R"({"diagnosis": "cancer", "baseline": "base", "followup": "follow", "lesions": []})",
              core::ErrorCode::InvalidArgument, "diagnosis");
}

TEST_F(CaseFileTest, SignOffAndNotesAreReadStrictly) {
  const std::string head = R"({"baseline": "base", "followup": "follow", )";
  const CaseFile c = parseCaseFile(head + R"("lesions": [{"id": "A", "click": [1,2,3], "note": "rim enhancement"}],
                "sign_off": {"livers": {"by": "jdoe", "utc": "2026-12-03T19:40:59Z", "note": "dome checked"}}})",
                                   m_dir / "case.json");
  EXPECT_EQ(c.lesions[0].note, "rim enhancement");
  ASSERT_TRUE(c.signOff.livers.has_value());
  EXPECT_EQ(c.signOff.livers->by, "jdoe");
  EXPECT_EQ(c.signOff.livers->utc, "2026-12-03T19:40:59Z");
  EXPECT_EQ(c.signOff.livers->note, "dome checked");
  EXPECT_FALSE(c.signOff.statuses.has_value());
  EXPECT_FALSE(c.signOff.complete());
  EXPECT_FALSE(parseCaseFile(head + R"("lesions": []})", m_dir / "case.json").signOff.livers.has_value());

  const std::string ok = R"("utc": "2026-12-03T19:40:59Z")";
  expectError(head + R"("lesions": [], "sign_off": {"livers": {)" + ok + "}}}", core::ErrorCode::InvalidArgument,
              "case.json: sign_off.livers.by");
  expectError(head + R"("lesions": [], "sign_off": {"statuses": {"by": ""}}})", core::ErrorCode::InvalidArgument,
              "sign_off.statuses.utc");
  expectError(head + R"("lesions": [], "sign_off": {"statuses": {"by": "", )" + ok + "}}}",
              core::ErrorCode::InvalidArgument, "sign_off.statuses.by");
  expectError(head + R"("lesions": [], "sign_off": {"livers": {"by": "a", "utc": "2026-13-03T19:40:59Z"}}})",
              core::ErrorCode::InvalidArgument, "sign_off.livers.utc");
  expectError(head + R"("lesions": [], "sign_off": {"livers": {"by": "a", "utc": "3 Dec 2026"}}})",
              core::ErrorCode::InvalidArgument, "sign_off.livers.utc");
  expectError(head + R"("lesions": [], "sign_off": {"livers": {"by": "a", )" + ok + R"(, "when": 1}}})",
              core::ErrorCode::InvalidArgument, "sign_off.livers.when");
  expectError(head + R"("lesions": [], "sign_off": {"liver": {"by": "a", )" + ok + "}}}",
              core::ErrorCode::InvalidArgument, "sign_off.liver");
  expectError(head + R"("lesions": [], "sign_off": ["jdoe"]})", core::ErrorCode::InvalidArgument, "sign_off");
  expectError(head + R"("lesions": [{"id": "A", "click": [1,2,3], "note": 7}]})", core::ErrorCode::InvalidArgument,
              "lesions[0].note");
}

TEST_F(CaseFileTest, ScansMayBeNamedInAPacs) {
  const CaseFile c = parseCaseFile(
      R"({"baseline": {"pacs": "hospital", "study_uid": "1.2", "series_uid": "1.2.3"}, "followup": "follow",
          "lesions": [{"id": "L2", "center": [1, 2, 3], "diameter_mm": 14}]})",
      m_dir / "case.json");
  EXPECT_EQ(c.baseline.pacs, "hospital");
  EXPECT_EQ(c.baseline.studyUid, "1.2");
  EXPECT_EQ(c.baseline.seriesUid, "1.2.3");
  EXPECT_TRUE(c.baseline.series.empty()) << "filled in when retrieved";
  EXPECT_TRUE(c.followup.pacs.empty());
}

TEST_F(CaseFileTest, PacsSourcesNeedStudyAndSeriesAndOneSourceOnly) {
  using core::ErrorCode;
  const std::string lesions = R"(, "followup": "follow", "lesions": [{"id": "A", "click": [1,2,3]}]})";
  expectError(R"({"baseline": {"pacs": "h", "series_uid": "1.2.3"})" + lesions, ErrorCode::InvalidArgument,
              "baseline.study_uid");
  expectError(R"({"baseline": {"pacs": "h", "study_uid": "1.2"})" + lesions, ErrorCode::InvalidArgument,
              "baseline.series_uid");
  expectError(R"({"baseline": {"pacs": "h", "study_uid": "1.2", "series_uid": "1.2.3", "series": "base"})" + lesions,
              ErrorCode::InvalidArgument, "one source only");
  expectError(R"({"baseline": {"pacs": "", "study_uid": "1.2", "series_uid": "1.2.3"})" + lesions,
              ErrorCode::InvalidArgument, "must not be empty");
}
