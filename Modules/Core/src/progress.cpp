#include "vestige/core/progress.h"

#include "vestige/core/error.h"

namespace vestige::core {

void throwIfCancelled(const Progress* progress) {
  if (progress && progress->cancelRequested())
    throw Error(ErrorCode::Cancelled, "stopped at the user's request");
}

void reportProgress(Progress* progress, std::string_view stage, double fraction) {
  if (!progress)
    return;
  throwIfCancelled(progress);
  progress->report(stage, fraction < 0.0 ? 0.0 : (fraction > 1.0 ? 1.0 : fraction));
}

void SubProgress::report(std::string_view stage, double fraction) {
  if (m_parent)
    m_parent->report(stage, m_begin + (m_end - m_begin) * fraction);
}

bool SubProgress::cancelRequested() const {
  return m_parent && m_parent->cancelRequested();
}

} // namespace vestige::core
