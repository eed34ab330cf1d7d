#pragma once
// Values made valid for their DICOM Value Representation (PS3.5 section 6.2) before Vestige writes them. Scanner
// headers in the wild carry e.g. 17-20 character Decimal Strings ("0.70312500000000000"); copied unchanged into a
// SEG or SR they make the whole object invalid. Every DICOM writer of this module passes what it copies from a
// source header through these rules (and through the dataset-wide pass built on them).
#include <cstddef>
#include <string>

namespace vestige::dicom {

// DS: the number in at most 16 characters with as many significant digits as fit (never a cut string).
[[nodiscard]] std::string formatDecimalString(double value);

// A DS value (values separated by '\'): each value that is over-long or not written as DICOM asks is
// re-formatted from its number; a value that is no number becomes empty. Valid values are returned unchanged.
[[nodiscard]] std::string validDecimalString(const std::string& value);

// IS (values separated by '\'): integers of at most 12 characters; "12.0" becomes "12", no number becomes empty.
[[nodiscard]] std::string validIntegerString(const std::string& value);

// CS (values separated by '\'): upper case, digits, space and '_' only (other characters dropped), at most 16
// characters each ("Abdomen/Pelvis" becomes the defined term "ABDOMENPELVIS").
[[nodiscard]] std::string validCodeString(const std::string& value);

// PN (values separated by '\'): at most 5 components, each component group at most 64 characters.
[[nodiscard]] std::string validPersonName(const std::string& value);

// Text of at most maxBytes bytes, cut at a UTF-8 character boundary; control characters other than those
// `keepLineBreaks` allows (CR, LF, FF, TAB for LT/ST/UT) become spaces.
[[nodiscard]] std::string clipText(const std::string& value, std::size_t maxBytes, bool keepLineBreaks = false);

// Text shortened to at most maxBytes at a word boundary (", " or space), never mid-word unless one word is
// longer than the limit; for descriptions written by Vestige.
[[nodiscard]] std::string shortenAtWord(const std::string& text, std::size_t maxBytes);

} // namespace vestige::dicom
