#include "vestige/dicom/mask_io.h"

#include "seg_reader.h"
#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/core/itk_bridge.h"
#include "vestige/dicom/catalog.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/series_loader.h"

#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include <algorithm>
#include <cmath>
#include <system_error>

namespace fs = std::filesystem;
using vestige::core::Error;
using vestige::core::ErrorCode;

namespace vestige::dicom {

namespace {

// Voxels whose stored value is non-zero. The loader has applied the rescale, so with an intercept (some exports
// write CT-style -1024 into mask series) the background is the intercept, not 0.
core::Mask binarise(const LoadedSeries& loaded) {
  const FrameHeader* first = nullptr;
  for (const InstanceHeader& instance : loaded.series.instances)
    for (const FrameHeader& frame : instance.frameHeaders) {
      if (!first)
        first = &frame;
      else if (frame.rescaleSlope != first->rescaleSlope || frame.rescaleIntercept != first->rescaleIntercept)
        throw Error(ErrorCode::Unsupported,
                    "mask series mixes rescale slopes/intercepts (" + instance.file.filename().string() +
                        "), so its background value is not defined",
                    "series " + loaded.series.seriesUid);
    }
  const float background = first ? static_cast<float>(first->rescaleIntercept) : 0.0f;
  const core::Image& image = loaded.image;
  core::Mask mask(image.geometry, 0);
  for (std::size_t n = 0; n < image.voxels.size(); ++n)
    mask.voxels[n] = image.voxels[n] != background ? 1 : 0;
  return mask;
}

core::Mask loadVolumeFileMask(const fs::path& file, unsigned label) {
  if (label == 0)
    return readMaskFile(file);
  // A label map file: the segment number selects a label value, as a SEG's segment number selects a segment.
  const core::LabelMap labels = readLabelMapFile(file);
  if (label > 0xFFFFu)
    throw Error(ErrorCode::InvalidArgument, "label " + std::to_string(label) + " is out of range (1..65535)",
                file.string());
  core::Mask mask = core::extractLabel(labels, static_cast<std::uint16_t>(label));
  if (core::countNonZero(mask) == 0)
    throw Error(ErrorCode::NotFound, "no voxel has label " + std::to_string(label), file.string());
  return mask;
}

// Bounds of the voxel edges (not centres) along each LPS axis: the physical region a grid covers.
core::BoundsLps edgeBounds(const core::ImageGeometry& g) {
  core::BoundsLps b{{1e300, 1e300, 1e300}, {-1e300, -1e300, -1e300}};
  for (int corner = 0; corner < 8; ++corner) {
    const core::Vec3 idx{(corner & 1) ? double(g.size[0]) - 0.5 : -0.5, (corner & 2) ? double(g.size[1]) - 0.5 : -0.5,
                         (corner & 4) ? double(g.size[2]) - 0.5 : -0.5};
    const core::Vec3 p = g.indexToLps(idx);
    for (int a = 0; a < 3; ++a) {
      b.min[a] = std::min(b.min[a], p[a]);
      b.max[a] = std::max(b.max[a], p[a]);
    }
  }
  return b;
}

// Extent of one voxel of g along LPS axis a.
double voxelExtent(const core::ImageGeometry& g, int a) {
  double e = 0.0;
  for (int c = 0; c < 3; ++c)
    e += std::abs(g.direction[a][c]) * g.spacingMm[c];
  return e;
}

std::string extentText(const core::ImageGeometry& g) {
  const core::BoundsLps b = edgeBounds(g);
  return core::describe(g) + ", covering " + core::formatVec(b.min) + " to " + core::formatVec(b.max) + " mm LPS";
}

bool sameDirection(const core::ImageGeometry& a, const core::ImageGeometry& b) {
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      if (std::abs(a.direction[r][c] - b.direction[r][c]) > 1e-4)
        return false;
  return true;
}

// When mask's voxel centres are a block of the reference's (same spacing and direction, whole-voxel offset,
// inside): the offset of that block. SEGs typically store only the slices a segment touches.
bool blockOffset(const core::ImageGeometry& mask, const core::ImageGeometry& ref, std::array<std::size_t, 3>& offset) {
  if (!sameDirection(mask, ref))
    return false;
  for (int a = 0; a < 3; ++a)
    if (std::abs(mask.spacingMm[a] - ref.spacingMm[a]) * double(mask.size[a]) > 0.01)
      return false;
  const core::Vec3 idx = ref.lpsToIndex(mask.originLps);
  for (int a = 0; a < 3; ++a) {
    const double rounded = std::round(idx[a]);
    if (std::abs(idx[a] - rounded) * ref.spacingMm[a] > 0.01 || rounded < 0.0 ||
        rounded + double(mask.size[a]) > double(ref.size[a]))
      return false;
    offset[a] = static_cast<std::size_t>(rounded);
  }
  return true;
}

core::Mask embed(const core::Mask& mask, const core::ImageGeometry& ref, const std::array<std::size_t, 3>& offset) {
  core::Mask out(ref, 0);
  const core::Size3& s = mask.geometry.size;
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j) {
      const std::uint8_t* src = &mask.at(0, j, k);
      std::copy(src, src + s[0], &out.at(offset[0], offset[1] + j, offset[2] + k));
    }
  return out;
}

core::Mask resampleNearest(const core::Mask& mask, const core::ImageGeometry& ref, const std::string& what) {
  using MaskImage = itk::Image<std::uint8_t, 3>;
  const auto input = core::toItk(mask);
  auto filter = itk::ResampleImageFilter<MaskImage, MaskImage>::New();
  filter->SetInput(input);
  filter->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<MaskImage, double>::New());
  filter->SetDefaultPixelValue(0);
  // The output grid is the reference's: borrow its geometry through an empty image rather than set each field.
  auto referenceImage = MaskImage::New();
  core::applyGeometry(ref, *referenceImage);
  filter->SetUseReferenceImage(true);
  filter->SetReferenceImage(referenceImage);
  return core::translateItkErrors(ErrorCode::Internal, what, [&] {
    filter->Update();
    return core::fromItk(*filter->GetOutput());
  });
}

} // namespace

std::vector<Segment> readSegmentation(const fs::path& segFile) {
  return detail::readAllSegments(segFile);
}

core::Mask loadMask(const fs::path& input, unsigned segmentNumber, core::Progress* progress) {
  core::reportProgress(progress, "Reading mask", 0.0);
  std::error_code ec;
  core::Mask mask;
  if (fs::is_directory(input, ec)) {
    core::SubProgress scanProgress(progress, 0.0, 0.3);
    const Catalog catalog = scanCatalog(input, {}, progress ? &scanProgress : nullptr);
    // Asked for a mask, a SEG in the folder is the mask (a folder may also hold the CT it was drawn on).
    std::vector<fs::path> segFiles;
    for (const SeriesEntry* series : allSeries(catalog))
      if (series->kind == SeriesKind::Segmentation)
        for (const InstanceHeader& instance : series->instances)
          segFiles.push_back(instance.file);
    if (segFiles.size() == 1) {
      mask = detail::readSegmentMask(segFiles.front(), segmentNumber);
    } else if (segFiles.size() > 1) {
      std::string list;
      for (const fs::path& f : segFiles)
        list += "\n  " + f.string();
      throw Error(ErrorCode::Ambiguous,
                  std::to_string(segFiles.size()) + " DICOM SEG files found; give one of them:" + list, input.string());
    } else {
      if (segmentNumber > 0)
        throw Error(ErrorCode::InvalidArgument,
                    "a segment number applies to a DICOM SEG or label map file, not to a DICOM image series",
                    input.string());
      core::SubProgress loadProgress(progress, 0.3, 0.95);
      mask = binarise(loadSeries(selectSeries(catalog, {}), {}, progress ? &loadProgress : nullptr));
    }
  } else {
    core::requireReadable(input);
    if (isVolumeFile(input)) {
      mask = loadVolumeFileMask(input, segmentNumber);
    } else if (detail::isSegmentationFile(input)) {
      mask = detail::readSegmentMask(input, segmentNumber);
    } else {
      if (segmentNumber > 0)
        throw Error(ErrorCode::InvalidArgument,
                    "a segment number applies to a DICOM SEG or label map file; this is neither", input.string());
      core::SubProgress sub(progress, 0.0, 0.95);
      mask = binarise(loadSeries(input, {}, progress ? &sub : nullptr));
    }
  }
  core::reportProgress(progress, "Reading mask", 1.0);
  return mask;
}

core::Mask conformMask(const core::Mask& mask, const core::ImageGeometry& reference, const std::string& what,
                       GridMatch* match) {
  const core::ImageGeometry& g = mask.geometry;
  if (mask.voxels.size() != g.voxelCount() || g.voxelCount() == 0)
    throw Error(ErrorCode::InvalidArgument,
                "mask has " + std::to_string(mask.voxels.size()) + " voxels for a grid of " + core::describe(g), what);
  if (reference.voxelCount() == 0)
    throw Error(ErrorCode::InvalidArgument, "reference grid is empty", what);

  if (core::sameGrid(g, reference, 0.01)) {
    if (match)
      *match = GridMatch::Identical;
    core::Mask out = mask;
    out.geometry = reference; // drop sub-0.01 mm header noise so later sameGrid checks are exact
    return out;
  }

  std::array<std::size_t, 3> offset{};
  if (blockOffset(g, reference, offset)) {
    if (match)
      *match = GridMatch::Embedded;
    return embed(mask, reference, offset);
  }

  const core::BoundsLps mb = edgeBounds(g);
  const core::BoundsLps rb = edgeBounds(reference);
  for (int a = 0; a < 3; ++a) {
    const double tol = std::max(voxelExtent(g, a), voxelExtent(reference, a)) + 0.01;
    if (std::abs(mb.min[a] - rb.min[a]) > tol || std::abs(mb.max[a] - rb.max[a]) > tol)
      throw Error(ErrorCode::InconsistentData,
                  "mask is on another grid and does not cover the same region as the reference image (mask: " +
                      extentText(g) + "; reference: " + extentText(reference) + "). Was it drawn on another series?",
                  what);
  }
  if (match)
    *match = GridMatch::Resampled;
  return resampleNearest(mask, reference, what);
}

} // namespace vestige::dicom
