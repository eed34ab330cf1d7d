#include "case_session.h"

#include "case_session_impl.h"

#include "vestige/core/error.h"
#include "vestige/dicom/image_io.h"
#include "vestige/dicom/mask_io.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/segmentation/liver_segmentation.h"
#include "vestige/segmentation/mask_metrics.h"
#include "vestige/segmentation/mask_ops.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>

namespace fs = std::filesystem;

namespace vestige::viewer {

using core::Error;
using core::ErrorCode;

namespace {

// More than the 50 steps the workflow promises; a step holds only the voxels it changed, so 200 cost little.
constexpr std::size_t kUndoSteps = 200;

const char* const kDateKeys[2] = {"baseline", "followup"};

void loadLiver(SessionState& s, int d, const std::optional<fs::path>& file, core::Progress* progress) {
  const std::string key = std::string(kDateKeys[d]) + "_liver";
  if (file) {
    try {
      s.livers[d] = dicom::conformMask(dicom::loadMask(*file, 0, progress), s.images[d].geometry, key);
    } catch (const Error& e) {
      throw Error(e.code(), e.message(), "case file " + key + " (" + file->string() + ")");
    }
    s.liverSources[d].file = *file;
  } else {
    if (!s.isCt[d])
      throw Error(ErrorCode::InvalidArgument,
                  "automatic liver segmentation works on CT only: give the liver mask in the case file",
                  "case file " + key);
    s.livers[d] = segmentation::segmentLiver(s.images[d], {}, progress).liver;
  }
  s.liverVoxels[d] = core::countNonZero(s.livers[d]);
}

void loadScansAndLivers(SessionState& s, core::Progress* progress) {
  const planning::SeriesRef* refs[2] = {&s.spec.baseline, &s.spec.followup};
  const std::optional<fs::path>* liverFiles[2] = {&s.spec.baselineLiver, &s.spec.followupLiver};
  for (int d = 0; d < 2; ++d) {
    core::SubProgress load(progress, 0.5 * d, 0.5 * d + 0.15);
    loadScan(s, d, *refs[d], &load);
  }
  for (int d = 0; d < 2; ++d) {
    core::SubProgress seg(progress, 0.5 * d + 0.15, 0.5 * d + 0.45);
    loadLiver(s, d, *liverFiles[d], &seg);
  }
  s.labels = core::LabelMap(s.images[0].geometry, 0);
}

void requireInside(const core::ImageGeometry& g, const core::Vec3& lps, const std::string& what) {
  if (!g.contains(g.lpsToIndex(lps)))
    throw Error(ErrorCode::InvalidArgument,
                "point " + core::formatVec(lps, 1) + " (LPS mm) lies outside the baseline image, which covers " +
                    core::formatVec(g.boundsLps().min, 1) + " .. " + core::formatVec(g.boundsLps().max, 1),
                what);
}

// A ball from a point or a line models a tumour in the liver: the part outside the baseline liver is stomach,
// kidney or air, not the site. Clipped the way `vestige plan` clips it, so that the session shows what the plan
// will use (unclipped when nothing would remain).
core::Mask clipToLiver(core::Mask ball, const core::Mask& liver) {
  core::Mask clipped = ball;
  for (std::size_t n = 0; n < clipped.voxels.size(); ++n)
    clipped.voxels[n] = clipped.voxels[n] && liver.voxels[n];
  return core::countNonZero(clipped) > 0 ? clipped : ball;
}

// The baseline extent of a case-file lesion, resolved as planning resolves it (plan_inputs.cpp).
core::Mask specMask(const planning::LesionSpec& spec, const SessionState& s, SessionLesion& out) {
  const core::ImageGeometry& g = s.images[0].geometry;
  const std::string what = "case file " + spec.key;
  switch (spec.kind) {
  case planning::LesionMarkKind::Mask:
    out.kind = lesions::MarkKind::Mask;
    try {
      return dicom::conformMask(dicom::loadMask(spec.mask, spec.segment), g, spec.key + ".mask");
    } catch (const Error& e) {
      throw Error(e.code(), e.message(), what + ".mask (" + spec.mask.string() + ")");
    }
  case planning::LesionMarkKind::CenterDiameter:
    requireInside(g, spec.centerLps, what + ".center");
    out.kind = lesions::MarkKind::Mask; // kept as its mask: a point + diameter is not a mark the viewer makes
    return clipToLiver(lesions::ballMask(g, spec.centerLps, spec.diameterMm), s.livers[0]);
  case planning::LesionMarkKind::Click:
    requireInside(g, spec.clickLps, what + ".click");
    out.kind = lesions::MarkKind::Click;
    out.centreLps = spec.clickLps;
    return lesions::resolveMark(lesions::clickMark(spec.id, spec.clickLps), s.images[0], &s.livers[0]);
  case planning::LesionMarkKind::Markup: {
    std::vector<lesions::LesionMark> marks;
    try {
      marks = lesions::marksFromMarkups(lesions::readSlicerMarkups(spec.markup), spec.diameterMm);
    } catch (const Error& e) {
      throw Error(e.code(), e.message(), what + ".markup (" + spec.markup.string() + ")");
    }
    if (marks.size() != 1)
      throw Error(ErrorCode::InvalidArgument, "holds " + std::to_string(marks.size()) + " marks; one lesion needs one",
                  what + ".markup");
    const lesions::LesionMark& m = marks.front();
    requireInside(g, m.centreLps, what + ".markup");
    if (m.kind == lesions::MarkKind::Line) {
      out.kind = lesions::MarkKind::Line;
      out.lineStartLps = m.lineStartLps;
      out.lineEndLps = m.lineEndLps;
      out.centreLps = m.centreLps;
    } else {
      out.kind = lesions::MarkKind::Mask;
    }
    return clipToLiver(lesions::resolveMark(m, s.images[0]), s.livers[0]);
  }
  }
  throw Error(ErrorCode::Internal, "unknown lesion kind", what);
}

int lesionNumber(const std::string& id) {
  if (id.size() < 2 || id[0] != 'L' || id.find_first_not_of("0123456789", 1) != std::string::npos || id.size() > 9)
    return 0;
  return std::stoi(id.substr(1));
}

std::string nextLesionId(const std::vector<SessionLesion>& lesions) {
  int highest = 0;
  for (const auto& l : lesions)
    highest = std::max(highest, lesionNumber(l.id));
  return "L" + std::to_string(highest + 1);
}

std::uint16_t nextLabel(const std::vector<SessionLesion>& lesions) {
  std::uint16_t highest = 0;
  for (const auto& l : lesions)
    highest = std::max(highest, l.label);
  if (highest == std::numeric_limits<std::uint16_t>::max())
    throw Error(ErrorCode::InvalidArgument, "too many lesion sites", "lesion marks");
  return static_cast<std::uint16_t>(highest + 1);
}

SessionLesion* findLesion(std::vector<SessionLesion>& lesions, const std::string& id) {
  for (auto& l : lesions)
    if (l.id == id)
      return &l;
  return nullptr;
}

SessionLesion* findByLabel(std::vector<SessionLesion>& lesions, std::uint16_t label) {
  for (auto& l : lesions)
    if (l.label == label)
      return &l;
  return nullptr;
}

// Voxel index (rounded) of an LPS point, or nothing outside the grid.
std::optional<std::array<long, 3>> voxelOf(const core::ImageGeometry& g, const core::Vec3& lps) {
  const core::Vec3 c = g.lpsToIndex(lps);
  std::array<long, 3> v{};
  for (int a = 0; a < 3; ++a) {
    v[a] = std::lround(c[a]);
    if (v[a] < 0 || v[a] >= long(g.size[a]))
      return std::nullopt;
  }
  return v;
}

} // namespace

const char* dateName(Date date) noexcept {
  return date == Date::Baseline ? "baseline" : "follow-up";
}

std::string utcNow() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

void loadScan(SessionState& s, int d, const planning::SeriesRef& ref, core::Progress* progress) {
  const std::string key = kDateKeys[d];
  if (ref.series.empty())
    throw Error(ErrorCode::InvalidArgument,
                "the series is in a PACS and not fetched yet: run `vestige fetch` on the case file first",
                "case file " + key);
  try {
    if (dicom::isVolumeFile(ref.series)) {
      s.images[d] = dicom::readImage(ref.series);
      s.isCt[d] = true; // a volume file carries no modality; Vestige's volume inputs are CT in HU (as in the plan)
      return;
    }
    dicom::LoadOptions options;
    options.seriesUid = ref.seriesUid;
    dicom::LoadedSeries loaded = dicom::loadSeries(ref.series, options, progress);
    s.images[d] = std::move(loaded.image);
    s.isCt[d] = loaded.series.modality == "CT";
    if (d == 0)
      s.baselineSeries = std::move(loaded.series);
  } catch (const Error& e) {
    throw Error(e.code(), e.message(), "case file " + key + (e.context().empty() ? "" : " (" + e.context() + ")"));
  }
}

void measureLesion(const core::LabelMap& labels, SessionLesion& lesion) {
  // The box around the site first: a site is a few mL of a volume of millions of voxels.
  const core::ImageGeometry& g = labels.geometry;
  core::IndexBox box;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        if (labels.at(i, j, k) == lesion.label) {
          const core::Size3 v{i, j, k};
          for (int a = 0; a < 3; ++a) {
            box.lo[a] = box.empty ? v[a] : std::min(box.lo[a], v[a]);
            box.hi[a] = box.empty ? v[a] : std::max(box.hi[a], v[a]);
          }
          box.empty = false;
        }
  if (box.empty) {
    lesion.volumeMl = 0.0;
    if (lesion.kind != lesions::MarkKind::Line)
      lesion.diameterMm = 0.0;
    return;
  }
  const core::Mask mask = core::extractLabel(core::crop(labels, box), lesion.label);
  lesion.volumeMl = core::maskVolumeMl(mask);
  if (lesion.kind == lesions::MarkKind::Line && lesion.lineStartLps && lesion.lineEndLps)
    lesion.diameterMm = core::distanceMm(*lesion.lineStartLps, *lesion.lineEndLps);
  else
    lesion.diameterMm = segmentation::longestDiameterMm(mask);
  if (lesion.kind == lesions::MarkKind::Mask)
    lesion.centreLps = segmentation::centroidLps(mask);
}

// ---------------------------------------------------------------------------------------------------------------
// Opening

CaseSession::CaseSession() : m_impl(std::make_unique<Impl>()) {}
CaseSession::~CaseSession() = default;

std::unique_ptr<CaseSession> CaseSession::open(const fs::path& caseFile, core::Progress* progress) {
  std::unique_ptr<CaseSession> session(new CaseSession());
  Impl& s = *session->m_impl;
  s.spec = planning::readCaseFile(caseFile);
  core::SubProgress scans(progress, 0.0, 0.7);
  loadScansAndLivers(s, &scans);
  for (std::size_t k = 0; k < s.spec.lesions.size(); ++k) {
    core::reportProgress(progress, "Lesion " + s.spec.lesions[k].id, 0.7 + 0.3 * double(k) / s.spec.lesions.size());
    const planning::LesionSpec& spec = s.spec.lesions[k];
    SessionLesion l;
    l.id = spec.id;
    l.label = static_cast<std::uint16_t>(k + 1);
    const core::Mask mask = specMask(spec, s, l);
    if (core::countNonZero(mask) == 0)
      throw Error(ErrorCode::InvalidArgument, "the mark yields an empty lesion on the baseline grid",
                  "case file " + spec.key);
    // A voxel claimed by two sites stays with the first (a label map holds one site per voxel).
    for (std::size_t n = 0; n < mask.voxels.size(); ++n)
      if (mask.voxels[n] && s.labels.voxels[n] == 0)
        s.labels.voxels[n] = l.label;
    l.followupStatus = spec.followupStatus;
    l.statusConfirmed = !spec.followupStatus.empty();
    l.note = spec.note;
    measureLesion(s.labels, l);
    if (l.kind == lesions::MarkKind::Line)
      l.diameterMm = core::distanceMm(*l.lineStartLps, *l.lineEndLps);
    s.lesions.push_back(std::move(l));
  }
  s.signOff = s.spec.signOff;
  s.caseFile = fs::absolute(caseFile);
  core::reportProgress(progress, "Case opened", 1.0);
  return session;
}

std::unique_ptr<CaseSession> CaseSession::fromSeries(const planning::SeriesRef& baseline,
                                                     const planning::SeriesRef& followup, core::Progress* progress) {
  std::unique_ptr<CaseSession> session(new CaseSession());
  Impl& s = *session->m_impl;
  s.spec.baseline = baseline;
  s.spec.followup = followup;
  for (planning::SeriesRef* ref : {&s.spec.baseline, &s.spec.followup})
    if (!ref->series.empty())
      ref->series = fs::absolute(ref->series).lexically_normal();
  loadScansAndLivers(s, progress);
  core::reportProgress(progress, "Series opened", 1.0);
  return session;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

const core::Image& CaseSession::image(Date date) const {
  return m_impl->images[slot(date)];
}
const core::Mask& CaseSession::liver(Date date) const {
  return m_impl->livers[slot(date)];
}
double CaseSession::liverVolumeMl(Date date) const {
  const int d = slot(date);
  return double(m_impl->liverVoxels[d]) * m_impl->livers[d].geometry.voxelVolumeMm3() / 1000.0;
}
std::vector<segmentation::LiverWarning> CaseSession::liverWarnings(Date date) const {
  const int d = slot(date);
  return segmentation::checkLiverOutline(m_impl->images[d], m_impl->livers[d], m_impl->isCt[d]);
}
const core::LabelMap& CaseSession::lesionLabels() const {
  return m_impl->labels;
}
const std::vector<SessionLesion>& CaseSession::lesions() const {
  return m_impl->lesions;
}
const SessionLesion* CaseSession::lesion(const std::string& id) const {
  return findLesion(m_impl->lesions, id);
}
core::Vec3 CaseSession::followupPositionLps(const std::string& id, bool* projected) const {
  const SessionLesion* l = lesion(id);
  if (!l)
    throw Error(ErrorCode::NotFound, "no lesion site with this id", id);
  if (projected)
    *projected = bool(m_impl->toFollowup);
  return m_impl->toFollowup ? m_impl->toFollowup(l->centreLps) : l->centreLps;
}
void CaseSession::setRegistration(std::function<core::Vec3(const core::Vec3&)> baselineToFollowupLps) {
  m_impl->toFollowup = std::move(baselineToFollowupLps);
}

// ---------------------------------------------------------------------------------------------------------------
// Undo machinery

namespace {

template <class T> void applyChanges(std::vector<T>& voxels, const std::vector<VoxelChange<T>>& changes, bool undo) {
  if (undo)
    for (auto it = changes.rbegin(); it != changes.rend(); ++it)
      voxels[it->index] = it->before;
  else
    for (const auto& c : changes)
      voxels[c.index] = c.after;
}

long liverDelta(const std::vector<VoxelChange<std::uint8_t>>& changes) {
  long delta = 0;
  for (const auto& c : changes)
    delta += long(c.after != 0) - long(c.before != 0);
  return delta;
}

// Sets one voxel and records the change (nothing when the value stays).
template <class T> void setVoxel(std::vector<T>& voxels, std::size_t n, T value, std::vector<VoxelChange<T>>& log) {
  if (voxels[n] == value)
    return;
  log.push_back({static_cast<std::uint32_t>(n), voxels[n], value});
  voxels[n] = value;
}

} // namespace

// A step that only changes the site list or sign-off.
static EditStep metaStep(const SessionState& s) {
  EditStep step;
  step.lesionsBefore = s.lesions;
  step.signOffBefore = s.signOff;
  return step;
}

static void pushStep(SessionState& s, EditStep step) {
  if (step.lesionsBefore)
    step.lesionsAfter = s.lesions;
  if (step.signOffBefore)
    step.signOffAfter = s.signOff;
  step.serial = s.nextSerial++;
  for (int d = 0; d < 2; ++d)
    s.liverSources[d].editDepth += step.liver[d].empty() ? 0 : 1;
  s.undoStack.push_back(std::move(step));
  if (s.undoStack.size() > kUndoSteps)
    s.undoStack.erase(s.undoStack.begin());
  s.redoStack.clear();
  ++s.done;
}

static void applyStep(SessionState& s, const EditStep& step, bool undo) {
  for (int d = 0; d < 2; ++d) {
    applyChanges(s.livers[d].voxels, step.liver[d], undo);
    if (!step.liver[d].empty())
      s.liverSources[d].editDepth += undo ? -1 : 1;
    const long delta = liverDelta(step.liver[d]);
    s.liverVoxels[d] = std::size_t(long(s.liverVoxels[d]) + (undo ? -delta : delta));
    for (int a = 0; a < 3; ++a)
      for (std::size_t slice : step.handSlices[d][a]) {
        if (undo)
          s.handSlices[d][a].erase(slice);
        else
          s.handSlices[d][a].insert(slice);
      }
  }
  applyChanges(s.labels.voxels, step.labels, undo);
  if (step.lesionsBefore)
    s.lesions = undo ? *step.lesionsBefore : *step.lesionsAfter;
  if (step.signOffBefore)
    s.signOff = undo ? *step.signOffBefore : *step.signOffAfter;
}

bool CaseSession::canUndo() const {
  return !m_impl->undoStack.empty() && !m_impl->stroke;
}
bool CaseSession::canRedo() const {
  return !m_impl->redoStack.empty() && !m_impl->stroke;
}
void CaseSession::undo() {
  Impl& s = *m_impl;
  if (!canUndo())
    throw Error(ErrorCode::InvalidArgument, "nothing to undo", "undo");
  EditStep step = std::move(s.undoStack.back());
  s.undoStack.pop_back();
  applyStep(s, step, true);
  s.redoStack.push_back(std::move(step));
  s.done = s.done > 0 ? s.done - 1 : 0;
}
void CaseSession::redo() {
  Impl& s = *m_impl;
  if (!canRedo())
    throw Error(ErrorCode::InvalidArgument, "nothing to redo", "redo");
  EditStep step = std::move(s.redoStack.back());
  s.redoStack.pop_back();
  applyStep(s, step, false);
  s.undoStack.push_back(std::move(step));
  ++s.done;
}
std::size_t CaseSession::editCount() const {
  return m_impl->done;
}
bool CaseSession::modified() const {
  return m_impl->topSerial() != m_impl->savedSerial || m_impl->signOffChanged;
}

// ---------------------------------------------------------------------------------------------------------------
// Marks

const ClickProposal& CaseSession::proposeClick(const core::Vec3& clickLps, core::Progress* progress) {
  Impl& s = *m_impl;
  requireInside(s.images[0].geometry, clickLps, "lesion click");
  core::reportProgress(progress, "Lesion from one click", 0.0);
  // lesions::resolveMark runs the one-click segmentation exactly as `vestige plan` runs a "click" lesion, bounded
  // by the baseline liver (the one-click bar of issue 5 is met with the liver bound, not without).
  ClickProposal p;
  p.clickLps = clickLps;
  p.mask = lesions::resolveMark(lesions::clickMark("proposal", clickLps), s.images[0], &s.livers[0]);
  if (core::countNonZero(p.mask) == 0)
    throw Error(ErrorCode::InconsistentData, "no lesion found at the click",
                "lesion click " + core::formatVec(clickLps, 1));
  p.volumeMl = core::maskVolumeMl(p.mask);
  p.diameterMm = segmentation::longestDiameterMm(p.mask);
  core::reportProgress(progress, "Lesion from one click", 1.0);
  s.proposal = std::move(p);
  return *s.proposal;
}

const std::optional<ClickProposal>& CaseSession::proposal() const {
  return m_impl->proposal;
}

// Adds a site from a mask on the baseline grid (its voxels not yet taken by another site). One undo step.
static std::string addSite(SessionState& s, SessionLesion l, const core::Mask& mask) {
  EditStep step = metaStep(s);
  l.id = nextLesionId(s.lesions);
  l.label = nextLabel(s.lesions);
  for (std::size_t n = 0; n < mask.voxels.size(); ++n)
    if (mask.voxels[n] && s.labels.voxels[n] == 0)
      setVoxel(s.labels.voxels, n, l.label, step.labels);
  measureLesion(s.labels, l);
  const std::string id = l.id;
  s.lesions.push_back(std::move(l));
  s.signOff.statuses.reset(); // a new site has no confirmed status yet
  pushStep(s, std::move(step));
  return id;
}

std::string CaseSession::acceptProposal() {
  Impl& s = *m_impl;
  if (!s.proposal)
    throw Error(ErrorCode::InvalidArgument, "no proposal to accept", "lesion click");
  SessionLesion l;
  l.kind = lesions::MarkKind::Click;
  l.centreLps = s.proposal->clickLps;
  const core::Mask mask = std::move(s.proposal->mask);
  s.proposal.reset();
  return addSite(s, std::move(l), mask);
}

void CaseSession::rejectProposal() {
  m_impl->proposal.reset();
}

std::string CaseSession::addLineMark(const core::Vec3& startLps, const core::Vec3& endLps) {
  Impl& s = *m_impl;
  const core::ImageGeometry& g = s.images[0].geometry;
  requireInside(g, startLps, "line mark start");
  requireInside(g, endLps, "line mark end");
  const double lengthMm = core::distanceMm(startLps, endLps);
  if (!(lengthMm > 0.0))
    throw Error(ErrorCode::InvalidArgument, "a line mark needs two distinct points", "line mark");
  SessionLesion l;
  l.kind = lesions::MarkKind::Line;
  l.lineStartLps = startLps;
  l.lineEndLps = endLps;
  l.centreLps = core::scale(core::add(startLps, endLps), 0.5);
  const core::Mask ball = clipToLiver(lesions::ballMask(g, l.centreLps, lengthMm), s.livers[0]);
  if (core::countNonZero(ball) == 0)
    throw Error(ErrorCode::InvalidArgument, "the line is too short for a voxel of the baseline grid", "line mark");
  return addSite(s, std::move(l), ball);
}

std::string CaseSession::addPaintedLesion() {
  SessionLesion l;
  l.kind = lesions::MarkKind::Mask;
  return addSite(*m_impl, std::move(l), core::Mask{});
}

static SessionLesion& requireLesion(SessionState& s, const std::string& id) {
  SessionLesion* l = findLesion(s.lesions, id);
  if (!l)
    throw Error(ErrorCode::NotFound, "no lesion site with this id", id);
  return *l;
}

void CaseSession::renameLesion(const std::string& id, const std::string& newId) {
  Impl& s = *m_impl;
  requireLesion(s, id);
  if (newId.empty() || newId.find_first_of("/\\\"") != std::string::npos)
    throw Error(ErrorCode::InvalidArgument, "an id must be non-empty, without / \\ or \"", newId);
  if (newId == id)
    return;
  if (findLesion(s.lesions, newId))
    throw Error(ErrorCode::InvalidArgument, "another site already has this id", newId);
  EditStep step = metaStep(s);
  requireLesion(s, id).id = newId;
  pushStep(s, std::move(step));
}

void CaseSession::moveLesion(const std::string& id, const core::Vec3& offsetMm) {
  Impl& s = *m_impl;
  SessionLesion& l = requireLesion(s, id);
  const core::ImageGeometry& g = s.labels.geometry;
  // The mask moves by whole voxels (the offset rounded on the grid), the marks by the same rounded offset, so that
  // mark and mask stay together.
  const core::Vec3 c = core::sub(g.lpsToIndex(offsetMm), g.lpsToIndex({0.0, 0.0, 0.0}));
  const std::array<long, 3> shift{std::lround(c[0]), std::lround(c[1]), std::lround(c[2])};
  const core::Vec3 applied =
      core::sub(g.indexToLps({double(shift[0]), double(shift[1]), double(shift[2])}), g.indexToLps({0.0, 0.0, 0.0}));
  EditStep step = metaStep(s);
  std::vector<std::size_t> from;
  for (std::size_t n = 0; n < s.labels.voxels.size(); ++n)
    if (s.labels.voxels[n] == l.label)
      from.push_back(n);
  for (std::size_t n : from)
    setVoxel(s.labels.voxels, n, std::uint16_t(0), step.labels);
  const std::size_t nx = g.size[0], ny = g.size[1];
  for (std::size_t n : from) {
    const long i = long(n % nx) + shift[0], j = long((n / nx) % ny) + shift[1], k = long(n / (nx * ny)) + shift[2];
    if (i < 0 || j < 0 || k < 0 || i >= long(nx) || j >= long(ny) || k >= long(g.size[2]))
      continue;
    const std::size_t m = s.labels.linearIndex(std::size_t(i), std::size_t(j), std::size_t(k));
    if (s.labels.voxels[m] == 0)
      setVoxel(s.labels.voxels, m, l.label, step.labels);
  }
  l.centreLps = core::add(l.centreLps, applied);
  if (l.lineStartLps)
    l.lineStartLps = core::add(*l.lineStartLps, applied);
  if (l.lineEndLps)
    l.lineEndLps = core::add(*l.lineEndLps, applied);
  measureLesion(s.labels, l);
  pushStep(s, std::move(step));
}

void CaseSession::deleteLesion(const std::string& id) {
  Impl& s = *m_impl;
  const std::uint16_t label = requireLesion(s, id).label;
  EditStep step = metaStep(s);
  for (std::size_t n = 0; n < s.labels.voxels.size(); ++n)
    if (s.labels.voxels[n] == label)
      setVoxel(s.labels.voxels, n, std::uint16_t(0), step.labels);
  s.lesions.erase(std::remove_if(s.lesions.begin(), s.lesions.end(), [&](const auto& l) { return l.id == id; }),
                  s.lesions.end());
  pushStep(s, std::move(step));
}

void CaseSession::setFollowupStatus(const std::string& id, const std::string& status) {
  Impl& s = *m_impl;
  requireLesion(s, id);
  if (!status.empty() && status != "visible" && status != "shrunk" && status != "disappeared")
    throw Error(ErrorCode::InvalidArgument, "a status is visible, shrunk or disappeared", id + ": " + status);
  EditStep step = metaStep(s);
  SessionLesion& l = requireLesion(s, id);
  l.followupStatus = status;
  l.statusConfirmed = !status.empty();
  s.signOff.statuses.reset(); // a changed status needs a new confirmation
  pushStep(s, std::move(step));
}

void CaseSession::setNote(const std::string& id, const std::string& note) {
  Impl& s = *m_impl;
  requireLesion(s, id);
  EditStep step = metaStep(s);
  requireLesion(s, id).note = note;
  pushStep(s, std::move(step));
}

// ---------------------------------------------------------------------------------------------------------------
// Painting

static void requireTarget(const SessionState& s, const EditTarget& target) {
  if (target.kind == EditTarget::Kind::Lesion) {
    for (const auto& l : s.lesions)
      if (l.label == target.label && target.label != 0)
        return;
    throw Error(ErrorCode::NotFound, "no lesion site with label " + std::to_string(target.label), "edit target");
  }
}

void CaseSession::beginStroke(const EditTarget& target) {
  Impl& s = *m_impl;
  if (s.stroke)
    throw Error(ErrorCode::InvalidArgument, "a stroke is already open", "beginStroke");
  requireTarget(s, target);
  s.strokeTarget = target;
  if (target.kind == EditTarget::Kind::Lesion)
    s.strokeTarget.date = Date::Baseline;
  s.stroke = metaStep(s);
}

// Writes `value` into the target at voxel n (a lesion paints only over unclaimed voxels or its own; erasing a
// lesion clears only its own voxels).
static void paintVoxel(SessionState& s, EditStep& step, const EditTarget& t, std::size_t n, bool erase) {
  if (t.kind == EditTarget::Kind::Liver) {
    const int d = slot(t.date);
    const std::uint8_t before = s.livers[d].voxels[n];
    setVoxel(s.livers[d].voxels, n, std::uint8_t(erase ? 0 : 1), step.liver[d]);
    s.liverVoxels[d] += std::size_t(long(s.livers[d].voxels[n] != 0) - long(before != 0));
    return;
  }
  const std::uint16_t current = s.labels.voxels[n];
  if (erase) {
    if (current == t.label)
      setVoxel(s.labels.voxels, n, std::uint16_t(0), step.labels);
  } else if (current == 0) {
    setVoxel(s.labels.voxels, n, t.label, step.labels);
  }
}

void CaseSession::dab(const core::Vec3& centreLps, const Brush& brush) {
  Impl& s = *m_impl;
  if (!s.stroke)
    throw Error(ErrorCode::InvalidArgument, "dab outside a stroke (call beginStroke first)", "dab");
  if (!(brush.radiusMm > 0.0) || brush.normalAxis < 0 || brush.normalAxis > 2)
    throw Error(ErrorCode::InvalidArgument, "a brush needs a radius > 0 and a normal axis 0, 1 or 2", "brush");
  const EditTarget& t = s.strokeTarget;
  const int d = slot(t.date);
  const core::ImageGeometry& g = s.images[d].geometry;
  const core::Vec3 c = g.lpsToIndex(centreLps);
  long lo[3], hi[3];
  for (int a = 0; a < 3; ++a) {
    const double reach = brush.radiusMm / g.spacingMm[a];
    lo[a] = std::max(0L, long(std::floor(c[a] - reach)));
    hi[a] = std::min(long(g.size[a]) - 1, long(std::ceil(c[a] + reach)));
  }
  const int axis = brush.normalAxis;
  if (brush.shape == BrushShape::Disc) {
    const long slice = std::lround(c[axis]);
    if (slice < 0 || slice >= long(g.size[axis]))
      return;
    lo[axis] = hi[axis] = slice;
    if (t.kind == EditTarget::Kind::Liver && s.handSlices[d][axis].insert(std::size_t(slice)).second)
      s.stroke->handSlices[d][axis].push_back(std::size_t(slice));
  }
  const double r2 = brush.radiusMm * brush.radiusMm;
  for (long k = lo[2]; k <= hi[2]; ++k)
    for (long j = lo[1]; j <= hi[1]; ++j)
      for (long i = lo[0]; i <= hi[0]; ++i) {
        const core::Vec3 p = g.indexToLps({double(i), double(j), double(k)});
        core::Vec3 dv = core::sub(p, centreLps);
        if (brush.shape == BrushShape::Disc) {
          // Distance within the slice: drop the component along the slice normal.
          const core::Vec3 normal{g.direction[0][axis], g.direction[1][axis], g.direction[2][axis]};
          dv = core::sub(dv, core::scale(normal, core::dot(dv, normal)));
        }
        if (core::dot(dv, dv) <= r2)
          paintVoxel(s, *s.stroke, t, s.images[d].linearIndex(std::size_t(i), std::size_t(j), std::size_t(k)),
                     brush.erase);
      }
}

// Closes an edit of the target: re-measures a painted site, drops the sign-off the edit invalidates, and keeps the
// step when it changed anything.
static void finishEdit(SessionState& s, EditStep step, const EditTarget& t) {
  if (t.kind == EditTarget::Kind::Liver) {
    if (!step.liver[slot(t.date)].empty()) {
      s.signOff.livers.reset(); // an edited outline needs a new confirmation
    }
  } else if (SessionLesion* l = findByLabel(s.lesions, t.label)) {
    if (!step.labels.empty()) {
      if (l->kind == lesions::MarkKind::Line) // a ball fixed by hand is no longer the line's ball
        l->kind = lesions::MarkKind::Mask;
      measureLesion(s.labels, *l);
    }
  }
  bool changed = !step.labels.empty();
  for (int d = 0; d < 2; ++d)
    changed = changed || !step.liver[d].empty();
  if (!changed) { // nothing painted: no step, and the hand slices it noted are not hand-edited after all
    for (int d = 0; d < 2; ++d)
      for (int a = 0; a < 3; ++a)
        for (std::size_t slice : step.handSlices[d][a])
          s.handSlices[d][a].erase(slice);
    s.signOff = *step.signOffBefore;
    return;
  }
  pushStep(s, std::move(step));
}

void CaseSession::endStroke() {
  Impl& s = *m_impl;
  if (!s.stroke)
    throw Error(ErrorCode::InvalidArgument, "no open stroke", "endStroke");
  EditStep step = std::move(*s.stroke);
  s.stroke.reset();
  finishEdit(s, std::move(step), s.strokeTarget);
}

namespace {

// The mean of the 3 x 3 in-plane neighbourhood of a voxel (clipped at the image's edge). The fill compares these
// rather than single voxels: averaging nine voxels cuts the noise about threefold (less for correlated CT noise),
// so a tolerance that still covers the tissue's own voxels no longer reaches the intensity of a neighbour a few
// noise SDs away (a vein 30 HU brighter than the parenchyma), and a voxel straddling an edge reads as the blend it
// is.
float smoothedAt(const core::Image& image, const std::array<long, 3>& p, int u, int v) {
  const core::ImageGeometry& g = image.geometry;
  double sum = 0.0;
  int count = 0;
  for (long b = -1; b <= 1; ++b)
    for (long a = -1; a <= 1; ++a) {
      std::array<long, 3> q = p;
      q[u] += a;
      q[v] += b;
      if (q[u] < 0 || q[v] < 0 || q[u] >= long(g.size[u]) || q[v] >= long(g.size[v]))
        continue;
      sum += image.at(std::size_t(q[0]), std::size_t(q[1]), std::size_t(q[2]));
      ++count;
    }
  return float(sum / count);
}

// The median of the smoothed values around the seed and their robust spread, 1.4826 x the median absolute
// deviation (the SD for a normal distribution). Taken from the values themselves, not from differences of
// neighbours: CT noise is spatially correlated (reconstruction kernels; the phantom filters its noise with
// [1 2 1]/4), which makes neighbour differences read it too low. The medians ignore the few voxels of an edge or
// vessel inside the window, where a mean and SD would follow their contrast.
std::pair<double, double> localStatistics(const core::Image& image, const std::array<long, 3>& seed, int u, int v,
                                          long halfWidth) {
  const core::ImageGeometry& g = image.geometry;
  std::vector<float> values;
  for (long b = -halfWidth; b <= halfWidth; ++b)
    for (long a = -halfWidth; a <= halfWidth; ++a) {
      std::array<long, 3> p = seed;
      p[u] += a;
      p[v] += b;
      if (p[u] >= 0 && p[v] >= 0 && p[u] < long(g.size[u]) && p[v] < long(g.size[v]))
        values.push_back(smoothedAt(image, p, u, v));
    }
  const std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + long(mid), values.end());
  const double median = values[mid];
  for (float& x : values)
    x = float(std::fabs(x - median));
  std::nth_element(values.begin(), values.begin() + long(mid), values.end());
  return {median, 1.4826 * values[mid]};
}

} // namespace

void CaseSession::fill(const EditTarget& target, const core::Vec3& seedLps, int normalAxis) {
  Impl& s = *m_impl;
  if (s.stroke)
    throw Error(ErrorCode::InvalidArgument, "a stroke is open", "fill");
  if (normalAxis < 0 || normalAxis > 2)
    throw Error(ErrorCode::InvalidArgument, "normal axis must be 0, 1 or 2", "fill");
  requireTarget(s, target);
  EditTarget t = target;
  if (t.kind == EditTarget::Kind::Lesion)
    t.date = Date::Baseline;
  const int d = slot(t.date);
  const core::Image& image = s.images[d];
  const core::ImageGeometry& g = image.geometry;
  const auto seed = voxelOf(g, seedLps);
  if (!seed)
    throw Error(ErrorCode::InvalidArgument, "the seed lies outside the image", "fill " + core::formatVec(seedLps, 1));
  // Statistics over a 5 mm neighbourhood of the seed (at least 2 voxels each way): small enough to stay inside
  // the organ clicked, large enough (about 80 voxels at 1 mm) for a stable median and noise estimate.
  const int u = normalAxis == 0 ? 1 : 0, v = normalAxis == 2 ? 1 : 2;
  const long half = std::max(2L, std::lround(5.0 / std::min(g.spacingMm[u], g.spacingMm[v])));
  const auto [centre, spread] = localStatistics(image, *seed, u, v, half);
  // The tissue's own voxels lie within 3 SDs of its median (99.7 % of a normal distribution), so the fill covers
  // the tissue it starts in; an edge of more than 3 SDs of the tissue's own spread stops it. The floor of 1 unit keeps
  // a noiseless (synthetic, denoised) scan from giving a zero-width window.
  const double tolerance = std::max(1.0, 3.0 * spread);
  const double low = centre - tolerance, high = centre + tolerance;
  // A fill corrects a part of an outline, not the whole slice: it stays within 60 mm of the seed (the radius of a
  // liver lobe's cross-section), so that tissue of the same density connected through a thin bridge (spleen,
  // muscle) cannot flood the slice.
  constexpr double kFillReachMm = 60.0;
  EditStep step = metaStep(s);
  std::vector<char> seen(std::size_t(g.size[u]) * g.size[v], 0);
  std::vector<std::array<long, 3>> queue{*seed};
  auto flat = [&](const std::array<long, 3>& p) { return std::size_t(p[u]) + g.size[u] * std::size_t(p[v]); };
  seen[flat(*seed)] = 1;
  while (!queue.empty()) {
    const std::array<long, 3> p = queue.back();
    queue.pop_back();
    const float value = smoothedAt(image, p, u, v);
    if (value < low || value > high)
      continue;
    const core::Vec3 lps = g.indexToLps({double(p[0]), double(p[1]), double(p[2])});
    if (core::distanceMm(lps, seedLps) > kFillReachMm)
      continue;
    paintVoxel(s, step, t, image.linearIndex(p[0], p[1], p[2]), false);
    for (const auto& [du, dv] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
      std::array<long, 3> q = p;
      q[u] += du;
      q[v] += dv;
      if (q[u] < 0 || q[v] < 0 || q[u] >= long(g.size[u]) || q[v] >= long(g.size[v]) || seen[flat(q)])
        continue;
      seen[flat(q)] = 1;
      queue.push_back(q);
    }
  }
  if (t.kind == EditTarget::Kind::Liver && s.handSlices[d][normalAxis].insert(std::size_t((*seed)[normalAxis])).second)
    step.handSlices[d][normalAxis].push_back(std::size_t((*seed)[normalAxis]));
  finishEdit(s, std::move(step), t);
}

namespace {

// Signed distance (mm, negative inside) of one slice of a mask, the slice normal to `axis` at index `slice`.
std::vector<float> sliceSignedDistance(const core::Mask& mask, int axis, std::size_t slice) {
  const core::ImageGeometry& g = mask.geometry;
  core::ImageGeometry sg = g;
  sg.size[axis] = 1;
  core::Mask inside(sg), outside(sg);
  for (std::size_t n = 0; n < sg.voxelCount(); ++n) {
    const std::size_t i = n % sg.size[0], j = (n / sg.size[0]) % sg.size[1], k = n / (sg.size[0] * sg.size[1]);
    core::Size3 p{i, j, k};
    p[axis] = slice;
    inside.voxels[n] = mask.at(p[0], p[1], p[2]) ? 1 : 0;
    outside.voxels[n] = inside.voxels[n] ? 0 : 1;
  }
  const std::vector<float> toInside = segmentation::distanceToMaskMm(inside);
  const std::vector<float> toOutside = segmentation::distanceToMaskMm(outside);
  std::vector<float> sd(toInside.size());
  const float big = 1e6F; // an empty side: far away, but finite for interpolation
  for (std::size_t n = 0; n < sd.size(); ++n)
    sd[n] = std::min(toInside[n], big) - std::min(toOutside[n], big);
  return sd;
}

} // namespace

std::size_t CaseSession::interpolateLiver(Date date, int normalAxis) {
  Impl& s = *m_impl;
  if (s.stroke)
    throw Error(ErrorCode::InvalidArgument, "a stroke is open", "interpolateLiver");
  if (normalAxis < 0 || normalAxis > 2)
    throw Error(ErrorCode::InvalidArgument, "normal axis must be 0, 1 or 2", "interpolateLiver");
  const int d = slot(date);
  core::Mask& liver = s.livers[d];
  const core::ImageGeometry& g = liver.geometry;
  const std::vector<std::size_t> edited(s.handSlices[d][normalAxis].begin(), s.handSlices[d][normalAxis].end());
  EditStep step = metaStep(s);
  std::size_t filled = 0;
  for (std::size_t e = 0; e + 1 < edited.size(); ++e) {
    const std::size_t a = edited[e], b = edited[e + 1];
    if (b - a < 2)
      continue;
    const std::vector<float> sdA = sliceSignedDistance(liver, normalAxis, a);
    const std::vector<float> sdB = sliceSignedDistance(liver, normalAxis, b);
    core::ImageGeometry sg = g;
    sg.size[normalAxis] = 1;
    for (std::size_t slice = a + 1; slice < b; ++slice) {
      const float w = float(slice - a) / float(b - a);
      for (std::size_t n = 0; n < sg.voxelCount(); ++n) {
        core::Size3 p{n % sg.size[0], (n / sg.size[0]) % sg.size[1], n / (sg.size[0] * sg.size[1])};
        p[normalAxis] = slice;
        const float sd = (1.0F - w) * sdA[n] + w * sdB[n];
        const std::size_t index = liver.linearIndex(p[0], p[1], p[2]);
        const std::uint8_t before = liver.voxels[index];
        setVoxel(liver.voxels, index, std::uint8_t(sd <= 0.0F ? 1 : 0), step.liver[d]);
        s.liverVoxels[d] += std::size_t(long(liver.voxels[index] != 0) - long(before != 0));
      }
      ++filled;
    }
  }
  finishEdit(s, std::move(step), EditTarget{EditTarget::Kind::Liver, date, 0});
  return filled;
}

// ---------------------------------------------------------------------------------------------------------------
// Sign-off

void CaseSession::confirmLivers(const std::string& by, const std::string& note) {
  if (by.empty())
    throw Error(ErrorCode::InvalidArgument, "a confirmation needs a name", "sign_off.livers.by");
  m_impl->signOff.livers = planning::Confirmation{by, utcNow(), note};
  m_impl->signOffChanged = true;
}

void CaseSession::confirmStatuses(const std::string& by, const std::string& note) {
  if (by.empty())
    throw Error(ErrorCode::InvalidArgument, "a confirmation needs a name", "sign_off.statuses.by");
  for (const auto& l : m_impl->lesions)
    if (l.followupStatus.empty())
      throw Error(ErrorCode::InvalidArgument, "site " + l.id + " has no follow-up status yet", "sign_off.statuses");
  m_impl->signOff.statuses = planning::Confirmation{by, utcNow(), note};
  m_impl->signOffChanged = true;
}

const planning::SignOff& CaseSession::signOff() const {
  return m_impl->signOff;
}

} // namespace vestige::viewer
