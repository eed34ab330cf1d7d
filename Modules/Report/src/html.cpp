// report.html: one self-contained file (inline CSS, PNGs as base64 data URIs) that opens anywhere, offline.
#include "content.h"

#include "vestige/core/error.h"
#include "vestige/report/report.h"

#include <fstream>
#include <sstream>

namespace vestige::report {

namespace {

// Printing (A4): no tinted backgrounds (they print grey or not at all), flagged rows and the verdict marked by
// borders and weight instead; figures, table rows and boxes kept whole; headings kept with what follows; table
// headers repeated on each page (thead); the pictures two to a row.
constexpr const char* kPrintStyle =
    "@media print{\n"
    "@page{size:A4;margin:15mm 12mm 16mm 12mm}\n"
    "body{max-width:none;margin:0;font-size:9pt;color:#000}\n"
    "*{background:none !important;box-shadow:none !important}\n"
    "thead{display:table-header-group}tr,figure,.verdict,.limits{break-inside:avoid;page-break-inside:avoid}\n"
    "h1,h2{break-after:avoid;page-break-after:avoid}\n"
    "th{border-bottom:2px solid #000}tr.flag td{border:2px solid #000;color:#000}\n"
    ".verdict{border:2px solid #000}.bad{border-width:3px}.provisional{border-style:dashed}\n"
    ".limits{border:1px solid #000}.missing{color:#000}\n"
    ".grid{display:block}figure{display:inline-block;width:48%;margin:0 1% 8px 0;vertical-align:top}\n"
    "}\n";

std::string escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += ch;
    }
  }
  return out;
}

std::string base64(const std::string& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size())
      v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? table[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string readBytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw core::Error(core::ErrorCode::NotFound, "cannot read image for the report", file.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void table(std::ostringstream& h, const detail::Table& t) {
  h << "<h2>" << escape(t.title) << "</h2>\n<table>";
  if (!t.header.empty()) {
    // In a <thead> the header row is repeated on every printed page the table spans.
    h << "<thead><tr>";
    for (const auto& cell : t.header)
      h << "<th>" << escape(cell) << "</th>";
    h << "</tr></thead>";
  }
  h << "<tbody>";
  for (const auto& row : t.rows) {
    const bool flagged = !row.empty() && row.back() == "MISSING METASTASIS";
    h << (flagged ? "<tr class=\"flag\">" : "<tr>");
    for (std::size_t c = 0; c < row.size(); ++c)
      h << (t.header.empty() && c == 0 ? "<th>" : "<td>") << escape(row[c])
        << (t.header.empty() && c == 0 ? "</th>" : "</td>");
    h << "</tr>";
  }
  h << "</tbody></table>\n";
  if (!t.note.empty())
    h << "<p class=\"note\">" << escape(t.note) << "</p>\n";
}

} // namespace

std::string reportHtml(const planning::PlanSummary& summary, const std::vector<ReportImage>& images,
                       const std::vector<std::string>& exportNotes) {
  const detail::Content c = detail::buildContent(summary, exportNotes);
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" << escape(c.title)
    << "</title>\n<style>\n"
       "body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:24px auto;color:#222;line-height:1.35}\n"
       "h1{margin-bottom:0}h2{border-bottom:2px solid #ddd;padding-bottom:3px;margin-top:28px}\n"
       ".sub{color:#666;margin-top:4px}\n"
       ".limits{background:#fff4e5;border:1px solid #f0b46b;padding:8px 14px;border-radius:4px}\n"
       ".verdict{font-size:1.4em;font-weight:bold;padding:10px 14px;border-radius:4px;margin:16px 0}\n"
       // Okabe-Ito blue and vermillion (told apart with every colour vision deficiency; the words carry the meaning
       // too).
       ".ok{background:#e3f0fa;border:2px solid #0072b2}.bad{background:#fbe3d6;border:3px solid #d55e00}\n"
       ".provisional{background:#fff3cd;border:2px solid #e0a800}.warnings{border:1px solid #e0a800;padding:4px 14px;"
       "border-radius:4px}\n"
       "table{border-collapse:collapse;width:100%}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;"
       "vertical-align:top}\nth{background:#f5f5f5}tr.flag td{background:#fde8e8;font-weight:bold}\n"
       ".note{color:#666;font-size:.9em}.grid{display:flex;flex-wrap:wrap;gap:10px}\n"
       "figure{margin:0;width:340px}figure img{width:100%;border:1px solid #ccc}figcaption{font-size:.85em;"
       "color:#444}\n.missing{color:#b71c1c;font-weight:bold}\n.patient{font-weight:bold;margin:6px 0 0}\n"
    << kPrintStyle << "</style></head><body>\n";
  h << "<h1>" << escape(c.title) << "</h1>\n<p class=\"patient\">Patient: " << escape(c.patient) << "</p>\n"
    << "<p class=\"sub\">" << escape(c.subtitle) << "</p>\n";
  h << "<div class=\"limits\"><b>Limits.</b><ul>";
  for (const std::string& line : limitsStatement())
    h << "<li>" << escape(line) << "</li>";
  h << "</ul></div>\n";
  h << "<div class=\"verdict "
    << (c.provisional  ? "provisional"
        : c.sufficient ? "ok"
                       : "bad")
    << "\">" << escape(c.verdict) << "</div>\n";
  if (!c.warnings.empty()) {
    h << "<div class=\"warnings\"><b>Check before relying on the figures:</b><ul>";
    for (const std::string& w : c.warnings)
      h << "<li>" << escape(w) << "</li>";
    h << "</ul></div>\n";
  }
  for (std::size_t t = 0; t < c.tables.size(); ++t) {
    table(h, c.tables[t]);
    if (c.tables[t].title == "Original sites") {
      h << "<h2>Missing metastases</h2>\n";
      if (c.missingMetastases.empty())
        h << "<p>None: no disappeared site would be left in the remnant under the visible-only scenario.</p>\n";
      else {
        h << "<ul class=\"missing\">";
        for (const std::string& m : c.missingMetastases)
          h << "<li>" << escape(m) << "</li>";
        h << "</ul>\n";
      }
    }
  }
  std::string group;
  for (const ReportImage& image : images) {
    if (image.group != group) {
      if (!group.empty())
        h << "</div>\n";
      group = image.group;
      h << "<h2>"
        << (group == "views"   ? std::string("3D views")
            : group == "liver" ? std::string("Liver outline")
                               : "Site " + escape(group) + ": slices")
        << "</h2>\n"
        << "<div class=\"grid\">";
    }
    h << "<figure><img alt=\"" << escape(image.caption) << "\" src=\"data:image/png;base64,"
      << base64(readBytes(image.file)) << "\"><figcaption>" << escape(image.caption) << "</figcaption></figure>";
  }
  if (!group.empty())
    h << "</div>\n";
  if (!c.notes.empty()) {
    h << "<h2>Notes</h2><ul>";
    for (const std::string& n : c.notes)
      h << "<li>" << escape(n) << "</li>";
    h << "</ul>\n";
  }
  h << "</body></html>\n";
  return h.str();
}

} // namespace vestige::report
