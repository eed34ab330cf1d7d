// vestige pacs echo | find | get | send (Documentation/pacs.md)
#include "app_context.h"

#include "vestige/core/error.h"
#include "vestige/dicom/pacs.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace vestige::app {

namespace {

struct ServerArgs {
  std::string pacs;
  std::string config;
  std::string callingAe;
  unsigned connectTimeout = 0;
  unsigned responseTimeout = 0;
  bool tls = false;
  std::string tlsCertificate;
  std::string tlsKey;
  std::string tlsTrusted;
  bool tlsNoVerify = false;
};

struct FindArgs {
  dicom::PacsQuery query;
  bool json = false;
};

struct GetArgs {
  dicom::PacsRetrieveOptions options;
  std::string out;
};

void addServerOptions(CLI::App* cmd, ServerArgs& s) {
  cmd->add_option("--pacs", s.pacs, "Server: a name from pacs.json, or AET@HOST:PORT")->required();
  cmd->add_option("--config", s.config, "Server configuration file (default $XDG_CONFIG_HOME/vestige/pacs.json)");
  cmd->add_option("--calling-ae", s.callingAe, "Vestige's AE title (default VESTIGE, or the file's)");
  cmd->add_option("--connect-timeout", s.connectTimeout, "Seconds to connect and negotiate (default 10)");
  cmd->add_option("--timeout", s.responseTimeout, "Seconds to wait for each response (default 20)");
  cmd->add_flag("--tls", s.tls, "Use DICOM TLS");
  cmd->add_option("--tls-certificate", s.tlsCertificate, "Vestige's certificate (PEM), if the server asks for one");
  cmd->add_option("--tls-key", s.tlsKey, "Its private key (PEM)");
  cmd->add_option("--tls-trusted", s.tlsTrusted, "Trusted certificates (PEM file or folder)");
  cmd->add_flag("--tls-no-verify", s.tlsNoVerify, "Accept any server certificate (testing only)");
}

dicom::PacsServer server(const ServerArgs& a) {
  dicom::PacsServer s = dicom::resolvePacsServer(a.pacs, a.config.empty() ? dicom::defaultPacsConfigFile()
                                                                          : std::filesystem::path(a.config));
  if (!a.callingAe.empty())
    s.callingAeTitle = a.callingAe;
  if (a.connectTimeout > 0)
    s.connectTimeoutSeconds = a.connectTimeout;
  if (a.responseTimeout > 0)
    s.responseTimeoutSeconds = a.responseTimeout;
  if (a.tls || !a.tlsTrusted.empty() || !a.tlsCertificate.empty())
    s.tls = true;
  if (!a.tlsCertificate.empty())
    s.tlsCertificate = a.tlsCertificate;
  if (!a.tlsKey.empty())
    s.tlsPrivateKey = a.tlsKey;
  if (!a.tlsTrusted.empty())
    s.tlsTrustedCertificates = a.tlsTrusted;
  if (a.tlsNoVerify)
    s.tlsVerifyServer = false;
  if (s.tls && s.tlsVerifyServer && s.tlsTrustedCertificates.empty())
    throw core::Error(core::ErrorCode::InvalidArgument,
                      "DICOM TLS needs the certificates to trust (--tls-trusted), or --tls-no-verify", "--tls");
  if (s.tlsCertificate.empty() != s.tlsPrivateKey.empty())
    throw core::Error(core::ErrorCode::InvalidArgument, "--tls-certificate and --tls-key go together", "--tls");
  return s;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width)
    s.append(width - s.size(), ' ');
  return s;
}

void printStudies(const std::vector<dicom::PacsStudyInfo>& studies, bool json) {
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& st : studies) {
      nlohmann::json series = nlohmann::json::array();
      for (const auto& s : st.series)
        series.push_back({{"series_uid", s.seriesUid},
                          {"number", s.seriesNumber},
                          {"modality", s.modality},
                          {"description", s.description},
                          {"date", s.date},
                          {"instances", s.instances}});
      out.push_back({{"study_uid", st.studyUid},
                     {"date", st.date},
                     {"description", st.description},
                     {"accession", st.accessionNumber},
                     {"patient_id", st.patientId},
                     {"patient_name", st.patientName},
                     {"series", series}});
    }
    std::cout << out.dump(2) << "\n";
    return;
  }
  for (const auto& st : studies) {
    std::cout << "study " << st.studyUid << "  " << (st.date.empty() ? "(no date)" : st.date) << "  \""
              << st.description << "\"  accession " << (st.accessionNumber.empty() ? "-" : st.accessionNumber)
              << "  patient " << st.patientId << "\n";
    for (const auto& s : st.series)
      std::cout << "  series " << pad(std::to_string(s.seriesNumber), 4) << pad(s.modality, 4) << " "
                << pad(std::to_string(s.instances) + " images", 12) << pad(s.date, 11) << " " << pad(s.description, 28)
                << " " << s.seriesUid << "\n";
  }
  std::cout << studies.size() << " stud" << (studies.size() == 1 ? "y" : "ies") << "\n";
}

void runGet(const dicom::PacsServer& s, const GetArgs& a, AppContext& ctx) {
  const dicom::PacsRetrieveResult r = dicom::pacsRetrieve(s, a.options, a.out, ctx.progress);
  ctx.progress->finish();
  for (const auto& series : r.series)
    std::cout << (series.alreadyPresent ? "present   " : "retrieved ") << series.folder.string() << "  ("
              << series.instances << " instances)\n";
  const double mb = static_cast<double>(r.bytesReceived) / 1e6;
  char line[160];
  std::snprintf(line, sizeof line, "%.1f MB in %.2f s (%.1f MB/s)\n", mb, r.seconds,
                r.seconds > 0 ? mb / r.seconds : 0.0);
  std::cout << line;
}

void runSend(const dicom::PacsServer& s, const std::vector<std::string>& inputs, AppContext& ctx) {
  std::vector<std::filesystem::path> paths(inputs.begin(), inputs.end());
  const dicom::PacsSendResult r = dicom::pacsSend(s, paths, ctx.progress);
  ctx.progress->finish();
  std::cout << "sent " << r.sent << " instance(s), " << r.bytes << " bytes, to " << dicom::describe(s) << "\n";
  if (!r.failures.empty()) {
    std::cerr << "vestige: " << r.failures.size() << " instance(s) refused:\n";
    for (const auto& f : r.failures)
      std::cerr << "  " << f << "\n";
    ctx.exitCode = kExitExportsMissing;
  }
}

} // namespace

void addPacsCommands(CLI::App& app, AppContext& ctx) {
  auto* pacs = app.add_subcommand("pacs", "Query, retrieve from and send to a PACS (DICOM networking)");
  pacs->require_subcommand(1);

  auto echoServer = std::make_shared<ServerArgs>();
  auto* echo = pacs->add_subcommand("echo", "C-ECHO: check that the server answers");
  addServerOptions(echo, *echoServer);
  echo->callback([echoServer] {
    const dicom::PacsServer s = server(*echoServer);
    dicom::pacsEcho(s);
    std::cout << "C-ECHO " << dicom::describe(s) << ": ok\n";
  });

  auto findServer = std::make_shared<ServerArgs>();
  auto find = std::make_shared<FindArgs>();
  auto* findCmd = pacs->add_subcommand("find", "C-FIND: studies and their series");
  addServerOptions(findCmd, *findServer);
  findCmd->add_option("--patient-id", find->query.patientId, "PatientID");
  findCmd->add_option("--patient-name", find->query.patientName, "PatientName (wildcards * and ?)");
  findCmd->add_option("--accession", find->query.accessionNumber, "AccessionNumber");
  findCmd->add_option("--modality", find->query.modality, "Studies with a series of this modality (CT, MR, ...)");
  findCmd->add_option("--date", find->query.dateRange, "StudyDate YYYYMMDD or range YYYYMMDD-YYYYMMDD");
  findCmd->add_option("--study", find->query.studyUid, "StudyInstanceUID");
  findCmd->add_flag("--json", find->json, "Print JSON instead of a table");
  findCmd->callback([findServer, find, &ctx] {
    const auto studies = dicom::pacsFind(server(*findServer), find->query, ctx.progress);
    ctx.progress->finish();
    printStudies(studies, find->json);
  });

  auto getServer = std::make_shared<ServerArgs>();
  auto get = std::make_shared<GetArgs>();
  auto* getCmd = pacs->add_subcommand("get", "C-GET (or C-MOVE) a study or some of its series into DIR/<series UID>");
  addServerOptions(getCmd, *getServer);
  getCmd->add_option("--study", get->options.studyUid, "StudyInstanceUID")->required();
  getCmd->add_option("--series", get->options.seriesUids, "SeriesInstanceUID (repeatable; default: every series)");
  getCmd->add_option("-o,--output", get->out, "Output folder")->required();
  getCmd->add_flag("--move", get->options.move, "Use C-MOVE to Vestige's own storage SCP instead of C-GET");
  getCmd->add_option("--port", get->options.movePort, "Port Vestige listens on for C-MOVE");
  getCmd->callback([getServer, get, &ctx] { runGet(server(*getServer), *get, ctx); });

  auto sendServer = std::make_shared<ServerArgs>();
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto* sendCmd = pacs->add_subcommand("send", "C-STORE DICOM files (folders recursively)");
  addServerOptions(sendCmd, *sendServer);
  sendCmd->add_option("inputs", *inputs, "DICOM files or folders")->required();
  sendCmd->callback([sendServer, inputs, &ctx] { runSend(server(*sendServer), *inputs, ctx); });
}

} // namespace vestige::app
