#include "text_decode.h"

#include <dcmtk/dcmdata/dcspchrs.h>

namespace vestige::dicom::detail {

namespace {

const char* const kReplacement = "\xEF\xBF\xBD"; // U+FFFD

bool isAscii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80)
      return false;
  return true;
}

// Length of the valid UTF-8 sequence starting at s[i], 0 when it is not one (overlong forms, surrogates and code
// points above U+10FFFF are invalid).
std::size_t utf8SequenceLength(const std::string& s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t n = 0;
  unsigned long cp = 0;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + n > s.size())
    return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u)
      return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

std::string latin1ToUtf8(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

} // namespace

std::string sanitizeUtf8(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t n = utf8SequenceLength(bytes, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(bytes, i, n);
      i += n;
    }
  }
  return out;
}

std::string decodeToUtf8(const std::string& bytes, const std::string& specificCharacterSet) {
  if (isAscii(bytes))
    return bytes;
  const std::string charset = trimmed(specificCharacterSet);
  if (charset == "ISO_IR 192")
    return sanitizeUtf8(bytes);
  // Latin-1 maps byte for byte onto the first 256 code points: no library needed, nothing can fail.
  if (charset == "ISO_IR 100")
    return latin1ToUtf8(bytes);
  if (!charset.empty() && DcmSpecificCharacterSet::isConversionAvailable()) {
    DcmSpecificCharacterSet converter;
    OFString converted;
    if (converter.selectCharacterSet(charset.c_str()).good() &&
        converter.convertString(bytes.data(), bytes.size(), converted).good())
      return sanitizeUtf8(std::string(converted.c_str(), converted.length()));
  }
  // No or an unknown character set, or bytes the declared set does not hold: keep what is valid UTF-8 (files that
  // write UTF-8 without declaring it are common) and replace the rest.
  return sanitizeUtf8(bytes);
}

std::string getText(DcmItem& item, const DcmTagKey& tag, DcmItem& dataset) {
  OFString value;
  if (item.findAndGetOFStringArray(tag, value).bad())
    return {};
  OFString charset;
  dataset.findAndGetOFStringArray(DCM_SpecificCharacterSet, charset);
  return decodeToUtf8(std::string(value.c_str(), value.length()), charset.c_str());
}

} // namespace vestige::dicom::detail
