#pragma once
// What every view of the window shares: the loaded plan, the two linked cursors, the overlay layers, the
// intensity window and the display mode. Owned by ViewerWindow; views read it and ask the window to change it.
#include "vestige/viewer/plan_data.h"
#include "vestige/visualization/scene.h"

#include <array>
#include <memory>

namespace vestige::viewer {

enum class Layer { Liver, Tumour, Sites, Uncertainty, Resection, Remnant };
inline constexpr std::size_t kLayerCount = 6;
inline constexpr Layer kAllLayers[kLayerCount] = {Layer::Liver,       Layer::Tumour,    Layer::Sites,
                                                  Layer::Uncertainty, Layer::Resection, Layer::Remnant};
[[nodiscard]] const char* layerName(Layer layer) noexcept;
// Colour of a layer (sites and their uncertainty reach take the colour of each site's status instead).
[[nodiscard]] visualization::Rgb8 layerColor(Layer layer) noexcept;

struct LayerState {
  bool on = true;
  double opacity = 0.5; // 0..1 on the slices; 3D surfaces keep the palette's opacity times this / default
};

struct WindowLevel {
  double widthHu = 350.0;
  double centerHu = 60.0;
};
struct WindowPreset {
  const char* name;
  WindowLevel value;
};
inline constexpr WindowPreset kWindowPresets[] = {
    {"Liver", {150.0, 90.0}}, {"Soft tissue", {400.0, 40.0}}, {"Bone", {1800.0, 400.0}}};

struct ViewerState {
  std::shared_ptr<const PlanImages> images; // null until loaded
  bool haveCursor = false;
  core::Vec3 followupCursorLps{};
  core::Vec3 baselineCursorLps{};
  std::array<LayerState, kLayerCount> layers{};
  WindowLevel window{350.0, 60.0};
  int site = -1;                    // chosen row of plan.json's lesions, -1 none
  std::string scenario = kAllSites; // kAllSites or kVisibleOnly
  bool orMode = false;
  double textPx = 13.0; // label size on the views (OR mode: >= 28 px at 1080 lines, scaled with the screen)

  [[nodiscard]] const LayerState& layer(Layer l) const { return layers[static_cast<std::size_t>(l)]; }
  [[nodiscard]] LayerState& layer(Layer l) { return layers[static_cast<std::size_t>(l)]; }
};

// Default layers: all on; the remnant faint on the slices, where it covers most of the liver.
[[nodiscard]] std::array<LayerState, kLayerCount> defaultLayers() noexcept;

} // namespace vestige::viewer
