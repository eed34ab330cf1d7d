#include "scene_view.h"

#include "vestige/visualization/vtk_bridge.h"

#include <QVBoxLayout>
#include <QVTKOpenGLNativeWidget.h>

#include <vtkActor.h>
#include <vtkAnnotatedCubeActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCellPicker.h>
#include <vtkFloatArray.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkLegendBoxActor.h>
#include <vtkLineSource.h>
#include <vtkNew.h>
#include <vtkOrientationMarkerWidget.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>

#include <chrono>
#include <map>

namespace vestige::viewer {

namespace {

// The report's legend words are sentences; a view's legend needs a few words to stay readable when small.
const char* shortLegend(visualization::Role role) {
  using visualization::Role;
  switch (role) {
  case Role::Remnant:
    return "Remnant";
  case Role::Resection:
    return "Resection zone";
  case Role::SiteDisappeared:
    return "Site disappeared";
  case Role::SiteShrunk:
    return "Site shrunk";
  case Role::SiteVisible:
    return "Site visible";
  case Role::VisibleTumour:
    return "Visible tumour";
  case Role::Vessels:
    return "Vessels";
  case Role::Liver:
    return "Liver";
  }
  return "";
}

Layer layerOfRole(visualization::Role role) {
  using visualization::Role;
  switch (role) {
  case Role::Remnant:
    return Layer::Remnant;
  case Role::Resection:
    return Layer::Resection;
  case Role::VisibleTumour:
    return Layer::Tumour;
  case Role::Liver:
    return Layer::Liver;
  default:
    return Layer::Sites;
  }
}

} // namespace

struct SceneView::Impl {
  QVTKOpenGLNativeWidget* widget = nullptr;
  vtkNew<vtkGenericOpenGLRenderWindow> window;
  vtkNew<vtkRenderer> renderer;
  vtkNew<vtkLegendBoxActor> legend;
  vtkNew<vtkOrientationMarkerWidget> marker;
  std::shared_ptr<const PlanSurfaces> surfaces;
  struct Entry {
    vtkSmartPointer<vtkActor> actor;
    visualization::Role role;
    std::string name;
    bool visibleOnlyZone = false;
  };
  std::vector<Entry> entries;
  vtkNew<vtkCellPicker> picker;
  std::vector<core::Vec3> ruler;
  vtkNew<vtkLineSource> rulerLine;
  vtkNew<vtkActor> rulerActor;
  vtkNew<vtkTextActor> rulerText;
};

namespace {

// Shift + left click on the 3D view: a ruler point instead of a rotation.
void onLeftPress(vtkObject* caller, unsigned long, void* client, void*) {
  auto* interactor = static_cast<vtkRenderWindowInteractor*>(caller);
  if (!interactor->GetShiftKey())
    return;
  auto* view = static_cast<SceneView*>(client);
  const int* pos = interactor->GetEventPosition();
  int size[2] = {0, 0};
  interactor->GetSize(size);
  view->pickRulerPoint(pos[0], size[1] - 1 - pos[1]);
}

} // namespace

bool SceneView::pickRulerPoint(int x, int y) {
  int size[2] = {0, 0};
  m_impl->widget->interactor()->GetSize(size);
  if (!m_impl->picker->Pick(x, (size[1] - 1) - y, 0, m_impl->renderer) || m_impl->picker->GetCellId() < 0)
    return false;
  double p[3];
  m_impl->picker->GetPickPosition(p);
  if (m_impl->ruler.size() >= 2)
    m_impl->ruler.clear();
  m_impl->ruler.push_back({p[0], p[1], p[2]});
  if (m_impl->ruler.size() == 2) {
    m_impl->rulerLine->SetPoint1(m_impl->ruler[0].data());
    m_impl->rulerLine->SetPoint2(m_impl->ruler[1].data());
    m_impl->rulerLine->Update();
    m_impl->rulerText->SetInput((QString::number(*rulerLengthMm(), 'f', 1) + " mm").toUtf8().constData());
  }
  m_impl->rulerActor->SetVisibility(m_impl->ruler.size() == 2);
  m_impl->rulerText->SetVisibility(m_impl->ruler.size() == 2);
  renderNow();
  return true;
}

std::optional<double> SceneView::rulerLengthMm() const {
  if (m_impl->ruler.size() != 2)
    return std::nullopt;
  return core::distanceMm(m_impl->ruler[0], m_impl->ruler[1]);
}

SceneView::SceneView(const ViewerState& state, QWidget* parent)
    : QWidget(parent), m_impl(std::make_unique<Impl>()), m_state(state) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  m_impl->widget = new QVTKOpenGLNativeWidget(this);
  m_impl->widget->setRenderWindow(m_impl->window);
  // Keys belong to the window (VTK's own keys, e.g. w/s for wireframe/surface, would clash with the viewer's).
  m_impl->widget->setFocusPolicy(Qt::NoFocus);
  vtkNew<vtkInteractorStyleTrackballCamera> style;
  m_impl->widget->interactor()->SetInteractorStyle(style);
  layout->addWidget(m_impl->widget);
  m_impl->renderer->SetBackground(0.08, 0.08, 0.1);
  m_impl->renderer->SetUseDepthPeeling(true);
  // Four peels and an early stop keep rotation interactive on software OpenGL; deeper layers of the translucent
  // ghosts add little.
  m_impl->renderer->SetMaximumNumberOfPeels(4);
  m_impl->renderer->SetOcclusionRatio(0.05);
  m_impl->window->SetAlphaBitPlanes(1);
  m_impl->window->SetMultiSamples(0);
  m_impl->window->AddRenderer(m_impl->renderer);

  vtkNew<vtkAnnotatedCubeActor> cube;
  cube->SetXPlusFaceText("L");
  cube->SetXMinusFaceText("R");
  cube->SetYPlusFaceText("P");
  cube->SetYMinusFaceText("A");
  cube->SetZPlusFaceText("S");
  cube->SetZMinusFaceText("I");
  cube->SetFaceTextScale(0.6);
  m_impl->marker->SetOrientationMarker(cube);
  m_impl->marker->SetInteractor(m_impl->widget->interactor());
  m_impl->marker->SetViewport(0.0, 0.0, 0.16, 0.16);
  m_impl->marker->SetEnabled(1);
  m_impl->marker->InteractiveOff();

  vtkNew<vtkCallbackCommand> press;
  press->SetCallback(&onLeftPress);
  press->SetClientData(this);
  m_impl->widget->interactor()->AddObserver(vtkCommand::LeftButtonPressEvent, press, 1.0);
  // Drawn on top of the surfaces (no depth test) so that a ruler across the liver stays visible.
  vtkNew<vtkPolyDataMapper> rulerMapper;
  rulerMapper->SetInputConnection(m_impl->rulerLine->GetOutputPort());
  m_impl->rulerActor->SetMapper(rulerMapper);
  m_impl->rulerActor->GetProperty()->SetColor(1, 1, 1);
  m_impl->rulerActor->GetProperty()->SetLineWidth(3);
  m_impl->rulerActor->SetVisibility(false);
  m_impl->renderer->AddActor(m_impl->rulerActor);
  m_impl->rulerText->GetTextProperty()->SetFontSize(20);
  m_impl->rulerText->GetTextProperty()->SetColor(1, 1, 1);
  m_impl->rulerText->SetPosition(10, 10);
  m_impl->rulerText->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
  m_impl->rulerText->GetPositionCoordinate()->SetValue(0.2, 0.03);
  m_impl->rulerText->SetVisibility(false);
  m_impl->renderer->AddViewProp(m_impl->rulerText);

  m_impl->legend->SetNumberOfEntries(0);
  m_impl->legend->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
  m_impl->legend->GetPositionCoordinate()->SetValue(0.72, 0.02);
  m_impl->legend->GetPosition2Coordinate()->SetValue(0.27, 0.32);
  m_impl->legend->UseBackgroundOn();
  m_impl->legend->SetBackgroundColor(0, 0, 0);
  m_impl->legend->SetBackgroundOpacity(0.6);
  m_impl->renderer->AddViewProp(m_impl->legend);
}

SceneView::~SceneView() = default;

bool SceneView::hasSurfaces() const noexcept {
  return m_impl->surfaces != nullptr;
}

void SceneView::setSurfaces(std::shared_ptr<const PlanSurfaces> surfaces) {
  for (auto& e : m_impl->entries)
    m_impl->renderer->RemoveActor(e.actor);
  m_impl->entries.clear();
  m_impl->surfaces = std::move(surfaces);
  if (!m_impl->surfaces)
    return;
  auto add = [&](const visualization::SceneObject& object, bool visibleOnlyZone) {
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputData(visualization::toPolyData(object.mesh));
    mapper->ScalarVisibilityOff();
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    const visualization::RoleStyle style = visualization::styleOf(object.role);
    actor->GetProperty()->SetColor(style.color.r / 255.0, style.color.g / 255.0, style.color.b / 255.0);
    actor->GetProperty()->SetSpecular(0.2);
    m_impl->renderer->AddActor(actor);
    m_impl->entries.push_back({actor, object.role, object.name, visibleOnlyZone});
  };
  for (const auto& object : m_impl->surfaces->allSites.objects)
    add(object, false);
  for (const auto& object : m_impl->surfaces->visibleOnlyZones.objects)
    add(object, true);

  // Legend: one entry per role present, in the palette's words.
  std::vector<visualization::Role> roles;
  for (const auto& e : m_impl->entries)
    if (std::find(roles.begin(), roles.end(), e.role) == roles.end())
      roles.push_back(e.role);
  m_impl->legend->SetNumberOfEntries(int(roles.size()));
  auto symbol = visualization::legendSquareSymbol();
  for (std::size_t n = 0; n < roles.size(); ++n) {
    const visualization::RoleStyle style = visualization::styleOf(roles[n]);
    double rgb[3] = {style.color.r / 255.0, style.color.g / 255.0, style.color.b / 255.0};
    m_impl->legend->SetEntry(int(n), symbol, shortLegend(roles[n]), rgb);
  }
  refresh();
  resetCamera();
}

void SceneView::refresh() {
  const bool visibleOnly = m_state.scenario == kVisibleOnly;
  std::string chosen;
  if (m_state.site >= 0 && m_state.images && m_state.images->summary &&
      std::size_t(m_state.site) < m_state.images->summary->lesions.size())
    chosen = m_state.images->summary->lesions[std::size_t(m_state.site)].id;
  for (auto& e : m_impl->entries) {
    const Layer layer = layerOfRole(e.role);
    const bool zone = e.role == visualization::Role::Resection || e.role == visualization::Role::Remnant;
    bool on = m_state.layer(layer).on;
    if (zone)
      on = on && e.visibleOnlyZone == visibleOnly;
    e.actor->SetVisibility(on);
    const double base = visualization::styleOf(e.role).opacity;
    const double scale =
        std::clamp(m_state.layer(layer).opacity / defaultLayers()[std::size_t(layer)].opacity, 0.0, 2.0);
    double opacity = std::clamp(base * scale, 0.05, 1.0);
    if (!chosen.empty() && layer == Layer::Sites)
      opacity = e.name.size() > 5 && e.name.substr(5) == chosen ? 1.0 : 0.35;
    e.actor->GetProperty()->SetOpacity(opacity);
  }
  const double text = m_state.orMode ? 1.0 : 0.0;
  m_impl->legend->SetVisibility(!m_impl->entries.empty());
  (void)text;
  m_impl->widget->renderWindow()->Render();
  m_impl->widget->update();
}

void SceneView::focusOn(const core::Vec3& lps) {
  vtkCamera* camera = m_impl->renderer->GetActiveCamera();
  double focal[3], position[3];
  camera->GetFocalPoint(focal);
  camera->GetPosition(position);
  for (int a = 0; a < 3; ++a) {
    position[a] += lps[a] - focal[a];
    focal[a] = lps[a];
  }
  camera->SetFocalPoint(focal);
  camera->SetPosition(position);
  renderNow();
}

void SceneView::resetCamera() {
  vtkCamera* camera = m_impl->renderer->GetActiveCamera();
  // Anterior view: camera in front of the patient (-y in LPS), head up (+z).
  camera->SetFocalPoint(0, 0, 0);
  camera->SetPosition(0, -1, 0);
  camera->SetViewUp(0, 0, 1);
  camera->ParallelProjectionOn();
  m_impl->renderer->ResetCamera();
  camera->Zoom(1.15);
  renderNow();
}

void SceneView::rotate(double degrees) {
  m_impl->renderer->GetActiveCamera()->Azimuth(degrees);
  m_impl->renderer->ResetCameraClippingRange();
  renderNow();
}

void SceneView::renderNow() {
  m_impl->widget->renderWindow()->Render();
  m_impl->widget->update();
}

double SceneView::secondsPerRotationFrame(int frames) {
  m_impl->widget->renderWindow()->Render();
  const auto start = std::chrono::steady_clock::now();
  for (int n = 0; n < frames; ++n) {
    m_impl->renderer->GetActiveCamera()->Azimuth(360.0 / frames);
    m_impl->widget->renderWindow()->Render();
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  return took.count() / std::max(1, frames);
}

} // namespace vestige::viewer
