# Third-party packages, all from Debian 12. Components are listed explicitly so that only the
# include paths and libraries actually used reach the compiler (faster builds on 2 cores).
find_package(ITK 5.2 REQUIRED COMPONENTS
  ITKCommon ITKIOImageBase ITKIONIFTI ITKIONRRD ITKIOMeta ITKIOGDCM ITKImageGrid ITKImageFunction
  ITKImageIntensity ITKImageFilterBase ITKThresholding ITKTransform ITKIOTransformBase ITKIOTransformInsightLegacy
  ITKIOTransformHDF5 ITKDisplacementField ITKRegistrationMethodsv4 ITKMetricsv4 ITKOptimizersv4
  ITKPDEDeformableRegistration ITKSmoothing ITKDistanceMap ITKBinaryMathematicalMorphology
  ITKMathematicalMorphology ITKConnectedComponents ITKLabelMap ITKRegionGrowing ITKLevelSets ITKFastMarching
  ITKImageStatistics ITKImageCompare ITKImageLabel ITKAnisotropicSmoothing ITKImageGradient ITKCurvatureFlow
  ITKImageSources ITKImageCompose ITKTestKernel)
include(${ITK_USE_FILE})
find_package(DCMTK REQUIRED CONFIG)
find_package(GDCM REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(GTest REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
# Visualization: surfaces, meshes and offscreen renders (VTK stays private to that module).
find_package(VTK 9.1 REQUIRED COMPONENTS
  CommonCore CommonDataModel CommonTransforms CommonExecutionModel FiltersCore FiltersGeneral FiltersModeling
  FiltersGeometry IOGeometry IOImage RenderingCore RenderingOpenGL2 RenderingAnnotation RenderingFreeType
  InteractionStyle)
# Viewer: the interactive viewer (Qt 5 widgets; VTK's Qt widget for its 3D view). Qt stays private to that module.
find_package(Qt5 REQUIRED COMPONENTS Widgets OpenGL Test)
find_package(VTK 9.1 REQUIRED COMPONENTS GUISupportQt InteractionWidgets)
# Report: the PDF (cairo stays private to that module).
find_package(PkgConfig REQUIRED)
pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET cairo)
# The renderer needs an X display; Visualization probes it with Xlib before starting Xvfb.
find_package(X11 REQUIRED)
