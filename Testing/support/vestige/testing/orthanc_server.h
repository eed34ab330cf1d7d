#pragma once
// A private Orthanc (Debian's `orthanc`, /usr/sbin/Orthanc) for tests of Vestige's DICOM networking: its own
// temporary configuration, storage folder and free loopback ports; Vestige's AE titles registered as modalities.
// The destructor kills it and removes its folder, so it is stopped even when a test fails. Header-only: the
// tests that need it include it; no other test pays for it.
#include "vestige/testing/test_support.h"

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace vestige::testing {

// A TCP port on 127.0.0.1 that was free a moment ago.
inline unsigned freeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0)
      ::close(fd);
    throw std::runtime_error("no free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A minimal HTTP/1.0 request to 127.0.0.1:port; returns the body ("" when the server does not answer).
inline std::string httpRequest(unsigned port, const std::string& method, const std::string& path,
                               int* status = nullptr) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0)
      ::close(fd);
    return {};
  }
  const std::string request = method + " " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";
  (void)!::write(fd, request.data(), request.size());
  std::string response;
  char buf[65536];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0)
    response.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (status)
    *status = response.size() > 12 ? std::atoi(response.substr(9, 3).c_str()) : 0;
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? std::string{} : response.substr(body + 4);
}

struct OrthancOptions {
  std::string aeTitle = "ORTHANC";
  // AE titles Orthanc knows (AE title, port on 127.0.0.1 for C-MOVE); any other calling AE title is refused.
  std::vector<std::pair<std::string, unsigned>> modalities{{"VESTIGE", 0}};
  // DICOM TLS: Orthanc's certificate and key, and the certificates it trusts (empty: no TLS).
  std::string tlsCertificate;
  std::string tlsKey;
  std::string tlsTrusted;
};

class OrthancServer {
public:
  explicit OrthancServer(const OrthancOptions& options = {})
      : m_folder(freshTempDir("orthanc")), m_dicomPort(freeLoopbackPort()), m_httpPort(freeLoopbackPort()) {
    std::ostringstream modalities;
    for (std::size_t i = 0; i < options.modalities.size(); ++i)
      modalities << (i ? ", " : "") << "\"m" << i << "\": [\"" << options.modalities[i].first << "\", \"127.0.0.1\", "
                 << (options.modalities[i].second ? options.modalities[i].second : 104) << "]";
    std::ostringstream tls;
    if (!options.tlsCertificate.empty())
      tls << "\"DicomTlsEnabled\": true, \"DicomTlsCertificate\": \"" << options.tlsCertificate
          << "\", \"DicomTlsPrivateKey\": \"" << options.tlsKey << "\", \"DicomTlsTrustedCertificates\": \""
          << options.tlsTrusted << "\", \"DicomTlsRemoteCertificateRequired\": true,";
    const std::filesystem::path config = m_folder / "orthanc.json";
    std::ofstream(config) << "{ \"Name\": \"vestige-test\", \"StorageDirectory\": \"" << (m_folder / "db").string()
                          << "\", \"IndexDirectory\": \"" << (m_folder / "db").string()
                          << "\", \"HttpPort\": " << m_httpPort << ", \"DicomPort\": " << m_dicomPort
                          << ", \"DicomAet\": \"" << options.aeTitle
                          << "\", \"RemoteAccessAllowed\": false, \"AuthenticationEnabled\": false, "
                             "\"DicomCheckCalledAet\": true, \"Plugins\": [], \"DicomAlwaysAllowEcho\": false, "
                             "\"DicomAlwaysAllowStore\": false, \"DicomAlwaysAllowFind\": false, "
                             "\"DicomAlwaysAllowGet\": false, \"DicomAlwaysAllowMove\": false, "
                             "\"DicomScpTimeout\": 30, \"StorageCompression\": false, "
                          << tls.str() << " \"DicomModalities\": {" << modalities.str() << "} }\n";
    m_pid = ::fork();
    if (m_pid == 0) {
      const std::string log = (m_folder / "orthanc.log").string();
      FILE* out = std::freopen(log.c_str(), "w", stdout);
      (void)out;
      ::dup2(::fileno(stdout), 2);
      ::execl("/usr/sbin/Orthanc", "Orthanc", config.c_str(), static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      int st = 0;
      if (::waitpid(m_pid, &st, WNOHANG) == m_pid) {
        m_pid = -1;
        throw std::runtime_error("Orthanc did not start (is the orthanc package installed?); log: " + log());
      }
      if (httpRequest(m_httpPort, "GET", "/system").find("ApiVersion") != std::string::npos)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    stop();
    throw std::runtime_error("Orthanc did not answer within 30 s; log: " + log());
  }

  ~OrthancServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(m_folder, ec);
  }
  OrthancServer(const OrthancServer&) = delete;
  OrthancServer& operator=(const OrthancServer&) = delete;

  // SIGKILL, as a crash or a pulled cable would end it.
  void stop() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
      m_pid = -1;
    }
  }
  [[nodiscard]] pid_t pid() const { return m_pid; }
  [[nodiscard]] unsigned dicomPort() const { return m_dicomPort; }
  [[nodiscard]] unsigned httpPort() const { return m_httpPort; }
  [[nodiscard]] std::string address(const std::string& aeTitle = "ORTHANC") const {
    return aeTitle + "@127.0.0.1:" + std::to_string(m_dicomPort);
  }
  [[nodiscard]] std::string get(const std::string& path) const { return httpRequest(m_httpPort, "GET", path); }
  [[nodiscard]] std::string log() const {
    std::ifstream in(m_folder / "orthanc.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  [[nodiscard]] const std::filesystem::path& folder() const { return m_folder; }

private:
  std::filesystem::path m_folder;
  unsigned m_dicomPort;
  unsigned m_httpPort;
  pid_t m_pid = -1;
};

} // namespace vestige::testing
