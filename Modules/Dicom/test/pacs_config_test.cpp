// pacs.json and AET@HOST:PORT: named servers are read strictly, every mistake names its key. (The network itself is
// tested against Orthanc in Testing/Integration/cli_pacs_test.cpp.)
#include "vestige/core/error.h"
#include "vestige/dicom/pacs.h"
#include "vestige/testing/test_support.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

using namespace vestige;
namespace fs = std::filesystem;

namespace {

fs::path configWith(const std::string& json) {
  const fs::path dir = vestige::testing::freshTempDir("pacs-config");
  std::ofstream(dir / "pacs.json") << json;
  std::ofstream(dir / "ca.pem") << "-----BEGIN CERTIFICATE-----\n";
  return dir / "pacs.json";
}

void expectError(const std::string& json, core::ErrorCode code, const std::string& key) {
  try {
    (void)dicom::readPacsConfig(configWith(json));
    ADD_FAILURE() << "no error for: " << json;
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << "'" << key << "' not in: " << e.what();
  }
}

} // namespace

TEST(PacsConfig, ReadsNamedServersWithDefaultsAndTls) {
  const fs::path file = configWith(R"({"servers": {
      "hospital": {"ae_title": "PACS01", "host": "pacs.example", "port": 2762, "calling_ae_title": "VESTIGE_OR3",
                   "connect_timeout_s": 5, "response_timeout_s": 7, "tls": {"trusted_certificates": "ca.pem"}},
      "local": {"ae_title": "ORTHANC", "host": "127.0.0.1", "port": 4242}}})");
  const auto servers = dicom::readPacsConfig(file);
  ASSERT_EQ(servers.size(), 2u);
  const dicom::PacsServer h = dicom::resolvePacsServer("hospital", file);
  EXPECT_EQ(dicom::describe(h), "PACS01@pacs.example:2762");
  EXPECT_EQ(h.callingAeTitle, "VESTIGE_OR3");
  EXPECT_EQ(h.connectTimeoutSeconds, 5u);
  EXPECT_EQ(h.responseTimeoutSeconds, 7u);
  EXPECT_TRUE(h.tls);
  EXPECT_EQ(h.tlsTrustedCertificates, file.parent_path() / "ca.pem") << "relative to the file's folder";
  const dicom::PacsServer l = dicom::resolvePacsServer("local", file);
  EXPECT_EQ(l.callingAeTitle, "VESTIGE");
  EXPECT_FALSE(l.tls);
  EXPECT_LT(l.connectTimeoutSeconds, 30u);
  EXPECT_LT(l.responseTimeoutSeconds, 30u);
}

TEST(PacsConfig, AddressesAndUnknownNames) {
  const dicom::PacsServer s = dicom::resolvePacsServer("ORTHANC@127.0.0.1:4242", "/nonexistent/pacs.json");
  EXPECT_EQ(s.aeTitle, "ORTHANC");
  EXPECT_EQ(s.host, "127.0.0.1");
  EXPECT_EQ(s.port, 4242u);
  EXPECT_EQ(dicom::resolvePacsServer("PACS@host", "/nonexistent/pacs.json").port, 104u);
  for (const char* bad : {"PACS@host:0", "PACS@host:99999", "PACS@host:x", "@host:104", "AN_AE_TITLE_TOO_LONG@h:1"})
    EXPECT_THROW((void)dicom::resolvePacsServer(bad, "/nonexistent/pacs.json"), core::Error) << bad;
  try {
    (void)dicom::resolvePacsServer("hospital", configWith(R"({"servers": {"local": {"ae_title": "A", "host": "h",
                                                             "port": 1}}})"));
    ADD_FAILURE();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::NotFound);
    EXPECT_NE(std::string(e.what()).find("servers: local"), std::string::npos) << e.what();
  }
}

TEST(PacsConfig, MistakesNameTheKey) {
  using core::ErrorCode;
  expectError(R"({"servers": {"h": {"ae_title": "A", "host": "x", "port": 1, "prot": 2}}})", ErrorCode::InvalidArgument,
              "servers.h.prot");
  expectError(R"({"servers": {"h": {"ae_title": "A", "host": "x"}}})", ErrorCode::InvalidArgument, "servers.h.port");
  expectError(R"({"servers": {"h": {"ae_title": "A", "host": "x", "port": 70000}}})", ErrorCode::InvalidArgument,
              "servers.h.port");
  expectError(R"({"servers": {"h": {"ae_title": "A\\B", "host": "x", "port": 1}}})", ErrorCode::InvalidArgument,
              "servers.h.ae_title");
  expectError(R"({"servers": {"h": {"ae_title": "A", "host": "x", "port": 1, "response_timeout_s": 0}}})",
              ErrorCode::InvalidArgument, "servers.h.response_timeout_s");
  expectError(R"({"servers": {"h": {"ae_title": "A", "host": "x", "port": 1, "tls": {"certificate": "gone.pem"}}}})",
              ErrorCode::NotFound, "servers.h.tls.certificate");
  expectError(R"({"servers": {"h": {"ae_title": "A", "host": "x", "port": 1, "tls": {}}}})", ErrorCode::InvalidArgument,
              "trusted_certificates");
  expectError(R"({"servers": [1]})", ErrorCode::InvalidArgument, "servers");
  expectError(R"({"servers": )", ErrorCode::InvalidFormat, "not valid JSON");
}

TEST(PacsConfig, DefaultFileFollowsXdgConfigHome) {
  ::setenv("XDG_CONFIG_HOME", "/some/where", 1);
  EXPECT_EQ(dicom::defaultPacsConfigFile(), fs::path("/some/where/vestige/pacs.json"));
  ::unsetenv("XDG_CONFIG_HOME");
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(dicom::defaultPacsConfigFile(), fs::path("/home/u/.config/vestige/pacs.json"));
}
