// Offscreen 3D renders and PNG files through VTK.
#include "vestige/visualization/render.h"

#include "vestige/visualization/vtk_bridge.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkImageData.h>
#include <vtkLegendBoxActor.h>
#include <vtkLight.h>
#include <vtkNew.h>
#include <vtkPNGReader.h>
#include <vtkPNGWriter.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkUnsignedCharArray.h>
#include <vtkWindowToImageFilter.h>

#include <cmath>
#include <cstring>
#include <set>

namespace vestige::visualization {

const char* viewName(View view) noexcept {
  switch (view) {
  case View::Anterior:
    return "anterior";
  case View::Posterior:
    return "posterior";
  case View::Superior:
    return "superior";
  case View::Right:
    return "right";
  case View::Left:
    return "left";
  }
  return "?";
}

namespace {

// Letter of the patient direction closest to an LPS vector.
char directionLetter(const double v[3]) {
  int axis = 0;
  for (int a = 1; a < 3; ++a)
    if (std::abs(v[a]) > std::abs(v[axis]))
      axis = a;
  const char pos[3] = {'L', 'P', 'S'}, neg[3] = {'R', 'A', 'I'};
  return v[axis] >= 0 ? pos[axis] : neg[axis];
}

vtkSmartPointer<vtkImageData> toVtkImage(const RgbImage& image) {
  auto data = vtkSmartPointer<vtkImageData>::New();
  data->SetDimensions(image.width, image.height, 1);
  data->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
  auto* out = static_cast<unsigned char*>(data->GetScalarPointer());
  const std::size_t row = static_cast<std::size_t>(image.width) * 3;
  for (int y = 0; y < image.height; ++y) // VTK images start at the bottom row
    std::memcpy(out + static_cast<std::size_t>(image.height - 1 - y) * row,
                &image.rgb[static_cast<std::size_t>(y) * row], row);
  return data;
}

} // namespace

void writePng(const RgbImage& image, const std::filesystem::path& file) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgb.size() != static_cast<std::size_t>(image.width) * image.height * 3)
    throw core::Error(core::ErrorCode::InvalidArgument, "image size does not match its pixels", file.string());
  auto data = toVtkImage(image);
  core::writeAtomically(file, [&](const std::filesystem::path& tmp) {
    vtkNew<vtkPNGWriter> writer;
    writer->SetInputData(data);
    writer->SetFileName(tmp.string().c_str());
    writer->Write();
    if (writer->GetErrorCode() != 0 || !std::filesystem::exists(tmp))
      throw core::Error(core::ErrorCode::Io, "cannot write PNG", file.string());
  });
}

RgbImage readPng(const std::filesystem::path& file) {
  core::requireReadable(file);
  vtkNew<vtkPNGReader> reader;
  if (!reader->CanReadFile(file.string().c_str()))
    throw core::Error(core::ErrorCode::InvalidFormat, "not a PNG file", file.string());
  reader->SetFileName(file.string().c_str());
  reader->Update();
  vtkImageData* data = reader->GetOutput();
  int dims[3];
  data->GetDimensions(dims);
  const int comps = data->GetNumberOfScalarComponents();
  if (data->GetScalarType() != VTK_UNSIGNED_CHAR || comps < 3)
    throw core::Error(core::ErrorCode::Unsupported, "only 8-bit RGB(A) PNG files are read", file.string());
  RgbImage image;
  image.width = dims[0];
  image.height = dims[1];
  image.rgb.resize(static_cast<std::size_t>(dims[0]) * dims[1] * 3);
  const auto* in = static_cast<const unsigned char*>(data->GetScalarPointer());
  for (int y = 0; y < dims[1]; ++y)
    for (int x = 0; x < dims[0]; ++x)
      for (int c = 0; c < 3; ++c)
        image.rgb[(static_cast<std::size_t>(y) * dims[0] + x) * 3 + c] =
            in[(static_cast<std::size_t>(dims[1] - 1 - y) * dims[0] + x) * comps + c];
  return image;
}

ImageDifference compareImages(const RgbImage& a, const RgbImage& b, int threshold) {
  if (a.width != b.width || a.height != b.height || a.rgb.size() != b.rgb.size())
    throw core::Error(core::ErrorCode::InconsistentData,
                      "images differ in size: " + std::to_string(a.width) + "x" + std::to_string(a.height) + " vs " +
                          std::to_string(b.width) + "x" + std::to_string(b.height),
                      "compare");
  ImageDifference d;
  if (a.rgb.empty())
    return d;
  double sum = 0;
  std::size_t differing = 0;
  for (std::size_t p = 0; p < a.rgb.size(); p += 3) {
    int worst = 0;
    for (int c = 0; c < 3; ++c) {
      const int diff = std::abs(static_cast<int>(a.rgb[p + c]) - static_cast<int>(b.rgb[p + c]));
      sum += diff;
      worst = std::max(worst, diff);
    }
    if (worst > threshold)
      ++differing;
  }
  d.meanAbsolute = sum / static_cast<double>(a.rgb.size());
  d.fractionDiffering = static_cast<double>(differing) / static_cast<double>(a.rgb.size() / 3);
  return d;
}

RgbImage renderScene(const Scene& scene, View view, const RenderOptions& options) {
  return renderViews(scene, {view}, options).front();
}

std::vector<RgbImage> renderViews(const Scene& scene, const std::vector<View>& views, const RenderOptions& options) {
  if (!displayAnswers())
    throw core::Error(core::ErrorCode::Unsupported,
                      "no X display for rendering: create a visualization::DisplayGuard first, install xvfb, or run "
                      "under `xvfb-run -a`",
                      "DISPLAY");
  // One window, one upload of the meshes, one camera moved per view: the context and the upload cost more than a
  // frame with software OpenGL.
  vtkNew<vtkRenderer> renderer;
  renderer->SetBackground(0.11, 0.12, 0.15);
  renderer->SetUseDepthPeeling(1); // correct order of the translucent ghosts
  renderer->SetMaximumNumberOfPeels(8);
  renderer->SetOcclusionRatio(0.0);

  std::set<Role> present;
  double bounds[6] = {1e30, -1e30, 1e30, -1e30, 1e30, -1e30};
  for (const SceneObject& object : scene.objects) {
    vtkSmartPointer<vtkPolyData> poly = toPolyData(object.mesh);
    double b[6];
    poly->GetBounds(b);
    for (int a = 0; a < 3; ++a) {
      bounds[2 * a] = std::min(bounds[2 * a], b[2 * a]);
      bounds[2 * a + 1] = std::max(bounds[2 * a + 1], b[2 * a + 1]);
    }
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputData(poly);
    mapper->ScalarVisibilityOff();
    vtkNew<vtkActor> actor;
    actor->SetMapper(mapper);
    const RoleStyle style = styleOf(object.role);
    actor->GetProperty()->SetColor(style.color.r / 255.0, style.color.g / 255.0, style.color.b / 255.0);
    actor->GetProperty()->SetOpacity(style.opacity);
    actor->GetProperty()->SetSpecular(0.2);
    actor->GetProperty()->SetSpecularPower(20);
    actor->GetProperty()->SetInterpolationToGouraud();
    renderer->AddActor(actor);
    present.insert(object.role);
  }
  vtkNew<vtkLight> light; // a head light keeps every view equally lit
  light->SetLightTypeToHeadlight();
  renderer->AddLight(light);

  if (options.legend && !present.empty()) {
    vtkNew<vtkLegendBoxActor> legend;
    legend->SetNumberOfEntries(static_cast<int>(present.size()));
    auto symbol = legendSquareSymbol();
    int entry = 0;
    for (Role role : present) {
      const RoleStyle style = styleOf(role);
      double color[3] = {style.color.r / 255.0, style.color.g / 255.0, style.color.b / 255.0};
      legend->SetEntry(entry++, symbol, style.legend, color);
    }
    legend->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    legend->GetPositionCoordinate()->SetValue(0.01, 0.01);
    legend->GetPosition2Coordinate()->SetCoordinateSystemToNormalizedViewport();
    legend->GetPosition2Coordinate()->SetValue(0.55, 0.045 * static_cast<double>(present.size()));
    legend->BorderOff();
    legend->GetEntryTextProperty()->SetColor(1, 1, 1);
    legend->GetEntryTextProperty()->SetFontFamilyToArial();
    renderer->AddViewProp(legend);
  }
  // Orientation letters (top, bottom, left, right) and the title; their text changes per view.
  const struct {
    double x, y;
    int justify;
  } letterPlaces[] = {{0.5, 0.955, 1}, {0.5, 0.07, 1}, {0.02, 0.5, 0}, {0.98, 0.5, 2}};
  std::vector<vtkSmartPointer<vtkTextActor>> letters;
  vtkNew<vtkTextActor> title;
  if (options.orientationLabels) {
    for (const auto& place : letterPlaces) {
      auto text = vtkSmartPointer<vtkTextActor>::New();
      text->GetTextProperty()->SetFontSize(options.height / 28);
      text->GetTextProperty()->SetColor(0.85, 0.85, 0.85);
      text->GetTextProperty()->SetBold(1);
      text->GetTextProperty()->SetJustification(place.justify);
      text->GetTextProperty()->SetVerticalJustificationToCentered();
      text->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
      text->GetPositionCoordinate()->SetValue(place.x, place.y);
      renderer->AddViewProp(text);
      letters.push_back(text);
    }
    title->GetTextProperty()->SetFontSize(options.height / 32);
    title->GetTextProperty()->SetColor(0.85, 0.85, 0.85);
    title->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    title->GetPositionCoordinate()->SetValue(0.02, 0.95);
    renderer->AddViewProp(title);
  }

  vtkNew<vtkRenderWindow> window;
  window->SetOffScreenRendering(1);
  window->SetAlphaBitPlanes(1);
  window->SetMultiSamples(0); // depth peeling needs it off
  window->AddRenderer(renderer);
  window->SetSize(options.width, options.height);

  std::vector<RgbImage> images;
  for (View view : views) {
    // Camera outside the patient on the viewed side; LPS: anterior is -y, right is -x, superior is +z.
    double dir[3] = {0, -1, 0}, up[3] = {0, 0, 1};
    switch (view) {
    case View::Anterior:
      break;
    case View::Posterior:
      dir[1] = 1;
      break;
    case View::Superior:
      dir[1] = 0, dir[2] = 1;
      up[1] = -1, up[2] = 0;
      break;
    case View::Right:
      dir[0] = -1, dir[1] = 0;
      break;
    case View::Left:
      dir[0] = 1, dir[1] = 0;
      break;
    }
    vtkCamera* camera = renderer->GetActiveCamera();
    if (!scene.objects.empty()) {
      const double c[3] = {(bounds[0] + bounds[1]) / 2, (bounds[2] + bounds[3]) / 2, (bounds[4] + bounds[5]) / 2};
      camera->SetFocalPoint(c);
      camera->SetPosition(c[0] + 1000 * dir[0], c[1] + 1000 * dir[1], c[2] + 1000 * dir[2]);
      camera->SetViewUp(up);
      camera->ParallelProjectionOn(); // true proportions: sizes on the picture compare across views
      renderer->ResetCamera(bounds);
      camera->SetParallelScale(camera->GetParallelScale() * 0.85);
    }
    if (options.orientationLabels) {
      // The camera looks along -dir; screen right is (-dir) x up.
      const double right[3] = {-(dir[1] * up[2] - dir[2] * up[1]), -(dir[2] * up[0] - dir[0] * up[2]),
                               -(dir[0] * up[1] - dir[1] * up[0])};
      const double left[3] = {-right[0], -right[1], -right[2]}, down[3] = {-up[0], -up[1], -up[2]};
      const double* directions[4] = {up, down, left, right};
      for (std::size_t l = 0; l < letters.size(); ++l) {
        const char letter[2] = {directionLetter(directions[l]), '\0'};
        letters[l]->SetInput(letter);
      }
      title->SetInput((std::string(viewName(view)) + " view").c_str());
    }
    window->Render();

    vtkNew<vtkWindowToImageFilter> grab;
    grab->SetInput(window);
    grab->SetInputBufferTypeToRGB();
    grab->ReadFrontBufferOff();
    grab->Update();
    vtkImageData* data = grab->GetOutput();
    int dims[3];
    data->GetDimensions(dims);
    RgbImage image;
    image.width = dims[0];
    image.height = dims[1];
    image.rgb.resize(static_cast<std::size_t>(dims[0]) * dims[1] * 3);
    const auto* in = static_cast<const unsigned char*>(data->GetScalarPointer());
    const std::size_t row = static_cast<std::size_t>(dims[0]) * 3;
    for (int y = 0; y < dims[1]; ++y)
      std::memcpy(&image.rgb[static_cast<std::size_t>(y) * row], in + static_cast<std::size_t>(dims[1] - 1 - y) * row,
                  row);
    images.push_back(std::move(image));
  }
  return images;
}

} // namespace vestige::visualization
