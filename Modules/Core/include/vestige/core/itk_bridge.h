#pragma once
// The bridge between Vestige's plain volumes and ITK images. Include it only from .cpp files: it is the one
// Core header that pulls in ITK, so that public module headers stay free of third-party types.
// Conversions copy the voxels and keep the LPS geometry (origin, spacing, direction) exactly.
#include "vestige/core/error.h"
#include "vestige/core/image.h"

#include <itkImage.h>

#include <cstdint>

namespace vestige::core {

[[nodiscard]] ImageGeometry geometryFromItk(const itk::ImageBase<3>& image);
void applyGeometry(const ImageGeometry& geometry, itk::ImageBase<3>& image);

// Completes ITK's object-factory set-up on the calling thread (once per process). ITK 5.2 sets it up on the first
// object created, without a lock (ObjectFactoryBase::Initialize, made thread-safe upstream in ITK 5.4): two worker
// threads creating their first ITK objects at once abort the process ("m_RegisteredFactories->empty()" assertion,
// seen once from `vestige phantom` writing its ground truth in parallel). Every place that starts threads calls it
// first.
void initializeItkFactories();

template <class T> [[nodiscard]] typename itk::Image<T, 3>::Pointer toItk(const Volume<T>& volume);
template <class T> [[nodiscard]] Volume<T> fromItk(const itk::Image<T, 3>& image);

// Runs f and turns any itk::ExceptionObject into core::Error(code, what, context).
template <class F> decltype(auto) translateItkErrors(ErrorCode code, const std::string& context, F&& f) {
  try {
    return f();
  } catch (const itk::ExceptionObject& e) {
    throw Error(code, e.GetDescription(), context);
  }
}

extern template itk::Image<float, 3>::Pointer toItk<float>(const Volume<float>&);
extern template itk::Image<std::uint8_t, 3>::Pointer toItk<std::uint8_t>(const Volume<std::uint8_t>&);
extern template itk::Image<std::uint16_t, 3>::Pointer toItk<std::uint16_t>(const Volume<std::uint16_t>&);
extern template itk::Image<std::int16_t, 3>::Pointer toItk<std::int16_t>(const Volume<std::int16_t>&);
extern template Volume<float> fromItk<float>(const itk::Image<float, 3>&);
extern template Volume<std::uint8_t> fromItk<std::uint8_t>(const itk::Image<std::uint8_t, 3>&);
extern template Volume<std::uint16_t> fromItk<std::uint16_t>(const itk::Image<std::uint16_t, 3>&);
extern template Volume<std::int16_t> fromItk<std::int16_t>(const itk::Image<std::int16_t, 3>&);

} // namespace vestige::core
