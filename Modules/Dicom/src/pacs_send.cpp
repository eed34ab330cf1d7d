// C-STORE of files and folders to a PACS.
#include "pacs_scu.h"

#include "dcmtk_util.h"

#include "vestige/core/file_util.h"

#include <map>
#include <set>

namespace vestige::dicom {

using core::Error;
using core::ErrorCode;

namespace {

namespace fs = std::filesystem;

struct Outgoing {
  fs::path file;
  std::string sopClassUid;
  std::string transferSyntaxUid;
  std::uintmax_t bytes = 0;
};

// The DICOM files among inputs (folders recursively, in path order); other files are skipped.
std::vector<Outgoing> dicomFiles(const std::vector<fs::path>& inputs) {
  std::vector<fs::path> candidates;
  for (const fs::path& input : inputs) {
    if (fs::is_directory(input)) {
      for (const auto& entry : fs::recursive_directory_iterator(input))
        if (entry.is_regular_file())
          candidates.push_back(entry.path());
    } else {
      core::requireReadable(input);
      candidates.push_back(input);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  std::vector<Outgoing> files;
  for (const fs::path& file : candidates) {
    DcmFileFormat ff;
    if (ff.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 256, ERM_fileOnly).bad())
      continue;
    Outgoing o{file, detail::getString(*ff.getDataset(), DCM_SOPClassUID),
               detail::getString(*ff.getMetaInfo(), DCM_TransferSyntaxUID), fs::file_size(file)};
    if (!o.sopClassUid.empty() && !o.transferSyntaxUid.empty())
      files.push_back(std::move(o));
  }
  return files;
}

} // namespace

PacsSendResult pacsSend(const PacsServer& server, const std::vector<fs::path>& inputs, core::Progress* progress) {
  const std::vector<Outgoing> files = dicomFiles(inputs);
  if (files.empty())
    throw Error(ErrorCode::NotFound, "no DICOM files to send", inputs.empty() ? "" : inputs.front().string());
  core::throwIfCancelled(progress);
  // One presentation context per SOP class and stored transfer syntax, each also offering uncompressed.
  std::map<std::string, std::set<std::string>> syntaxes;
  for (const Outgoing& o : files)
    syntaxes[o.sopClassUid].insert(o.transferSyntaxUid);
  detail::PacsAssociation a(server, "C-STORE");
  for (const auto& [sopClass, stored] : syntaxes)
    for (const std::string& ts : stored) {
      OFList<OFString> offer;
      offer.push_back(ts.c_str());
      for (const OFString& u : detail::uncompressedTransferSyntaxes())
        if (u != ts.c_str())
          offer.push_back(u);
      a.addContext(sopClass, offer);
    }
  a.scu().setDatasetConversionMode(OFTrue);
  a.connect();
  PacsSendResult result;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (progress && progress->cancelRequested()) {
      a.abort();
      throw Error(ErrorCode::Cancelled,
                  "sending cancelled after " + std::to_string(result.sent) + " of " + std::to_string(files.size()) +
                      " instances",
                  a.name());
    }
    const Outgoing& o = files[i];
    T_ASC_PresentationContextID id = a.contextFor(o.sopClassUid, o.transferSyntaxUid);
    if (id == 0) {
      result.failures.push_back(o.file.string() + ": the server accepts no transfer syntax for " +
                                dcmFindNameOfUID(o.sopClassUid.c_str(), o.sopClassUid.c_str()));
      continue;
    }
    Uint16 status = 0;
    const OFCondition cond = a.scu().sendSTORERequest(id, o.file.c_str(), nullptr, status);
    if (cond.bad())
      throw a.failure(cond, "C-STORE of " + o.file.string() + " (" + std::to_string(result.sent) + " of " +
                                std::to_string(files.size()) + " instances were stored)");
    if (status == STATUS_Success || DICOM_WARNING_STATUS(status)) {
      ++result.sent;
      result.bytes += o.bytes;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "%04x", static_cast<unsigned>(status));
      result.failures.push_back(o.file.string() + ": refused by the server (status 0x" + hex + ")");
    }
    if (progress)
      progress->report("sending", static_cast<double>(i + 1) / static_cast<double>(files.size()));
  }
  a.release();
  return result;
}

} // namespace vestige::dicom
