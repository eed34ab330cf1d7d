// TID 1500 measurement report (stored as Enhanced SR) through dcmsr's template classes, as dcmqi's tid1500writer builds
// it.
#include "vestige/dicom/sr_writer.h"

#include "dcmtk_util.h"

#include "vestige/core/error.h"

#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmsr/cmr/tid1500.h>
#include <dcmtk/dcmsr/codes/dcm.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <algorithm>
#include <iomanip>
#include <memory>
#include <sstream>

namespace vestige::dicom {

namespace {

DSRCodedEntryValue code(const CodedConcept& c) {
  return DSRCodedEntryValue(c.value.c_str(), c.scheme.c_str(), c.meaning.c_str());
}

std::string numberText(double v) {
  std::ostringstream s;
  s << std::setprecision(6) << v;
  return s.str();
}

} // namespace

WrittenObject writeMeasurementReport(const SeriesEntry& source, const WrittenObject& seg,
                                     const std::vector<SrMeasurementGroup>& groups, const DerivedSeriesInfo& info,
                                     const std::filesystem::path& file) {
  const std::string context = file.string();
  auto sourceFile = detail::loadSourceHeader(source);
  DcmDataset& sourceData = *sourceFile->getDataset();
  const std::string studyUid = detail::getString(sourceData, DCM_StudyInstanceUID);

  TID1500_MeasurementReport report(CMR_CID7021::ImagingMeasurementReport);
  detail::checkCondition(report.setLanguage(DSRCodedEntryValue("en-US", "RFC5646", "English (United States)")),
                         "language", context);
  detail::checkCondition(report.getObservationContext().addDeviceObserver(
                             detail::newUid(SITE_INSTANCE_UID_ROOT).c_str(), info.manufacturer.c_str(),
                             info.manufacturer.c_str(), info.modelName.c_str()),
                         "observer", context);
  detail::checkCondition(report.getImageLibrary().createNewImageLibrary(), "image library", context);
  detail::checkCondition(report.getImageLibrary().addImageGroup(), "image group", context);
  // Image descriptors (pixel spacing, positions, ...) are copied from each header: through makeHeaderValid, so that
  // a scanner's over-long Decimal Strings do not make the report invalid.
  for (const InstanceHeader& inst : source.instances) {
    const auto ff = detail::loadValidHeader(inst.file, 256);
    detail::checkCondition(
        report.getImageLibrary().addImageEntry(*ff->getDataset(), TID1600_ImageLibrary::withAllDescriptors),
        "image library entry", inst.file.string());
  }
  // Returns a non-error status when nothing was common; either way the library stays valid.
  (void)report.getImageLibrary().moveCommonImageDescriptorsToImageGroups();
  detail::checkCondition(report.addProcedureReported(DSRCodedEntryValue("363679005", "SCT", "Imaging procedure")),
                         "procedure reported", context);

  for (const SrMeasurementGroup& group : groups) {
    const std::string groupContext = context + ": group '" + group.trackingId + "'";
    detail::checkCondition(report.addVolumetricROIMeasurements(), "measurement group", groupContext);
    CMR_TID1411_in_TID1500& m = report.getVolumetricROIMeasurements();
    detail::checkCondition(m.setTrackingIdentifier(group.trackingId.c_str()), "tracking identifier", groupContext);
    detail::checkCondition(m.setTrackingUniqueIdentifier(detail::newUid(SITE_INSTANCE_UID_ROOT).c_str()),
                           "tracking UID", groupContext);
    DSRImageReferenceValue segment(UID_SegmentationStorage, seg.sopInstanceUid.c_str());
    segment.getSegmentList().addItem(static_cast<Uint16>(group.referencedSegment));
    detail::checkCondition(m.setReferencedSegment(segment), "referenced segment", groupContext);
    detail::checkCondition(m.setSourceSeriesForSegmentation(source.seriesUid.c_str()), "source series", groupContext);
    detail::checkCondition(m.setFinding(code(group.finding)), "finding", groupContext);
    if (!group.findingSite.value.empty())
      detail::checkCondition(m.addFindingSite(code(group.findingSite)), "finding site", groupContext);
    for (const SrMeasurement& measurement : group.measurements) {
      const CMR_TID1411_in_TID1500::MeasurementValue value(numberText(measurement.value).c_str(),
                                                           code(measurement.unit));
      detail::checkCondition(m.addMeasurement(code(measurement.quantity), value),
                             "measurement '" + measurement.quantity.meaning + "'", groupContext);
    }
    for (const SrQualitative& q : group.qualitative)
      detail::checkCondition(m.addQualitativeEvaluation(code(q.concept), q.text.c_str()),
                             "qualitative evaluation '" + q.concept.meaning + "'", groupContext);
  }
  if (!report.isValid())
    throw core::Error(core::ErrorCode::Internal, "TID 1500 measurement report is incomplete", context);

  DSRDocument doc(DSRTypes::DT_EnhancedSR); // TID 1500 with volumetric groups on a SEG needs no 3D coordinates
  detail::checkCondition(doc.setTreeFromRootTemplate(report, OFTrue), "SR tree", context);
  detail::checkCondition(doc.createNewSeriesInStudy(studyUid.c_str()), "SR series", context);
  detail::checkCondition(doc.setSeriesDescription(info.seriesDescription.c_str()), "series description", context);
  detail::checkCondition(doc.setManufacturer(info.manufacturer.c_str()), "manufacturer", context);
  detail::checkCondition(doc.setManufacturerModelName(info.modelName.c_str()), "model", context);
  detail::checkCondition(doc.setSoftwareVersions(info.softwareVersion.c_str()), "software version", context);
  detail::checkCondition(doc.setSeriesNumber(std::to_string(info.seriesNumber).c_str()), "series number", context);
  detail::checkCondition(doc.setInstanceNumber("1"), "instance number", context);
  detail::checkCondition(doc.completeDocument(), "completion flag", context);
  // Evidence: the SEG and every source image the measurements rest on.
  detail::checkCondition(
      doc.getCurrentRequestedProcedureEvidence().addItem(studyUid.c_str(), seg.seriesInstanceUid.c_str(),
                                                         seg.sopClassUid.c_str(), seg.sopInstanceUid.c_str()),
      "evidence", context);
  for (const InstanceHeader& inst : source.instances)
    detail::checkCondition(
        doc.getCurrentRequestedProcedureEvidence().addItem(studyUid.c_str(), source.seriesUid.c_str(),
                                                           inst.sopClassUid.c_str(), inst.sopInstanceUid.c_str()),
        "evidence", context);

  DcmFileFormat ff;
  DcmDataset& d = *ff.getDataset();
  detail::checkCondition(doc.write(d), "write SR dataset", context);
  // Patient and study exactly as in the source series (DSRDocument starts from an empty patient).
  detail::copySourceContext(sourceData, d);
  d.remove(DCM_FrameOfReferenceUID);
  d.remove(DCM_PositionReferenceIndicator);
  {
    std::vector<std::string> schemes;
    auto note = [&](const CodedConcept& c) {
      if (c.scheme.rfind("99", 0) == 0 && std::find(schemes.begin(), schemes.end(), c.scheme) == schemes.end())
        schemes.push_back(c.scheme);
    };
    for (const SrMeasurementGroup& group : groups) {
      note(group.finding);
      note(group.findingSite);
      for (const SrMeasurement& m : group.measurements)
        note(m.quantity);
      for (const SrQualitative& q : group.qualitative)
        note(q.concept);
    }
    detail::declarePrivateCodingSchemes(d, schemes, info.manufacturer);
  }
  const std::string sopUid = detail::getString(d, DCM_SOPInstanceUID);
  // dcmsr stores the document as the simplest SR IOD its content fits: TID 1500 without 3D coordinates is an
  // Enhanced SR. Report what was written.
  const std::string sopClassUid = detail::getString(d, DCM_SOPClassUID);
  const std::string seriesUid = detail::getString(d, DCM_SeriesInstanceUID);
  detail::saveAtomically(ff, file);
  return {file, sopClassUid, sopUid, seriesUid};
}

} // namespace vestige::dicom
