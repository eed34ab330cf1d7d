#pragma once
// Text of DICOM headers as UTF-8. Header strings are bytes in the dataset's SpecificCharacterSet (ISO_IR 100 Latin-1
// is common in Europe); everything downstream (JSON, HTML, PDF, logs) expects UTF-8. Decoding never fails: bytes that
// do not decode are replaced by U+FFFD, because a patient name with an odd byte must not take a plan down.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <string>

namespace vestige::dicom::detail {

// bytes in the given SpecificCharacterSet value (e.g. "ISO_IR 100", "ISO_IR 192", "" = default repertoire, or
// several values with code extensions) -> valid UTF-8.
[[nodiscard]] std::string decodeToUtf8(const std::string& bytes, const std::string& specificCharacterSet);

// Valid UTF-8 as is; every byte that is not part of a valid UTF-8 sequence replaced by U+FFFD.
[[nodiscard]] std::string sanitizeUtf8(const std::string& bytes);

// A text element (PN, LO, SH, ST, LT, UT, ...) of item, decoded by the character set of dataset (the item itself for
// top-level elements); empty when absent.
[[nodiscard]] std::string getText(DcmItem& item, const DcmTagKey& tag, DcmItem& dataset);

} // namespace vestige::dicom::detail
