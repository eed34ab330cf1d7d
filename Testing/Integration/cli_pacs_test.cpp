// `vestige pacs` and `vestige plan --send` against a real DICOM server: Orthanc, started by the test with its own
// configuration, storage and loopback ports (vestige/testing/orthanc_server.h), on the phantom case. Every failure
// the issue lists gives its documented exit code and message within the timeout and leaves no half series.
#include "pacs_test_util.h"
#include "vestige/testing/orthanc_server.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sys/wait.h>
#include <thread>

namespace fs = std::filesystem;
using vestige::testing::OrthancServer;
using vestige::testing::shellQuote;
using vestige::testing::timedCli;
using vestige::testing::vestigeCli;

namespace {

constexpr const char* kTimeouts = " --connect-timeout 3 --timeout 3";

std::string sendPhantom(const OrthancServer& orthanc, const fs::path& phantom) {
  return "pacs send --pacs " + orthanc.address() + kTimeouts + " " +
         shellQuote((phantom / "baseline" / "dicom").string()) + " " +
         shellQuote((phantom / "followup" / "dicom").string());
}

class Pacs : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_phantom = vestige::testing::freshTempDir("pacs-phantom") / "phantom";
    const auto made = vestigeCli("-q phantom -o " + shellQuote(s_phantom.string()) + " --seed 2");
    ASSERT_EQ(made.exitCode, 0) << made.output;
    s_movePort = vestige::testing::freeLoopbackPort();
    vestige::testing::OrthancOptions options;
    options.modalities = {{"VESTIGE", s_movePort}};
    s_orthanc = std::make_unique<OrthancServer>(options);
    const auto sent = vestigeCli(sendPhantom(*s_orthanc, s_phantom));
    ASSERT_EQ(sent.exitCode, 0) << sent.output;
    s_original = vestige::testing::instancesUnder(s_phantom / "baseline" / "dicom");
    for (const auto& [uid, facts] : vestige::testing::instancesUnder(s_phantom / "followup" / "dicom"))
      s_original[uid] = facts;
  }
  static void TearDownTestSuite() { s_orthanc.reset(); }

  static std::set<std::string> studies() {
    std::set<std::string> s;
    for (const auto& [uid, f] : s_original)
      s.insert(f.studyUid);
    return s;
  }

  static fs::path s_phantom;
  static unsigned s_movePort;
  static std::unique_ptr<OrthancServer> s_orthanc;
  static std::map<std::string, vestige::testing::InstanceFacts> s_original;
};
fs::path Pacs::s_phantom;
unsigned Pacs::s_movePort = 0;
std::unique_ptr<OrthancServer> Pacs::s_orthanc;
std::map<std::string, vestige::testing::InstanceFacts> Pacs::s_original;

} // namespace

TEST_F(Pacs, EchoAnswers) {
  const auto r = vestigeCli("pacs echo --pacs " + s_orthanc->address() + kTimeouts);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("ok"), std::string::npos) << r.output;
}

TEST_F(Pacs, SendStoredEveryInstanceInOrthanc) {
  const auto stats = nlohmann::json::parse(s_orthanc->get("/statistics"));
  EXPECT_EQ(stats["CountInstances"].get<std::size_t>(), s_original.size());
  EXPECT_EQ(stats["CountStudies"].get<std::size_t>(), studies().size());
}

TEST_F(Pacs, FindListsExactlyThePhantomStudiesAndSeriesWithTheirCounts) {
  const auto r = vestigeCli("-q pacs find --json --pacs " + s_orthanc->address() + kTimeouts);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const auto found = nlohmann::json::parse(r.output);
  std::map<std::string, std::size_t> expected; // series UID -> instances
  for (const auto& [uid, f] : s_original)
    ++expected[f.seriesUid];
  std::map<std::string, std::size_t> listed;
  std::set<std::string> listedStudies;
  for (const auto& study : found) {
    listedStudies.insert(study["study_uid"].get<std::string>());
    for (const auto& s : study["series"])
      listed[s["series_uid"].get<std::string>()] = s["instances"].get<std::size_t>();
  }
  EXPECT_EQ(listedStudies, studies());
  EXPECT_EQ(listed, expected);

  const auto ct = vestigeCli("-q pacs find --json --modality MR --pacs " + s_orthanc->address() + kTimeouts);
  ASSERT_EQ(ct.exitCode, 0) << ct.output;
  EXPECT_EQ(nlohmann::json::parse(ct.output).size(), 0u) << "the phantom has no MR study";
}

TEST_F(Pacs, GetRetrievesEveryInstanceWithIdenticalPixelsAndSkipsWhatIsPresent) {
  const fs::path out = vestige::testing::freshTempDir("pacs-get");
  for (const std::string& study : studies()) {
    const auto r = vestigeCli("-q pacs get --pacs " + s_orthanc->address() + kTimeouts + " --study " + study + " -o " +
                              shellQuote(out.string()));
    ASSERT_EQ(r.exitCode, 0) << r.output;
  }
  const auto got = vestige::testing::instancesUnder(out);
  ASSERT_EQ(got.size(), s_original.size());
  for (const auto& [uid, f] : s_original) {
    ASSERT_TRUE(got.count(uid)) << uid;
    EXPECT_EQ(got.at(uid).pixelHash, f.pixelHash) << uid;
    EXPECT_TRUE(fs::exists(out / f.seriesUid / uid)) << "series folder named by its UID";
  }
  EXPECT_TRUE(vestige::testing::hiddenIn(out).empty());

  const auto again = vestigeCli("-q pacs get --pacs " + s_orthanc->address() + kTimeouts + " --study " +
                                *studies().begin() + " -o " + shellQuote(out.string()));
  ASSERT_EQ(again.exitCode, 0) << again.output;
  EXPECT_NE(again.output.find("present"), std::string::npos) << again.output;
  EXPECT_EQ(again.output.find("retrieved"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("0.0 MB"), std::string::npos) << "nothing fetched again: " << again.output;
}

TEST_F(Pacs, MoveToVestigesOwnStorageScpRetrievesTheSeries) {
  const fs::path out = vestige::testing::freshTempDir("pacs-move");
  const std::string study = *studies().begin();
  const auto r = vestigeCli("-q pacs get --move --port " + std::to_string(s_movePort) + " --pacs " +
                            s_orthanc->address() + kTimeouts + " --study " + study + " -o " + shellQuote(out.string()));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const auto got = vestige::testing::instancesUnder(out);
  std::size_t expected = 0;
  for (const auto& [uid, f] : s_original)
    if (f.studyUid == study) {
      ++expected;
      ASSERT_TRUE(got.count(uid));
      EXPECT_EQ(got.at(uid).pixelHash, f.pixelHash);
    }
  EXPECT_EQ(got.size(), expected);
}

TEST_F(Pacs, ServerNotRunningIsANetworkErrorWithinTheTimeout) {
  const unsigned port = vestige::testing::freeLoopbackPort();
  const fs::path out = vestige::testing::freshTempDir("pacs-down");
  const auto t = timedCli("pacs get --pacs ORTHANC@127.0.0.1:" + std::to_string(port) + kTimeouts +
                          " --study 1.2.3 -o " + shellQuote(out.string()));
  EXPECT_EQ(t.run.exitCode, 11) << t.run.output;
  EXPECT_NE(t.run.output.find("cannot connect"), std::string::npos) << t.run.output;
  EXPECT_NE(t.run.output.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << t.run.output;
  EXPECT_LT(t.seconds, 8.0);
  EXPECT_EQ(vestige::testing::filesUnder(out), 0u);
}

TEST_F(Pacs, WrongCalledAeTitleIsRejected) {
  const auto t = timedCli("pacs echo --pacs " + s_orthanc->address("NOTORTHANC") + kTimeouts);
  EXPECT_EQ(t.run.exitCode, 4) << t.run.output;
  EXPECT_NE(t.run.output.find("rejected the association"), std::string::npos) << t.run.output;
  EXPECT_NE(t.run.output.find("NOTORTHANC"), std::string::npos) << t.run.output;
  EXPECT_LT(t.seconds, 8.0);
}

TEST_F(Pacs, CallingAeTitleNotRegisteredIsRejected) {
  const fs::path out = vestige::testing::freshTempDir("pacs-stranger");
  const auto t = timedCli("pacs get --calling-ae STRANGER --pacs " + s_orthanc->address() + kTimeouts + " --study " +
                          *studies().begin() + " -o " + shellQuote(out.string()));
  EXPECT_EQ(t.run.exitCode, 4) << t.run.output;
  EXPECT_NE(t.run.output.find("STRANGER"), std::string::npos) << t.run.output;
  EXPECT_LT(t.seconds, 8.0);
  EXPECT_EQ(vestige::testing::filesUnder(out), 0u);
}

TEST_F(Pacs, UnknownStudyIsNotFound) {
  const fs::path out = vestige::testing::freshTempDir("pacs-nostudy");
  const auto t = timedCli("pacs get --pacs " + s_orthanc->address() + kTimeouts + " --study 1.2.826.0.1.999.1 -o " +
                          shellQuote(out.string()));
  EXPECT_EQ(t.run.exitCode, 3) << t.run.output;
  EXPECT_NE(t.run.output.find("no study 1.2.826.0.1.999.1"), std::string::npos) << t.run.output;
  EXPECT_EQ(vestige::testing::filesUnder(out), 0u);
}

TEST_F(Pacs, NamedServerFromTheConfigurationFile) {
  const fs::path config = vestige::testing::freshTempDir("pacs-config") / "pacs.json";
  std::ofstream(config) << R"({"servers": {"local": {"ae_title": "ORTHANC", "host": "127.0.0.1", "port": )"
                        << s_orthanc->dicomPort() << R"(, "response_timeout_s": 3}}})";
  const auto ok = vestigeCli("pacs echo --pacs local --config " + shellQuote(config.string()));
  EXPECT_EQ(ok.exitCode, 0) << ok.output;
  const auto unknown = vestigeCli("pacs echo --pacs hospital --config " + shellQuote(config.string()));
  EXPECT_EQ(unknown.exitCode, 3) << unknown.output;
  EXPECT_NE(unknown.output.find("servers: local"), std::string::npos) << unknown.output;
}

// Orthanc killed (SIGKILL) or frozen (SIGSTOP) once the first instance of a series has arrived.
void interruptDuringGet(const fs::path& phantom, int signal, int expectedExit, const std::string& expectedText) {
  OrthancServer orthanc;
  ASSERT_EQ(vestigeCli(sendPhantom(orthanc, phantom)).exitCode, 0);
  const fs::path out = vestige::testing::freshTempDir("pacs-interrupted");
  std::string study;
  for (const auto& [uid, f] : vestige::testing::instancesUnder(phantom / "followup" / "dicom"))
    study = f.studyUid;
  vestige::testing::TimedRun result;
  std::thread get([&] {
    result = timedCli("pacs get --pacs " + orthanc.address() + kTimeouts + " --study " + study + " -o " +
                      shellQuote(out.string()));
  });
  bool interrupted = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!interrupted && std::chrono::steady_clock::now() < deadline) {
    for (const std::string& hidden : vestige::testing::hiddenIn(out))
      if (vestige::testing::filesUnder(out / hidden) > 0) {
        ::kill(orthanc.pid(), signal);
        interrupted = true;
        break;
      }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  get.join();
  orthanc.stop();
  ASSERT_TRUE(interrupted) << "the retrieval was not caught in the middle: " << result.run.output;
  EXPECT_EQ(result.run.exitCode, expectedExit) << result.run.output;
  EXPECT_NE(result.run.output.find(expectedText), std::string::npos) << result.run.output;
  EXPECT_LT(result.seconds, 10.0) << "no hang beyond the 3 s timeout";
  EXPECT_EQ(vestige::testing::filesUnder(out), 0u) << "no half series";
  EXPECT_TRUE(vestige::testing::hiddenIn(out).empty());
}

TEST_F(Pacs, OrthancKilledDuringARetrieveLeavesNoHalfSeries) {
  interruptDuringGet(s_phantom, SIGKILL, 11, "connection was lost");
}

TEST_F(Pacs, OrthancFrozenDuringARetrieveTimesOut) {
  interruptDuringGet(s_phantom, SIGSTOP, 11, "no answer within 3 s");
}

TEST_F(Pacs, CtrlCDuringARetrieveStopsCleanly) {
  const fs::path out = vestige::testing::freshTempDir("pacs-ctrl-c");
  const fs::path log = vestige::testing::freshTempDir("pacs-ctrl-c-log") / "output.txt";
  std::string study;
  for (const auto& [uid, f] : vestige::testing::instancesUnder(s_phantom / "followup" / "dicom"))
    study = f.studyUid;
  const std::vector<std::string> args{"pacs",    "get", "--pacs", s_orthanc->address(), "--timeout", "3",
                                      "--study", study, "-o",     out.string()};
  const auto start = std::chrono::steady_clock::now();
  const pid_t child = ::fork();
  if (child == 0) {
    FILE* f = std::freopen(log.c_str(), "w", stderr);
    (void)f;
    std::vector<char*> argv{const_cast<char*>(VESTIGE_CLI)};
    for (const auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(VESTIGE_CLI, argv.data());
    ::_exit(127);
  }
  bool interrupted = false;
  while (!interrupted && std::chrono::steady_clock::now() - start < std::chrono::seconds(20)) {
    for (const std::string& hidden : vestige::testing::hiddenIn(out))
      if (vestige::testing::filesUnder(out / hidden) > 0) {
        ::kill(child, SIGINT);
        interrupted = true;
        break;
      }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ifstream in(log);
  const std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(interrupted) << output;
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 130) << output;
  EXPECT_NE(output.find("cancelled"), std::string::npos) << output;
  EXPECT_LT(seconds, 10.0);
  EXPECT_EQ(vestige::testing::filesUnder(out), 0u) << "no half series";
  EXPECT_TRUE(vestige::testing::hiddenIn(out).empty());
}

TEST_F(Pacs, TlsWorksAndTlsRequiredButNotOfferedFailsClearly) {
  const fs::path certs = vestige::testing::freshTempDir("pacs-tls");
  for (const std::string who : {"orthanc", "vestige"}) {
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + who + " -keyout " +
                            shellQuote((certs / (who + ".key")).string()) + " -out " +
                            shellQuote((certs / (who + ".crt")).string()) + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  {
    std::ofstream trusted(certs / "trusted.crt");
    for (const char* who : {"orthanc.crt", "vestige.crt"})
      trusted << std::ifstream(certs / who).rdbuf();
  }
  vestige::testing::OrthancOptions options;
  options.tlsCertificate = (certs / "orthanc.crt").string();
  options.tlsKey = (certs / "orthanc.key").string();
  options.tlsTrusted = (certs / "trusted.crt").string();
  OrthancServer orthanc(options);
  const std::string tls = " --tls-certificate " + shellQuote((certs / "vestige.crt").string()) + " --tls-key " +
                          shellQuote((certs / "vestige.key").string()) + " --tls-trusted " +
                          shellQuote((certs / "orthanc.crt").string());

  const auto plain = timedCli("pacs echo --pacs " + orthanc.address() + kTimeouts);
  EXPECT_EQ(plain.run.exitCode, 11) << plain.run.output;
  EXPECT_NE(plain.run.output.find("does it require DICOM TLS?"), std::string::npos) << plain.run.output;
  EXPECT_LT(plain.seconds, 8.0);

  const auto echo = vestigeCli("pacs echo --pacs " + orthanc.address() + kTimeouts + tls);
  EXPECT_EQ(echo.exitCode, 0) << echo.output << orthanc.log();
  const auto sent = vestigeCli("-q pacs send --pacs " + orthanc.address() + kTimeouts + tls + " " +
                               shellQuote((s_phantom / "followup" / "dicom").string()));
  ASSERT_EQ(sent.exitCode, 0) << sent.output;
  const fs::path out = vestige::testing::freshTempDir("pacs-tls-get");
  std::string study;
  for (const auto& [uid, f] : vestige::testing::instancesUnder(s_phantom / "followup" / "dicom"))
    study = f.studyUid;
  const auto got = vestigeCli("-q pacs get --pacs " + orthanc.address() + kTimeouts + tls + " --study " + study +
                              " -o " + shellQuote(out.string()));
  ASSERT_EQ(got.exitCode, 0) << got.output;
  EXPECT_EQ(vestige::testing::instancesUnder(out).size(),
            vestige::testing::instancesUnder(s_phantom / "followup" / "dicom").size());
}
