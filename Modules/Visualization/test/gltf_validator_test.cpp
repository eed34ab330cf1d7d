// The plan's glTF binary passes the Khronos glTF validator (npm gltf-validator, run with node) with no error and no
// warning. Skipped, with the reason, when CMake found no node or npm.
#include "synthetic_plan.h"

#include "vestige/testing/test_support.h"
#include "vestige/visualization/scene.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <regex>
#include <string>
#include <sys/wait.h>

namespace vestige::visualization {
namespace {

namespace fs = std::filesystem;

std::string readBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary);
  out << bytes;
}

struct Validation {
  int exitCode = -1;
  std::string output;
};

Validation runValidator(const fs::path& file) {
  const char* node = std::getenv("VESTIGE_NODE");
  const char* module = std::getenv("VESTIGE_GLTF_VALIDATOR");
  const char* script = std::getenv("VESTIGE_GLTF_VALIDATE_SCRIPT");
  const std::string command =
      std::string("\"") + node + "\" \"" + script + "\" \"" + module + "\" \"" + file.string() + "\" 2>&1";
  Validation v;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr)
    return v;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr)
    v.output += buffer.data();
  const int status = pclose(pipe);
  v.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return v;
}

TEST(GltfValidator, PlanGlbHasNoErrorAndNoWarning) {
  if (std::getenv("VESTIGE_NODE") == nullptr || std::getenv("VESTIGE_GLTF_VALIDATOR") == nullptr ||
      std::getenv("VESTIGE_GLTF_VALIDATE_SCRIPT") == nullptr) {
    const char* why = std::getenv("VESTIGE_GLTF_VALIDATOR_MISSING");
    GTEST_SKIP() << (why != nullptr ? why : "VESTIGE_NODE / VESTIGE_GLTF_VALIDATOR not set: run it through ctest");
  }
  const auto plan = testplan::makeSyntheticPlan();
  const Scene scene = buildPlanScene(plan.summary, plan.masks, plan.masks.liver);
  const fs::path dir = testing::freshTempDir("gltf-validator");
  (void)writeSceneMeshes(scene, dir);

  const Validation v = runValidator(dir / "plan.glb");
  std::cout << v.output;
  ASSERT_EQ(v.exitCode, 0) << "the validator did not run";
  std::smatch m;
  const std::regex counts("errors=(\\d+) warnings=(\\d+) infos=(\\d+) hints=(\\d+)");
  ASSERT_TRUE(std::regex_search(v.output, m, counts)) << "no issue counts in the validator's output";
  EXPECT_EQ(std::stoi(m[1]), 0) << "errors";
  EXPECT_EQ(std::stoi(m[2]), 0) << "warnings";
  std::cout << "glTF validator: " << m[1] << " errors, " << m[2] << " warnings, " << m[3] << " infos, " << m[4]
            << " hints\n";

  // The check can fail: the same file with an invalid component type (same length, so the GLB stays readable).
  std::string bytes = readBytes(dir / "plan.glb");
  const std::string good = "\"componentType\":5126", bad = "\"componentType\":5127";
  const std::size_t at = bytes.find(good);
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, good.size(), bad);
  writeBytes(dir / "broken.glb", bytes);
  const Validation broken = runValidator(dir / "broken.glb");
  ASSERT_EQ(broken.exitCode, 0) << broken.output;
  ASSERT_TRUE(std::regex_search(broken.output, m, counts)) << broken.output;
  EXPECT_GT(std::stoi(m[1]), 0) << broken.output;
  fs::remove_all(dir);
}

} // namespace
} // namespace vestige::visualization
