// `vestige plan` interrupted (Ctrl-C) or killed (SIGKILL) part-way: OUT is absent when it did not exist, and exactly
// as it was when it held an earlier plan (no half plan, no mix of two runs' files); what a killed run leaves beside
// OUT is removed by the next run. The phantom case makes each run long enough to be interrupted during the work.
#include "cli_run.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

// Starts `vestige args...` and sends signal after delay; returns the exit status (128 + signal when killed by one).
int runAndSignal(const std::vector<std::string>& args, int signal, std::chrono::milliseconds delay) {
  const pid_t child = ::fork();
  if (child == 0) {
    std::vector<char*> argv{const_cast<char*>(VESTIGE_CLI)};
    for (const auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(VESTIGE_CLI, argv.data());
    ::_exit(127);
  }
  std::this_thread::sleep_for(delay);
  ::kill(child, signal);
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<std::string> besideOut(const fs::path& parent) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(parent))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class PlanInterrupted : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_case = vestige::testing::freshTempDir("plan-interrupted-case") / "phantom";
    const auto run =
        vestige::testing::vestigeCli("-q phantom -o " + vestige::testing::shellQuote(s_case.string()) + " --seed 2");
    ASSERT_EQ(run.exitCode, 0) << run.output;
  }
  static fs::path s_case;
};
fs::path PlanInterrupted::s_case;

} // namespace

TEST_F(PlanInterrupted, CtrlCLeavesNoOutputWhenThereWasNone) {
  const fs::path parent = vestige::testing::freshTempDir("plan-interrupted-new");
  const fs::path out = parent / "out";
  const int status = runAndSignal({"plan", (s_case / "case.json").string(), "-o", out.string()}, SIGINT,
                                  std::chrono::milliseconds(4000));
  EXPECT_EQ(status, 130) << "Ctrl-C is exit 130";
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(besideOut(parent).empty()) << "no staging folder left";
}

TEST_F(PlanInterrupted, AnEarlierPlanStaysWholeAndAKilledRunIsCleanedUp) {
  const fs::path parent = vestige::testing::freshTempDir("plan-interrupted-old");
  const fs::path out = parent / "out";
  fs::create_directories(out / "images");
  std::ofstream(out / "plan.json") << R"({"earlier": "plan"})";
  std::ofstream(out / "report.html") << "earlier report";
  std::ofstream(out / "images" / "view_anterior.png") << "earlier picture";
  const auto before = vestige::testing::fingerprintTree(out);

  const std::vector<std::string> args{"plan", (s_case / "case.json").string(), "-o", out.string()};
  EXPECT_EQ(runAndSignal(args, SIGINT, std::chrono::milliseconds(4000)), 130);
  EXPECT_EQ(vestige::testing::fingerprintTree(out), before) << "the earlier plan was changed";
  EXPECT_EQ(besideOut(parent), std::vector<std::string>{"out"});

  // SIGKILL cannot be caught: the staging folder stays beside OUT, OUT itself is untouched ...
  EXPECT_EQ(runAndSignal(args, SIGKILL, std::chrono::milliseconds(4000)), 128 + SIGKILL);
  EXPECT_EQ(vestige::testing::fingerprintTree(out), before);
  EXPECT_EQ(besideOut(parent).size(), 2u) << "the killed run's staging folder";
  // ... and the next run removes it (its process is gone).
  EXPECT_EQ(runAndSignal(args, SIGINT, std::chrono::milliseconds(4000)), 130);
  EXPECT_EQ(besideOut(parent), std::vector<std::string>{"out"});
  EXPECT_EQ(vestige::testing::fingerprintTree(out), before);
}

TEST_F(PlanInterrupted, AFolderOfOtherFilesIsNeverReplaced) {
  const fs::path parent = vestige::testing::freshTempDir("plan-foreign");
  std::ofstream(parent / "notes.txt") << "someone's work";
  const auto run =
      vestige::testing::vestigeCli("-q plan " + vestige::testing::shellQuote((s_case / "case.json").string()) + " -o " +
                                   vestige::testing::shellQuote(parent.string()));
  EXPECT_EQ(run.exitCode, 2) << "invalid argument: " << run.output;
  EXPECT_EQ(besideOut(parent), std::vector<std::string>{"notes.txt"});
}
