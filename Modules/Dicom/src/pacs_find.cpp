// C-ECHO and C-FIND (Study Root: study, series and image levels).
#include "pacs_scu.h"

#include "dcmtk_util.h"

#include <algorithm>

namespace vestige::dicom {

using core::Error;
using core::ErrorCode;

namespace detail {

namespace {

int integer(DcmItem& item, const DcmTagKey& tag) {
  const std::string s = getString(item, tag);
  try {
    return s.empty() ? 0 : std::stoi(s);
  } catch (const std::exception&) {
    return 0;
  }
}

void checkDate(const std::string& range) {
  const auto ok = [](const std::string& d) {
    return d.empty() || (d.size() == 8 && d.find_first_not_of("0123456789") == std::string::npos);
  };
  const auto dash = range.find('-');
  if (dash == std::string::npos ? !ok(range) : (!ok(range.substr(0, dash)) || !ok(range.substr(dash + 1))))
    throw Error(ErrorCode::InvalidArgument,
                "a date is YYYYMMDD, a range YYYYMMDD-YYYYMMDD (either end may be left out), not \"" + range + "\"",
                "--date");
}

} // namespace

// Runs one C-FIND on an open association and returns the matches; throws on a failed status.
std::vector<std::unique_ptr<DcmDataset>> runFind(PacsAssociation& association, DcmDataset& keys,
                                                 const std::string& what) {
  const T_ASC_PresentationContextID id = association.context(UID_FINDStudyRootQueryRetrieveInformationModel);
  OFList<QRResponse*> responses;
  const OFCondition cond = association.scu().sendFINDRequest(id, &keys, &responses);
  std::vector<std::unique_ptr<DcmDataset>> matches;
  Uint16 finalStatus = STATUS_Success;
  for (QRResponse* r : responses) {
    if (r->m_dataset) {
      matches.emplace_back(r->m_dataset);
      r->m_dataset = nullptr;
    }
    if (!DICOM_PENDING_STATUS(r->m_status))
      finalStatus = r->m_status;
    delete r;
  }
  association.check(cond, what);
  checkDimseStatus(association, finalStatus, what);
  return matches;
}

std::unique_ptr<PacsAssociation> openFind(const PacsServer& server, const std::string& purpose) {
  auto a = std::make_unique<PacsAssociation>(server, purpose);
  a->addContext(UID_FINDStudyRootQueryRetrieveInformationModel, uncompressedTransferSyntaxes());
  a->connect();
  return a;
}

std::vector<PacsSeriesInfo> findSeries(PacsAssociation& association, const std::string& studyUid) {
  DcmDataset keys;
  keys.putAndInsertString(DCM_QueryRetrieveLevel, "SERIES");
  keys.putAndInsertString(DCM_StudyInstanceUID, studyUid.c_str());
  for (const DcmTagKey& tag : {DCM_SeriesInstanceUID, DCM_SeriesNumber, DCM_Modality, DCM_SeriesDescription,
                               DCM_SeriesDate, DCM_NumberOfSeriesRelatedInstances})
    keys.insertEmptyElement(tag);
  std::vector<PacsSeriesInfo> series;
  for (const auto& m : runFind(association, keys, "C-FIND of the series of study " + studyUid)) {
    PacsSeriesInfo s;
    s.seriesUid = getString(*m, DCM_SeriesInstanceUID);
    s.seriesNumber = integer(*m, DCM_SeriesNumber);
    s.modality = getString(*m, DCM_Modality);
    s.description = getString(*m, DCM_SeriesDescription);
    s.date = isoDate(getString(*m, DCM_SeriesDate));
    s.instances = integer(*m, DCM_NumberOfSeriesRelatedInstances);
    if (!s.seriesUid.empty())
      series.push_back(std::move(s));
  }
  std::sort(series.begin(), series.end(), [](const PacsSeriesInfo& a, const PacsSeriesInfo& b) {
    return a.seriesNumber != b.seriesNumber ? a.seriesNumber < b.seriesNumber : a.seriesUid < b.seriesUid;
  });
  return series;
}

std::vector<InstanceRef> findInstances(PacsAssociation& association, const std::string& studyUid,
                                       const std::string& seriesUid) {
  DcmDataset keys;
  keys.putAndInsertString(DCM_QueryRetrieveLevel, "IMAGE");
  keys.putAndInsertString(DCM_StudyInstanceUID, studyUid.c_str());
  keys.putAndInsertString(DCM_SeriesInstanceUID, seriesUid.c_str());
  keys.insertEmptyElement(DCM_SOPInstanceUID);
  keys.insertEmptyElement(DCM_SOPClassUID);
  std::vector<InstanceRef> instances;
  for (const auto& m : runFind(association, keys, "C-FIND of the instances of series " + seriesUid)) {
    InstanceRef r{getString(*m, DCM_SOPInstanceUID), getString(*m, DCM_SOPClassUID)};
    if (!r.sopInstanceUid.empty())
      instances.push_back(std::move(r));
  }
  return instances;
}

} // namespace detail

void pacsEcho(const PacsServer& server) {
  detail::PacsAssociation a(server, "C-ECHO");
  a.addContext(UID_VerificationSOPClass, detail::uncompressedTransferSyntaxes());
  a.connect();
  a.check(a.scu().sendECHORequest(a.context(UID_VerificationSOPClass)), "C-ECHO");
  a.release();
}

std::vector<PacsStudyInfo> pacsFind(const PacsServer& server, const PacsQuery& query, core::Progress* progress) {
  if (!query.dateRange.empty())
    detail::checkDate(query.dateRange);
  if (!query.modality.empty() && query.modality.find_first_of("*?\\") != std::string::npos)
    throw Error(ErrorCode::InvalidArgument, "one modality such as CT or MR", "--modality");
  core::throwIfCancelled(progress);
  auto a = detail::openFind(server, "C-FIND");
  DcmDataset keys;
  keys.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
  keys.putAndInsertString(DCM_StudyInstanceUID, query.studyUid.c_str());
  keys.putAndInsertString(DCM_PatientID, query.patientId.c_str());
  keys.putAndInsertString(DCM_PatientName, query.patientName.c_str());
  keys.putAndInsertString(DCM_AccessionNumber, query.accessionNumber.c_str());
  keys.putAndInsertString(DCM_StudyDate, query.dateRange.c_str());
  keys.putAndInsertString(DCM_ModalitiesInStudy, query.modality.c_str());
  keys.insertEmptyElement(DCM_StudyDescription);
  std::vector<PacsStudyInfo> studies;
  for (const auto& m : detail::runFind(*a, keys, "C-FIND of studies")) {
    PacsStudyInfo s;
    s.studyUid = detail::getString(*m, DCM_StudyInstanceUID);
    s.date = detail::isoDate(detail::getString(*m, DCM_StudyDate));
    s.description = detail::getString(*m, DCM_StudyDescription);
    s.accessionNumber = detail::getString(*m, DCM_AccessionNumber);
    s.patientId = detail::getString(*m, DCM_PatientID);
    s.patientName = detail::getString(*m, DCM_PatientName);
    if (!s.studyUid.empty())
      studies.push_back(std::move(s));
  }
  std::sort(studies.begin(), studies.end(), [](const PacsStudyInfo& x, const PacsStudyInfo& y) {
    return x.date != y.date ? x.date < y.date : x.studyUid < y.studyUid;
  });
  for (std::size_t i = 0; i < studies.size(); ++i) {
    core::reportProgress(progress, "C-FIND series", static_cast<double>(i) / static_cast<double>(studies.size()));
    studies[i].series = detail::findSeries(*a, studies[i].studyUid);
  }
  // A server that ignores ModalitiesInStudy as a matching key still returns only studies with such a series.
  if (!query.modality.empty())
    studies.erase(std::remove_if(studies.begin(), studies.end(),
                                 [&](const PacsStudyInfo& s) {
                                   return std::none_of(s.series.begin(), s.series.end(), [&](const PacsSeriesInfo& x) {
                                     return x.modality == query.modality;
                                   });
                                 }),
                  studies.end());
  core::reportProgress(progress, "C-FIND series", 1.0);
  a->release();
  return studies;
}

} // namespace vestige::dicom
