// DICOM SEG through dcmseg, following the conventions dcmqi established (dimension index on referenced segment and
// image position, shared orientation and pixel measures, per-frame derivation images).
#include "vestige/dicom/seg_writer.h"

#include "dcmtk_util.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/dicom/vr_rules.h"

#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmiod/cielabutil.h>
#include <dcmtk/dcmiod/iodmacro.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <memory>
#include <sstream>

namespace vestige::dicom {

namespace detail {

void checkCondition(const OFCondition& cond, const std::string& what, const std::string& context) {
  if (cond.bad())
    throw core::Error(core::ErrorCode::Internal, what + ": " + cond.text(), context);
}

std::string newUid(const char* root) {
  char uid[100];
  dcmGenerateUniqueIdentifier(uid, root);
  return uid;
}

// The header of the first instance of the source series: patient, study and frame of reference come from it.
std::unique_ptr<DcmFileFormat> loadValidHeader(const std::filesystem::path& file, Uint32 maxReadLength) {
  silenceDcmtkLog();
  auto ff = std::make_unique<DcmFileFormat>();
  const OFCondition cond = ff->loadFile(file.string().c_str(), EXS_Unknown, EGL_noChange, maxReadLength);
  if (cond.bad())
    throw core::Error(core::ErrorCode::InvalidFormat, std::string("cannot read source instance: ") + cond.text(),
                      file.string());
  makeHeaderValid(*ff->getDataset());
  return ff;
}

std::unique_ptr<DcmFileFormat> loadSourceHeader(const SeriesEntry& source) {
  if (source.instances.empty())
    throw core::Error(core::ErrorCode::InvalidArgument, "source series has no instances", "series " + source.seriesUid);
  return loadValidHeader(source.instances.front().file);
}

void declarePrivateCodingSchemes(DcmItem& dataset, const std::vector<std::string>& designators,
                                 const std::string& organisation) {
  for (std::size_t n = 0; n < designators.size(); ++n) {
    DcmItem* item = nullptr;
    checkCondition(
        dataset.findOrCreateSequenceItem(DCM_CodingSchemeIdentificationSequence, item, static_cast<signed long>(n)),
        "coding scheme identification", designators[n]);
    item->putAndInsertString(DCM_CodingSchemeDesignator, designators[n].c_str());
    item->putAndInsertString(DCM_CodingSchemeName, (organisation + " local concepts").c_str());
    item->putAndInsertString(DCM_CodingSchemeResponsibleOrganization, organisation.c_str());
  }
}

// Patient, study, frame of reference and equipment-independent attributes a derived object shares with its source.
void copySourceContext(DcmItem& source, DcmItem& target) {
  static const DcmTagKey tags[] = {DCM_SpecificCharacterSet,
                                   DCM_PatientName,
                                   DCM_PatientID,
                                   DCM_PatientBirthDate,
                                   DCM_PatientSex,
                                   DCM_PatientAge,
                                   DCM_StudyInstanceUID,
                                   DCM_StudyDate,
                                   DCM_StudyTime,
                                   DCM_StudyID,
                                   DCM_AccessionNumber,
                                   DCM_ReferringPhysicianName,
                                   DCM_StudyDescription,
                                   DCM_FrameOfReferenceUID,
                                   DCM_PositionReferenceIndicator};
  for (const DcmTagKey& tag : tags) {
    DcmElement* element = nullptr;
    if (source.findAndGetElement(tag, element).good() && element != nullptr)
      target.insert(OFstatic_cast(DcmElement*, element->clone()), OFTrue);
    else if (tag != DCM_SpecificCharacterSet && tag != DCM_PatientAge && tag != DCM_StudyDescription &&
             tag != DCM_FrameOfReferenceUID && tag != DCM_PositionReferenceIndicator)
      target.putAndInsertString(tag, ""); // type 2: present, possibly empty
  }
}

void saveAtomically(DcmFileFormat& ff, const std::filesystem::path& file) {
  makeValuesValid(*ff.getDataset());
  core::writeAtomically(file, [&](const std::filesystem::path& tmp) {
    const OFCondition cond = ff.saveFile(tmp.string().c_str(), EXS_LittleEndianExplicit);
    if (cond.bad())
      throw core::Error(core::ErrorCode::Io, std::string("cannot write DICOM file: ") + cond.text(), file.string());
  });
}

void currentDateTime(std::string& date, std::string& time) {
  OFString d, t;
  DcmDate::getCurrentDate(d);
  DcmTime::getCurrentTime(t);
  date = d.c_str();
  time = t.c_str();
}

} // namespace detail

namespace {

CodeSequenceMacro toMacro(const CodedConcept& c, const std::string& context) {
  if (c.value.empty() || c.scheme.empty() || c.meaning.empty())
    throw core::Error(core::ErrorCode::InvalidArgument, "coded concept needs value, scheme and meaning", context);
  return CodeSequenceMacro(c.value.c_str(), c.scheme.c_str(), c.meaning.c_str());
}

} // namespace

WrittenObject writeSegmentation(const SeriesEntry& source, const std::vector<SegmentSpec>& segments,
                                const DerivedSeriesInfo& info, const std::filesystem::path& file,
                                core::Progress* progress) {
  const std::string context = file.string();
  if (segments.empty())
    throw core::Error(core::ErrorCode::InvalidArgument, "no segments to write", context);
  const core::ImageGeometry& g = segments.front().mask.geometry;
  const std::size_t nx = g.size[0], ny = g.size[1], nz = g.size[2];
  for (const SegmentSpec& s : segments) {
    if (!core::sameGrid(s.mask.geometry, g, 1e-3) || s.mask.voxels.size() != g.voxelCount())
      throw core::Error(core::ErrorCode::InconsistentData, "segment mask is not on the grid of the first segment",
                        context + ": segment '" + s.label + "'");
  }
  // Frames reference their source slice: the instances must be the slices of the grid, in k order.
  if (source.instances.size() != nz)
    throw core::Error(core::ErrorCode::InconsistentData,
                      "masks have " + std::to_string(nz) + " slices, source series has " +
                          std::to_string(source.instances.size()) + " single-frame instances",
                      "series " + source.seriesUid);
  for (std::size_t k = 0; k < nz; ++k) {
    const InstanceHeader& inst = source.instances[k];
    if (inst.frameHeaders.empty() || !inst.frameHeaders.front().hasPosition || inst.rows != ny || inst.columns != nx)
      throw core::Error(core::ErrorCode::InconsistentData, "source instance does not match the mask grid",
                        inst.file.string());
    const core::Vec3 expected = g.indexToLps({0.0, 0.0, static_cast<double>(k)});
    if (core::distanceMm(expected, inst.frameHeaders.front().positionLps) > 0.01)
      throw core::Error(core::ErrorCode::InconsistentData,
                        "slice " + std::to_string(k) + " of the masks lies at " + core::formatVec(expected) +
                            ", source instance at " + core::formatVec(inst.frameHeaders.front().positionLps),
                        inst.file.string());
  }
  if (nx > 65535 || ny > 65535)
    throw core::Error(core::ErrorCode::Unsupported, "image too large for a SEG frame", context);

  auto sourceFile = detail::loadSourceHeader(source);
  DcmDataset& sourceData = *sourceFile->getDataset();

  IODGeneralEquipmentModule::EquipmentInfo equipment(info.manufacturer.c_str(), "1", info.modelName.c_str(),
                                                     info.softwareVersion.c_str());
  ContentIdentificationMacro ident;
  detail::checkCondition(ident.setContentLabel(info.contentLabel.c_str()), "content label", context);
  detail::checkCondition(ident.setContentDescription(info.contentDescription.empty() ? info.seriesDescription.c_str()
                                                                                     : info.contentDescription.c_str()),
                         "content description", context);
  detail::checkCondition(ident.setContentCreatorName("Vestige^Planning"), "content creator", context);
  detail::checkCondition(ident.setInstanceNumber("1"), "instance number", context);

  DcmSegmentation* raw = nullptr;
  detail::checkCondition(DcmSegmentation::createBinarySegmentation(raw, static_cast<Uint16>(ny),
                                                                   static_cast<Uint16>(nx), equipment, ident),
                         "create segmentation", context);
  std::unique_ptr<DcmSegmentation> seg(raw);
  // Only the attributes a derived object must share: scanners fill optional study attributes (e.g. a
  // ProcedureCodeSequence without coding scheme, as HCC_009 does) that dcmiod would refuse to write back.
  DcmDataset shared;
  detail::copySourceContext(sourceData, shared);
  detail::checkCondition(seg->importHierarchy(shared, OFTrue, OFTrue, OFTrue, OFFalse), "import patient/study",
                         context);

  const std::string seriesUid =
      info.seriesInstanceUid.empty() ? detail::newUid(SITE_SERIES_UID_ROOT) : info.seriesInstanceUid;
  const std::string sopUid = detail::newUid(SITE_INSTANCE_UID_ROOT);
  detail::checkCondition(seg->getSeries().setSeriesInstanceUID(seriesUid.c_str()), "series UID", context);
  detail::checkCondition(seg->getSeries().setSeriesNumber(std::to_string(info.seriesNumber).c_str()), "series number",
                         context);
  detail::checkCondition(seg->getSeries().setSeriesDescription(info.seriesDescription.c_str()), "series description",
                         context);
  detail::checkCondition(seg->getSOPCommon().setSOPInstanceUID(sopUid.c_str()), "SOP instance UID", context);

  const std::string dimUid = detail::newUid(SITE_INSTANCE_UID_ROOT);
  IODMultiframeDimensionModule& dims = seg->getDimensions();
  detail::checkCondition(dims.addDimensionIndex(DCM_ReferencedSegmentNumber, dimUid.c_str(),
                                                DCM_SegmentIdentificationSequence, "ReferencedSegmentNumber"),
                         "dimension index", context);
  detail::checkCondition(dims.addDimensionIndex(DCM_ImagePositionPatient, dimUid.c_str(), DCM_PlanePositionSequence,
                                                "ImagePositionPatient"),
                         "dimension index", context);

  {
    std::unique_ptr<FGPlaneOrientationPatient> orientation(FGPlaneOrientationPatient::createMinimal(
        formatDecimalString(g.direction[0][0]).c_str(), formatDecimalString(g.direction[1][0]).c_str(),
        formatDecimalString(g.direction[2][0]).c_str(), formatDecimalString(g.direction[0][1]).c_str(),
        formatDecimalString(g.direction[1][1]).c_str(), formatDecimalString(g.direction[2][1]).c_str()));
    detail::checkCondition(seg->addForAllFrames(*orientation), "plane orientation", context);
    FGPixelMeasures measures;
    const std::string spacing = formatDecimalString(g.spacingMm[1]) + "\\" + formatDecimalString(g.spacingMm[0]);
    detail::checkCondition(measures.setPixelSpacing(spacing.c_str()), "pixel spacing", context);
    detail::checkCondition(measures.setSliceThickness(formatDecimalString(g.spacingMm[2]).c_str()), "slice thickness",
                           context);
    detail::checkCondition(measures.setSpacingBetweenSlices(formatDecimalString(g.spacingMm[2]).c_str()),
                           "spacing between slices", context);
    detail::checkCondition(seg->addForAllFrames(measures), "pixel measures", context);
  }

  // Common Instance Reference: every source instance.
  {
    IODCommonInstanceReferenceModule& common = seg->getCommonInstanceReference();
    auto* item = new IODSeriesAndInstanceReferenceMacro::ReferencedSeriesItem;
    item->setSeriesInstanceUID(source.seriesUid.c_str());
    for (const InstanceHeader& inst : source.instances) {
      auto* ref = new SOPInstanceReferenceMacro();
      ref->setReferencedSOPClassUID(inst.sopClassUid.c_str());
      ref->setReferencedSOPInstanceUID(inst.sopInstanceUid.c_str());
      item->getReferencedInstanceItems().push_back(ref);
    }
    common.getReferencedSeriesItems().push_back(item);
  }

  std::vector<Uint8> frame(nx * ny);
  std::size_t framesWritten = 0;
  for (std::size_t s = 0; s < segments.size(); ++s) {
    const SegmentSpec& spec = segments[s];
    const std::string segContext = context + ": segment '" + spec.label + "'";
    if (spec.label.empty() || spec.label.size() > 64)
      throw core::Error(core::ErrorCode::InvalidArgument, "segment label must have 1 to 64 characters", segContext);
    DcmSegment* segment = nullptr;
    detail::checkCondition(DcmSegment::create(segment, spec.label.c_str(), toMacro(spec.category, segContext),
                                              toMacro(spec.type, segContext), DcmSegTypes::SAT_AUTOMATIC, "Vestige"),
                           "create segment", segContext);
    std::unique_ptr<DcmSegment> owned(segment);
    if (!spec.description.empty())
      detail::checkCondition(segment->setSegmentDescription(shortenAtWord(spec.description, 64).c_str()),
                             "segment description", segContext);
    if (!spec.anatomicRegion.value.empty())
      segment->getGeneralAnatomyCode().getAnatomicRegion() = toMacro(spec.anatomicRegion, segContext);
    if (!spec.trackingId.empty()) {
      detail::checkCondition(segment->setTrackingID(spec.trackingId.c_str()), "tracking ID", segContext);
      detail::checkCondition(segment->setTrackingUID(detail::newUid(SITE_INSTANCE_UID_ROOT).c_str()), "tracking UID",
                             segContext);
    }
    double L = 0, a = 0, b = 0;
    IODCIELabUtil::rgb2DicomLab(L, a, b, spec.rgb[0] / 255.0, spec.rgb[1] / 255.0, spec.rgb[2] / 255.0);
    detail::checkCondition(segment->setRecommendedDisplayCIELabValue(static_cast<Uint16>(std::lround(L)),
                                                                     static_cast<Uint16>(std::lround(a)),
                                                                     static_cast<Uint16>(std::lround(b))),
                           "display colour", segContext);
    Uint16 segmentNumber = 0;
    detail::checkCondition(seg->addSegment(segment, segmentNumber), "add segment", segContext);
    owned.release(); // the segmentation owns it now

    bool any = false;
    for (std::size_t k = 0; k < nz; ++k) {
      const std::uint8_t* slice = &spec.mask.voxels[k * nx * ny];
      bool nonEmpty = false;
      for (std::size_t p = 0; p < nx * ny && !nonEmpty; ++p)
        nonEmpty = slice[p] != 0;
      const bool lastChance = (k + 1 == nz) && !any; // an empty segment still gets one (empty) frame
      if (!nonEmpty && !lastChance)
        continue;
      any = true;
      for (std::size_t p = 0; p < nx * ny; ++p)
        frame[p] = slice[p] ? 1 : 0;
      const core::Vec3 pos = g.indexToLps({0.0, 0.0, static_cast<double>(k)});
      std::unique_ptr<FGPlanePosPatient> position(
          FGPlanePosPatient::createMinimal(formatDecimalString(pos[0]).c_str(), formatDecimalString(pos[1]).c_str(),
                                           formatDecimalString(pos[2]).c_str()));
      FGFrameContent content;
      detail::checkCondition(content.setDimensionIndexValues(segmentNumber, 0), "dimension value", segContext);
      detail::checkCondition(content.setDimensionIndexValues(static_cast<Uint32>(k + 1), 1), "dimension value",
                             segContext);
      FGDerivationImage derivation;
      DerivationImageItem* derivationItem = nullptr;
      detail::checkCondition(
          derivation.addDerivationImageItem(CodeSequenceMacro("113076", "DCM", "Segmentation"), "", derivationItem),
          "derivation image", segContext);
      auto* sourceItem = new SourceImageItem();
      sourceItem->getImageSOPInstanceReference().setReferencedSOPClassUID(source.instances[k].sopClassUid.c_str());
      sourceItem->getImageSOPInstanceReference().setReferencedSOPInstanceUID(
          source.instances[k].sopInstanceUid.c_str());
      sourceItem->getPurposeOfReferenceCode().set("121322", "DCM", "Source image for image processing operation");
      derivationItem->getSourceImageItems().push_back(sourceItem);
      OFVector<FGBase*> perFrame;
      perFrame.push_back(position.get());
      perFrame.push_back(&content);
      perFrame.push_back(&derivation);
      detail::checkCondition(seg->addFrame(frame.data(), segmentNumber, perFrame), "add frame", segContext);
      ++framesWritten;
    }
    core::reportProgress(progress, "DICOM SEG", static_cast<double>(s + 1) / static_cast<double>(segments.size()));
  }

  DcmFileFormat out;
  detail::checkCondition(seg->writeDataset(*out.getDataset()), "write SEG dataset", context);
  DcmDataset& data = *out.getDataset();
  std::string date, time;
  detail::currentDateTime(date, time);
  data.putAndInsertString(DCM_SeriesDate, date.c_str());
  data.putAndInsertString(DCM_SeriesTime, time.c_str());
  data.putAndInsertString(DCM_ContentDate, date.c_str());
  data.putAndInsertString(DCM_ContentTime, time.c_str());
  data.putAndInsertString(DCM_SegmentsOverlap, segments.size() > 1 ? "YES" : "NO");
  // The copied patient and study values were converted to UTF-8 (loadSourceHeader); Vestige's own text is UTF-8.
  data.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  {
    std::vector<std::string> schemes;
    for (const SegmentSpec& s : segments)
      for (const CodedConcept* c : {&s.category, &s.type, &s.anatomicRegion})
        if (c->scheme.rfind("99", 0) == 0 && std::find(schemes.begin(), schemes.end(), c->scheme) == schemes.end())
          schemes.push_back(c->scheme);
    detail::declarePrivateCodingSchemes(data, schemes, info.manufacturer);
  }
  {
    OFString bodyPart;
    if (sourceData.findAndGetOFString(DCM_BodyPartExamined, bodyPart).good() && !bodyPart.empty())
      data.putAndInsertString(DCM_BodyPartExamined, bodyPart.c_str());
  }
  detail::saveAtomically(out, file);
  (void)framesWritten;
  return {file, UID_SegmentationStorage, sopUid, seriesUid};
}

} // namespace vestige::dicom
