// Value Representation rules (vr_rules.h) and the dataset-wide pass that applies them to headers copied from source
// series (dcmtk_util.h: makeHeaderValid).
#include "vestige/dicom/vr_rules.h"

#include "dcmtk_util.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace vestige::dicom {

namespace {

std::vector<std::string> splitValues(const std::string& value, char separator = '\\') {
  std::vector<std::string> out(1);
  for (char c : value) {
    if (c == separator)
      out.emplace_back();
    else
      out.back().push_back(c);
  }
  return out;
}

std::string joinValues(const std::vector<std::string>& values, char separator = '\\') {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i)
    out += (i ? std::string(1, separator) : std::string()) + values[i];
  return out;
}

std::string trimSpaces(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

bool parseNumber(const std::string& text, double& out) {
  const std::string t = trimSpaces(text);
  if (t.empty())
    return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size() && errno == 0 && std::isfinite(out);
}

// DS characters (PS3.5 table 6.2-1): digits, '+', '-', 'E', 'e', '.' and leading/trailing spaces.
bool isValidDsValue(const std::string& v) {
  if (v.size() > 16)
    return false;
  double unused = 0;
  if (trimSpaces(v).empty())
    return true;
  if (v.find_first_not_of("0123456789+-Ee. ") != std::string::npos)
    return false;
  return parseNumber(v, unused);
}

bool isUtf8Continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

} // namespace

std::string formatDecimalString(double value) {
  if (!std::isfinite(value))
    return "0";
  if (std::abs(value) < 1e-300)
    value = 0.0; // also turns -0 into 0
  char buffer[40];
  for (int precision = 16; precision >= 1; --precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::char_traits<char>::length(buffer) <= 16)
      return buffer;
  }
  return "0"; // unreachable: %.1g of a finite double has at most 7 characters
}

std::string validDecimalString(const std::string& value) {
  std::vector<std::string> values = splitValues(value);
  for (std::string& v : values) {
    if (isValidDsValue(v))
      continue;
    double number = 0;
    v = parseNumber(v, number) ? formatDecimalString(number) : std::string();
  }
  return joinValues(values);
}

std::string validIntegerString(const std::string& value) {
  std::vector<std::string> values = splitValues(value);
  for (std::string& v : values) {
    const std::string t = trimSpaces(v);
    if (t.empty())
      continue;
    const std::size_t digitsFrom = (t[0] == '-' || t[0] == '+') ? 1 : 0;
    const bool integerText =
        t.size() > digitsFrom && t.find_first_not_of("0123456789", digitsFrom) == std::string::npos;
    if (integerText && v.size() <= 12) {
      const long long n = std::strtoll(t.c_str(), nullptr, 10);
      if (n >= -2147483648LL && n <= 2147483647LL)
        continue; // valid as it is
    }
    double number = 0;
    if (parseNumber(v, number) && std::abs(std::round(number)) <= 2147483647.0) {
      char buffer[24];
      std::snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(std::llround(number)));
      v = buffer;
    } else {
      v.clear();
    }
  }
  return joinValues(values);
}

std::string validCodeString(const std::string& value) {
  std::vector<std::string> values = splitValues(value);
  for (std::string& v : values) {
    std::string out;
    for (char c : trimSpaces(v)) {
      const unsigned char u = static_cast<unsigned char>(c);
      if (std::isalnum(u) && u < 0x80)
        out.push_back(static_cast<char>(std::toupper(u)));
      else if (c == ' ' || c == '_')
        out.push_back(c);
      // other characters are dropped: "Abdomen/Pelvis" becomes the defined term ABDOMENPELVIS
    }
    v = out.substr(0, 16);
  }
  return joinValues(values);
}

std::string validPersonName(const std::string& value) {
  std::vector<std::string> values = splitValues(value);
  for (std::string& v : values) {
    std::vector<std::string> groups = splitValues(v, '=');
    if (groups.size() > 3)
      groups.resize(3);
    for (std::string& group : groups) {
      std::vector<std::string> parts = splitValues(group, '^');
      while (parts.size() > 5) { // extra components join the suffix rather than being lost
        parts[parts.size() - 2] += " " + parts.back();
        parts.pop_back();
      }
      group = clipText(joinValues(parts, '^'), 64);
    }
    v = joinValues(groups, '=');
  }
  return joinValues(values);
}

std::string clipText(const std::string& value, std::size_t maxBytes, bool keepLineBreaks) {
  std::string out = value;
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    const bool lineBreak = c == '\r' || c == '\n' || c == '\f' || c == '\t';
    if (u < 0x20 && u != 0x1B && !(keepLineBreaks && lineBreak))
      c = ' ';
  }
  if (out.size() <= maxBytes)
    return out;
  std::size_t cut = maxBytes;
  while (cut > 0 && isUtf8Continuation(static_cast<unsigned char>(out[cut])))
    --cut;
  return out.substr(0, cut);
}

std::string shortenAtWord(const std::string& text, std::size_t maxBytes) {
  if (text.size() <= maxBytes)
    return text;
  std::size_t cut = text.rfind(' ', maxBytes);
  if (cut == std::string::npos || cut == 0)
    return clipText(text, maxBytes);
  while (cut > 0 && (text[cut - 1] == ',' || text[cut - 1] == ';' || text[cut - 1] == ' '))
    --cut;
  return text.substr(0, cut);
}

namespace detail {

namespace {

// Largest value length in bytes per VR (PS3.5 table 6.2-1); 0: no limit Vestige needs to enforce.
std::size_t maxBytes(DcmEVR vr) {
  switch (vr) {
  case EVR_AE:
    return 16;
  case EVR_SH:
    return 16;
  case EVR_LO:
    return 64;
  case EVR_ST:
    return 1024;
  case EVR_LT:
    return 10240;
  default:
    return 0;
  }
}

void makeElementValid(DcmElement& element) {
  const DcmEVR vr = element.ident();
  if (vr != EVR_DS && vr != EVR_IS && vr != EVR_CS && vr != EVR_PN && vr != EVR_AE && vr != EVR_SH && vr != EVR_LO &&
      vr != EVR_ST && vr != EVR_LT && vr != EVR_UT && vr != EVR_UC)
    return;
  OFString raw;
  if (element.getOFStringArray(raw).bad())
    return;
  const std::string value(raw.c_str(), raw.length());
  std::string fixed;
  switch (vr) {
  case EVR_DS:
    fixed = validDecimalString(value);
    break;
  case EVR_IS:
    fixed = validIntegerString(value);
    break;
  case EVR_CS:
    fixed = validCodeString(value);
    break;
  case EVR_PN:
    fixed = validPersonName(value);
    break;
  case EVR_ST:
  case EVR_LT:
  case EVR_UT:
    fixed = clipText(value, vr == EVR_UT ? value.size() : maxBytes(vr), true);
    break;
  case EVR_UC:
    fixed = clipText(value, value.size());
    break;
  default: { // AE, SH, LO: multi-valued, each value limited
    std::vector<std::string> values = splitValues(value);
    for (std::string& v : values)
      v = clipText(v, maxBytes(vr));
    fixed = joinValues(values);
  }
  }
  if (fixed != value)
    element.putString(fixed.c_str());
}

// Calls edit on the value of every element that holds character-set text (recursing into sequences); when edit
// changes the value it is written back.
void editTextValues(DcmItem& item, const std::function<void(std::string&)>& edit) {
  for (unsigned long i = 0; i < item.card(); ++i) {
    DcmElement* element = item.getElement(i);
    if (element == nullptr)
      continue;
    if (element->ident() == EVR_SQ) {
      auto* sequence = static_cast<DcmSequenceOfItems*>(element);
      for (unsigned long n = 0; n < sequence->card(); ++n)
        editTextValues(*sequence->getItem(n), edit);
      continue;
    }
    if (!element->isAffectedBySpecificCharacterSet())
      continue;
    OFString raw;
    if (element->getOFStringArray(raw).bad())
      continue;
    const std::string value(raw.c_str(), raw.length());
    std::string edited = value;
    edit(edited);
    if (edited != value)
      element->putString(edited.c_str());
  }
}

// Non-ASCII bytes of every text value become '?': the last resort when no character set conversion applies.
void replaceNonAscii(DcmItem& item) {
  editTextValues(item, [](std::string& value) {
    for (char& c : value)
      if (static_cast<unsigned char>(c) >= 0x80)
        c = '?';
  });
}

// Length of the valid UTF-8 sequence starting at s[i], 0 when there is none (overlong forms, surrogates and code
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

// Bytes that are not UTF-8 in a header that says it is (DCMTK does not convert UTF-8 to UTF-8) become U+FFFD:
// JSON, HTML and PDF writers downstream need valid UTF-8, and a patient name with an odd byte must not stop a plan.
void replaceInvalidUtf8(DcmItem& item) {
  editTextValues(item, [](std::string& value) {
    std::string fixed;
    for (std::size_t k = 0; k < value.size();) {
      const std::size_t n = utf8SequenceLength(value, k);
      fixed += n == 0 ? std::string("\xEF\xBF\xBD") : value.substr(k, n);
      k += n == 0 ? 1 : n;
    }
    value = fixed;
  });
}

} // namespace

void makeValuesValid(DcmItem& item) {
  for (unsigned long i = 0; i < item.card(); ++i) {
    DcmElement* element = item.getElement(i);
    if (element == nullptr)
      continue;
    if (element->ident() == EVR_SQ) {
      auto* sequence = static_cast<DcmSequenceOfItems*>(element);
      for (unsigned long n = 0; n < sequence->card(); ++n)
        makeValuesValid(*sequence->getItem(n));
      continue;
    }
    if (element->getTag().getGroup() != 0x0002)
      makeElementValid(*element);
  }
}

void convertToUtf8(DcmItem& dataset) {
  silenceDcmtkLog();
  // A header with non-ASCII bytes but no (or a wrong) SpecificCharacterSet is read as Latin-1, the most common
  // unstated character set.
  const std::string declared = getStringArray(dataset, DCM_SpecificCharacterSet);
  if (dataset.convertCharacterSet(declared.c_str(), "ISO_IR 192", 0, OFTrue).bad() &&
      dataset.convertCharacterSet("ISO_IR 100", "ISO_IR 192", 0, OFTrue).bad()) {
    replaceNonAscii(dataset);
    dataset.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  }
  if (getString(dataset, DCM_SpecificCharacterSet).empty())
    dataset.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  replaceInvalidUtf8(dataset);
}

void makeHeaderValid(DcmItem& dataset) {
  convertToUtf8(dataset); // first, so that length limits cut whole characters
  makeValuesValid(dataset);
}

} // namespace detail

} // namespace vestige::dicom
