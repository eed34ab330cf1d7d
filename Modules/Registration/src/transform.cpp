#include "vestige/registration/transform.h"

#include "transform_impl.h"

#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"

#include <itkTransformToDisplacementFieldFilter.h>

#include <cmath>

namespace vestige::registration {

namespace {

using Point = itk::Point<double, 3>;

core::Vec3 mapThrough(const itk::Transform<double, 3, 3>& t, const core::Vec3& p) {
  const Point out = t.TransformPoint(Point(p.data()));
  return {out[0], out[1], out[2]};
}

core::Mat3 numericJacobian(const itk::Transform<double, 3, 3>& t, const core::Vec3& p, double h) {
  core::Mat3 j{};
  for (int c = 0; c < 3; ++c) {
    core::Vec3 a = p;
    core::Vec3 b = p;
    a[c] += h;
    b[c] -= h;
    const core::Vec3 d = core::scale(core::sub(mapThrough(t, a), mapThrough(t, b)), 0.5 / h);
    for (int r = 0; r < 3; ++r)
      j[r][c] = d[r];
  }
  return j;
}

double determinant(const core::Mat3& m) {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

// Solves m * x = b by Cramer's rule (3x3, well conditioned for a non-folding transform).
core::Vec3 solve(const core::Mat3& m, const core::Vec3& b) {
  const double det = determinant(m);
  core::Vec3 x{};
  for (int c = 0; c < 3; ++c) {
    core::Mat3 mc = m;
    for (int r = 0; r < 3; ++r)
      mc[r][c] = b[r];
    x[c] = determinant(mc) / det;
  }
  return x;
}

CompositeTransformType::Pointer identityComposite() {
  auto composite = CompositeTransformType::New();
  composite->AddTransform(itk::IdentityTransform<double, 3>::New());
  return composite;
}

} // namespace

DenseFieldType::Pointer sampleDisplacementField(const itk::Transform<double, 3, 3>& transform,
                                                const core::ImageGeometry& grid) {
  return core::translateItkErrors(core::ErrorCode::Internal, "displacement field", [&] {
    auto reference = itk::Image<float, 3>::New();
    core::applyGeometry(grid, *reference);
    using Filter = itk::TransformToDisplacementFieldFilter<DenseFieldType, double>;
    auto filter = Filter::New();
    filter->SetTransform(&transform);
    filter->UseReferenceImageOn();
    filter->SetReferenceImage(reference);
    filter->Update();
    DenseFieldType::Pointer field = filter->GetOutput();
    field->DisconnectPipeline();
    return field;
  });
}

std::shared_ptr<const Transform::Impl> makeTransformImpl(CompositeTransformType::Pointer composite,
                                                         const core::ImageGeometry& denseGrid) {
  auto impl = std::make_shared<Transform::Impl>();
  impl->composite = std::move(composite);
  if (denseGrid.voxelCount() > 0) {
    impl->dense = DenseTransformType::New();
    impl->dense->SetDisplacementField(sampleDisplacementField(*impl->composite, denseGrid));
    impl->denseBoundsLps = denseGrid.boundsLps();
  }
  return impl;
}

const itk::Transform<double, 3, 3>* resamplingTransform(const Transform::Impl& impl,
                                                        const core::ImageGeometry& target) {
  if (!impl.dense)
    return impl.composite.GetPointer();
  const core::BoundsLps t = target.boundsLps();
  const core::BoundsLps& d = impl.denseBoundsLps;
  for (int a = 0; a < 3; ++a)
    if (t.min[a] < d.min[a] - 1e-3 || t.max[a] > d.max[a] + 1e-3)
      return impl.composite.GetPointer();
  return impl.dense.GetPointer();
}

Transform::Transform() : m_impl(makeTransformImpl(identityComposite(), core::ImageGeometry{})) {}

Transform::Transform(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {
  if (!m_impl || !m_impl->composite)
    throw core::Error(core::ErrorCode::Internal, "empty transform");
}

core::Vec3 Transform::followupToBaselineLps(const core::Vec3& followupLps) const {
  return mapThrough(*m_impl->composite, followupLps);
}

core::Vec3 Transform::baselineToFollowupLps(const core::Vec3& baselineLps) const {
  const auto& t = *m_impl->composite;
  // Start from one fixed-point step (exact for a pure translation), then damped Newton: a step that does not
  // reduce the residual is halved, so a poor start cannot throw the iteration off.
  core::Vec3 y = core::sub(baselineLps, core::sub(mapThrough(t, baselineLps), baselineLps));
  double residualNorm = core::norm(core::sub(mapThrough(t, y), baselineLps));
  for (int iteration = 0; iteration < 100 && residualNorm >= 1e-3; ++iteration) {
    const core::Vec3 residual = core::sub(mapThrough(t, y), baselineLps);
    const core::Mat3 j = numericJacobian(t, y, 0.25);
    if (!(std::abs(determinant(j)) > 1e-6))
      break;
    const core::Vec3 step = solve(j, residual);
    double lambda = 1.0;
    for (int halving = 0; halving < 12; ++halving, lambda *= 0.5) {
      const core::Vec3 candidate = core::sub(y, core::scale(step, lambda));
      const double r = core::norm(core::sub(mapThrough(t, candidate), baselineLps));
      if (r < residualNorm) {
        y = candidate;
        residualNorm = r;
        break;
      }
    }
    if (lambda < 1e-3)
      break;
  }
  if (residualNorm < 1e-2)
    return y;
  throw core::Error(core::ErrorCode::Internal, "the transform could not be inverted at this point (folding?)",
                    "baseline point " + core::formatVec(baselineLps));
}

double Transform::jacobianDeterminantAt(const core::Vec3& followupLps) const {
  return determinant(numericJacobian(*m_impl->composite, followupLps, 0.5));
}

} // namespace vestige::registration
