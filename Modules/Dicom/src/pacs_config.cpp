// pacs.json (named servers) and AET@HOST:PORT addresses.
#include "vestige/core/error.h"
#include "vestige/dicom/pacs.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace vestige::dicom {

using core::Error;
using core::ErrorCode;
using nlohmann::json;

namespace {

// AE titles are at most 16 characters of the default repertoire, without backslash or control characters.
void checkAeTitle(const std::string& ae, const std::string& key) {
  if (ae.empty() || ae.size() > 16)
    throw Error(ErrorCode::InvalidArgument, "an AE title has 1 to 16 characters, not \"" + ae + "\"", key);
  for (const char c : ae)
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
      throw Error(ErrorCode::InvalidArgument, "an AE title has no control characters or backslash", key);
}

unsigned checkedPort(long long port, const std::string& key) {
  if (port < 1 || port > 65535)
    throw Error(ErrorCode::InvalidArgument, "a port is 1 to 65535, not " + std::to_string(port), key);
  return static_cast<unsigned>(port);
}

std::string text(const json& v, const std::string& key) {
  if (!v.is_string())
    throw Error(ErrorCode::InvalidArgument, "must be a string", key);
  return v.get<std::string>();
}

unsigned positive(const json& v, const std::string& key, unsigned max) {
  if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > max)
    throw Error(ErrorCode::InvalidArgument, "must be a whole number from 1 to " + std::to_string(max), key);
  return v.get<unsigned>();
}

void onlyKeys(const json& v, const std::string& key, const std::set<std::string>& allowed) {
  if (!v.is_object())
    throw Error(ErrorCode::InvalidArgument, "must be an object", key);
  for (const auto& item : v.items())
    if (!allowed.count(item.key()))
      throw Error(ErrorCode::InvalidArgument, "unknown key", key + "." + item.key());
}

PacsServer serverFromJson(const std::string& name, const json& v, const std::filesystem::path& folder,
                          const std::string& key) {
  onlyKeys(v, key, {"ae_title", "host", "port", "calling_ae_title", "tls", "connect_timeout_s", "response_timeout_s"});
  for (const char* required : {"ae_title", "host", "port"})
    if (!v.contains(required))
      throw Error(ErrorCode::InvalidArgument, "is required", key + "." + required);
  PacsServer s;
  s.name = name;
  s.aeTitle = text(v["ae_title"], key + ".ae_title");
  checkAeTitle(s.aeTitle, key + ".ae_title");
  s.host = text(v["host"], key + ".host");
  if (!v["port"].is_number_integer())
    throw Error(ErrorCode::InvalidArgument, "must be a whole number", key + ".port");
  s.port = checkedPort(v["port"].get<long long>(), key + ".port");
  if (v.contains("calling_ae_title")) {
    s.callingAeTitle = text(v["calling_ae_title"], key + ".calling_ae_title");
    checkAeTitle(s.callingAeTitle, key + ".calling_ae_title");
  }
  if (v.contains("connect_timeout_s"))
    s.connectTimeoutSeconds = positive(v["connect_timeout_s"], key + ".connect_timeout_s", 600);
  if (v.contains("response_timeout_s"))
    s.responseTimeoutSeconds = positive(v["response_timeout_s"], key + ".response_timeout_s", 3600);
  if (v.contains("tls")) {
    const json& t = v["tls"];
    const std::string tkey = key + ".tls";
    if (t.is_boolean()) {
      s.tls = t.get<bool>();
    } else {
      onlyKeys(t, tkey, {"certificate", "private_key", "trusted_certificates", "verify_server"});
      s.tls = true;
      const auto path = [&](const char* k) {
        std::filesystem::path p = text(t[k], tkey + "." + k);
        p = p.is_absolute() ? p : folder / p;
        if (!std::filesystem::exists(p))
          throw Error(ErrorCode::NotFound, "no such file: " + p.string(), tkey + "." + k);
        return p;
      };
      if (t.contains("certificate"))
        s.tlsCertificate = path("certificate");
      if (t.contains("private_key"))
        s.tlsPrivateKey = path("private_key");
      if (t.contains("trusted_certificates"))
        s.tlsTrustedCertificates = path("trusted_certificates");
      if (t.contains("verify_server")) {
        if (!t["verify_server"].is_boolean())
          throw Error(ErrorCode::InvalidArgument, "must be true or false", tkey + ".verify_server");
        s.tlsVerifyServer = t["verify_server"].get<bool>();
      }
      if (s.tlsCertificate.empty() != s.tlsPrivateKey.empty())
        throw Error(ErrorCode::InvalidArgument, "certificate and private_key go together", tkey);
      if (s.tlsVerifyServer && s.tlsTrustedCertificates.empty())
        throw Error(ErrorCode::InvalidArgument,
                    "trusted_certificates is required to verify the server (or set verify_server to false)", tkey);
    }
  }
  return s;
}

} // namespace

std::string describe(const PacsServer& server) {
  return server.aeTitle + "@" + server.host + ":" + std::to_string(server.port);
}

std::filesystem::path defaultPacsConfigFile() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "vestige" / "pacs.json";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".config" / "vestige" / "pacs.json";
  return std::filesystem::path(".config") / "vestige" / "pacs.json";
}

std::vector<PacsServer> readPacsConfig(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file))
    return {};
  std::ifstream in(file);
  if (!in)
    throw Error(ErrorCode::PermissionDenied, "cannot read", file.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  json root;
  try {
    root = json::parse(buffer.str());
  } catch (const json::exception& e) {
    throw Error(ErrorCode::InvalidFormat, std::string("not valid JSON: ") + e.what(), file.string());
  }
  const std::string key = file.filename().string();
  onlyKeys(root, key, {"servers"});
  if (!root.contains("servers") || !root["servers"].is_object())
    throw Error(ErrorCode::InvalidArgument, "must be an object of named servers", key + ".servers");
  std::vector<PacsServer> servers;
  for (const auto& item : root["servers"].items())
    servers.push_back(serverFromJson(item.key(), item.value(), file.parent_path(), key + ".servers." + item.key()));
  return servers;
}

PacsServer resolvePacsServer(const std::string& nameOrAddress, const std::filesystem::path& configFile) {
  if (const auto at = nameOrAddress.find('@'); at != std::string::npos) {
    PacsServer s;
    s.aeTitle = nameOrAddress.substr(0, at);
    checkAeTitle(s.aeTitle, "--pacs");
    std::string hostPort = nameOrAddress.substr(at + 1);
    if (const auto colon = hostPort.rfind(':'); colon != std::string::npos) {
      const std::string port = hostPort.substr(colon + 1);
      if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5)
        throw Error(ErrorCode::InvalidArgument, "the port must be a number: " + nameOrAddress, "--pacs");
      s.port = checkedPort(std::stoll(port), "--pacs");
      hostPort = hostPort.substr(0, colon);
    }
    if (hostPort.empty())
      throw Error(ErrorCode::InvalidArgument, "expected AET@HOST:PORT, got " + nameOrAddress, "--pacs");
    s.host = hostPort;
    return s;
  }
  const std::vector<PacsServer> servers = readPacsConfig(configFile);
  std::string names;
  for (const PacsServer& s : servers) {
    if (s.name == nameOrAddress)
      return s;
    names += (names.empty() ? "" : ", ") + s.name;
  }
  throw Error(ErrorCode::NotFound,
              "no server named \"" + nameOrAddress + "\" in " + configFile.string() +
                  (names.empty() ? " (no servers configured)" : " (servers: " + names + ")") +
                  "; give AET@HOST:PORT or add it there (Documentation/pacs.md)",
              "--pacs");
}

} // namespace vestige::dicom
