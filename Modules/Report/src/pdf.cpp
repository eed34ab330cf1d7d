// report.pdf through cairo: A4 pages, the same content as the HTML, tables that break across pages with their
// header row repeated, images two to a row, the patient and "page N of M" on every page's header and the limits on
// its footer. The page count is known only once everything is laid out, so the layout runs twice: once to count the
// pages (output discarded), once to draw them.
#include "content.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/report/report.h"

#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vestige::report {

namespace {

constexpr double kPageW = 595.0, kPageH = 842.0, kMargin = 42.0, kBottom = kPageH - 50.0;
constexpr double kBody = 8.5, kLine = 11.0;

struct Rgb {
  double r, g, b;
};

class PdfWriter {
public:
  // totalPages: 0 while counting.
  PdfWriter(cairo_t* cr, std::string patient, int totalPages)
      : m_cr(cr), m_patient(std::move(patient)), m_totalPages(totalPages) {}

  void font(double size, bool bold) {
    cairo_select_font_face(m_cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(m_cr, size);
  }

  double width(const std::string& text) {
    cairo_text_extents_t e;
    cairo_text_extents(m_cr, text.c_str(), &e);
    return e.x_advance;
  }

  // Greedy word wrap; a unit stays on the line of its number ("20 mm" is never split).
  std::vector<std::string> wrap(const std::string& text, double maxWidth) {
    std::vector<std::string> words;
    std::string word;
    auto flushWord = [&]() {
      if (word.empty())
        return;
      if (!words.empty() && isUnit(word))
        words.back() += " " + word;
      else
        words.push_back(word);
      word.clear();
    };
    for (char ch : text) {
      if (ch == ' ')
        flushWord();
      else
        word += ch;
    }
    flushWord();
    std::vector<std::string> lines;
    std::string line;
    for (const std::string& w : words) {
      const std::string candidate = line.empty() ? w : line + " " + w;
      if (!line.empty() && width(candidate) > maxWidth) {
        lines.push_back(line);
        line = w;
      } else {
        line = candidate;
      }
    }
    if (!line.empty() || lines.empty())
      lines.push_back(line);
    return lines;
  }

  void ensure(double height) {
    if (m_y + height > kBottom)
      newPage();
  }

  void newPage() {
    pageFurniture();
    cairo_show_page(m_cr);
    ++m_page;
    m_y = kMargin;
  }

  // Ends the last page.
  void finish() {
    pageFurniture();
    cairo_show_page(m_cr);
  }

  [[nodiscard]] int pages() const { return m_page; }

  void text(const std::string& s, double size, bool bold, Rgb color = {0.13, 0.13, 0.13}, double indent = 0) {
    font(size, bold);
    const double lineH = size * 1.3;
    for (const std::string& line : wrap(s, kPageW - 2 * kMargin - indent)) {
      ensure(lineH);
      cairo_set_source_rgb(m_cr, color.r, color.g, color.b);
      cairo_move_to(m_cr, kMargin + indent, m_y + size);
      cairo_show_text(m_cr, line.c_str());
      m_y += lineH;
    }
  }

  void heading(const std::string& s) {
    ensure(40);
    m_y += 8;
    text(s, 12, true);
    cairo_set_source_rgb(m_cr, 0.8, 0.8, 0.8);
    cairo_set_line_width(m_cr, 1);
    cairo_move_to(m_cr, kMargin, m_y + 1);
    cairo_line_to(m_cr, kPageW - kMargin, m_y + 1);
    cairo_stroke(m_cr);
    m_y += 5;
  }

  void box(const std::vector<std::string>& lines, Rgb fill, Rgb border, double size, bool bold) {
    font(size, bold);
    std::vector<std::string> wrapped;
    for (const std::string& l : lines)
      for (const std::string& w : wrap(l, kPageW - 2 * kMargin - 16))
        wrapped.push_back(w);
    const double h = static_cast<double>(wrapped.size()) * size * 1.3 + 10;
    ensure(h);
    cairo_rectangle(m_cr, kMargin, m_y, kPageW - 2 * kMargin, h);
    cairo_set_source_rgb(m_cr, fill.r, fill.g, fill.b);
    cairo_fill_preserve(m_cr);
    cairo_set_source_rgb(m_cr, border.r, border.g, border.b);
    cairo_set_line_width(m_cr, 0.8);
    cairo_stroke(m_cr);
    double y = m_y + 5;
    cairo_set_source_rgb(m_cr, 0.1, 0.1, 0.1);
    for (const std::string& w : wrapped) {
      cairo_move_to(m_cr, kMargin + 8, y + size);
      cairo_show_text(m_cr, w.c_str());
      y += size * 1.3;
    }
    m_y += h + 6;
  }

  void table(const detail::Table& t) {
    std::vector<double> widths = t.widths;
    const std::size_t cols = t.header.empty() ? 2 : t.header.size();
    if (widths.size() != cols)
      widths.assign(cols, 1.0 / static_cast<double>(cols));
    const Cells header = t.header.empty() ? Cells{} : wrapRow(t, widths, t.header, true, false);
    const Cells first = t.rows.empty() ? Cells{} : wrapRow(t, widths, t.rows.front(), false, isFlagged(t.rows.front()));
    // Keep the heading with the header row and the first row.
    ensure(40 + rowHeight(header) + rowHeight(first));
    heading(t.title);
    if (!t.header.empty())
      drawRow(t, widths, header, true, false);
    for (const auto& r : t.rows) {
      const bool flagged = isFlagged(r);
      const Cells cells = wrapRow(t, widths, r, false, flagged);
      if (m_y + rowHeight(cells) > kBottom) {
        newPage();
        text(t.title + " (continued)", 9, true, {0.4, 0.4, 0.4});
        m_y += 2;
        if (!t.header.empty())
          drawRow(t, widths, header, true, false);
      }
      drawRow(t, widths, cells, false, flagged);
    }
    if (!t.note.empty()) {
      m_y += 2;
      text(t.note, 7.5, false, {0.4, 0.4, 0.4});
    }
  }

  // Images two to a row with captions.
  void images(const std::vector<ReportImage>& list) {
    const double gap = 12, w = (kPageW - 2 * kMargin - gap) / 2;
    for (std::size_t i = 0; i < list.size(); i += 2) {
      double rowH = 0;
      std::vector<std::pair<cairo_surface_t*, double>> row;
      for (std::size_t k = i; k < std::min(i + 2, list.size()); ++k) {
        cairo_surface_t* img = cairo_image_surface_create_from_png(list[k].file.string().c_str());
        if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
          cairo_surface_destroy(img);
          throw core::Error(core::ErrorCode::InvalidFormat, "cannot read PNG for the PDF", list[k].file.string());
        }
        const double scale = w / cairo_image_surface_get_width(img);
        rowH = std::max(rowH, cairo_image_surface_get_height(img) * scale);
        row.emplace_back(img, scale);
      }
      ensure(rowH + 26);
      for (std::size_t k = 0; k < row.size(); ++k) {
        const double x = kMargin + static_cast<double>(k) * (w + gap);
        cairo_save(m_cr);
        cairo_translate(m_cr, x, m_y);
        cairo_scale(m_cr, row[k].second, row[k].second);
        cairo_set_source_surface(m_cr, row[k].first, 0, 0);
        cairo_paint(m_cr);
        cairo_restore(m_cr);
        cairo_surface_destroy(row[k].first);
        font(7.5, false);
        cairo_set_source_rgb(m_cr, 0.3, 0.3, 0.3);
        double y = m_y + rowH + 9;
        for (const std::string& line : wrap(list[i + k].caption, w)) {
          cairo_move_to(m_cr, x, y);
          cairo_show_text(m_cr, line.c_str());
          y += 9.5;
        }
      }
      m_y += rowH + 26;
    }
  }

  double m_y = kMargin;

private:
  using Cells = std::vector<std::vector<std::string>>; // wrapped lines per column

  static bool isUnit(std::string word) {
    while (!word.empty() && std::string(",;:)").find(word.back()) != std::string::npos)
      word.pop_back();
    return word == "mm" || word == "mL" || word == "%" || word == "s" || word == "cm" || word == "kg" || word == "m2";
  }
  static bool isFlagged(const std::vector<std::string>& row) {
    return !row.empty() && row.back() == "MISSING METASTASIS";
  }
  static bool boldCell(const detail::Table& t, std::size_t column, bool header, bool flagged) {
    return header || flagged || (t.header.empty() && column == 0);
  }

  Cells wrapRow(const detail::Table& t, const std::vector<double>& widths, const std::vector<std::string>& cells,
                bool header, bool flagged) {
    const double total = kPageW - 2 * kMargin;
    Cells wrapped;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      font(kBody, boldCell(t, c, header, flagged));
      wrapped.push_back(wrap(c < cells.size() ? cells[c] : "", widths[c] * total - 6));
    }
    return wrapped;
  }

  static double rowHeight(const Cells& cells) {
    if (cells.empty())
      return 0;
    std::size_t lines = 1;
    for (const auto& c : cells)
      lines = std::max(lines, c.size());
    return static_cast<double>(lines) * kLine + 4;
  }

  void drawRow(const detail::Table& t, const std::vector<double>& widths, const Cells& cells, bool header,
               bool flagged) {
    const double total = kPageW - 2 * kMargin, h = rowHeight(cells);
    double x = kMargin;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const double w = widths[c] * total;
      const bool bold = boldCell(t, c, header, flagged);
      cairo_rectangle(m_cr, x, m_y, w, h);
      if (header || (t.header.empty() && c == 0))
        cairo_set_source_rgb(m_cr, 0.95, 0.95, 0.95);
      else if (flagged)
        cairo_set_source_rgb(m_cr, 0.99, 0.89, 0.89);
      else
        cairo_set_source_rgb(m_cr, 1, 1, 1);
      cairo_fill_preserve(m_cr);
      cairo_set_source_rgb(m_cr, 0.8, 0.8, 0.8);
      cairo_set_line_width(m_cr, 0.5);
      cairo_stroke(m_cr);
      font(kBody, bold);
      cairo_set_source_rgb(m_cr, 0.1, 0.1, 0.1);
      double y = m_y + 2;
      for (const std::string& line : cells[c]) {
        cairo_move_to(m_cr, x + 3, y + kBody);
        cairo_show_text(m_cr, line.c_str());
        y += kLine;
      }
      x += w;
    }
    m_y += h;
  }

  // The patient and the page number on top, the limits at the bottom: a page printed alone still says whose it is.
  void pageFurniture() {
    const Rgb grey{0.4, 0.4, 0.4};
    font(7.5, true);
    cairo_set_source_rgb(m_cr, grey.r, grey.g, grey.b);
    cairo_move_to(m_cr, kMargin, 26);
    cairo_show_text(m_cr, ("Patient " + m_patient).c_str());
    const std::string page =
        "page " + std::to_string(m_page) + " of " + (m_totalPages > 0 ? std::to_string(m_totalPages) : "?");
    cairo_move_to(m_cr, kPageW - kMargin - width(page), 26);
    cairo_show_text(m_cr, page.c_str());
    cairo_set_line_width(m_cr, 0.5);
    cairo_move_to(m_cr, kMargin, 31);
    cairo_line_to(m_cr, kPageW - kMargin, 31);
    cairo_stroke(m_cr);
    font(7, false);
    cairo_move_to(m_cr, kMargin, kPageH - 24);
    cairo_show_text(m_cr, "Vestige - research software, not a certified medical device. Imaging volumes, not weights.");
  }

  cairo_t* m_cr;
  std::string m_patient;
  int m_totalPages;
  int m_page = 1;
};

void layout(PdfWriter& pdf, const detail::Content& c, const std::vector<ReportImage>& images) {
  pdf.text(c.title, 18, true);
  pdf.text("Patient " + c.patient, 10, true);
  pdf.text(c.subtitle, 8, false, {0.4, 0.4, 0.4});
  pdf.m_y += 6;
  std::vector<std::string> limits{"Limits."};
  for (const std::string& l : limitsStatement())
    limits.push_back("- " + l);
  pdf.box(limits, {1.0, 0.96, 0.9}, {0.94, 0.7, 0.42}, 7.5, false);
  // Amber while a warning stands (a provisional verdict is never shown as a plain "sufficient"); otherwise Okabe-Ito
  // blue or vermillion, told apart with every colour vision deficiency (the words carry the meaning too).
  const Rgb fill = c.provisional ? Rgb{1.0, 0.95, 0.8} : c.sufficient ? Rgb{0.89, 0.94, 0.98} : Rgb{0.98, 0.89, 0.84};
  const Rgb edge = c.provisional ? Rgb{0.88, 0.66, 0.0} : c.sufficient ? Rgb{0.0, 0.45, 0.7} : Rgb{0.84, 0.37, 0.0};
  pdf.box({c.verdict}, fill, edge, 12, true);
  if (!c.warnings.empty()) {
    std::vector<std::string> lines{"Check before relying on the figures:"};
    for (const std::string& w : c.warnings)
      lines.push_back("- " + w);
    pdf.box(lines, {1.0, 0.98, 0.92}, {0.88, 0.66, 0.0}, 8, false);
  }
  for (const detail::Table& t : c.tables) {
    pdf.table(t);
    if (t.title == "Original sites") {
      pdf.heading("Missing metastases");
      if (c.missingMetastases.empty())
        pdf.text("None: no disappeared site would be left in the remnant under the visible-only scenario.", kBody,
                 false);
      for (const std::string& m : c.missingMetastases)
        pdf.text(m, kBody, true, {0.72, 0.11, 0.11});
    }
  }
  std::string group;
  std::vector<ReportImage> batch;
  auto flush = [&]() {
    if (batch.empty())
      return;
    // Keep a heading with the first row of its pictures (pictures are square, two to a row).
    pdf.ensure(40 + (kPageW - 2 * kMargin) / 2 + 26);
    pdf.heading(group == "views"   ? std::string("3D views")
                : group == "liver" ? std::string("Liver outline")
                                   : "Site " + group + ": slices");
    pdf.images(batch);
    batch.clear();
  };
  for (const ReportImage& image : images) {
    if (image.group != group) {
      flush();
      group = image.group;
    }
    batch.push_back(image);
  }
  flush();
  if (!c.notes.empty()) {
    pdf.heading("Notes");
    for (const std::string& n : c.notes)
      pdf.text("- " + n, kBody, false);
  }
  pdf.finish();
}

cairo_status_t discard(void*, const unsigned char*, unsigned int) {
  return CAIRO_STATUS_SUCCESS;
}

// Lays the report out on a PDF surface that writes nowhere and returns the number of pages.
int countPages(const detail::Content& c, const std::vector<ReportImage>& images) {
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(discard, nullptr, kPageW, kPageH);
  std::unique_ptr<cairo_surface_t, void (*)(cairo_surface_t*)> surfaceOwner(surface, cairo_surface_destroy);
  std::unique_ptr<cairo_t, void (*)(cairo_t*)> cr(cairo_create(surface), cairo_destroy);
  PdfWriter pdf(cr.get(), c.patient, 0);
  layout(pdf, c, images);
  return pdf.pages();
}

} // namespace

void writeReportPdf(const planning::PlanSummary& summary, const std::vector<ReportImage>& images,
                    const std::filesystem::path& file, const std::vector<std::string>& exportNotes) {
  const detail::Content c = detail::buildContent(summary, exportNotes);
  const int pages = countPages(c, images);
  core::writeAtomically(file, [&](const std::filesystem::path& tmp) {
    cairo_surface_t* surface = cairo_pdf_surface_create(tmp.string().c_str(), kPageW, kPageH);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, c.title.c_str());
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Vestige");
    cairo_t* cr = cairo_create(surface);
    std::unique_ptr<cairo_t, void (*)(cairo_t*)> crOwner(cr, cairo_destroy);
    std::unique_ptr<cairo_surface_t, void (*)(cairo_surface_t*)> surfaceOwner(surface, cairo_surface_destroy);
    PdfWriter pdf(cr, c.patient, pages);
    layout(pdf, c, images);
    if (pdf.pages() != pages)
      throw core::Error(core::ErrorCode::Internal,
                        "the PDF layout gave " + std::to_string(pdf.pages()) + " pages after counting " +
                            std::to_string(pages),
                        file.string());
    crOwner.reset();
    cairo_surface_finish(surface);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS)
      throw core::Error(core::ErrorCode::Io,
                        std::string("cannot write PDF: ") + cairo_status_to_string(cairo_surface_status(surface)),
                        file.string());
  });
}

} // namespace vestige::report
