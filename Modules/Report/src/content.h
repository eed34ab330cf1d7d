#pragma once
// What the report says, independent of its form: the HTML and the PDF render the same tables, so they never disagree.
#include "vestige/planning/plan_result.h"

#include <cstddef>
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
  std::string patient; // "FAMILY, Given (ID ...)": printed on every page
  std::string verdict; // one line
  bool sufficient = false;
  bool provisional = false; // a warning stands or the sign-off is incomplete: shown amber, never a plain "sufficient"
  std::vector<std::string> warnings; // one line each, shown right under the verdict
  std::vector<Table> tables;
  std::vector<std::string> missingMetastases; // one line per flagged site
  std::vector<std::string> notes;
};

[[nodiscard]] Content buildContent(const planning::PlanSummary& summary, const std::vector<std::string>& exportNotes);

// Numbers as the report prints them, rounded for reading, thousands grouped with commas. Volumes (mL) and lengths
// (mm) to a whole unit, to 0.1 below 10; percentages to 0.1; Jacobians to 0.01; seconds to 1.
[[nodiscard]] std::string fixed(double value, int decimals);
[[nodiscard]] std::string grouped(double value, int decimals);
[[nodiscard]] double roundForReading(double value); // the value formatMl / formatMm print
[[nodiscard]] std::string formatMl(double ml);
[[nodiscard]] std::string formatMm(double mm);
[[nodiscard]] std::string formatPercent(double percent);
[[nodiscard]] std::string formatJacobian(double jacobian);
[[nodiscard]] std::string formatSeconds(double seconds);
[[nodiscard]] std::string formatCount(std::size_t n);

// A DICOM person name (PN) for reading: "DOE^JOHN^A^DR^JR" -> "DOE, DR JOHN A, JR"; empty components are dropped and
// only the alphabetic group (before any '=') is used.
[[nodiscard]] std::string formatPersonName(const std::string& dicomPersonName);

} // namespace vestige::report::detail
