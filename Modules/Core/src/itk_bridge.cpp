#include "vestige/core/itk_bridge.h"

#include <itkObjectFactoryBase.h>

#include <algorithm>
#include <mutex>

namespace vestige::core {

void initializeItkFactories() {
  static std::once_flag once;
  // Asking for any class runs ObjectFactoryBase::Initialize (registering the built-in and dynamic factories).
  std::call_once(once, [] { (void)itk::ObjectFactoryBase::CreateInstance("vestige::initializeItkFactories"); });
}

ImageGeometry geometryFromItk(const itk::ImageBase<3>& image) {
  ImageGeometry g;
  const auto region = image.GetLargestPossibleRegion();
  for (unsigned a = 0; a < 3; ++a) {
    g.size[a] = region.GetSize()[a];
    g.spacingMm[a] = image.GetSpacing()[a];
    g.originLps[a] = image.GetOrigin()[a];
    for (unsigned b = 0; b < 3; ++b)
      g.direction[a][b] = image.GetDirection()[a][b];
  }
  return g;
}

void applyGeometry(const ImageGeometry& g, itk::ImageBase<3>& image) {
  itk::ImageRegion<3> region;
  itk::Vector<double, 3> spacing;
  itk::Point<double, 3> origin;
  itk::Matrix<double, 3, 3> direction;
  for (unsigned a = 0; a < 3; ++a) {
    region.SetSize(a, g.size[a]);
    region.SetIndex(a, 0);
    spacing[a] = g.spacingMm[a];
    origin[a] = g.originLps[a];
    for (unsigned b = 0; b < 3; ++b)
      direction[a][b] = g.direction[a][b];
  }
  image.SetRegions(region);
  image.SetSpacing(spacing);
  image.SetOrigin(origin);
  image.SetDirection(direction);
}

template <class T> typename itk::Image<T, 3>::Pointer toItk(const Volume<T>& volume) {
  auto image = itk::Image<T, 3>::New();
  applyGeometry(volume.geometry, *image);
  image->Allocate();
  std::copy(volume.voxels.begin(), volume.voxels.end(), image->GetBufferPointer());
  return image;
}

template <class T> Volume<T> fromItk(const itk::Image<T, 3>& image) {
  Volume<T> v;
  v.geometry = geometryFromItk(image);
  if (image.GetBufferedRegion() != image.GetLargestPossibleRegion())
    throw Error(ErrorCode::Internal, "ITK image is not fully buffered");
  const T* data = image.GetBufferPointer();
  v.voxels.assign(data, data + v.geometry.voxelCount());
  return v;
}

template itk::Image<float, 3>::Pointer toItk<float>(const Volume<float>&);
template itk::Image<std::uint8_t, 3>::Pointer toItk<std::uint8_t>(const Volume<std::uint8_t>&);
template itk::Image<std::uint16_t, 3>::Pointer toItk<std::uint16_t>(const Volume<std::uint16_t>&);
template itk::Image<std::int16_t, 3>::Pointer toItk<std::int16_t>(const Volume<std::int16_t>&);
template Volume<float> fromItk<float>(const itk::Image<float, 3>&);
template Volume<std::uint8_t> fromItk<std::uint8_t>(const itk::Image<std::uint8_t, 3>&);
template Volume<std::uint16_t> fromItk<std::uint16_t>(const itk::Image<std::uint16_t, 3>&);
template Volume<std::int16_t> fromItk<std::int16_t>(const itk::Image<std::int16_t, 3>&);

} // namespace vestige::core
