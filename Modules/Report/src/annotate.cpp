// Site slice annotation with cairo (annotate.h).
#include "annotate.h"

#include "vestige/core/error.h"
#include "vestige/visualization/scene.h"

#include <cairo.h>

#include <cmath>
#include <cstdint>
#include <memory>

namespace vestige::report {

namespace {

using visualization::Rgb8;
using visualization::Role;

void setColour(cairo_t* cr, Rgb8 c) {
  cairo_set_source_rgb(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0);
}

// White text with a dark outline: readable on CT grey, black air and coloured outlines alike.
void outlinedText(cairo_t* cr, double x, double y, const std::string& text) {
  cairo_move_to(cr, x, y);
  cairo_text_path(cr, text.c_str());
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 3.0);
  cairo_stroke_preserve(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_fill(cr);
}

double textWidth(cairo_t* cr, const std::string& text) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, text.c_str(), &e);
  return e.x_advance;
}

void drawOrientation(cairo_t* cr, int w, int h, visualization::SlicePlane plane, double size, double topY) {
  // Radiological display (renderSiteSlice): patient right on the image left; anterior (axial) or superior (coronal) up.
  const bool axial = plane == visualization::SlicePlane::Axial;
  const std::string top = axial ? "A" : "S", bottom = axial ? "P" : "I";
  outlinedText(cr, w / 2.0 - textWidth(cr, top) / 2, topY, top);
  outlinedText(cr, w / 2.0 - textWidth(cr, bottom) / 2, h - 8, bottom);
  outlinedText(cr, 8, h / 2.0 + size / 2, "R");
  outlinedText(cr, w - 8 - textWidth(cr, "L"), h / 2.0 + size / 2, "L");
}

void drawLegend(cairo_t* cr, int w, int h, Role siteRole, double size) {
  const std::pair<Role, const char*> entries[] = {{Role::Liver, "liver outline"},
                                                  {Role::Resection, "resection zone"},
                                                  {siteRole, "original site (baseline)"},
                                                  {Role::VisibleTumour, "visible tumour"},
                                                  {siteRole, "+ projected centre"}};
  constexpr int kEntries = 5;
  const double line = size * 1.35, box = size * 0.8;
  double widest = 0;
  for (const auto& e : entries)
    widest = std::max(widest, textWidth(cr, e.second));
  const double x = w - widest - box - 22, y0 = h - kEntries * line - 28;
  cairo_set_source_rgba(cr, 0, 0, 0, 0.55);
  cairo_rectangle(cr, x - 6, y0 - 4, widest + box + 18, kEntries * line + 8);
  cairo_fill(cr);
  for (int n = 0; n < kEntries; ++n) {
    const double y = y0 + n * line;
    setColour(cr, visualization::styleOf(entries[n].first).color);
    if (n + 1 < kEntries) {
      cairo_rectangle(cr, x, y + (line - box) / 2, box, box);
      cairo_fill(cr);
    } else { // the cross renderSiteSlice draws
      cairo_set_line_width(cr, 2.0);
      cairo_move_to(cr, x, y + line / 2);
      cairo_line_to(cr, x + box, y + line / 2);
      cairo_move_to(cr, x + box / 2, y + (line - box) / 2);
      cairo_line_to(cr, x + box / 2, y + (line + box) / 2);
      cairo_stroke(cr);
    }
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_move_to(cr, x + box + 6, y + line / 2 + size / 2.6);
    cairo_show_text(cr, n + 1 < kEntries ? entries[n].second : "projected centre");
  }
}

void drawScaleBar(cairo_t* cr, int h, double pixelMm, double size) {
  const double length = 10.0 / pixelMm; // 10 mm in pixels
  const double x = 14, y = h - 30;
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, x - 1, y - 1, length + 2, 5);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, x, y, length, 3);
  cairo_fill(cr);
  outlinedText(cr, x, y - 6, "10 mm");
  (void)size;
}

} // namespace

void annotateSiteSlice(visualization::RgbImage& image, const SliceAnnotation& a) {
  const int w = image.width, h = image.height;
  if (w <= 0 || h <= 0 || image.rgb.size() != static_cast<std::size_t>(w) * h * 3)
    throw core::Error(core::ErrorCode::Internal, "slice picture size does not match its pixels", "annotation");
  std::unique_ptr<cairo_surface_t, void (*)(cairo_surface_t*)> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h), cairo_surface_destroy);
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    throw core::Error(core::ErrorCode::Io, "cannot create a picture surface (out of memory?)", "annotation");
  const int stride = cairo_image_surface_get_stride(surface.get());
  cairo_surface_flush(surface.get());
  unsigned char* data = cairo_image_surface_get_data(surface.get());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::uint8_t* p = &image.rgb[(static_cast<std::size_t>(y) * w + x) * 3];
      *reinterpret_cast<std::uint32_t*>(data + static_cast<std::size_t>(y) * stride + x * 4) =
          (std::uint32_t(p[0]) << 16) | (std::uint32_t(p[1]) << 8) | p[2];
    }
  cairo_surface_mark_dirty(surface.get());

  std::unique_ptr<cairo_t, void (*)(cairo_t*)> context(cairo_create(surface.get()), cairo_destroy);
  cairo_t* cr = context.get();
  const double size = std::max(11.0, h / 34.0);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, size);
  const std::string title = "Site " + a.siteId + " (" + a.status + "), " + visualization::slicePlaneName(a.plane);
  outlinedText(cr, 10, size + 8, title);
  // The top letter sits at the top centre, or a line lower when the title reaches it.
  const double topY = 10 + textWidth(cr, title) + 12 > w / 2.0 - size ? 2 * size + 22 : size * 1.2 + 6;
  cairo_set_font_size(cr, size * 1.2);
  drawOrientation(cr, w, h, a.plane, size * 1.2, topY);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  const Role siteRole = visualization::siteRoleOf(a.status);
  drawLegend(cr, w, h, siteRole, size * 0.9);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, size * 0.9);
  drawScaleBar(cr, h, a.pixelMm, size);
  cairo_surface_flush(surface.get());

  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::uint32_t v =
          *reinterpret_cast<const std::uint32_t*>(data + static_cast<std::size_t>(y) * stride + x * 4);
      std::uint8_t* p = &image.rgb[(static_cast<std::size_t>(y) * w + x) * 3];
      p[0] = static_cast<std::uint8_t>(v >> 16);
      p[1] = static_cast<std::uint8_t>(v >> 8);
      p[2] = static_cast<std::uint8_t>(v);
    }
}

} // namespace vestige::report
