// Secondary Capture Image Storage, written with dcmdata directly: the IOD is small and dcmiod has no SC class.
#include "vestige/dicom/sc_writer.h"

#include "dcmtk_util.h"

#include "vestige/core/error.h"
#include "vestige/dicom/vr_rules.h"

#include <dcmtk/dcmdata/dcuid.h>

#include <memory>

namespace vestige::dicom {

std::vector<WrittenObject> writeSecondaryCaptures(const SeriesEntry& source, const std::vector<CapturedImage>& images,
                                                  const DerivedSeriesInfo& info, const std::filesystem::path& folder,
                                                  const std::string& stem) {
  auto sourceFile = detail::loadSourceHeader(source);
  DcmDataset& sourceData = *sourceFile->getDataset();
  const std::string seriesUid =
      info.seriesInstanceUid.empty() ? detail::newUid(SITE_SERIES_UID_ROOT) : info.seriesInstanceUid;
  std::string date, time;
  detail::currentDateTime(date, time);
  std::vector<WrittenObject> written;
  for (std::size_t n = 0; n < images.size(); ++n) {
    const CapturedImage& image = images[n];
    const std::filesystem::path file = folder / (stem + "_" + std::to_string(n + 1) + ".dcm");
    const std::string context = file.string();
    if (image.width <= 0 || image.height <= 0 || image.width > 65535 || image.height > 65535 ||
        image.rgb.size() != static_cast<std::size_t>(image.width) * image.height * 3)
      throw core::Error(core::ErrorCode::InvalidArgument, "image size does not match its pixels", context);
    DcmFileFormat ff;
    DcmDataset& d = *ff.getDataset();
    detail::copySourceContext(sourceData, d);
    d.remove(DCM_FrameOfReferenceUID); // SC IOD has no Frame of Reference module
    d.remove(DCM_PositionReferenceIndicator);
    const std::string sopUid = detail::newUid(SITE_INSTANCE_UID_ROOT);
    auto put = [&](const DcmTagKey& tag, const std::string& value) {
      detail::checkCondition(d.putAndInsertString(tag, value.c_str()), DcmTag(tag).getTagName(), context);
    };
    put(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
    put(DCM_SOPInstanceUID, sopUid);
    put(DCM_Modality, "OT");
    put(DCM_SeriesInstanceUID, seriesUid);
    put(DCM_SeriesNumber, std::to_string(info.seriesNumber));
    put(DCM_SeriesDescription, info.seriesDescription);
    put(DCM_SeriesDate, date);
    put(DCM_SeriesTime, time);
    put(DCM_Manufacturer, info.manufacturer);
    put(DCM_ManufacturerModelName, info.modelName);
    put(DCM_SoftwareVersions, info.softwareVersion);
    put(DCM_ConversionType, "WSD"); // workstation
    put(DCM_InstanceNumber, std::to_string(n + 1));
    put(DCM_PatientOrientation, "");
    put(DCM_BodyPartExamined, "ABDOMEN"); // an unpaired part: Laterality (type 2C) is then absent
    put(DCM_ContentDate, date);
    put(DCM_ContentTime, time);
    put(DCM_ImageType, "DERIVED\\SECONDARY");
    put(DCM_DerivationDescription, clipText(image.description, 1024, true));
    put(DCM_ImageComments, clipText(image.description, 10240, true));
    put(DCM_BurnedInAnnotation, "YES");
    put(DCM_LossyImageCompression, "00");
    put(DCM_PhotometricInterpretation, "RGB");
    detail::checkCondition(d.putAndInsertUint16(DCM_SamplesPerPixel, 3), "SamplesPerPixel", context);
    detail::checkCondition(d.putAndInsertUint16(DCM_PlanarConfiguration, 0), "PlanarConfiguration", context);
    detail::checkCondition(d.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(image.height)), "Rows", context);
    detail::checkCondition(d.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(image.width)), "Columns", context);
    detail::checkCondition(d.putAndInsertUint16(DCM_BitsAllocated, 8), "BitsAllocated", context);
    detail::checkCondition(d.putAndInsertUint16(DCM_BitsStored, 8), "BitsStored", context);
    detail::checkCondition(d.putAndInsertUint16(DCM_HighBit, 7), "HighBit", context);
    detail::checkCondition(d.putAndInsertUint16(DCM_PixelRepresentation, 0), "PixelRepresentation", context);
    detail::checkCondition(
        d.putAndInsertUint8Array(DCM_PixelData, image.rgb.data(), static_cast<unsigned long>(image.rgb.size())),
        "PixelData", context);
    detail::saveAtomically(ff, file);
    written.push_back({file, UID_SecondaryCaptureImageStorage, sopUid, seriesUid});
  }
  return written;
}

} // namespace vestige::dicom
