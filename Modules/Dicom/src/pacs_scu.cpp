#include "pacs_scu.h"

#include "dcmtk_util.h"

#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmtls/tlsscu.h>

namespace vestige::dicom::detail {

using core::Error;
using core::ErrorCode;

namespace {

// DcmSCU (or DcmTLSSCU) that stores C-GET sub-operations straight to disk, reports each file, and refuses the
// next one once cancellation was requested (the caller then aborts the association).
template <class Base> class Scu final : public Base {
public:
  StoreHooks hooks;

  OFCondition handleSTORERequestFile(T_ASC_PresentationContextID* presID, const OFString& filename,
                                     T_DIMSE_C_StoreRQ* request) override {
    if (hooks.cancelRequested && hooks.cancelRequested())
      return DIMSE_READPDVFAILED; // ends the C-GET session; the caller sees the cancellation and aborts
    const OFCondition cond = Base::handleSTORERequestFile(presID, filename, request);
    if (cond.bad() && hooks.failed)
      hooks.failed(cond);
    return cond;
  }

  void notifyInstanceStored(const OFString& filename, const OFString&, const OFString&) const override {
    if (hooks.stored)
      hooks.stored(filename.c_str());
  }
};

std::unique_ptr<DcmSCU> makeScu(const PacsServer& server) {
  if (!server.tls)
    return std::make_unique<Scu<DcmSCU>>();
  auto scu = std::make_unique<Scu<DcmTLSSCU>>();
  if (!server.tlsTrustedCertificates.empty()) {
    if (std::filesystem::is_directory(server.tlsTrustedCertificates))
      scu->addTrustedCertDir(server.tlsTrustedCertificates.c_str());
    else
      scu->addTrustedCertFile(server.tlsTrustedCertificates.c_str());
  }
  if (!server.tlsCertificate.empty())
    scu->enableAuthentication(server.tlsPrivateKey.c_str(), server.tlsCertificate.c_str());
  else
    scu->disableAuthentication();
  scu->setPeerCertVerification(server.tlsVerifyServer ? DCV_requireCertificate : DCV_ignoreCertificate);
  return scu;
}

void setHooks(DcmSCU& scu, bool tls, StoreHooks hooks) {
  if (tls)
    static_cast<Scu<DcmTLSSCU>&>(scu).hooks = std::move(hooks);
  else
    static_cast<Scu<DcmSCU>&>(scu).hooks = std::move(hooks);
}

bool lostConnection(const OFCondition& cond) {
  return cond == DUL_PEERABORTEDASSOCIATION || cond == DUL_PEERREQUESTEDRELEASE || cond == DUL_NETWORKCLOSED ||
         cond == DUL_READTIMEOUT || cond == DIMSE_READPDVFAILED || cond == DIMSE_SENDFAILED ||
         cond == DIMSE_RECEIVEFAILED || cond == DUL_ILLEGALPDU || cond == DIMSE_ILLEGALASSOCIATION;
}

} // namespace

OFList<OFString> uncompressedTransferSyntaxes() {
  OFList<OFString> s;
  s.push_back(UID_LittleEndianExplicitTransferSyntax);
  s.push_back(UID_LittleEndianImplicitTransferSyntax);
  return s;
}

OFList<OFString> storageTransferSyntaxes() {
  OFList<OFString> s = uncompressedTransferSyntaxes();
  for (const char* uid :
       {UID_JPEGProcess14SV1TransferSyntax, UID_JPEGProcess14TransferSyntax, UID_JPEGProcess1TransferSyntax,
        UID_JPEGProcess2_4TransferSyntax, UID_JPEGLSLosslessTransferSyntax, UID_JPEGLSLossyTransferSyntax,
        UID_RLELosslessTransferSyntax, UID_JPEG2000LosslessOnlyTransferSyntax, UID_JPEG2000TransferSyntax,
        UID_DeflatedExplicitVRLittleEndianTransferSyntax, UID_BigEndianExplicitTransferSyntax})
    s.push_back(uid);
  return s;
}

PacsAssociation::PacsAssociation(const PacsServer& server, const std::string& purpose)
    : m_name("PACS " + describe(server) + " (calling AE title " + server.callingAeTitle + ")"), m_purpose(purpose),
      m_scu(makeScu(server)) {
  silenceDcmtkLog();
  m_scu->setAETitle(server.callingAeTitle.c_str());
  m_scu->setPeerAETitle(server.aeTitle.c_str());
  m_scu->setPeerHostName(server.host.c_str());
  m_scu->setPeerPort(static_cast<Uint16>(server.port));
  m_scu->setConnectionTimeout(static_cast<Sint32>(server.connectTimeoutSeconds));
  m_scu->setACSETimeout(server.connectTimeoutSeconds);
  // Non-blocking DIMSE: the response timeout applies to every message and PDU, so a server that stops
  // answering (or is killed) ends the operation after at most that long instead of hanging.
  m_scu->setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  m_scu->setDIMSETimeout(server.responseTimeoutSeconds);
  m_scu->setMaxReceivePDULength(ASC_MAXIMUMPDUSIZE);
  m_tls = server.tls;
  m_aeTitle = server.aeTitle;
  m_callingAeTitle = server.callingAeTitle;
  m_connectTimeout = server.connectTimeoutSeconds;
  m_responseTimeout = server.responseTimeoutSeconds;
}

PacsAssociation::~PacsAssociation() {
  if (m_scu->isConnected())
    m_scu->abortAssociation();
}

void PacsAssociation::addContext(const std::string& abstractSyntax, const OFList<OFString>& syntaxes,
                                 bool storageScpRole) {
  m_scu->addPresentationContext(abstractSyntax.c_str(), syntaxes,
                                storageScpRole ? ASC_SC_ROLE_SCP : ASC_SC_ROLE_DEFAULT);
}

void PacsAssociation::connect() {
  check(m_scu->initNetwork(), "setting up the network");
  const OFCondition cond = m_scu->negotiateAssociation();
  if (cond.bad())
    throw failure(cond, "association");
}

T_ASC_PresentationContextID PacsAssociation::context(const std::string& abstractSyntax) const {
  const T_ASC_PresentationContextID id = m_scu->findAnyPresentationContextID(abstractSyntax.c_str(), "");
  if (id == 0)
    throw Error(ErrorCode::Unsupported,
                m_purpose + ": the server does not offer " + std::string(dcmFindNameOfUID(abstractSyntax.c_str(), "?")),
                m_name);
  return id;
}

T_ASC_PresentationContextID PacsAssociation::contextFor(const std::string& abstractSyntax,
                                                        const std::string& transferSyntax) const {
  return m_scu->findAnyPresentationContextID(abstractSyntax.c_str(), transferSyntax.c_str());
}

void PacsAssociation::setStorage(const std::string& folder, StoreHooks hooks) {
  m_scu->setStorageDir(folder.c_str());
  m_scu->setStorageMode(DCMSCU_STORAGE_BIT_PRESERVING);
  setHooks(*m_scu, m_tls, std::move(hooks));
}

core::Error PacsAssociation::failure(const OFCondition& cond, const std::string& what) const {
  const std::string detail = cond.text();
  if (cond == DUL_ASSOCIATIONREJECTED)
    return Error(ErrorCode::PermissionDenied,
                 m_purpose + ": the server rejected the association: check that the server's AE title is " + m_aeTitle +
                     " and that the calling AE title " + m_callingAeTitle +
                     " is registered on it (with this computer's address)",
                 m_name);
  if (cond == DIMSE_NODATAAVAILABLE || cond == DUL_READTIMEOUT)
    return Error(ErrorCode::Network,
                 m_purpose + ": " + what + ": no answer within " + std::to_string(m_responseTimeout) + " s", m_name);
  if (what == "association") {
    std::string hint = m_tls ? " (the server may not offer DICOM TLS on this port, or its certificate is not trusted)"
                             : " (is the server running, and does it require DICOM TLS?)";
    return Error(ErrorCode::Network, m_purpose + ": cannot connect: " + detail + hint, m_name);
  }
  if (lostConnection(cond))
    return Error(ErrorCode::Network, m_purpose + ": " + what + ": the connection was lost (" + detail + ")", m_name);
  return Error(ErrorCode::Network, m_purpose + ": " + what + " failed: " + detail, m_name);
}

void PacsAssociation::check(const OFCondition& cond, const std::string& what) const {
  if (cond.bad())
    throw failure(cond, what);
}

void PacsAssociation::release() {
  if (m_scu->isConnected())
    m_scu->releaseAssociation();
}

void PacsAssociation::abort() {
  if (m_scu->isConnected())
    m_scu->abortAssociation();
}

void checkDimseStatus(const PacsAssociation& association, Uint16 status, const std::string& what) {
  if (status == STATUS_Success || DICOM_PENDING_STATUS(status) || DICOM_WARNING_STATUS(status))
    return;
  char hex[8];
  std::snprintf(hex, sizeof hex, "%04x", static_cast<unsigned>(status));
  const ErrorCode code = status == 0x0124   ? ErrorCode::PermissionDenied
                         : status == 0xa801 ? ErrorCode::InvalidArgument
                         : status == 0xfe00 ? ErrorCode::Cancelled
                                            : ErrorCode::Network;
  std::string reason = status == 0x0124   ? "not authorized"
                       : status == 0xa801 ? "move destination unknown: register the calling AE title with its host "
                                            "and port on the server"
                       : status == 0x0122 ? "SOP class not supported"
                                          : "the server reported status 0x" + std::string(hex);
  throw Error(code, what + ": " + reason, association.name());
}

} // namespace vestige::dicom::detail
