#include "case_session.h"

#include "case_session_impl.h"

#include "vestige/core/error.h"

namespace fs = std::filesystem;

namespace vestige::viewer {

using core::Error;
using core::ErrorCode;

void CaseSession::save(const fs::path&, core::Progress*) {
  throw Error(ErrorCode::Unsupported, "not implemented yet", "save");
}
const std::optional<fs::path>& CaseSession::caseFile() const {
  return m_impl->caseFile;
}
void CaseSession::autosave(const fs::path&) const {
  throw Error(ErrorCode::Unsupported, "not implemented yet", "autosave");
}
std::optional<RecoveryInfo> CaseSession::findRecovery(const fs::path&) {
  return std::nullopt;
}
std::unique_ptr<CaseSession> CaseSession::recover(const fs::path&, core::Progress*) {
  throw Error(ErrorCode::Unsupported, "not implemented yet", "recover");
}
fs::path CaseSession::defaultAutosaveFolder() const {
  throw Error(ErrorCode::Unsupported, "not implemented yet", "autosave");
}
planning::CaseFile CaseSession::toCaseFile() const {
  throw Error(ErrorCode::Unsupported, "not implemented yet", "toCaseFile");
}

} // namespace vestige::viewer
