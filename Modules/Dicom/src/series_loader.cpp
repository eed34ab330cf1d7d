#include "vestige/dicom/series_loader.h"

#include "pixel_decoder.h"
#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using vestige::core::Error;
using vestige::core::ErrorCode;
using vestige::core::Vec3;

namespace vestige::dicom {

namespace {

std::string seriesContext(const SeriesEntry& s) {
  return "series " + s.seriesUid;
}

std::string fmt(double v, int precision = 2) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(precision);
  o << v;
  return o.str();
}

struct Slice {
  const InstanceHeader* instance;
  const FrameHeader* frame;
  double along; // position along the slice normal, mm
};

Vec3 rowDirection(const std::array<double, 6>& iop) {
  return core::normalized({iop[0], iop[1], iop[2]});
}
Vec3 columnDirection(const std::array<double, 6>& iop) {
  return core::normalized({iop[3], iop[4], iop[5]});
}

bool sameOrientation(const std::array<double, 6>& a, const std::array<double, 6>& b) {
  for (int i = 0; i < 6; ++i)
    if (std::abs(a[i] - b[i]) > 1e-3)
      return false;
  return true;
}

std::string fileList(const std::vector<const InstanceHeader*>& instances, std::size_t max = 3) {
  std::string out;
  for (std::size_t n = 0; n < instances.size() && n < max; ++n)
    out += (n ? ", " : "") + instances[n]->file.filename().string();
  if (instances.size() > max)
    out += ", ...";
  return out;
}

std::string numbers(const double* v, int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += (i ? "\\" : "") + fmt(v[i], 4);
  return out;
}

// Every number the geometry and the pixel values are built from, checked before it is used: a NaN, an infinity or
// an absurd magnitude in a header must be refused naming the file and the key, not reach ITK/VNL (which aborts on
// NaN matrices) or turn into an all-NaN or all-zero "CT". The bounds are physical: no patient is 100 m across,
// and no scanner's voxel is larger than 1 m or its rescale slope outside 1e-6 .. 1e6.
void validateNumbers(const InstanceHeader& inst, const FrameHeader& f) {
  const std::string file = inst.file.string();
  const std::string frame = inst.frameHeaders.size() > 1 ? " (frame " + std::to_string(f.frameIndex + 1) + ")" : "";
  auto finite = [](const double* v, int n, double limit) {
    for (int i = 0; i < n; ++i)
      if (!std::isfinite(v[i]) || std::abs(v[i]) > limit)
        return false;
    return true;
  };
  if (!finite(f.positionLps.data(), 3, 1e5))
    throw Error(ErrorCode::InvalidFormat,
                "ImagePositionPatient" + frame + " " + numbers(f.positionLps.data(), 3) +
                    " is not a finite position within 100 m",
                file);
  const Vec3 row{f.orientation[0], f.orientation[1], f.orientation[2]};
  const Vec3 column{f.orientation[3], f.orientation[4], f.orientation[5]};
  const double rowLength = std::sqrt(core::dot(row, row)), columnLength = std::sqrt(core::dot(column, column));
  // Direction cosines are written with a few decimals; 1 % slack accepts rounding, not a wrong vector.
  if (!finite(f.orientation.data(), 6, 2.0) || std::abs(rowLength - 1.0) > 0.01 || std::abs(columnLength - 1.0) > 0.01)
    throw Error(ErrorCode::InvalidFormat,
                "ImageOrientationPatient" + frame + " " + numbers(f.orientation.data(), 6) +
                    ": the row and column direction cosines must be unit vectors",
                file);
  if (std::abs(core::dot(row, column)) > 0.01)
    throw Error(ErrorCode::InvalidFormat,
                "ImageOrientationPatient" + frame + " " + numbers(f.orientation.data(), 6) +
                    ": the row and column directions are not perpendicular (parallel or skewed vectors)",
                file);
  if (!std::isfinite(f.rescaleSlope) || std::abs(f.rescaleSlope) < 1e-6 || std::abs(f.rescaleSlope) > 1e6)
    throw Error(ErrorCode::InvalidFormat,
                "RescaleSlope" + frame + " " + fmt(f.rescaleSlope, 6) +
                    " is not a usable scale (finite, magnitude 1e-6 .. 1e6)",
                file);
  if (!std::isfinite(f.rescaleIntercept) || std::abs(f.rescaleIntercept) > 1e6)
    throw Error(ErrorCode::InvalidFormat,
                "RescaleIntercept" + frame + " " + fmt(f.rescaleIntercept, 4) + " is not finite or beyond 1e6", file);
}

void validateSpacing(const InstanceHeader& inst) {
  const double spacing[2] = {inst.pixelSpacingRow, inst.pixelSpacingColumn};
  for (double s : spacing)
    if (!std::isfinite(s) || s <= 0.0 || s > 1000.0)
      throw Error(ErrorCode::InvalidFormat,
                  "PixelSpacing " + numbers(spacing, 2) + " is missing or not a spacing in mm (finite, 0 .. 1000)",
                  inst.file.string());
  for (const auto& [key, value] : {std::pair<const char*, double>{"SliceThickness", inst.sliceThicknessMm},
                                   {"SpacingBetweenSlices", inst.spacingBetweenSlicesMm}})
    if (!std::isfinite(value) || std::abs(value) > 1000.0)
      throw Error(ErrorCode::InvalidFormat, std::string(key) + " " + fmt(value, 4) + " is not finite or beyond 1 m",
                  inst.file.string());
}

// Collects the frames that make up the volume: localizers and odd-orientation minorities are dropped with a
// note; anything that cannot be placed is refused.
std::vector<Slice> collectSlices(const SeriesEntry& s, std::vector<std::string>& notes) {
  const std::string ctx = seriesContext(s);
  std::vector<const InstanceHeader*> localizers;
  std::vector<const InstanceHeader*> images;
  for (const auto& inst : s.instances) {
    if (!inst.hasPixelData)
      continue;
    (inst.localizer ? localizers : images).push_back(&inst);
  }
  if (!localizers.empty())
    notes.push_back("dropped " + std::to_string(localizers.size()) +
                    " localizer/scout image(s): " + fileList(localizers));
  if (images.empty())
    throw Error(ErrorCode::NotFound, "no image slices (only localizers or objects without pixel data)", ctx);

  // Majority orientation; a small minority in another orientation is treated like localizers.
  std::vector<std::pair<std::array<double, 6>, std::size_t>> orientations;
  for (const auto* inst : images) {
    for (const auto& f : inst->frameHeaders) {
      if (!f.hasOrientation || !f.hasPosition)
        throw Error(ErrorCode::InvalidFormat,
                    "frame " + std::to_string(f.frameIndex + 1) +
                        " has no ImagePositionPatient/ImageOrientationPatient",
                    inst->file.string());
      validateNumbers(*inst, f);
      auto it = std::find_if(orientations.begin(), orientations.end(),
                             [&](const auto& o) { return sameOrientation(o.first, f.orientation); });
      if (it == orientations.end())
        orientations.push_back({f.orientation, 1});
      else
        ++it->second;
    }
  }
  std::sort(orientations.begin(), orientations.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  const auto iop = orientations.front().first;
  std::size_t total = 0;
  for (const auto& o : orientations)
    total += o.second;
  const std::size_t minority = total - orientations.front().second;
  if (minority > 0) {
    if (minority * 10 > total)
      throw Error(ErrorCode::InconsistentData,
                  "mixed orientations: " + std::to_string(orientations.size()) + " different slice orientations (" +
                      std::to_string(orientations.front().second) + " vs " + std::to_string(minority) +
                      " slices); not one volume",
                  ctx);
  }

  const Vec3 normal = core::normalized(core::cross(rowDirection(iop), columnDirection(iop)));
  std::vector<Slice> slices;
  std::vector<const InstanceHeader*> dropped;
  const InstanceHeader* reference = images.front();
  for (const auto* inst : images) {
    bool keep = false;
    for (const auto& f : inst->frameHeaders) {
      if (!sameOrientation(f.orientation, iop))
        continue;
      keep = true;
      slices.push_back({inst, &f, core::dot(f.positionLps, normal)});
    }
    if (!keep) {
      dropped.push_back(inst);
      continue;
    }
    validateSpacing(*inst);
    if (inst->rows != reference->rows || inst->columns != reference->columns)
      throw Error(ErrorCode::InconsistentData,
                  "image size " + std::to_string(inst->columns) + "x" + std::to_string(inst->rows) + " differs from " +
                      std::to_string(reference->columns) + "x" + std::to_string(reference->rows) + " of " +
                      reference->file.filename().string() + " (inconsistent Rows/Columns in " + ctx + ")",
                  inst->file.string());
    if (std::abs(inst->pixelSpacingRow - reference->pixelSpacingRow) > 1e-3 ||
        std::abs(inst->pixelSpacingColumn - reference->pixelSpacingColumn) > 1e-3)
      throw Error(ErrorCode::InconsistentData,
                  "pixel spacing " + fmt(inst->pixelSpacingRow, 4) + "\\" + fmt(inst->pixelSpacingColumn, 4) +
                      " differs from " + fmt(reference->pixelSpacingRow, 4) + "\\" +
                      fmt(reference->pixelSpacingColumn, 4) + " (" + ctx + ")",
                  inst->file.string());
  }
  if (!dropped.empty())
    notes.push_back("dropped " + std::to_string(dropped.size()) +
                    " image(s) in another orientation (localizer-like): " + fileList(dropped));
  if (reference->pixelSpacingRow <= 0.0 || reference->pixelSpacingColumn <= 0.0)
    throw Error(ErrorCode::InvalidFormat, "missing or non-positive PixelSpacing", reference->file.string());
  std::sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) { return a.along < b.along; });
  return slices;
}

// Removes exact duplicates (the same instance twice); refuses two different instances at one position.
void removeDuplicates(std::vector<Slice>& slices, const std::string& ctx, std::vector<std::string>& notes) {
  std::vector<Slice> kept;
  std::size_t copies = 0;
  for (const auto& s : slices) {
    if (!kept.empty() && std::abs(s.along - kept.back().along) < 0.01) {
      const Slice& prev = kept.back();
      if (prev.instance->sopInstanceUid == s.instance->sopInstanceUid &&
          prev.frame->frameIndex == s.frame->frameIndex) {
        ++copies;
        continue;
      }
      if (prev.instance == s.instance)
        throw Error(ErrorCode::Unsupported,
                    "frames " + std::to_string(prev.frame->frameIndex + 1) + " and " +
                        std::to_string(s.frame->frameIndex + 1) + " of " + s.instance->file.filename().string() +
                        " lie at the same position: the file places its frames in a way Vestige does not read (no "
                        "per-frame ImagePositionPatient)",
                    s.instance->file.string());
      throw Error(ErrorCode::InconsistentData,
                  "duplicate slice position " + fmt(s.along) + " mm along the normal: " +
                      prev.instance->file.filename().string() + " and " + s.instance->file.filename().string() +
                      " are different images at the same place (several acquisitions or phases in one series?)",
                  ctx);
    }
    kept.push_back(s);
  }
  if (copies)
    notes.push_back("ignored " + std::to_string(copies) + " duplicate file(s) of the same instance");
  slices.swap(kept);
}

// Returns the slice step (mm). Refuses gaps, non-uniform steps and tilted (sheared) stacks.
double checkSpacing(const std::vector<Slice>& slices, const LoadOptions& options, const std::string& ctx,
                    std::vector<std::string>& notes, const InstanceHeader& reference) {
  if (slices.size() < 2) {
    const double t = reference.spacingBetweenSlicesMm > 0
                         ? reference.spacingBetweenSlicesMm
                         : (reference.sliceThicknessMm > 0 ? reference.sliceThicknessMm : 1.0);
    notes.push_back("single slice: slice spacing taken as " + fmt(t) + " mm from the header");
    return t;
  }
  std::vector<double> steps;
  for (std::size_t n = 1; n < slices.size(); ++n)
    steps.push_back(slices[n].along - slices[n - 1].along);
  std::vector<double> sorted = steps;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double median = sorted[sorted.size() / 2];
  const double tol = std::max(options.spacingToleranceMm, 0.01 * median);
  for (std::size_t n = 0; n < steps.size(); ++n) {
    const double ratio = steps[n] / median;
    if (std::abs(steps[n] - median) <= tol)
      continue;
    const std::string where = "between " + slices[n].instance->file.filename().string() + " (" + fmt(slices[n].along) +
                              " mm) and " + slices[n + 1].instance->file.filename().string() + " (" +
                              fmt(slices[n + 1].along) + " mm)";
    if (ratio > 1.5 && std::abs(ratio - std::round(ratio)) * median <= tol)
      throw Error(ErrorCode::InconsistentData,
                  std::to_string(static_cast<long>(std::round(ratio)) - 1) + " missing slice(s) " + where + ": gap " +
                      fmt(steps[n]) + " mm, expected " + fmt(median) + " mm",
                  ctx);
    throw Error(ErrorCode::InconsistentData,
                "non-uniform slice spacing " + where + ": step " + fmt(steps[n]) + " mm, the others " + fmt(median) +
                    " mm",
                ctx);
  }
  // Positions must step along the normal; otherwise the stack is sheared (gantry tilt).
  const Vec3 span = core::sub(slices.back().frame->positionLps, slices.front().frame->positionLps);
  const double spanAlong = slices.back().along - slices.front().along;
  const double shear = std::sqrt(std::max(0.0, core::dot(span, span) - spanAlong * spanAlong));
  const double tiltDeg = std::atan2(shear, spanAlong) * 180.0 / M_PI;
  if (tiltDeg > 0.1)
    throw Error(ErrorCode::Unsupported,
                "gantry tilt / sheared stack: slice positions deviate " + fmt(tiltDeg) +
                    " degrees from the slice normal (GantryDetectorTilt " + fmt(reference.gantryTiltDeg) +
                    "); tilted stacks are not resampled by Vestige",
                ctx);
  if (std::abs(reference.gantryTiltDeg) > 0.01)
    notes.push_back("header declares gantry tilt " + fmt(reference.gantryTiltDeg) +
                    " degrees but slice positions are orthogonal; positions used");
  if (reference.spacingBetweenSlicesMm != 0.0 && std::abs(std::abs(reference.spacingBetweenSlicesMm) - median) > tol)
    notes.push_back("SpacingBetweenSlices " + fmt(reference.spacingBetweenSlicesMm) +
                    " mm disagrees with the positions; step from positions (" + fmt(median) + " mm) used");
  return median;
}

} // namespace

const SeriesEntry& selectSeries(const Catalog& catalog, const std::string& uid) {
  const auto series = allSeries(catalog);
  if (!uid.empty()) {
    for (const auto* s : series)
      if (s->seriesUid == uid)
        return *s;
    std::string known;
    for (const auto* s : series)
      known += "\n  " + s->seriesUid + "  (#" + std::to_string(s->seriesNumber) + " " + s->description + ")";
    throw Error(ErrorCode::NotFound,
                "no series with UID " + uid + " in " + catalog.root.string() +
                    (known.empty() ? std::string(" (no series at all)") : "; series found:" + known),
                "--series");
  }
  std::vector<const SeriesEntry*> images;
  for (const auto* s : series)
    if (s->kind == SeriesKind::Image)
      images.push_back(s);
  if (images.empty()) {
    std::string why = catalog.skipped.empty()
                          ? std::string()
                          : " (" + std::to_string(catalog.skipped.size()) + " file(s) skipped, e.g. " +
                                catalog.skipped.front().file.filename().string() + ": " +
                                catalog.skipped.front().reason + ")";
    throw Error(ErrorCode::NotFound, "no DICOM image series found" + why, catalog.root.string());
  }
  if (images.size() > 1) {
    std::string list;
    for (const auto* s : images)
      list += "\n  " + s->seriesUid + "  #" + std::to_string(s->seriesNumber) + " " + s->modality + " " + s->date +
              " '" + s->description + "' " + std::to_string(s->geometry.slices) + " slices";
    throw Error(ErrorCode::Ambiguous,
                std::to_string(images.size()) + " image series found; choose one with --series UID:" + list,
                catalog.root.string());
  }
  return *images.front();
}

LoadedSeries loadSeries(const fs::path& input, const LoadOptions& options, core::Progress* progress) {
  core::SubProgress scanProgress(progress, 0.0, 0.1);
  CatalogOptions catalogOptions;
  catalogOptions.threads = options.threads;
  const Catalog catalog = scanCatalog(input, catalogOptions, progress ? &scanProgress : nullptr);
  const SeriesEntry& series = selectSeries(catalog, options.seriesUid);
  core::SubProgress loadProgress(progress, 0.1, 1.0);
  LoadedSeries loaded;
  try {
    loaded = loadSeries(series, options, progress ? &loadProgress : nullptr);
  } catch (const Error& e) {
    // A gap in a series is often a slice file that could not be read: name it.
    std::string unreadable;
    for (const auto& skipped : catalog.skipped)
      if (skipped.reason.rfind("not DICOM (file type", 0) != 0)
        unreadable += (unreadable.empty() ? "" : "; ") + skipped.file.filename().string() + ": " + skipped.reason;
    if (e.code() != ErrorCode::InconsistentData || unreadable.empty())
      throw;
    throw Error(e.code(), e.message() + " (unreadable file(s) in the folder: " + unreadable + ")", e.context());
  }
  // Files in the same folder tree that were not part of any series are worth a word.
  if (!catalog.skipped.empty())
    loaded.notes.push_back(std::to_string(catalog.skipped.size()) + " file(s) in " + input.string() +
                           " are not DICOM images and were skipped (e.g. " +
                           catalog.skipped.front().file.filename().string() + ": " + catalog.skipped.front().reason +
                           ")");
  return loaded;
}

LoadedSeries loadSeries(const SeriesEntry& series, const LoadOptions& options, core::Progress* progress) {
  const std::string ctx = seriesContext(series);
  LoadedSeries out;
  out.series = series;
  std::vector<Slice> slices = collectSlices(series, out.notes);
  removeDuplicates(slices, ctx, out.notes);
  const InstanceHeader& reference = *slices.front().instance;
  const double step = checkSpacing(slices, options, ctx, out.notes, reference);

  core::ImageGeometry g;
  g.size = {reference.columns, reference.rows, slices.size()};
  // DICOM PixelSpacing is (row spacing = between rows = along the column direction, column spacing).
  g.spacingMm = {reference.pixelSpacingColumn, reference.pixelSpacingRow, step};
  g.originLps = slices.front().frame->positionLps;
  const auto& iop = slices.front().frame->orientation;
  const Vec3 r = rowDirection(iop), c = columnDirection(iop), n = core::normalized(core::cross(r, c));
  for (int a = 0; a < 3; ++a) {
    g.direction[a][0] = r[a];
    g.direction[a][1] = c[a];
    g.direction[a][2] = n[a];
  }
  out.image = core::Image(g, 0.0f);

  // Decode each instance once (a multi-frame file holds many slices), in parallel.
  std::map<const InstanceHeader*, std::vector<std::size_t>> slicesOf;
  for (std::size_t k = 0; k < slices.size(); ++k)
    slicesOf[slices[k].instance].push_back(k);
  std::vector<std::pair<const InstanceHeader*, std::vector<std::size_t>>> work(slicesOf.begin(), slicesOf.end());
  const std::size_t planeSize = std::size_t(g.size[0]) * g.size[1];
  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<bool> stop{false};
  std::vector<std::string> errors(work.size());
  std::vector<ErrorCode> codes(work.size(), ErrorCode::Internal);
  auto decodeOne = [&](std::size_t w) {
    const auto& [inst, ks] = work[w];
    try {
      const std::vector<float> stored = detail::decodeStoredValues(*inst);
      for (const std::size_t k : ks) {
        const FrameHeader& f = *slices[k].frame;
        const float* src = stored.data() + std::size_t(f.frameIndex) * planeSize;
        float* dst = out.image.voxels.data() + k * planeSize;
        const float slope = float(f.rescaleSlope), intercept = float(f.rescaleIntercept);
        for (std::size_t v = 0; v < planeSize; ++v)
          dst[v] = src[v] * slope + intercept;
      }
    } catch (const Error& e) {
      errors[w] = e.what();
      codes[w] = e.code();
      stop = true;
    } catch (const std::exception& e) {
      errors[w] = inst->file.string() + ": " + e.what();
      stop = true;
    }
    ++done;
  };
  core::initializeItkFactories(); // decoders may create ITK objects (GDCM through ITK) on the workers
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, work.size()));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back([&] {
      for (std::size_t w = next++; w < work.size() && !stop; w = next++)
        decodeOne(w);
    });
  try {
    for (std::size_t w = next++; w < work.size() && !stop; w = next++) {
      decodeOne(w);
      core::reportProgress(progress, "Reading slices", double(done) / double(work.size()));
    }
  } catch (...) {
    stop = true;
    for (auto& t : pool)
      t.join();
    throw;
  }
  for (auto& t : pool)
    t.join();
  for (std::size_t w = 0; w < work.size(); ++w)
    if (!errors[w].empty())
      throw Error(codes[w], errors[w] + " (" + ctx + ")");

  // Keep the instances in volume order for callers (e.g. writers referencing source images).
  std::vector<InstanceHeader> ordered;
  for (const auto& s : slices)
    if (ordered.empty() || ordered.back().sopInstanceUid != s.instance->sopInstanceUid)
      ordered.push_back(*s.instance);
  out.series.instances = std::move(ordered);
  core::reportProgress(progress, "Reading slices", 1.0);
  return out;
}

} // namespace vestige::dicom
