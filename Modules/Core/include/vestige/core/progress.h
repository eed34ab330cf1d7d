#pragma once
// Progress and cancellation for long work. Libraries take a `Progress*` (may be null) and report
// (stage, fraction in [0,1]); the CLI draws a bar on a terminal and plain lines otherwise, and sets the cancel
// flag on Ctrl-C. A library that sees cancelRequested() stops at the next safe point by throwing
// Error(ErrorCode::Cancelled), leaving no half-written output.
#include <string>
#include <string_view>

namespace vestige::core {

class Progress {
public:
  virtual ~Progress() = default;
  virtual void report(std::string_view stage, double fraction) = 0;
  [[nodiscard]] virtual bool cancelRequested() const { return false; }
};

// Reports to progress (if any) and throws Error(Cancelled) when cancellation was requested.
void reportProgress(Progress* progress, std::string_view stage, double fraction);
// Throws Error(Cancelled) when cancellation was requested.
void throwIfCancelled(const Progress* progress);

// Maps a sub-task's [0,1] onto [begin,end] of a parent's progress, keeping the stage name of the sub-task.
class SubProgress final : public Progress {
public:
  SubProgress(Progress* parent, double begin, double end) : m_parent(parent), m_begin(begin), m_end(end) {}
  void report(std::string_view stage, double fraction) override;
  [[nodiscard]] bool cancelRequested() const override;

private:
  Progress* m_parent;
  double m_begin;
  double m_end;
};

} // namespace vestige::core
