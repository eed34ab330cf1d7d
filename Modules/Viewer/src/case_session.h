#pragma once
// The case being prepared in the viewer: the two scans, the lesion marks on the baseline, the liver outlines of
// both dates, the follow-up statuses and notes, and the sign-off. Every edit is undoable; the session saves as a
// case file that `vestige plan` reads unchanged and autosaves for recovery after a crash. Qt-free and VTK-free, so
// that tests drive it directly and the window only translates mouse and keys into these calls. Not thread-safe:
// the window calls it from its UI thread (long calls take a core::Progress so they can run on a worker with the
// session handed over). Geometry is LPS millimetres throughout.
#include "vestige/core/image.h"
#include "vestige/core/progress.h"
#include "vestige/lesions/lesion_marks.h"
#include "vestige/planning/case_file.h"
#include "vestige/segmentation/liver_checks.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vestige::viewer {

enum class Date { Baseline, Followup };
[[nodiscard]] const char* dateName(Date date) noexcept; // "baseline", "follow-up"

// One lesion site marked on the baseline.
struct SessionLesion {
  std::string id;          // "L1", "L2", ...: the next free number when marked; renamable, unique
  std::uint16_t label = 0; // its value in CaseSession::lesionLabels() (stable while the site exists)
  lesions::MarkKind kind = lesions::MarkKind::Click;  // Click (one-click segmentation), Line (ball), Mask (painted)
  core::Vec3 centreLps{};                             // click point, line midpoint, else the mask's centroid
  std::optional<core::Vec3> lineStartLps, lineEndLps; // Line marks
  double volumeMl = 0.0;                              // of its mask on the baseline grid
  double diameterMm = 0.0;                            // longest extent of its mask (a line: the line's length)
  std::string followupStatus;                         // "", "visible", "shrunk" or "disappeared"
  bool statusConfirmed = false;                       // set by the radiologist (written as followup_status)
  std::string note;                                   // free text
};

// A one-click segmentation waiting to be accepted or rejected.
struct ClickProposal {
  core::Vec3 clickLps{};
  core::Mask mask; // baseline grid
  double volumeMl = 0.0;
  double diameterMm = 0.0;
};

// What a brush, eraser or fill acts on.
struct EditTarget {
  enum class Kind { Liver, Lesion } kind = Kind::Liver;
  Date date = Date::Followup; // Liver: which date's outline; Lesion: always the baseline
  std::uint16_t label = 0;    // Lesion: the site's label
};

enum class BrushShape { Disc, Ball }; // Disc: in the slice through the centre, normal to `normalAxis`; Ball: 3D

struct Brush {
  double radiusMm = 5.0;
  BrushShape shape = BrushShape::Disc;
  int normalAxis = 2; // voxel axis of the image grid the disc is normal to (2: the axial slice of an axial scan)
  bool erase = false;
};

// Where a session's autosave lives and what it holds.
struct RecoveryInfo {
  std::filesystem::path folder;
  std::string savedUtc; // ISO 8601
  std::size_t lesionCount = 0;
  std::size_t editCount = 0; // undo steps in the saved session
};

class CaseSession {
public:
  // From a case file (its lesions resolved to masks, its livers read or segmented automatically, its status
  // overrides shown as confirmed). Throws core::Error naming the file or key.
  [[nodiscard]] static std::unique_ptr<CaseSession> open(const std::filesystem::path& caseFile,
                                                         core::Progress* progress = nullptr);
  // From two series (DICOM folders/files or volume files), with no marks yet; livers segmented automatically.
  [[nodiscard]] static std::unique_ptr<CaseSession> fromSeries(const planning::SeriesRef& baseline,
                                                               const planning::SeriesRef& followup,
                                                               core::Progress* progress = nullptr);
  ~CaseSession();
  CaseSession(const CaseSession&) = delete;
  CaseSession& operator=(const CaseSession&) = delete;

  [[nodiscard]] const core::Image& image(Date date) const;
  [[nodiscard]] const core::Mask& liver(Date date) const;
  [[nodiscard]] double liverVolumeMl(Date date) const; // kept current by every edit (no full recount)
  // Outline checks of that date's liver (segmentation::checkLiverOutline), recomputed when asked.
  [[nodiscard]] std::vector<segmentation::LiverWarning> liverWarnings(Date date) const;
  [[nodiscard]] const core::LabelMap& lesionLabels() const; // baseline grid, label = SessionLesion::label
  [[nodiscard]] const std::vector<SessionLesion>& lesions() const;
  [[nodiscard]] const SessionLesion* lesion(const std::string& id) const;
  // The projected follow-up position of a site, once a registration has been run or loaded (else the baseline
  // centre, which is only right when the scans share a frame; `projected` says which).
  [[nodiscard]] core::Vec3 followupPositionLps(const std::string& id, bool* projected = nullptr) const;
  // Where a baseline point lands on the follow-up, and back (identity until a registration is known).
  void setRegistration(std::function<core::Vec3(const core::Vec3&)> baselineToFollowupLps);

  // --- Marks (each call one undo step) ---
  // Runs the one-click segmentation at clickLps (bounded by the baseline liver) and holds the result as the
  // proposal; nothing changes until acceptProposal(). Throws core::Error when the click finds no lesion.
  const ClickProposal& proposeClick(const core::Vec3& clickLps, core::Progress* progress = nullptr);
  [[nodiscard]] const std::optional<ClickProposal>& proposal() const;
  std::string acceptProposal(); // returns the new id
  void rejectProposal();
  std::string addLineMark(const core::Vec3& startLps, const core::Vec3& endLps); // a ball of the line's length
  std::string addPaintedLesion(); // an empty site to paint into with paint(); returns its id
  void renameLesion(const std::string& id, const std::string& newId); // Error(InvalidArgument) if taken/empty
  void moveLesion(const std::string& id, const core::Vec3& offsetMm); // mask and marks shifted by the offset
  void deleteLesion(const std::string& id);
  void setFollowupStatus(const std::string& id, const std::string& status); // confirms it; "" clears
  void setNote(const std::string& id, const std::string& note);

  // --- Painting (a stroke is one undo step: beginStroke, any number of dabs, endStroke) ---
  void beginStroke(const EditTarget& target);
  void dab(const core::Vec3& centreLps, const Brush& brush);
  void endStroke();
  // Adds to the target the region connected to seedLps in the slice normal to normalAxis whose intensities lie
  // within the seed's neighbourhood statistics (tolerance from the scan's local noise, not a constant). One step.
  void fill(const EditTarget& target, const core::Vec3& seedLps, int normalAxis);
  // Fills the slices between slices edited by hand along normalAxis by shape-based interpolation of the liver of
  // `date` (signed distances interpolated linearly). One step. Returns the number of slices filled.
  std::size_t interpolateLiver(Date date, int normalAxis);

  // --- Undo / redo (at least 50 steps kept) ---
  [[nodiscard]] bool canUndo() const;
  [[nodiscard]] bool canRedo() const;
  void undo();
  void redo();
  [[nodiscard]] std::size_t editCount() const; // steps done since opening (undo lowers it)
  [[nodiscard]] bool modified() const;         // edits since the last save

  // --- Sign-off ---
  void confirmLivers(const std::string& by, const std::string& note = {});   // now, in UTC
  void confirmStatuses(const std::string& by, const std::string& note = {}); // every site needs a status first
  [[nodiscard]] const planning::SignOff& signOff() const;

  // --- Saving ---
  // Writes caseFile and its parts beside it: lesions.nii.gz (label map, one label per painted or clicked site) and
  // lesions_seg.dcm (DICOM SEG on the baseline series, when the baseline is DICOM), marks/<id>.mrk.json for line
  // marks (3D Slicer markups 1.0.3), <date>_liver.nii.gz for livers edited by hand, the statuses, notes and
  // sign-off. A file already on disk is kept as <name>.bak before it is replaced. Each file is written atomically.
  void save(const std::filesystem::path& caseFile, core::Progress* progress = nullptr);
  [[nodiscard]] const std::optional<std::filesystem::path>& caseFile() const; // last saved or opened
  // The same contents, readable back with recover(), into `folder` (replaced as a whole, atomically).
  void autosave(const std::filesystem::path& folder) const;
  [[nodiscard]] static std::optional<RecoveryInfo> findRecovery(const std::filesystem::path& folder);
  [[nodiscard]] static std::unique_ptr<CaseSession> recover(const std::filesystem::path& folder,
                                                            core::Progress* progress = nullptr);
  // Where the autosave of a case goes: $XDG_STATE_HOME/vestige/autosave/<hash of the case file or the two series>
  // (~/.local/state when unset).
  [[nodiscard]] std::filesystem::path defaultAutosaveFolder() const;

  // The case file as `vestige plan` would read it after save() (for planning from the window).
  [[nodiscard]] planning::CaseFile toCaseFile() const;

private:
  CaseSession();
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace vestige::viewer
