#pragma once
// Private to the Viewer: the state behind CaseSession, shared by its editing part (case_session.cpp) and its
// saving part (case_session_io.cpp). Qt-free. Geometry is LPS millimetres.
#include "case_session.h"

#include "vestige/dicom/catalog.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace vestige::viewer {

// One voxel changed by an edit: undo writes `before` back, redo writes `after`. Steps keep these instead of copies
// of whole volumes (a liver mask is 10-20 MB; a brush stroke changes a few thousand voxels).
template <class T> struct VoxelChange {
  std::uint32_t index = 0;
  T before{};
  T after{};
};

// One undo step.
struct EditStep {
  std::uint64_t serial = 0; // unique per step, so that modified() survives undo + new edit
  std::vector<VoxelChange<std::uint8_t>> liver[2];
  std::vector<VoxelChange<std::uint16_t>> labels;
  // The site list and sign-off before and after (small: a few strings per site), when the step changed them.
  std::optional<std::vector<SessionLesion>> lesionsBefore, lesionsAfter;
  std::optional<planning::SignOff> signOffBefore, signOffAfter;
  // Slices edited by hand (per date, per axis) the step added, for interpolation.
  std::vector<std::size_t> handSlices[2][3];
};

// Where a date's liver came from: segmented automatically, read from a file, or edited here.
struct LiverSource {
  std::optional<std::filesystem::path> file; // read from (absolute) when given by the case file
  // Steps touching this liver applied since it was read or last saved (undo counts down, so undoing every edit
  // brings it back to 0): non-zero means the mask differs from its source and save() writes it.
  long editDepth = 0;
  [[nodiscard]] bool edited() const { return editDepth != 0; }
};

struct SessionState {
  planning::CaseFile spec; // the case's settings (patient, margin, formulas, series, ...) as opened
  core::Image images[2];
  bool isCt[2] = {true, true};
  std::optional<dicom::SeriesEntry> baselineSeries; // when the baseline is a DICOM series (for the SEG)
  core::Mask livers[2];
  std::size_t liverVoxels[2] = {0, 0};
  LiverSource liverSources[2];
  std::set<std::size_t> handSlices[2][3]; // slices of each date's liver edited by hand, per voxel axis
  core::LabelMap labels;
  std::vector<SessionLesion> lesions;
  std::optional<ClickProposal> proposal;
  std::function<core::Vec3(const core::Vec3&)> toFollowup;
  planning::SignOff signOff;
  std::optional<std::filesystem::path> caseFile;

  std::vector<EditStep> undoStack, redoStack;
  std::optional<EditStep> stroke; // open between beginStroke and endStroke
  EditTarget strokeTarget;
  std::uint64_t nextSerial = 1;
  std::uint64_t savedSerial = 0; // serial of the top undo step at the last save (0: none)
  std::size_t done = 0;          // editCount()
  bool signOffChanged = false;   // a confirmation given since the last save (not an undo step)

  [[nodiscard]] std::uint64_t topSerial() const { return undoStack.empty() ? 0 : undoStack.back().serial; }
};

// The pimpl of CaseSession is the state itself; the free helpers of both .cpp files take a SessionState.
struct CaseSession::Impl : SessionState {};

// Image and liver index of a date.
[[nodiscard]] inline int slot(Date date) {
  return date == Date::Baseline ? 0 : 1;
}

// Volume and diameter of a site from its voxels in the label map.
void measureLesion(const core::LabelMap& labels, SessionLesion& lesion);

// Loads the scan of date slot d (0 baseline, 1 follow-up) into s.images[d] (and the baseline's series entry).
void loadScan(SessionState& s, int d, const planning::SeriesRef& ref, core::Progress* progress);

// Current UTC time as ISO 8601 (2026-12-03T19:40:59Z).
[[nodiscard]] std::string utcNow();

} // namespace vestige::viewer
