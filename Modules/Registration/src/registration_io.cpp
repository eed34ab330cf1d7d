// Registration folders (ITK transform files, displacement field, uncertainty map, registration.json) and the small
// JSON formats for points and landmark pairs.
#include "vestige/registration/registration_io.h"

#include "transform_impl.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/core/itk_bridge.h"
#include "vestige/dicom/image_io.h"
#include "vestige/registration/markups.h"

#include <itkAffineTransform.h>
#include <itkCastImageFilter.h>
#include <itkHDF5TransformIOFactory.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkTransformFactory.h>
#include <itkTransformFileReader.h>
#include <itkTransformFileWriter.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace vestige::registration {

namespace {

using json = nlohmann::json;
using FloatFieldType = itk::Image<itk::Vector<float, 3>, 3>;

void registerTransformIo() {
  // Idempotent: ITK ignores factories registered twice.
  itk::HDF5TransformIOFactory::RegisterOneFactory();
  itk::TransformFactory<itk::DisplacementFieldTransform<double, 3>>::RegisterTransform();
  itk::TransformFactory<itk::AffineTransform<double, 3>>::RegisterTransform();
}

json vec(const core::Vec3& v) {
  return json::array({v[0], v[1], v[2]});
}

core::Vec3 readVec(const json& j, const std::string& key, const std::string& context) {
  if (!j.is_array() || j.size() != 3 || !j[0].is_number() || !j[1].is_number() || !j[2].is_number())
    throw core::Error(core::ErrorCode::InvalidFormat, "'" + key + "' must be an array of 3 numbers (LPS mm)", context);
  const core::Vec3 v{j[0].get<double>(), j[1].get<double>(), j[2].get<double>()};
  // A patient is well within 10 m of the scanner's origin; anything beyond is a typo or a corrupt file, and would
  // otherwise reach messages as 300-digit numbers.
  for (const double x : v)
    if (!std::isfinite(x) || std::abs(x) > 1e4)
      throw core::Error(core::ErrorCode::InvalidFormat,
                        "'" + key + "' holds " +
                            (std::isfinite(x) ? "a coordinate beyond 10 m" : "a non-finite value") +
                            ": not a position in LPS mm",
                        context);
  return v;
}

json readJson(const std::filesystem::path& path) {
  core::requireReadable(path);
  std::ifstream in(path);
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw core::Error(core::ErrorCode::InvalidFormat, std::string("not valid JSON: ") + e.what(), path.string());
  }
}

json geometryToJson(const core::ImageGeometry& g) {
  json direction = json::array();
  for (const auto& row : g.direction)
    direction.push_back(vec(row));
  return {{"size", {g.size[0], g.size[1], g.size[2]}},
          {"spacing_mm", vec(g.spacingMm)},
          {"origin_lps", vec(g.originLps)},
          {"direction", direction}};
}

core::ImageGeometry geometryFromJson(const json& j, const std::string& context) {
  core::ImageGeometry g;
  for (int a = 0; a < 3; ++a)
    g.size[a] = j.at("size").at(a).get<std::size_t>();
  g.spacingMm = readVec(j.at("spacing_mm"), "spacing_mm", context);
  g.originLps = readVec(j.at("origin_lps"), "origin_lps", context);
  for (int r = 0; r < 3; ++r)
    g.direction[r] = readVec(j.at("direction").at(r), "direction", context);
  return g;
}

json statsToJson(const RegistrationResult& r, const RegistrationProvenance& p) {
  json stages = json::array();
  for (const auto& s : r.stages)
    stages.push_back({{"name", s.name},
                      {"metric", s.metric},
                      {"metric_value", s.metricValue},
                      {"iterations", s.iterations},
                      {"seconds", s.seconds},
                      {"spacing_mm", s.spacingMm}});
  json out = {{"format", "vestige-registration-1"},
              {"direction", "transform maps follow-up (fixed) LPS mm to baseline (moving) LPS mm; points from the "
                            "baseline need its inverse"},
              {"inputs",
               {{"fixed", p.fixed}, {"moving", p.moving}, {"fixed_mask", p.fixedMask}, {"moving_mask", p.movingMask}}},
              {"fixed_grid", geometryToJson(r.fixedGeometry)},
              {"metric", r.metric},
              {"stages", stages},
              {"jacobian",
               {{"min", r.jacobianMin},
                {"max", r.jacobianMax},
                {"folding_fraction", r.foldingFraction},
                {"repaired_fold_voxels", r.repairedFoldVoxels},
                {"region", r.jacobianInLiver ? "fixed liver mask" : "registration region (body)"}}},
              {"seconds", r.seconds},
              {"notes", r.notes},
              {"files",
               {{"transform", layout::kTransform},
                {"displacement_field", layout::kField},
                {"uncertainty", r.uncertaintyMm.empty() ? "" : layout::kUncertainty}}}};
  out["dice"] = json::object();
  if (r.diceBefore)
    out["dice"]["before"] = *r.diceBefore;
  if (r.diceAfter)
    out["dice"]["after"] = *r.diceAfter;
  return out;
}

void statsFromJson(const json& j, RegistrationResult& r, const std::string& context) {
  try {
    r.metric = j.at("metric").get<std::string>();
    r.fixedGeometry = geometryFromJson(j.at("fixed_grid"), context);
    for (const auto& s : j.at("stages")) {
      StageStats st;
      st.name = s.at("name").get<std::string>();
      st.metric = s.at("metric").get<std::string>();
      st.metricValue = s.at("metric_value").get<double>();
      st.iterations = s.at("iterations").get<unsigned>();
      st.seconds = s.at("seconds").get<double>();
      st.spacingMm = s.at("spacing_mm").get<double>();
      r.stages.push_back(st);
    }
    const auto& jac = j.at("jacobian");
    r.jacobianMin = jac.at("min").get<double>();
    r.jacobianMax = jac.at("max").get<double>();
    r.foldingFraction = jac.at("folding_fraction").get<double>();
    r.repairedFoldVoxels = jac.value("repaired_fold_voxels", std::size_t{0});
    r.jacobianInLiver = jac.at("region").get<std::string>() == "fixed liver mask";
    if (j.at("dice").contains("before"))
      r.diceBefore = j["dice"]["before"].get<double>();
    if (j.at("dice").contains("after"))
      r.diceAfter = j["dice"]["after"].get<double>();
    r.seconds = j.at("seconds").get<double>();
    r.notes = j.at("notes").get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    throw core::Error(core::ErrorCode::InvalidFormat, std::string("unexpected content: ") + e.what(), context);
  }
}

} // namespace

void saveRegistration(const RegistrationResult& result, const RegistrationProvenance& provenance,
                      const std::filesystem::path& dir) {
  registerTransformIo();
  const auto& impl = result.transform.impl();
  core::writeAtomically(dir / layout::kTransform, [&](const std::filesystem::path& tmp) {
    core::translateItkErrors(core::ErrorCode::Io, (dir / layout::kTransform).string(), [&] {
      auto writer = itk::TransformFileWriterTemplate<double>::New();
      writer->SetInput(impl.composite);
      writer->SetFileName(tmp.string());
      writer->SetUseCompression(false);
      writer->Update();
    });
  });
  if (impl.dense) {
    core::writeAtomically(dir / layout::kField, [&](const std::filesystem::path& tmp) {
      core::translateItkErrors(core::ErrorCode::Io, (dir / layout::kField).string(), [&] {
        auto cast = itk::CastImageFilter<DenseFieldType, FloatFieldType>::New();
        cast->SetInput(impl.dense->GetDisplacementField());
        auto writer = itk::ImageFileWriter<FloatFieldType>::New();
        writer->SetInput(cast->GetOutput());
        writer->SetFileName(tmp.string());
        writer->UseCompressionOn();
        // zlib's fastest level: a smooth float field compresses nearly as well, in a fraction of the time.
        writer->SetCompressionLevel(1);
        writer->Update();
      });
    });
  }
  if (!result.uncertaintyMm.empty())
    dicom::writeImage(result.uncertaintyMm, dir / layout::kUncertainty);
  core::writeTextAtomically(dir / layout::kReport,
                            statsToJson(result, provenance).dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

RegistrationResult loadRegistration(const std::filesystem::path& dir) {
  registerTransformIo();
  core::requireReadable(dir, true);
  RegistrationResult result;
  statsFromJson(readJson(dir / layout::kReport), result, (dir / layout::kReport).string());
  const auto transformPath = dir / layout::kTransform;
  core::requireReadable(transformPath);
  auto impl = std::make_shared<Transform::Impl>();
  core::translateItkErrors(core::ErrorCode::InvalidFormat, transformPath.string(), [&] {
    auto reader = itk::TransformFileReaderTemplate<double>::New();
    reader->SetFileName(transformPath.string());
    reader->Update();
    const auto* list = reader->GetTransformList();
    if (list->empty())
      throw core::Error(core::ErrorCode::InvalidFormat, "no transform in the file", transformPath.string());
    impl->composite = dynamic_cast<CompositeTransformType*>(list->front().GetPointer());
    if (!impl->composite)
      throw core::Error(core::ErrorCode::InvalidFormat, "expected an ITK CompositeTransform of double, 3D",
                        transformPath.string());
  });
  const auto fieldPath = dir / layout::kField;
  if (std::filesystem::exists(fieldPath)) {
    core::translateItkErrors(core::ErrorCode::InvalidFormat, fieldPath.string(), [&] {
      auto reader = itk::ImageFileReader<DenseFieldType>::New();
      reader->SetFileName(fieldPath.string());
      reader->Update();
      impl->dense = DenseTransformType::New();
      impl->dense->SetDisplacementField(reader->GetOutput());
      impl->denseBoundsLps = core::geometryFromItk(*reader->GetOutput()).boundsLps();
    });
  }
  result.transform = Transform(impl);
  if (std::filesystem::exists(dir / layout::kUncertainty))
    result.uncertaintyMm = dicom::readImage(dir / layout::kUncertainty);
  return result;
}

std::vector<NamedPoint> readPointsJson(const std::filesystem::path& path) {
  const json j = readJson(path);
  const std::string context = path.string();
  std::vector<NamedPoint> out;
  auto addPoint = [&](const json& p, std::size_t index, const char* key) {
    NamedPoint n;
    n.name = p.contains("name") && p["name"].is_string()     ? p["name"].get<std::string>()
             : p.contains("label") && p["label"].is_string() ? p["label"].get<std::string>()
                                                             : "P" + std::to_string(index + 1);
    if (!p.contains(key))
      throw core::Error(core::ErrorCode::InvalidFormat, std::string("point without '") + key + "'", context);
    n.lps = readVec(p[key], key, context);
    out.push_back(n);
  };
  try {
    if (j.is_object() && j.contains("markups")) { // 3D Slicer markups, whatever the file is called
      for (const Markup& m : readMarkups(path))
        for (const MarkupPoint& p : m.points)
          out.push_back({p.label.empty() ? "P" + std::to_string(out.size() + 1) : p.label, p.lps});
      return out;
    }
    const json& list = j.is_array() ? j : j.at("points");
    for (std::size_t i = 0; i < list.size(); ++i)
      addPoint(list[i], i, "lps");
  } catch (const json::exception& e) {
    throw core::Error(core::ErrorCode::InvalidFormat, std::string("unexpected content: ") + e.what(), context);
  }
  return out;
}

void writeMappedPointsJson(const std::vector<MappedPoint>& points, const std::filesystem::path& path) {
  json list = json::array();
  for (const auto& p : points)
    list.push_back({{"name", p.name},
                    {"baseline_lps", vec(p.baselineLps)},
                    {"followup_lps", vec(p.followupLps)},
                    {"uncertainty_mm", p.uncertaintyMm}});
  const json out = {{"meaning", "baseline_lps and followup_lps: the same point on each date"},
                    {"coordinate_system", "LPS"},
                    {"units", "mm"},
                    {"points", list}};
  core::writeTextAtomically(path, out.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

std::vector<LandmarkPair> readLandmarkPairsJson(const std::filesystem::path& path) {
  const json j = readJson(path);
  std::vector<LandmarkPair> out;
  try {
    const json& list = j.is_array() ? j : (j.contains("pairs") ? j.at("pairs") : j.at("landmarks"));
    for (const auto& p : list) {
      LandmarkPair pair;
      pair.name = p.value("name", std::string("L") + std::to_string(out.size() + 1));
      pair.baselineLps = readVec(p.at("baseline_lps"), "baseline_lps", path.string());
      pair.followupLps = readVec(p.at("followup_lps"), "followup_lps", path.string());
      out.push_back(pair);
    }
  } catch (const json::exception& e) {
    throw core::Error(core::ErrorCode::InvalidFormat, std::string("unexpected content: ") + e.what(), path.string());
  }
  return out;
}

TreSummary summarizeErrors(std::vector<double> errorsMm) {
  TreSummary s;
  s.errorsMm = errorsMm;
  if (errorsMm.empty())
    return s;
  double sum = 0;
  for (const double e : errorsMm)
    sum += e;
  s.meanMm = sum / static_cast<double>(errorsMm.size());
  std::sort(errorsMm.begin(), errorsMm.end());
  // Linear interpolation between order statistics (numpy's default).
  const double pos = 0.95 * static_cast<double>(errorsMm.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, errorsMm.size() - 1);
  s.p95Mm = errorsMm[lo] + (pos - static_cast<double>(lo)) * (errorsMm[hi] - errorsMm[lo]);
  s.maxMm = errorsMm.back();
  return s;
}

TreSummary landmarkTre(const std::vector<LandmarkPair>& pairs, const Transform* transform) {
  std::vector<double> errors;
  errors.reserve(pairs.size());
  for (const auto& p : pairs) {
    const core::Vec3 mapped = transform ? transform->baselineToFollowupLps(p.baselineLps) : p.baselineLps;
    errors.push_back(core::distanceMm(mapped, p.followupLps));
  }
  return summarizeErrors(errors);
}

} // namespace vestige::registration
