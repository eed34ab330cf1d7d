// Point files are user input: coordinates that are not finite or lie beyond 10 m are refused with a short message
// naming the file (a point at 1e308 used to end as an internal error with a 300-digit number in the message).
#include "vestige/core/error.h"
#include "vestige/registration/registration_io.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <fstream>

namespace fs = std::filesystem;
using namespace vestige;

namespace {

fs::path pointFile(const std::string& tag, const std::string& json) {
  const fs::path file = vestige::testing::freshTempDir("points-" + tag) / "points.json";
  std::ofstream(file) << json;
  return file;
}

} // namespace

TEST(PointsIo, ReadsNamedLpsPoints) {
  const auto points = registration::readPointsJson(
      pointFile("ok", R"({"points": [{"name": "L1", "lps": [10.5, -20, 30]}, {"lps": [0, 0, -9999]}]})"));
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].name, "L1");
  EXPECT_DOUBLE_EQ(points[0].lps[1], -20.0);
  EXPECT_EQ(points[1].name, "P2");
}

TEST(PointsIo, HugeOrNonFiniteCoordinatesAreInvalidFormat) {
  for (const char* value : {"1e308", "-1e5", "1e400"}) {
    SCOPED_TRACE(value);
    const fs::path file =
        pointFile("huge", std::string(R"({"points": [{"name": "X", "lps": [0, )") + value + ", 0]}]}");
    try {
      (void)registration::readPointsJson(file);
      ADD_FAILURE() << "accepted";
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), core::ErrorCode::InvalidFormat) << e.what();
      EXPECT_EQ(e.context(), file.string());
      EXPECT_LT(std::string(e.what()).size(), 200u) << e.what();
    }
  }
}
