#pragma once
// Spoils the headers of a DICOM series the way independently made scans in the wild do, without changing what they
// describe: Decimal Strings of 17-20 characters holding the same numbers, over-long SH/LO values, Latin-1 names
// (SpecificCharacterSet ISO_IR 100), a person name with every caret, a CS that is not upper case. Used by the
// Dicom and Report tests (the Report test includes it by path). DCMTK writes the invalid values as given.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace vestige::testing_bad_headers {

// value written with trailing zeros (or ".000...") up to `length` characters: the same number, an invalid DS.
inline std::string padDecimal(std::string value, std::size_t length) {
  if (value.find_first_of("eE") != std::string::npos)
    return value;
  if (value.find('.') == std::string::npos)
    value += '.';
  while (value.size() < length)
    value += '0';
  return value;
}

inline const DcmTagKey kSpoiledDecimalTags[] = {DCM_PixelSpacing,
                                                DCM_ImagePositionPatient,
                                                DCM_ImageOrientationPatient,
                                                DCM_SliceThickness,
                                                DCM_SpacingBetweenSlices,
                                                DCM_SliceLocation,
                                                DCM_RescaleIntercept,
                                                DCM_RescaleSlope,
                                                DCM_WindowCenter,
                                                DCM_WindowWidth,
                                                DCM_KVP};

inline void spoilHeader(const std::filesystem::path& file) {
  DcmFileFormat ff;
  if (ff.loadFile(file.string().c_str()).bad())
    throw std::runtime_error("cannot read " + file.string());
  DcmDataset& d = *ff.getDataset();
  d.loadAllDataIntoMemory(); // the file is rewritten in place: large values must not be read from it lazily
  std::size_t n = 0;
  for (const DcmTagKey& tag : kSpoiledDecimalTags) {
    OFString value;
    if (d.findAndGetOFStringArray(tag, value).bad())
      continue;
    std::string out, current;
    const std::string text = std::string(value.c_str()) + "\\";
    for (char c : text) {
      if (c != '\\') {
        current += c;
        continue;
      }
      out += (out.empty() ? "" : "\\") + padDecimal(current, 17 + (n++ % 4)); // 17..20 characters
      current.clear();
    }
    d.putAndInsertString(tag, out.c_str());
  }
  d.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 100");
  d.putAndInsertString(DCM_PatientName, "M\xfcller-L\xfc"
                                        "denscheid^J\xfcrgen Maria^von^Dr. med.^MSc");
  d.putAndInsertString(DCM_ReferringPhysicianName, "R\xf6ntgen^Wilhelm^Conrad^Prof. Dr.^");
  d.putAndInsertString(DCM_StudyDescription, "Abdomen 1 Leber mit Kontrastmittel portalven\xf6s, Nachsorge nach "
                                             "Chemotherapie (Studienprotokoll B)");
  d.putAndInsertString(DCM_StationName, "CT-STATION-NUMBER-ONE-OVERLONG");
  d.putAndInsertString(DCM_AccessionNumber, "ACC-2026-000000000123");
  d.putAndInsertString(DCM_StudyID, "STUDY-ID-1234567890");
  d.putAndInsertString(DCM_InstitutionName, "Universit\xe4tsklinikum f\xfcr Radiologie und Nuklearmedizin, "
                                            "Abteilung f\xfcr Abdominelle Bildgebung");
  d.putAndInsertString(DCM_BodyPartExamined, "Abdomen/Pelvis");
  if (ff.saveFile(file.string().c_str(), EXS_LittleEndianExplicit).bad())
    throw std::runtime_error("cannot write " + file.string());
}

inline void spoilSeriesHeaders(const std::filesystem::path& folder) {
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.is_regular_file())
      spoilHeader(entry.path());
}

} // namespace vestige::testing_bad_headers
