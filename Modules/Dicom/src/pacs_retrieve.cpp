// Retrieval: C-GET (the instances come back on Vestige's own association) or C-MOVE to a storage SCP that Vestige
// runs for the duration of the move. One series at a time into a hidden folder, renamed into place when complete.
#include "pacs_scu.h"

#include "dcmtk_util.h"

#include "vestige/core/file_util.h"

#include <dcmtk/dcmnet/dstorscp.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include <unistd.h>

namespace vestige::dicom {

using core::Error;
using core::ErrorCode;

namespace {

namespace fs = std::filesystem;

// The hidden folder a series is received into; removed unless the series was moved into place.
class ReceiveFolder {
public:
  ReceiveFolder(const fs::path& out, const std::string& seriesUid)
      : m_path(out / (".vestige-get-" + std::to_string(::getpid()) + "-" + seriesUid)) {
    std::error_code ec;
    fs::remove_all(m_path, ec);
    core::createFolder(m_path);
  }
  ~ReceiveFolder() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  ReceiveFolder(const ReceiveFolder&) = delete;
  ReceiveFolder& operator=(const ReceiveFolder&) = delete;
  [[nodiscard]] const fs::path& path() const { return m_path; }

private:
  fs::path m_path;
};

std::string sopInstanceUidOf(const fs::path& file) {
  DcmFileFormat ff;
  if (ff.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 256, ERM_autoDetect).bad())
    return {};
  return detail::getString(*ff.getDataset(), DCM_SOPInstanceUID);
}

// SOP instance UIDs of the DICOM files directly in folder.
std::set<std::string> instancesIn(const fs::path& folder) {
  std::set<std::string> uids;
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    return uids;
  for (const auto& entry : fs::directory_iterator(folder, ec))
    if (entry.is_regular_file())
      if (std::string uid = sopInstanceUidOf(entry.path()); !uid.empty())
        uids.insert(std::move(uid));
  return uids;
}

std::uintmax_t bytesIn(const fs::path& folder) {
  std::uintmax_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.is_regular_file())
      bytes += entry.file_size();
  return bytes;
}

// Moves the received series into place: a new folder by one rename; into an existing folder file by file (the
// files it already holds stay).
void putInPlace(const fs::path& received, const fs::path& target) {
  std::error_code ec;
  if (!fs::exists(target)) {
    fs::rename(received, target, ec);
    if (ec)
      throw Error(ErrorCode::Io, "cannot rename " + received.string() + " into place: " + ec.message(),
                  target.string());
    return;
  }
  for (const auto& entry : fs::directory_iterator(received)) {
    fs::rename(entry.path(), target / entry.path().filename(), ec);
    if (ec)
      throw Error(ErrorCode::Io, "cannot move a received file into place: " + ec.message(), target.string());
  }
}

DcmDataset retrieveKeys(const std::string& studyUid, const std::string& seriesUid) {
  DcmDataset keys;
  keys.putAndInsertString(DCM_QueryRetrieveLevel, "SERIES");
  keys.putAndInsertString(DCM_StudyInstanceUID, studyUid.c_str());
  keys.putAndInsertString(DCM_SeriesInstanceUID, seriesUid.c_str());
  return keys;
}

std::set<std::string> sopClassesOf(const std::vector<detail::InstanceRef>& instances) {
  std::set<std::string> classes;
  for (const auto& i : instances)
    if (!i.sopClassUid.empty())
      classes.insert(i.sopClassUid);
  return classes;
}

// Checks the final C-GET / C-MOVE response: success, and no sub-operation failed.
void checkFinal(const detail::PacsAssociation& a, OFList<RetrieveResponse*>& responses, const std::string& what) {
  Uint16 status = STATUS_Success;
  Uint16 failed = 0;
  bool final = false;
  for (RetrieveResponse* r : responses) {
    status = r->m_status;
    failed = r->m_numberOfFailedSubops;
    final = !DICOM_PENDING_STATUS(r->m_status);
  }
  for (RetrieveResponse* r : responses)
    delete r;
  responses.clear();
  if (!final)
    throw Error(ErrorCode::Network, what + ": the server ended without a final response", a.name());
  if (failed > 0)
    throw Error(ErrorCode::Network, what + ": " + std::to_string(failed) + " instance(s) could not be sent", a.name());
  detail::checkDimseStatus(a, status, what);
}

struct SeriesJob {
  const PacsServer& server;
  const PacsRetrieveOptions& options;
  const std::string& seriesUid;
  const std::vector<detail::InstanceRef>& instances;
  const fs::path& folder;
  std::function<void()> onStored;
  core::Progress* progress;
};

void getSeries(const SeriesJob& job) {
  const std::string what = "C-GET of series " + job.seriesUid;
  detail::PacsAssociation a(job.server, "C-GET");
  a.addContext(UID_GETStudyRootQueryRetrieveInformationModel, detail::uncompressedTransferSyntaxes());
  for (const std::string& sopClass : sopClassesOf(job.instances))
    a.addContext(sopClass, detail::storageTransferSyntaxes(), true);
  bool cancelled = false;
  OFCondition receiveFailure = EC_Normal;
  a.setStorage(job.folder.string(), {[&](const std::string&) { job.onStored(); },
                                     [&] { return cancelled = job.progress && job.progress->cancelRequested(); },
                                     [&](const OFCondition& c) { receiveFailure = c; }});
  a.connect();
  DcmDataset keys = retrieveKeys(job.options.studyUid, job.seriesUid);
  OFList<RetrieveResponse*> responses;
  const OFCondition cond =
      a.scu().sendCGETRequest(a.context(UID_GETStudyRootQueryRetrieveInformationModel), &keys, &responses);
  if (cancelled || (job.progress && job.progress->cancelRequested())) {
    for (RetrieveResponse* r : responses)
      delete r;
    a.abort();
    throw Error(ErrorCode::Cancelled, "retrieval cancelled; nothing of series " + job.seriesUid + " was kept",
                a.name());
  }
  if (cond.bad() || receiveFailure.bad()) {
    for (RetrieveResponse* r : responses)
      delete r;
    a.abort();
    throw a.failure(receiveFailure.bad() ? receiveFailure : cond, what);
  }
  checkFinal(a, responses, what);
  a.release();
}

// The storage SCP that receives a C-MOVE: listens on the given port until told to stop.
class MoveReceiver final : public DcmStorageSCP {
public:
  std::atomic<bool> stop{false};
  std::function<void()> onStored;
  std::function<bool()> cancelRequested;

  OFBool stopAfterConnectionTimeout() override { return stop.load(); }
  OFBool stopAfterCurrentAssociation() override { return stop.load(); }
  Uint16 checkAndProcessSTORERequest(const T_DIMSE_C_StoreRQ& request, DcmFileFormat& file) override {
    if (cancelRequested && cancelRequested())
      return STATUS_STORE_Refused_OutOfResources;
    return DcmStorageSCP::checkAndProcessSTORERequest(request, file);
  }
  void notifyInstanceStored(const OFString&, const OFString&, const OFString&, DcmDataset*) const override {
    if (onStored)
      onStored();
  }
};

void moveSeries(const SeriesJob& job) {
  const std::string what = "C-MOVE of series " + job.seriesUid + " to " + job.server.callingAeTitle + " (port " +
                           std::to_string(job.options.movePort) + ")";
  MoveReceiver receiver;
  receiver.onStored = job.onStored;
  receiver.cancelRequested = [&] { return job.progress && job.progress->cancelRequested(); };
  receiver.setOutputDirectory(job.folder.c_str());
  receiver.setFilenameGenerationMode(DcmStorageSCP::FGM_SOPInstanceUID);
  receiver.setDirectoryGenerationMode(DcmStorageSCP::DGM_NoSubdirectory);
  DcmSCPConfig& config = receiver.getConfig();
  config.setPort(static_cast<Uint16>(job.options.movePort));
  config.setAETitle(job.server.callingAeTitle.c_str());
  config.setConnectionBlockingMode(DUL_NOBLOCK);
  config.setConnectionTimeout(1); // how often the listener looks whether it should stop
  config.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  config.setDIMSETimeout(job.server.responseTimeoutSeconds);
  config.setACSETimeout(job.server.connectTimeoutSeconds);
  config.setHostLookupEnabled(OFFalse);
  for (const std::string& sopClass : sopClassesOf(job.instances))
    config.addPresentationContext(sopClass.c_str(), detail::storageTransferSyntaxes());
  if (const OFCondition cond = receiver.openListenPort(); cond.bad())
    throw Error(ErrorCode::InvalidArgument,
                "cannot listen on port " + std::to_string(job.options.movePort) + " for C-MOVE: " + cond.text(),
                "--port");
  std::thread listener([&receiver] { (void)receiver.acceptAssociations(); });
  struct Join {
    MoveReceiver& r;
    std::thread& t;
    ~Join() {
      r.stop = true;
      t.join();
    }
  } join{receiver, listener};

  detail::PacsAssociation a(job.server, "C-MOVE");
  a.addContext(UID_MOVEStudyRootQueryRetrieveInformationModel, detail::uncompressedTransferSyntaxes());
  a.connect();
  DcmDataset keys = retrieveKeys(job.options.studyUid, job.seriesUid);
  OFList<RetrieveResponse*> responses;
  const OFCondition cond = a.scu().sendMOVERequest(a.context(UID_MOVEStudyRootQueryRetrieveInformationModel),
                                                   job.server.callingAeTitle.c_str(), &keys, &responses);
  if (job.progress && job.progress->cancelRequested()) {
    for (RetrieveResponse* r : responses)
      delete r;
    a.abort();
    throw Error(ErrorCode::Cancelled, "retrieval cancelled; nothing of series " + job.seriesUid + " was kept",
                a.name());
  }
  if (cond.bad()) {
    for (RetrieveResponse* r : responses)
      delete r;
    throw a.failure(cond, what);
  }
  checkFinal(a, responses, what);
  a.release();
}

} // namespace

PacsRetrieveResult pacsRetrieve(const PacsServer& server, const PacsRetrieveOptions& options, const fs::path& out,
                                core::Progress* progress) {
  if (options.studyUid.empty())
    throw Error(ErrorCode::InvalidArgument, "a study UID is required", "--study");
  if (options.move && options.movePort == 0)
    throw Error(ErrorCode::InvalidArgument, "C-MOVE needs the port Vestige listens on (--port)", "--port");
  core::throwIfCancelled(progress);
  core::createFolder(out);

  // What to fetch, and every SOP instance of it, before any transfer.
  auto finder = detail::openFind(server, "C-FIND");
  const std::vector<PacsSeriesInfo> available = detail::findSeries(*finder, options.studyUid);
  if (available.empty())
    throw Error(ErrorCode::NotFound, "no study " + options.studyUid + " on the server", finder->name());
  std::vector<std::string> wanted = options.seriesUids;
  if (wanted.empty())
    for (const auto& s : available)
      wanted.push_back(s.seriesUid);
  std::vector<std::vector<detail::InstanceRef>> instances;
  for (const std::string& uid : wanted) {
    if (std::none_of(available.begin(), available.end(), [&](const PacsSeriesInfo& s) { return s.seriesUid == uid; }))
      throw Error(ErrorCode::NotFound, "no series " + uid + " in study " + options.studyUid + " on the server",
                  finder->name());
    instances.push_back(detail::findInstances(*finder, options.studyUid, uid));
  }
  finder->release();

  std::size_t total = 0;
  for (const auto& list : instances)
    total += list.size();
  std::size_t done = 0;
  PacsRetrieveResult result;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    core::throwIfCancelled(progress);
    PacsSeriesRetrieved series;
    series.seriesUid = wanted[i];
    series.folder = out / wanted[i];
    series.instances = instances[i].size();
    const std::set<std::string> present = instancesIn(series.folder);
    if (std::all_of(instances[i].begin(), instances[i].end(),
                    [&](const detail::InstanceRef& r) { return present.count(r.sopInstanceUid) > 0; })) {
      series.alreadyPresent = true;
      done += instances[i].size();
      result.series.push_back(std::move(series));
      continue;
    }
    ReceiveFolder folder(out, wanted[i]);
    const std::string stage = "retrieving series " + std::to_string(i + 1) + "/" + std::to_string(wanted.size());
    // The hook only counts and reports: cancellation is polled by the receiving code, which then aborts cleanly.
    const SeriesJob job{server,
                        options,
                        wanted[i],
                        instances[i],
                        folder.path(),
                        [&] {
                          ++done;
                          if (progress)
                            progress->report(stage, static_cast<double>(done) / static_cast<double>(total));
                        },
                        progress};
    if (options.move)
      moveSeries(job);
    else
      getSeries(job);
    const std::set<std::string> received = instancesIn(folder.path());
    std::size_t missing = 0;
    for (const auto& r : instances[i])
      missing += received.count(r.sopInstanceUid) == 0 ? 1 : 0;
    if (missing > 0)
      throw Error(ErrorCode::Network,
                  "series " + wanted[i] + ": the server reported the retrieval complete but " +
                      std::to_string(missing) + " of " + std::to_string(instances[i].size()) +
                      " instances did not arrive; nothing of it was kept",
                  "PACS " + describe(server));
    series.bytes = bytesIn(folder.path());
    result.bytesReceived += series.bytes;
    putInPlace(folder.path(), series.folder);
    result.series.push_back(std::move(series));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

} // namespace vestige::dicom
