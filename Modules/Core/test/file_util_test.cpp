// All-or-nothing output: a write that fails (full disk, no permission) leaves nothing under the final name and says
// why with the right code; a staged folder replaces its target only when committed, and never a folder of
// someone else's files.
#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace vestige;

namespace {

std::string readText(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::size_t entriesIn(const fs::path& folder) {
  return std::size_t(std::distance(fs::directory_iterator(folder), fs::directory_iterator()));
}

using vestige::testing::FileSizeLimit;

} // namespace

TEST(WriteAtomically, FullDiskLeavesNothingUnderTheFinalName) {
  const fs::path dir = vestige::testing::freshTempDir("atomic-full");
  const fs::path target = dir / "big.txt";
  {
    const FileSizeLimit limit(4096);
    try {
      core::writeTextAtomically(target, std::string(1 << 20, 'x'));
      ADD_FAILURE() << "a write beyond the limit was reported as success";
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), core::ErrorCode::Io);
      EXPECT_EQ(e.context(), target.string());
      EXPECT_EQ(std::string(e.what()).find("Success"), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(fs::exists(target));
  EXPECT_EQ(entriesIn(dir), 0u) << "the temporary file must be removed";
}

TEST(WriteAtomically, FailedWriteKeepsTheEarlierFile) {
  const fs::path dir = vestige::testing::freshTempDir("atomic-keep");
  core::writeTextAtomically(dir / "a.txt", "first");
  EXPECT_THROW(core::writeAtomically(dir / "a.txt",
                                     [](const fs::path&) { throw core::Error(core::ErrorCode::Io, "disk on fire"); }),
               core::Error);
  EXPECT_EQ(readText(dir / "a.txt"), "first");
  EXPECT_EQ(entriesIn(dir), 1u);
}

TEST(WriteAtomically, WriterThatWritesNothingIsAnError) {
  const fs::path dir = vestige::testing::freshTempDir("atomic-nothing");
  EXPECT_THROW(core::writeAtomically(dir / "a.bin", [](const fs::path&) {}), core::Error);
  EXPECT_FALSE(fs::exists(dir / "a.bin"));
}

TEST(WriteAtomically, ReadOnlyFolderIsPermissionDenied) {
  // Folder permissions do not bind root (CI runs as root): the write is tried in a child process that, when root,
  // first becomes an unprivileged user. Exit status: 0 PermissionDenied, 1 another error, 2 no error, 3 setup.
  const fs::path dir = vestige::testing::freshTempDir("atomic-readonly");
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  const pid_t child = ::fork();
  if (child == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0))
      ::_exit(3);
    try {
      core::writeTextAtomically(dir / "a.txt", "x");
    } catch (const core::Error& e) {
      ::_exit(e.code() == core::ErrorCode::PermissionDenied ? 0 : 1);
    }
    ::_exit(2);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  fs::permissions(dir, fs::perms::owner_all);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: another error code, 2: written, 3: could not drop privileges";
  EXPECT_FALSE(fs::exists(dir / "a.txt"));
}

TEST(StagingFolder, TargetChangesOnlyOnCommit) {
  const fs::path dir = vestige::testing::freshTempDir("staging");
  const fs::path out = dir / "out";
  {
    core::StagingFolder staging(out, "plan.json");
    core::writeTextAtomically(staging.path() / "plan.json", "one");
    EXPECT_FALSE(fs::exists(out)) << "visible before commit";
    staging.commit();
  }
  EXPECT_EQ(readText(out / "plan.json"), "one");
  {
    // A second run that fails half-way: the first run's folder stays whole, the staging folder goes.
    core::StagingFolder staging(out, "plan.json");
    core::writeTextAtomically(staging.path() / "plan.json", "two");
    core::writeTextAtomically(staging.path() / "extra.txt", "half");
  }
  EXPECT_EQ(readText(out / "plan.json"), "one");
  EXPECT_FALSE(fs::exists(out / "extra.txt"));
  EXPECT_EQ(entriesIn(dir), 1u) << "nothing but out/ beside it";
  {
    core::StagingFolder staging(out, "plan.json");
    core::writeTextAtomically(staging.path() / "plan.json", "three");
    staging.commit();
  }
  EXPECT_EQ(readText(out / "plan.json"), "three");
  EXPECT_EQ(entriesIn(out), 1u) << "no file of an earlier run left in the folder";
  EXPECT_EQ(entriesIn(dir), 1u);
}

TEST(StagingFolder, RefusesToReplaceForeignFolders) {
  const fs::path dir = vestige::testing::freshTempDir("staging-foreign");
  core::writeTextAtomically(dir / "home" / "thesis.tex", "years of work");
  EXPECT_THROW(core::StagingFolder(dir / "home", "plan.json"), core::Error);
  core::writeTextAtomically(dir / "file", "x");
  EXPECT_THROW(core::StagingFolder(dir / "file", "plan.json"), core::Error);
  EXPECT_EQ(readText(dir / "home" / "thesis.tex"), "years of work");
}

TEST(StagingFolder, RemovesWhatAKilledRunLeft) {
  const fs::path dir = vestige::testing::freshTempDir("staging-stale");
  // A pid that is not running: fork a child that exits at once and reap it.
  const pid_t child = ::fork();
  if (child == 0)
    ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  const fs::path stale = dir / (".vestige-stage-" + std::to_string(child) + "-out");
  core::writeTextAtomically(stale / "plan.json", "killed");
  const fs::path live = dir / (".vestige-stage-" + std::to_string(::getppid()) + "-out"); // a running process
  core::writeTextAtomically(live / "plan.json", "running");
  {
    core::StagingFolder staging(dir / "out", "plan.json");
    EXPECT_FALSE(fs::exists(stale));
    EXPECT_TRUE(fs::exists(live)) << "another running process's staging folder must be left alone";
  }
}
