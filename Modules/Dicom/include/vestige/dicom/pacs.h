#pragma once
// DICOM networking with a PACS (Documentation/pacs.md): C-ECHO, C-FIND (study and series levels), retrieval by
// C-GET or by C-MOVE to a storage SCP that Vestige runs itself, and C-STORE. Optional DICOM TLS. Every failure is
// a core::Error naming the server ("AET@host:port") and what failed: unreachable, timed out or connection lost
// (ErrorCode::Network), association rejected (PermissionDenied), nothing matched (NotFound), cancelled.
// Patient names and IDs are never put into error messages; the caller decides whether to print them.
#include "vestige/core/progress.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vestige::dicom {

struct PacsServer {
  std::string name;    // the name in pacs.json (empty for a server given as AET@HOST:PORT)
  std::string aeTitle; // called AE title
  std::string host;
  unsigned port = 104;
  std::string callingAeTitle = "VESTIGE"; // Vestige's own AE title, as registered on the server
  bool tls = false;
  std::filesystem::path tlsCertificate;         // PEM: Vestige's certificate (optional: only if the server asks for it)
  std::filesystem::path tlsPrivateKey;          // PEM: its private key (unencrypted)
  std::filesystem::path tlsTrustedCertificates; // PEM file (or folder of PEM files) of certificates trusted
  bool tlsVerifyServer = true;                  // refuse a server whose certificate is not trusted
  unsigned connectTimeoutSeconds = 10;          // TCP connect and association negotiation
  unsigned responseTimeoutSeconds = 20;         // every DIMSE response and every received PDU
};

// "AET@HOST:PORT", e.g. "ORTHANC@127.0.0.1:4242", as used in messages.
[[nodiscard]] std::string describe(const PacsServer& server);

// $XDG_CONFIG_HOME/vestige/pacs.json, else ~/.config/vestige/pacs.json.
[[nodiscard]] std::filesystem::path defaultPacsConfigFile();
// The named servers of a pacs.json (format in Documentation/pacs.md); relative certificate paths are taken from
// the file's folder. A missing file gives no servers.
[[nodiscard]] std::vector<PacsServer> readPacsConfig(const std::filesystem::path& file);
// A server given as AET@HOST[:PORT] or as a name of the configuration file (NotFound listing the names).
[[nodiscard]] PacsServer resolvePacsServer(const std::string& nameOrAddress, const std::filesystem::path& configFile);

// C-ECHO: throws unless the server answers.
void pacsEcho(const PacsServer& server);

struct PacsQuery {
  std::string patientId;
  std::string patientName; // DICOM wildcards * and ? allowed
  std::string accessionNumber;
  std::string modality;  // e.g. CT or MR: studies with a series of this modality
  std::string dateRange; // StudyDate: YYYYMMDD, YYYYMMDD-YYYYMMDD, -YYYYMMDD or YYYYMMDD-
  std::string studyUid;
};

struct PacsSeriesInfo {
  std::string seriesUid;
  int seriesNumber = 0;
  std::string modality;
  std::string description;
  std::string date;  // SeriesDate as YYYY-MM-DD (may be empty)
  int instances = 0; // NumberOfSeriesRelatedInstances
};

struct PacsStudyInfo {
  std::string studyUid;
  std::string date; // YYYY-MM-DD
  std::string description;
  std::string accessionNumber;
  std::string patientId;
  std::string patientName;
  std::vector<PacsSeriesInfo> series;
};

// Studies matching the query, each with its series (a series-level C-FIND per study), sorted by date then UID.
[[nodiscard]] std::vector<PacsStudyInfo> pacsFind(const PacsServer& server, const PacsQuery& query,
                                                  core::Progress* progress = nullptr);

struct PacsRetrieveOptions {
  std::string studyUid;
  std::vector<std::string> seriesUids; // empty: every series of the study
  bool move = false;                   // C-MOVE to Vestige's own storage SCP instead of C-GET
  unsigned movePort = 0;               // the port Vestige listens on for C-MOVE (the server knows it)
};

struct PacsSeriesRetrieved {
  std::string seriesUid;
  std::filesystem::path folder; // OUT/<SeriesInstanceUID>
  std::size_t instances = 0;
  std::uintmax_t bytes = 0;
  bool alreadyPresent = false; // every SOP instance was already in the folder: nothing fetched
};

struct PacsRetrieveResult {
  std::vector<PacsSeriesRetrieved> series;
  std::uintmax_t bytesReceived = 0;
  double seconds = 0.0; // wall time of the transfers
};

// Retrieves into out/<SeriesInstanceUID>/ one series at a time: the files go to a hidden folder in out and are
// renamed into place only when the server reports the series complete, so a failure or Ctrl-C never leaves a
// half series. A series whose SOP instance UIDs are all already in out/<SeriesInstanceUID>/ is not fetched again.
[[nodiscard]] PacsRetrieveResult pacsRetrieve(const PacsServer& server, const PacsRetrieveOptions& options,
                                              const std::filesystem::path& out, core::Progress* progress = nullptr);

struct PacsSendResult {
  std::size_t sent = 0;
  std::uintmax_t bytes = 0;
  std::vector<std::string> failures; // "file: reason" for each instance the server refused
};

// C-STORE of every DICOM file (folders are searched recursively; files that are not DICOM are skipped). Throws
// when the association cannot be made or is lost; instances refused one by one are listed in failures.
[[nodiscard]] PacsSendResult pacsSend(const PacsServer& server, const std::vector<std::filesystem::path>& inputs,
                                      core::Progress* progress = nullptr);

} // namespace vestige::dicom
