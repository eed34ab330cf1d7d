#pragma once
// What the report says, independent of its form: the HTML and the PDF render the same tables, so they never disagree.
#include "vestige/planning/plan_result.h"

#include <string>
#include <vector>

namespace vestige::report::detail {

struct Table {
  std::string title;
  std::vector<std::string> header; // empty: a two-column key/value table
  std::vector<std::vector<std::string>> rows;
  std::vector<double> widths; // relative column widths for the PDF
  std::string note;
};

struct Content {
  std::string title;
  std::string subtitle;
  std::string verdict; // one line
  bool sufficient = false;
  std::vector<Table> tables;
  std::vector<std::string> missingMetastases; // one line per flagged site
  std::vector<std::string> notes;
};

[[nodiscard]] Content buildContent(const planning::PlanSummary& summary, const std::vector<std::string>& exportNotes);

[[nodiscard]] std::string fixed(double value, int decimals);

} // namespace vestige::report::detail
