#pragma once
// Masks and segmentations from every format Vestige reads: NIfTI/NRRD/MetaImage files, DICOM image series used
// as masks (3D-IRCADb style, 0/255), and DICOM SEG (one binary mask per segment). And the check that a mask
// belongs on a reference grid.
#include "vestige/core/image.h"
#include "vestige/core/progress.h"

#include <filesystem>
#include <string>
#include <vector>

namespace vestige::dicom {

struct Segment {
  unsigned number = 0;         // SegmentNumber (1-based)
  std::string label;           // SegmentLabel
  std::string categoryMeaning; // SegmentedPropertyCategoryCodeSequence CodeMeaning
  std::string typeMeaning;     // SegmentedPropertyTypeCodeSequence CodeMeaning
  core::Mask mask;             // on the SEG's own grid (all frames of all segments), LPS mm
};

// Reads a DICOM SEG. Binary and fractional (thresholded at 50 %) segmentations; every segment on one common grid
// built from the frames' plane positions. Throws core::Error naming the file on anything it cannot place.
[[nodiscard]] std::vector<Segment> readSegmentation(const std::filesystem::path& segFile);

// Reads a mask from a volume file, a DICOM SEG file (the union of all its segments, or `segmentNumber` if > 0),
// or a DICOM image series (non-zero voxels become 1). A folder gives its one DICOM SEG if it holds exactly one
// (several: Error(Ambiguous)), else its one image series (as loadSeries picks it). For a volume file,
// `segmentNumber` > 0 selects the voxels with that label value. A segment number or label that the input does not
// contain is Error(NotFound); a segment number given for a DICOM image series is Error(InvalidArgument).
[[nodiscard]] core::Mask loadMask(const std::filesystem::path& input, unsigned segmentNumber = 0,
                                  core::Progress* progress = nullptr);

enum class GridMatch { Identical, Embedded, Resampled };

// Puts mask on the reference grid. Identical grid (within 0.01 mm): returned as is. Mask voxels on the
// reference's lattice but covering only part of it (a SEG storing only the slices its segments touch): copied
// into place, zero elsewhere (Embedded). Same physical region (voxel-edge bounds agree within one voxel of the
// coarser grid) but other sampling or direction: resampled with nearest neighbour. Anything else:
// core::Error(InconsistentData) naming `what` and both extents.
[[nodiscard]] core::Mask conformMask(const core::Mask& mask, const core::ImageGeometry& reference,
                                     const std::string& what, GridMatch* match = nullptr);

} // namespace vestige::dicom
