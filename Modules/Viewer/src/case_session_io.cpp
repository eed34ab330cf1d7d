// Saving a CaseSession as a case file, and its autosave for recovery after a crash.
#include "case_session.h"

#include "case_session_impl.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/seg_writer.h"
#include "vestige/registration/markups.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace vestige::viewer {

using core::Error;
using core::ErrorCode;

namespace {

const char* const kDateKeys[2] = {"baseline", "followup"};
constexpr const char* kLabelFile = "lesions.nii.gz";
constexpr const char* kSegFile = "lesions_seg.dcm";
constexpr const char* kSessionFile = "session.json"; // marks an autosave folder

// A path as the case file writes it: relative to the case file's folder when it lies inside it (so a case folder
// can be moved whole), else absolute (a relative path up and across folders breaks when either moves).
std::string casePath(const fs::path& p, const fs::path& folder) {
  const fs::path absolute = fs::absolute(p).lexically_normal();
  const fs::path rel = absolute.lexically_relative(fs::absolute(folder).lexically_normal());
  return rel.empty() || *rel.begin() == ".." ? absolute.string() : rel.generic_string();
}

// Keeps what is on disk as <name>.bak before it is replaced; the replacement itself is atomic.
void backUp(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    return;
  fs::path backup = file;
  backup += ".bak";
  fs::copy_file(file, backup, fs::copy_options::overwrite_existing, ec);
  if (ec)
    throw Error(ErrorCode::Io, "could not keep a backup: " + ec.message(), backup.string());
}

json seriesJson(const planning::SeriesRef& ref, const fs::path& folder) {
  json j{{"series", casePath(ref.series, folder)}};
  if (!ref.seriesUid.empty())
    j["series_uid"] = ref.seriesUid;
  return j;
}

json confirmationJson(const planning::Confirmation& c) {
  json j{{"by", c.by}, {"utc", c.utc}};
  if (!c.note.empty())
    j["note"] = c.note;
  return j;
}

json signOffJson(const planning::SignOff& s) {
  json j = json::object();
  if (s.livers)
    j["livers"] = confirmationJson(*s.livers);
  if (s.statuses)
    j["statuses"] = confirmationJson(*s.statuses);
  return j;
}

// The case's settings (everything but lesions and livers), paths relative to folder.
json settingsJson(const planning::CaseFile& spec, const fs::path& folder) {
  json j;
  json patient{{"liver_condition", planning::name(spec.patient.liverCondition)}};
  if (spec.patient.heightCm)
    patient["height_cm"] = *spec.patient.heightCm;
  if (spec.patient.weightKg)
    patient["weight_kg"] = *spec.patient.weightKg;
  j["patient"] = patient;
  j["baseline"] = seriesJson(spec.baseline, folder);
  j["followup"] = seriesJson(spec.followup, folder);
  j["margin_mm"] = spec.marginMm;
  j["bsa_formula"] = planning::name(spec.bsaFormula);
  j["telv_formula"] = planning::name(spec.telvFormula);
  j["registration_metric"] = spec.registrationMetric;
  j["diagnosis"] = spec.diagnosis;
  j["lesions"] = json::array();
  return j;
}

std::vector<dicom::SegmentSpec> lesionSegments(const SessionState& s) {
  // The codes of the plan's DICOM exports (Report): a lesion is a morphologically abnormal structure whose type
  // follows the case's diagnosis, in the liver.
  const dicom::CodedConcept abnormal{"49755003", "SCT", "Morphologically Abnormal Structure"};
  const dicom::CodedConcept type = s.spec.diagnosis == "hcc"
                                       ? dicom::CodedConcept{"25370001", "SCT", "Hepatocellular carcinoma"}
                                       : dicom::CodedConcept{"14799000", "SCT", "Neoplasm, Secondary"};
  const dicom::CodedConcept liver{"10200004", "SCT", "Liver"};
  std::vector<dicom::SegmentSpec> segments;
  for (const SessionLesion& l : s.lesions)
    segments.push_back({l.id,
                        "Lesion site marked on the baseline",
                        abnormal,
                        type,
                        liver,
                        {230, 159, 0},
                        l.id,
                        core::extractLabel(s.labels, l.label)});
  return segments;
}

// --- Run-length files of the autosave: a few kB for a mask, written in one pass (a NIfTI of the same volume takes
// about a second to compress, too slow for a timer on the UI thread). Layout: "VRLE1", voxel count (u64), then runs
// of (value u16, length u32).
template <class T> void writeRuns(const std::vector<T>& voxels, const fs::path& file) {
  std::ofstream out(file, std::ios::binary);
  out.write("VRLE1", 5);
  const std::uint64_t count = voxels.size();
  out.write(reinterpret_cast<const char*>(&count), sizeof count);
  std::size_t n = 0;
  while (n < voxels.size()) {
    std::size_t m = n + 1;
    while (m < voxels.size() && voxels[m] == voxels[n] && m - n < std::numeric_limits<std::uint32_t>::max())
      ++m;
    const std::uint16_t value = voxels[n];
    const std::uint32_t length = static_cast<std::uint32_t>(m - n);
    out.write(reinterpret_cast<const char*>(&value), sizeof value);
    out.write(reinterpret_cast<const char*>(&length), sizeof length);
    n = m;
  }
  out.flush();
  if (!out)
    throw Error(ErrorCode::Io, "write failed", file.string());
}

template <class T> void readRuns(std::vector<T>& voxels, const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[5] = {};
  std::uint64_t count = 0;
  in.read(magic, 5);
  in.read(reinterpret_cast<char*>(&count), sizeof count);
  if (!in || std::string(magic, 5) != "VRLE1" || count != voxels.size())
    throw Error(ErrorCode::InvalidFormat, "not an autosave run-length file of this grid", file.string());
  std::size_t n = 0;
  while (n < voxels.size()) {
    std::uint16_t value = 0;
    std::uint32_t length = 0;
    in.read(reinterpret_cast<char*>(&value), sizeof value);
    in.read(reinterpret_cast<char*>(&length), sizeof length);
    if (!in || length == 0 || n + length > voxels.size())
      throw Error(ErrorCode::InvalidFormat, "truncated or corrupt", file.string());
    std::fill(voxels.begin() + long(n), voxels.begin() + long(n + length), static_cast<T>(value));
    n += length;
  }
}

json pointJson(const core::Vec3& p) {
  return json::array({p[0], p[1], p[2]});
}
core::Vec3 pointOf(const json& j) {
  return {j.at(0).get<double>(), j.at(1).get<double>(), j.at(2).get<double>()};
}

std::optional<planning::Confirmation> confirmationOf(const json& j, const char* key) {
  if (!j.contains(key))
    return std::nullopt;
  const json& c = j[key];
  return planning::Confirmation{c.at("by").get<std::string>(), c.at("utc").get<std::string>(),
                                c.value("note", std::string())};
}

json readJsonFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return json::parse(buffer.str());
  } catch (const json::exception& e) {
    throw Error(ErrorCode::InvalidFormat, std::string("not valid JSON: ") + e.what(), file.string());
  }
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Saving

void CaseSession::save(const fs::path& caseFileIn, core::Progress* progress) {
  SessionState& s = *m_impl;
  if (s.stroke)
    throw Error(ErrorCode::InvalidArgument, "a stroke is open", "save");
  for (const SessionLesion& l : s.lesions)
    if (l.volumeMl <= 0.0)
      throw Error(ErrorCode::InvalidArgument, "the site has no voxels: paint it or delete it before saving", l.id);
  const fs::path caseFile = fs::absolute(caseFileIn).lexically_normal();
  const fs::path folder = caseFile.parent_path();
  core::createFolder(folder);
  json root = settingsJson(s.spec, folder);

  core::reportProgress(progress, "Saving lesion masks", 0.1);
  bool anyMask = false;
  for (const SessionLesion& l : s.lesions)
    anyMask = anyMask || l.kind != lesions::MarkKind::Line;
  if (anyMask) {
    backUp(folder / kLabelFile);
    dicom::writeLabelMap(s.labels, folder / kLabelFile); // atomic
  }
  for (const SessionLesion& l : s.lesions) {
    json entry{{"id", l.id}};
    if (l.kind == lesions::MarkKind::Line) {
      // A line mark stays a line for Slicer and for the plan (a ball of its length around its midpoint).
      const fs::path markup = folder / "marks" / (l.id + ".mrk.json");
      backUp(markup);
      registration::writeMarkups(
          {{registration::MarkupType::Line, l.id, {{"start", *l.lineStartLps, {}}, {"end", *l.lineEndLps, {}}}}},
          markup);
      entry["markup"] = casePath(markup, folder);
    } else {
      entry["mask"] = kLabelFile;
      entry["segment"] = l.label;
    }
    if (l.statusConfirmed && !l.followupStatus.empty())
      entry["followup_status"] = l.followupStatus;
    if (!l.note.empty())
      entry["note"] = l.note;
    root["lesions"].push_back(entry);
  }
  if (s.baselineSeries && !s.lesions.empty()) {
    core::SubProgress segProgress(progress, 0.2, 0.6);
    dicom::DerivedSeriesInfo info;
    info.seriesDescription = "Vestige lesion sites (baseline)";
    info.contentLabel = "LESIONS";
    info.contentDescription = "Lesion sites marked on the baseline";
    backUp(folder / kSegFile);
    dicom::writeSegmentation(*s.baselineSeries, lesionSegments(s), info, folder / kSegFile, &segProgress);
  }

  core::reportProgress(progress, "Saving livers", 0.6);
  for (int d = 0; d < 2; ++d) {
    const std::string key = std::string(kDateKeys[d]) + "_liver";
    if (s.liverSources[d].edited()) {
      const fs::path file = folder / (key + ".nii.gz");
      backUp(file);
      dicom::writeMask(s.livers[d], file);
      root[key] = casePath(file, folder);
    } else if (s.liverSources[d].file) {
      root[key] = casePath(*s.liverSources[d].file, folder);
    }
  }
  if (s.signOff.livers || s.signOff.statuses)
    root["sign_off"] = signOffJson(s.signOff);

  core::reportProgress(progress, "Saving the case file", 0.9);
  backUp(caseFile);
  core::writeTextAtomically(caseFile, root.dump(2) + "\n");
  for (int d = 0; d < 2; ++d)
    if (s.liverSources[d].edited()) { // the saved file is the liver's source from now on
      s.liverSources[d].file = folder / (std::string(kDateKeys[d]) + "_liver.nii.gz");
      s.liverSources[d].editDepth = 0;
    }
  s.caseFile = caseFile;
  s.savedSerial = s.topSerial();
  s.signOffChanged = false;
  core::reportProgress(progress, "Saved", 1.0);
}

const std::optional<fs::path>& CaseSession::caseFile() const {
  return m_impl->caseFile;
}

planning::CaseFile CaseSession::toCaseFile() const {
  if (!m_impl->caseFile)
    throw Error(ErrorCode::InvalidArgument, "the case has not been saved yet: save it before planning", "case");
  if (modified())
    throw Error(ErrorCode::InvalidArgument, "the case has unsaved edits: save it before planning",
                m_impl->caseFile->string());
  return planning::readCaseFile(*m_impl->caseFile);
}

// ---------------------------------------------------------------------------------------------------------------
// Autosave and recovery

void CaseSession::autosave(const fs::path& folder) const {
  const SessionState& s = *m_impl;
  core::StagingFolder staging(folder, kSessionFile);
  const fs::path dir = staging.path();
  json root;
  root["format"] = "vestige-autosave-1";
  root["saved_utc"] = utcNow();
  root["edit_count"] = s.done;
  if (s.caseFile)
    root["case_file"] = s.caseFile->string();
  // Absolute paths: the autosave folder lives elsewhere than the case.
  root["case"] = settingsJson(s.spec, fs::path("/"));
  root["case"]["baseline"]["series"] = fs::absolute(s.spec.baseline.series).string();
  root["case"]["followup"]["series"] = fs::absolute(s.spec.followup.series).string();
  json sites = json::array();
  for (const SessionLesion& l : s.lesions) {
    json j{{"id", l.id},
           {"label", l.label},
           {"kind", lesions::markKindName(l.kind)},
           {"centre_lps", pointJson(l.centreLps)},
           {"followup_status", l.followupStatus},
           {"status_confirmed", l.statusConfirmed},
           {"note", l.note}};
    if (l.lineStartLps && l.lineEndLps) {
      j["line_start_lps"] = pointJson(*l.lineStartLps);
      j["line_end_lps"] = pointJson(*l.lineEndLps);
    }
    sites.push_back(j);
  }
  root["lesions"] = sites;
  root["sign_off"] = signOffJson(s.signOff);
  for (int d = 0; d < 2; ++d) {
    json liver{{"edited", s.liverSources[d].edited()}};
    if (s.liverSources[d].file)
      liver["source_file"] = s.liverSources[d].file->string();
    json slices = json::array();
    for (int a = 0; a < 3; ++a)
      slices.push_back(json(std::vector<std::size_t>(s.handSlices[d][a].begin(), s.handSlices[d][a].end())));
    liver["hand_slices"] = slices;
    root["livers"][kDateKeys[d]] = liver;
    writeRuns(s.livers[d].voxels, dir / (std::string(kDateKeys[d]) + "_liver.rle"));
  }
  writeRuns(s.labels.voxels, dir / "lesions.rle");
  std::ofstream out(dir / kSessionFile);
  out << root.dump(1) << "\n";
  out.flush();
  if (!out)
    throw Error(ErrorCode::Io, "write failed", (dir / kSessionFile).string());
  staging.commit();
}

std::optional<RecoveryInfo> CaseSession::findRecovery(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_regular_file(folder / kSessionFile, ec))
    return std::nullopt;
  try {
    const json root = readJsonFile(folder / kSessionFile);
    RecoveryInfo info;
    info.folder = folder;
    info.savedUtc = root.at("saved_utc").get<std::string>();
    info.lesionCount = root.at("lesions").size();
    info.editCount = root.at("edit_count").get<std::size_t>();
    return info;
  } catch (const std::exception&) {
    return std::nullopt; // an unreadable autosave is no recovery to offer
  }
}

std::unique_ptr<CaseSession> CaseSession::recover(const fs::path& folder, core::Progress* progress) {
  const fs::path sessionFile = folder / kSessionFile;
  core::requireReadable(sessionFile);
  const json root = readJsonFile(sessionFile);
  std::unique_ptr<CaseSession> session(new CaseSession());
  SessionState& s = *session->m_impl;
  try {
    s.spec = planning::parseCaseFile(root.at("case").dump(), sessionFile);
    // The scans again from their series; the masks from the autosave (no segmentation needed).
    for (int d = 0; d < 2; ++d) {
      core::SubProgress load(progress, 0.45 * d, 0.45 * d + 0.45);
      loadScan(s, d, d == 0 ? s.spec.baseline : s.spec.followup, &load);
      const json& liver = root.at("livers").at(kDateKeys[d]);
      s.livers[d] = core::Mask(s.images[d].geometry, 0);
      readRuns(s.livers[d].voxels, folder / (std::string(kDateKeys[d]) + "_liver.rle"));
      s.liverVoxels[d] = core::countNonZero(s.livers[d]);
      s.liverSources[d].editDepth = liver.at("edited").get<bool>() ? 1 : 0; // no undo history across a crash
      if (liver.contains("source_file"))
        s.liverSources[d].file = fs::path(liver["source_file"].get<std::string>());
      for (int a = 0; a < 3; ++a)
        for (const json& slice : liver.at("hand_slices").at(a))
          s.handSlices[d][a].insert(slice.get<std::size_t>());
    }
    s.labels = core::LabelMap(s.images[0].geometry, 0);
    readRuns(s.labels.voxels, folder / "lesions.rle");
    for (const json& j : root.at("lesions")) {
      SessionLesion l;
      l.id = j.at("id").get<std::string>();
      l.label = j.at("label").get<std::uint16_t>();
      const std::string kind = j.at("kind").get<std::string>();
      l.kind = kind == "line"    ? lesions::MarkKind::Line
               : kind == "click" ? lesions::MarkKind::Click
                                 : lesions::MarkKind::Mask;
      l.centreLps = pointOf(j.at("centre_lps"));
      if (j.contains("line_start_lps")) {
        l.lineStartLps = pointOf(j["line_start_lps"]);
        l.lineEndLps = pointOf(j.at("line_end_lps"));
      }
      l.followupStatus = j.at("followup_status").get<std::string>();
      l.statusConfirmed = j.at("status_confirmed").get<bool>();
      l.note = j.at("note").get<std::string>();
      measureLesion(s.labels, l);
      s.lesions.push_back(std::move(l));
    }
    const json& signOff = root.at("sign_off");
    s.signOff.livers = confirmationOf(signOff, "livers");
    s.signOff.statuses = confirmationOf(signOff, "statuses");
    if (root.contains("case_file"))
      s.caseFile = fs::path(root["case_file"].get<std::string>());
    s.done = root.at("edit_count").get<std::size_t>();
  } catch (const json::exception& e) {
    throw Error(ErrorCode::InvalidFormat, std::string("unexpected content: ") + e.what(), sessionFile.string());
  }
  // Recovered work is not on disk as a case file yet.
  s.savedSerial = std::numeric_limits<std::uint64_t>::max();
  core::reportProgress(progress, "Session recovered", 1.0);
  return session;
}

fs::path CaseSession::defaultAutosaveFolder() const {
  const SessionState& s = *m_impl;
  fs::path base;
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
    base = state;
  else if (const char* home = std::getenv("HOME"); home && *home)
    base = fs::path(home) / ".local" / "state";
  else
    base = fs::temp_directory_path();
  const std::string key =
      s.caseFile ? s.caseFile->string()
                 : fs::absolute(s.spec.baseline.series).string() + "\n" + fs::absolute(s.spec.followup.series).string();
  // FNV-1a: the same folder for the same case in every run (std::hash promises that only within one run).
  std::uint64_t hash = 14695981039346656037ULL;
  for (const unsigned char c : key) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return base / "vestige" / "autosave" / hex;
}

} // namespace vestige::viewer
