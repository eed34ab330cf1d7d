#include "pixel_decoder.h"

#include "dcmtk_util.h"
#include "vestige/core/error.h"

#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <gdcmImageReader.h>

#include <cstring>
#include <mutex>

namespace fs = std::filesystem;
using vestige::core::Error;
using vestige::core::ErrorCode;

namespace vestige::dicom::detail {

namespace {

void registerDcmtkCodecs() {
  static std::once_flag once;
  std::call_once(once, [] {
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
  });
}

bool isJpeg2000(const std::string& ts) {
  return ts == "1.2.840.10008.1.2.4.90" || ts == "1.2.840.10008.1.2.4.91" || ts == "1.2.840.10008.1.2.4.92" ||
         ts == "1.2.840.10008.1.2.4.93";
}

std::size_t expectedValues(const InstanceHeader& h) {
  return std::size_t(h.rows) * h.columns * h.frames;
}

// Interprets raw little-endian words as stored values: keeps the low bitsStored bits and sign-extends them.
void convertWords(const void* data, std::size_t count, unsigned bitsAllocated, unsigned bitsStored, bool isSigned,
                  std::vector<float>& out) {
  out.resize(count);
  if (bitsAllocated == 8) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    for (std::size_t n = 0; n < count; ++n)
      out[n] = isSigned ? float(static_cast<std::int8_t>(p[n])) : float(p[n]);
    return;
  }
  if (bitsAllocated == 16) {
    const auto* p = static_cast<const std::uint16_t*>(data);
    const unsigned bits = (bitsStored == 0 || bitsStored > 16) ? 16 : bitsStored;
    const std::uint32_t mask = bits == 16 ? 0xFFFFu : ((1u << bits) - 1u);
    const std::int32_t signBit = 1 << (bits - 1);
    for (std::size_t n = 0; n < count; ++n) {
      std::int32_t v = static_cast<std::int32_t>(p[n] & mask);
      if (isSigned && (v & signBit))
        v -= (1 << bits);
      out[n] = float(v);
    }
    return;
  }
  if (bitsAllocated == 32) {
    const auto* p = static_cast<const std::uint32_t*>(data);
    for (std::size_t n = 0; n < count; ++n)
      out[n] = isSigned ? float(static_cast<std::int32_t>(p[n])) : float(p[n]);
    return;
  }
  throw Error(ErrorCode::Unsupported, "BitsAllocated " + std::to_string(bitsAllocated) + " is not supported");
}

void requireSingleChannel(const InstanceHeader& h) {
  if (h.samplesPerPixel != 1)
    throw Error(ErrorCode::Unsupported,
                "colour image (" + std::to_string(h.samplesPerPixel) + " samples per pixel): not a CT/MR volume slice",
                h.file.string());
  if (h.rows == 0 || h.columns == 0)
    throw Error(ErrorCode::InvalidFormat, "Rows or Columns is zero", h.file.string());
}

std::vector<float> decodeWithGdcm(const InstanceHeader& h) {
  gdcm::ImageReader reader;
  reader.SetFileName(h.file.c_str());
  if (!reader.Read())
    throw Error(ErrorCode::InvalidFormat, "GDCM cannot read the pixel data (truncated or corrupt file?)",
                h.file.string());
  const gdcm::Image& image = reader.GetImage();
  const gdcm::PixelFormat& pf = image.GetPixelFormat();
  if (pf.GetSamplesPerPixel() != 1)
    throw Error(ErrorCode::Unsupported, "colour image: not a CT/MR volume slice", h.file.string());
  const std::size_t values = expectedValues(h);
  const unsigned bytesPer = pf.GetBitsAllocated() / 8;
  if (image.GetBufferLength() < values * bytesPer)
    throw Error(ErrorCode::InvalidFormat,
                "decoded pixel data hold " + std::to_string(image.GetBufferLength()) + " bytes, the header declares " +
                    std::to_string(values * bytesPer),
                h.file.string());
  std::vector<char> buffer(image.GetBufferLength());
  if (!image.GetBuffer(buffer.data()))
    throw Error(ErrorCode::InvalidFormat, "pixel data cannot be decoded (corrupt or truncated compressed stream)",
                h.file.string());
  std::vector<float> out;
  convertWords(buffer.data(), values, pf.GetBitsAllocated(), pf.GetBitsStored(), pf.GetPixelRepresentation() == 1, out);
  return out;
}

std::vector<float> decodeWithDcmtk(const InstanceHeader& h) {
  registerDcmtkCodecs();
  silenceDcmtkLog();
  DcmFileFormat ff;
  OFCondition status = ff.loadFile(h.file.c_str());
  if (status.bad())
    throw Error(ErrorCode::InvalidFormat, std::string("cannot read pixel data: ") + status.text(), h.file.string());
  DcmDataset& ds = *ff.getDataset();
  if (ds.getOriginalXfer() != EXS_LittleEndianExplicit && ds.getOriginalXfer() != EXS_LittleEndianImplicit &&
      ds.getOriginalXfer() != EXS_BigEndianExplicit) {
    status = ds.chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
    if (status.bad() || !ds.canWriteXfer(EXS_LittleEndianExplicit))
      throw Error(ErrorCode::Unsupported,
                  std::string("cannot decode transfer syntax ") + h.transferSyntaxUid + " (" + status.text() + ")",
                  h.file.string());
  }
  const std::size_t values = expectedValues(h);
  const std::size_t bytes = values * (h.bitsAllocated / 8);
  DcmElement* element = nullptr;
  if (ds.findAndGetElement(DCM_PixelData, element).bad() || !element)
    throw Error(ErrorCode::InvalidFormat, "no pixel data", h.file.string());
  if (element->getLength() < bytes)
    throw Error(ErrorCode::InvalidFormat,
                "pixel data hold " + std::to_string(element->getLength()) + " bytes, the header declares " +
                    std::to_string(bytes),
                h.file.string());
  std::vector<float> out;
  if (h.bitsAllocated == 8) {
    const Uint8* p = nullptr;
    if (ds.findAndGetUint8Array(DCM_PixelData, p).bad() || !p)
      throw Error(ErrorCode::InvalidFormat, "pixel data cannot be read", h.file.string());
    convertWords(p, values, 8, h.bitsStored, h.pixelSigned, out);
  } else if (h.bitsAllocated == 16) {
    const Uint16* p = nullptr;
    if (ds.findAndGetUint16Array(DCM_PixelData, p).bad() || !p)
      throw Error(ErrorCode::InvalidFormat, "pixel data cannot be read (truncated file?)", h.file.string());
    convertWords(p, values, 16, h.bitsStored, h.pixelSigned, out);
  } else if (h.bitsAllocated == 32) {
    // 32-bit pixel data are rare (OW/OL); read through the generic byte view.
    Uint8* p = nullptr;
    if (element->getUint8Array(p).bad() || !p)
      throw Error(ErrorCode::InvalidFormat, "pixel data cannot be read", h.file.string());
    convertWords(p, values, 32, h.bitsStored, h.pixelSigned, out);
  } else {
    throw Error(ErrorCode::Unsupported, "BitsAllocated " + std::to_string(h.bitsAllocated) + " is not supported",
                h.file.string());
  }
  return out;
}

} // namespace

std::vector<float> decodeStoredValues(const InstanceHeader& h) {
  requireSingleChannel(h);
  if (!h.hasPixelData)
    throw Error(ErrorCode::InvalidFormat, "no pixel data", h.file.string());
  if (isJpeg2000(h.transferSyntaxUid))
    return decodeWithGdcm(h);
  try {
    return decodeWithDcmtk(h);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::Unsupported)
      throw;
    return decodeWithGdcm(h); // a syntax DCMTK lacks; GDCM may know it
  }
}

} // namespace vestige::dicom::detail
