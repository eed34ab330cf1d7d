// vestige info FILE: what a volume file or a DICOM file/folder holds.
#include "app_context.h"

#include "vestige/core/error.h"
#include "vestige/core/geometry.h"
#include "vestige/dicom/catalog.h"
#include "vestige/dicom/image_io.h"

#include <filesystem>
#include <iostream>

namespace vestige::app {

namespace {

void printGeometry(const core::ImageGeometry& g) {
  std::cout << "size        " << g.size[0] << " x " << g.size[1] << " x " << g.size[2] << " voxels\n"
            << "spacing     " << core::formatVec(g.spacingMm, 4) << " mm\n"
            << "origin      " << core::formatVec(g.originLps, 3) << " mm (LPS, centre of first voxel)\n"
            << "direction   " << core::formatVec({g.direction[0][0], g.direction[1][0], g.direction[2][0]}, 4) << " "
            << core::formatVec({g.direction[0][1], g.direction[1][1], g.direction[2][1]}, 4) << " "
            << core::formatVec({g.direction[0][2], g.direction[1][2], g.direction[2][2]}, 4) << " (i, j, k axes)\n";
  const auto b = g.boundsLps();
  std::cout << "extent      " << core::formatVec(b.min, 1) << " .. " << core::formatVec(b.max, 1) << " mm\n";
}

void runInfo(const std::string& path, AppContext& ctx) {
  if (dicom::isVolumeFile(path)) {
    const auto info = dicom::readVolumeInfo(path);
    std::cout << path << "\n"
              << "pixel type  " << info.pixelType << "\n";
    printGeometry(info.geometry);
    return;
  }
  if (std::filesystem::is_directory(path)) {
    dicom::CatalogOptions options;
    options.threads = ctx.threads;
    const auto catalog = dicom::scanCatalog(path, options, ctx.progress);
    ctx.progress->finish();
    std::cout << dicom::catalogToText(catalog);
    return;
  }
  const dicom::InstanceHeader h = dicom::readInstanceHeader(path);
  std::cout << path << "\nSOP class   " << h.sopClassUid << "\nSOP inst.   " << h.sopInstanceUid << "\ntransfer    "
            << h.transferSyntaxUid << "\nimage type  " << h.imageType << "\nsize        " << h.columns << " x "
            << h.rows << " x " << h.frames << " frame(s), " << h.bitsStored << "/" << h.bitsAllocated << " bits "
            << (h.pixelSigned ? "signed" : "unsigned") << "\npixel sp.   " << h.pixelSpacingRow << " \\ "
            << h.pixelSpacingColumn << " mm (row \\ column)\n";
  if (!h.frameHeaders.empty() && h.frameHeaders.front().hasPosition)
    std::cout << "position    " << core::formatVec(h.frameHeaders.front().positionLps, 3) << " mm LPS (first frame)\n";
}

} // namespace

void addInfoCommand(CLI::App& app, AppContext& ctx) {
  auto path = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("info", "Describe a volume file (.nii.gz/.nrrd/.mha), a DICOM file or a folder");
  cmd->add_option("path", *path, "File or folder")->required();
  cmd->callback([path, &ctx] { runInfo(*path, ctx); });
}

} // namespace vestige::app
