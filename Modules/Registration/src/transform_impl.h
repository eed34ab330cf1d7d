#pragma once
// The ITK side of registration::Transform. Private to the module's .cpp files.
#include "vestige/core/geometry.h"
#include "vestige/registration/transform.h"

#include <itkCompositeTransform.h>
#include <itkDisplacementFieldTransform.h>
#include <itkImage.h>
#include <itkVector.h>

namespace vestige::registration {

using CompositeTransformType = itk::CompositeTransform<double, 3>;
using DenseTransformType = itk::DisplacementFieldTransform<double, 3>;
using DenseFieldType = DenseTransformType::DisplacementFieldType;

struct Transform::Impl {
  // T, follow-up LPS -> baseline LPS: [affine, displacement field]; ITK applies the last added first, so
  // T(x) = A(x + v(x)).
  CompositeTransformType::Pointer composite;
  // T sampled as u(x) = T(x) - x on a follow-up grid: cheap to evaluate for resampling whole volumes. Null when
  // absent; then the composite is used.
  DenseTransformType::Pointer dense;
  core::BoundsLps denseBoundsLps{}; // where `dense` is valid (voxel centres)
};

// T sampled on `grid` (LPS mm) as a displacement field, threads: 0 = ITK's default.
[[nodiscard]] DenseFieldType::Pointer sampleDisplacementField(const itk::Transform<double, 3, 3>& transform,
                                                              const core::ImageGeometry& grid);
// An Impl holding composite plus its dense field on `denseGrid` (skipped when denseGrid is empty).
[[nodiscard]] std::shared_ptr<const Transform::Impl> makeTransformImpl(CompositeTransformType::Pointer composite,
                                                                       const core::ImageGeometry& denseGrid);
// The transform ResampleImageFilter should use for a target grid: the dense field when it covers the grid.
[[nodiscard]] const itk::Transform<double, 3, 3>* resamplingTransform(const Transform::Impl& impl,
                                                                      const core::ImageGeometry& target);

} // namespace vestige::registration
