#pragma once
// Private: one DICOM association with a PACS over DCMTK's DcmSCU (plain TCP) or DcmTLSSCU (DICOM TLS), with
// Vestige's timeouts, cancellation and error translation. Never exposed in public headers.
#include "vestige/core/error.h"
#include "vestige/core/progress.h"
#include "vestige/dicom/pacs.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmnet/scu.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vestige::dicom::detail {

// Transfer syntaxes Vestige proposes for storage: uncompressed first, then every compression the readers decode.
[[nodiscard]] OFList<OFString> storageTransferSyntaxes();
[[nodiscard]] OFList<OFString> uncompressedTransferSyntaxes();

// What a received C-STORE does (C-GET sub-operations): the file that was written, or a request to stop.
struct StoreHooks {
  std::function<void(const std::string& file)> stored;
  std::function<bool()> cancelRequested;
  std::function<void(const OFCondition&)> failed; // receiving an instance failed (DCMTK goes on to report success)
};

class PacsAssociation {
public:
  PacsAssociation(const PacsServer& server, const std::string& purpose);
  ~PacsAssociation();
  PacsAssociation(const PacsAssociation&) = delete;
  PacsAssociation& operator=(const PacsAssociation&) = delete;

  void addContext(const std::string& abstractSyntax, const OFList<OFString>& syntaxes, bool storageScpRole = false);
  // Negotiates the association; throws Network (unreachable, timeout, TLS failure) or PermissionDenied (rejected).
  void connect();
  // The accepted presentation context for abstractSyntax; throws Unsupported when the server accepted none.
  [[nodiscard]] T_ASC_PresentationContextID context(const std::string& abstractSyntax) const;
  [[nodiscard]] T_ASC_PresentationContextID contextFor(const std::string& abstractSyntax,
                                                       const std::string& transferSyntax) const;
  [[nodiscard]] DcmSCU& scu() { return *m_scu; }

  // C-GET into folder (bit-preserving, one file per SOP instance named by its UID).
  void setStorage(const std::string& folder, StoreHooks hooks);

  // Throws an Error naming the server and what failed unless cond is good.
  void check(const OFCondition& cond, const std::string& what) const;
  [[nodiscard]] core::Error failure(const OFCondition& cond, const std::string& what) const;
  [[nodiscard]] const std::string& name() const noexcept { return m_name; }

  void release();
  void abort();

private:
  std::string m_name;
  std::string m_purpose;
  std::unique_ptr<DcmSCU> m_scu;
  bool m_tls = false;
  std::string m_aeTitle;
  std::string m_callingAeTitle;
  unsigned m_connectTimeout = 0;
  unsigned m_responseTimeout = 0;
};

struct InstanceRef {
  std::string sopInstanceUid;
  std::string sopClassUid;
};

[[nodiscard]] std::unique_ptr<PacsAssociation> openFind(const PacsServer& server, const std::string& purpose);
[[nodiscard]] std::vector<std::unique_ptr<DcmDataset>> runFind(PacsAssociation& association, DcmDataset& keys,
                                                               const std::string& what);
[[nodiscard]] std::vector<PacsSeriesInfo> findSeries(PacsAssociation& association, const std::string& studyUid);
[[nodiscard]] std::vector<InstanceRef> findInstances(PacsAssociation& association, const std::string& studyUid,
                                                     const std::string& seriesUid);

// Throws when a DIMSE status is an error or refusal (C-FIND/C-GET/C-MOVE final status), naming the server.
void checkDimseStatus(const PacsAssociation& association, Uint16 status, const std::string& what);

} // namespace vestige::dicom::detail
