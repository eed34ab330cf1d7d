#pragma once
// Burned-in annotation of the site slices: what a reader of the picture alone (a Secondary Capture in PACS, whose
// caption is easily missed) needs to read it: patient orientation letters at the borders, the site's ID and status,
// a colour legend and a labelled 10 mm scale bar. Drawn with cairo on the RGB pixels, before the PNG is written, so
// the report's picture and its Secondary Capture are the same image.
#include "vestige/visualization/render.h"

#include <string>

namespace vestige::report {

struct SliceAnnotation {
  std::string siteId;
  std::string status; // "visible", "shrunk", "disappeared"
  visualization::SlicePlane plane = visualization::SlicePlane::Axial;
  double pixelMm = 1.0; // millimetres per pixel of the slice
};

void annotateSiteSlice(visualization::RgbImage& image, const SliceAnnotation& annotation);

} // namespace vestige::report
