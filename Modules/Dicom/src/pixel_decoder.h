#pragma once
// Decoding the stored pixel values of one DICOM instance (all frames) into floats, before rescale.
// DCMTK decodes uncompressed, JPEG (baseline, extended, lossless), JPEG-LS and RLE; GDCM decodes JPEG 2000,
// which Debian's DCMTK lacks, and serves as a second chance when DCMTK fails.
#include "vestige/dicom/catalog.h"

#include <vector>

namespace vestige::dicom::detail {

// Returns rows*columns*frames stored values (row-major per frame, frames consecutive), sign and bits-stored
// handled. Throws core::Error naming the file when the data are truncated, undecodable or not single-channel.
[[nodiscard]] std::vector<float> decodeStoredValues(const InstanceHeader& header);

} // namespace vestige::dicom::detail
