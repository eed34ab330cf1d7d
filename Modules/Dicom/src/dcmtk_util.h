#pragma once
// Small private helpers over DCMTK's dataset API (never exposed in public headers).
#include "vestige/core/error.h"
#include "vestige/dicom/catalog.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <dcmtk/oflog/oflog.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vestige::dicom::detail {

// DCMTK logs warnings about harmless encoding slips (odd-length pixel data, stale group lengths) straight to
// stderr; Vestige reports problems through its own errors and notes instead.
inline void silenceDcmtkLog() {
  static std::once_flag once;
  std::call_once(once, [] { OFLog::configure(OFLogger::FATAL_LOG_LEVEL); });
}

inline std::string getString(DcmItem& item, const DcmTagKey& tag, long pos = 0) {
  OFString value;
  if (item.findAndGetOFString(tag, value, pos).good())
    return std::string(value.c_str());
  return {};
}

inline std::string getStringArray(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFStringArray(tag, value).good())
    return std::string(value.c_str());
  return {};
}

inline bool getDouble(DcmItem& item, const DcmTagKey& tag, double& out, long pos = 0) {
  Float64 v = 0;
  if (item.findAndGetFloat64(tag, v, pos).good()) {
    out = v;
    return true;
  }
  return false;
}

inline long getLong(DcmItem& item, const DcmTagKey& tag, long fallback = 0) {
  long v = 0;
  // Integer strings (IS) and binary integers (US/SS/UL) both reach here.
  Sint32 s = 0;
  if (item.findAndGetSint32(tag, s).good())
    return s;
  Uint16 u = 0;
  if (item.findAndGetUint16(tag, u).good())
    return u;
  if (item.findAndGetLongInt(tag, v).good())
    return v;
  return fallback;
}

// Reads n doubles of a multi-valued element; false when fewer are present.
inline bool getDoubles(DcmItem& item, const DcmTagKey& tag, double* out, int n) {
  for (int i = 0; i < n; ++i) {
    Float64 v = 0;
    if (item.findAndGetFloat64(tag, v, i).bad())
      return false;
    out[i] = v;
  }
  return true;
}

// DICOM date "YYYYMMDD" as "YYYY-MM-DD"; anything else as is.
inline std::string isoDate(const std::string& da) {
  if (da.size() == 8 && da.find_first_not_of("0123456789") == std::string::npos)
    return da.substr(0, 4) + "-" + da.substr(4, 2) + "-" + da.substr(6, 2);
  return da;
}

// Every text value of the item (and its sequences) made valid for its VR with the rules of vr_rules.h: DS
// re-formatted from the number, IS/CS/PN repaired, AE/SH/LO/ST/LT clipped at a character boundary (vr_rules.cpp).
void makeValuesValid(DcmItem& item);

// All text of the dataset in UTF-8, SpecificCharacterSet ISO_IR 192 (undeclared non-ASCII bytes read as Latin-1;
// '?' for bytes no conversion accepts). Vestige's strings (catalog, plan.json) are UTF-8.
void convertToUtf8(DcmItem& dataset);

// A header read from a source series made fit to copy into Vestige's outputs: converted to UTF-8
// (SpecificCharacterSet ISO_IR 192; undeclared non-ASCII bytes read as Latin-1), then makeValuesValid.
void makeHeaderValid(DcmItem& dataset);

// Shared by the SEG, SR and Secondary Capture writers (defined in seg_writer.cpp).
void checkCondition(const OFCondition& cond, const std::string& what, const std::string& context);
std::string newUid(const char* root);
// The first instance's header of the source series, already through makeHeaderValid.
std::unique_ptr<DcmFileFormat> loadSourceHeader(const SeriesEntry& source);
// Any instance's header, through makeHeaderValid; maxReadLength: longer values (pixel data) are not loaded (pixel data
// skipped).
std::unique_ptr<DcmFileFormat> loadValidHeader(const std::filesystem::path& file, Uint32 maxReadLength = 4096);
void copySourceContext(DcmItem& source, DcmItem& target);
// Declares the private coding schemes (designators starting with "99") used in the dataset, as PS3.3 C.12.1.1.7 asks.
void declarePrivateCodingSchemes(DcmItem& dataset, const std::vector<std::string>& designators,
                                 const std::string& organisation);
// Makes every value valid (makeValuesValid) and saves atomically (core::writeAtomically).
void saveAtomically(DcmFileFormat& ff, const std::filesystem::path& file);
void currentDateTime(std::string& date, std::string& time);

} // namespace vestige::dicom::detail
