#include "vestige/planning/resection.h"

#include "vestige/core/error.h"
#include "vestige/core/itk_bridge.h"

#include <itkConnectedComponentImageFilter.h>
#include <itkRelabelComponentImageFilter.h>
#include <itkSignedMaurerDistanceMapImageFilter.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace vestige::planning {

using core::Error;
using core::ErrorCode;

namespace {

void requireSameGrid(const core::Mask& a, const core::Mask& b, const std::string& what) {
  if (!core::sameGrid(a.geometry, b.geometry, 1e-3))
    throw Error(ErrorCode::InconsistentData,
                what + " is on grid " + core::describe(a.geometry) + ", the liver on " + core::describe(b.geometry));
}

} // namespace

core::Image distanceToMaskMm(const core::Mask& mask, double maxMm) {
  core::Image out(mask.geometry, std::numeric_limits<float>::infinity());
  const core::IndexBox box = core::boundingBox(mask);
  if (box.empty)
    return out;
  const core::IndexBox roi = core::grow(box, mask.geometry, maxMm);
  const core::Mask sub = core::crop(mask, roi);
  auto filter = itk::SignedMaurerDistanceMapImageFilter<itk::Image<std::uint8_t, 3>, itk::Image<float, 3>>::New();
  filter->SetInput(core::toItk(sub));
  filter->SetUseImageSpacing(true);
  filter->SetSquaredDistance(false);
  filter->SetInsideIsPositive(false);
  filter->SetBackgroundValue(0);
  filter->SetNumberOfWorkUnits(1); // callers run several sites; keep each single-threaded and predictable
  core::translateItkErrors(ErrorCode::Internal, "distance map", [&] { filter->Update(); });
  const core::Image d = core::fromItk(*filter->GetOutput());
  for (std::size_t k = 0; k < d.geometry.size[2]; ++k)
    for (std::size_t j = 0; j < d.geometry.size[1]; ++j)
      for (std::size_t i = 0; i < d.geometry.size[0]; ++i)
        out.at(i + roi.lo[0], j + roi.lo[1], k + roi.lo[2]) = std::max(0.0f, d.at(i, j, k));
  return out;
}

ResectionZones planResection(const core::Mask& liver, const std::vector<const core::Mask*>& sites,
                             const std::vector<double>& growMm, core::Progress* progress) {
  if (sites.size() != growMm.size())
    throw Error(ErrorCode::Internal, "one growth distance per site is needed");
  ResectionZones z;
  const auto& g = liver.geometry;
  z.zones = core::LabelMap(g, 0);
  z.resection = core::Mask(g, 0);
  std::vector<float> nearest(g.voxelCount(), std::numeric_limits<float>::infinity());
  for (std::size_t s = 0; s < sites.size(); ++s) {
    core::reportProgress(progress, "Resection zones", double(s) / double(sites.size() + 1));
    requireSameGrid(*sites[s], liver, "site " + std::to_string(s + 1));
    if (!(growMm[s] >= 0.0) || !std::isfinite(growMm[s]))
      throw Error(ErrorCode::InvalidArgument, "growth distance of site " + std::to_string(s + 1) + " is not >= 0");
    const core::Image d = distanceToMaskMm(*sites[s], growMm[s]);
    const auto grow = float(growMm[s]);
    for (std::size_t n = 0; n < d.voxels.size(); ++n) {
      if (!(d.voxels[n] <= grow))
        continue;
      if (!(liver.voxels[n] || sites[s]->voxels[n]))
        continue; // zones stop at the liver surface (the site itself always counts)
      z.resection.voxels[n] = 1;
      if (d.voxels[n] < nearest[n]) {
        nearest[n] = d.voxels[n];
        z.zones.voxels[n] = static_cast<std::uint16_t>(s + 1);
      }
    }
  }
  z.remnant = core::Mask(g, 0);
  for (std::size_t n = 0; n < liver.voxels.size(); ++n)
    z.remnant.voxels[n] = (liver.voxels[n] && !z.resection.voxels[n]) ? 1 : 0;

  // Pieces of the remnant: face connectivity, so that parts joined only along an edge count as apart.
  using LabelImage = itk::Image<std::uint32_t, 3>;
  auto cc = itk::ConnectedComponentImageFilter<itk::Image<std::uint8_t, 3>, LabelImage>::New();
  cc->SetInput(core::toItk(z.remnant));
  cc->SetFullyConnected(false);
  auto relabel = itk::RelabelComponentImageFilter<LabelImage, LabelImage>::New();
  relabel->SetInput(cc->GetOutput());
  core::translateItkErrors(ErrorCode::Internal, "remnant components", [&] { relabel->Update(); });
  // Slivers left between zones or along the liver edge (< 1 mL) are not pieces a surgeon would keep.
  const double voxelMl = core::mm3ToMl(g.voxelVolumeMm3());
  for (const auto pixels : relabel->GetSizeOfObjectsInPixels()) {
    if (double(pixels) * voxelMl >= kMinPieceMl)
      ++z.remnantPieces;
    else
      z.fragmentsMl += double(pixels) * voxelMl;
  }
  z.usableRemnant = core::Mask(g, 0);
  const std::uint32_t* labels = relabel->GetOutput()->GetBufferPointer();
  for (std::size_t n = 0; n < g.voxelCount(); ++n)
    z.usableRemnant.voxels[n] = labels[n] == 1 ? 1 : 0;

  z.resectedMl = core::maskVolumeMl(z.resection);
  z.remnantMl = core::maskVolumeMl(z.remnant);
  z.usableRemnantMl = core::maskVolumeMl(z.usableRemnant);
  core::reportProgress(progress, "Resection zones", 1.0);
  return z;
}

} // namespace vestige::planning
