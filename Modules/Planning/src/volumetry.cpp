#include "vestige/planning/volumetry.h"

#include "vestige/core/error.h"

#include <cmath>

namespace vestige::planning {

using core::Error;
using core::ErrorCode;

double bodySurfaceAreaM2(double heightCm, double weightKg, BsaFormula formula) {
  if (!(heightCm > 30.0 && heightCm < 272.0))
    throw Error(ErrorCode::InvalidArgument, "height " + std::to_string(heightCm) + " cm is not plausible", "height_cm");
  if (!(weightKg > 2.0 && weightKg < 400.0))
    throw Error(ErrorCode::InvalidArgument, "weight " + std::to_string(weightKg) + " kg is not plausible", "weight_kg");
  switch (formula) {
  case BsaFormula::Mosteller:
    return std::sqrt(heightCm * weightKg / 3600.0);
  case BsaFormula::DuBois:
    return 0.007184 * std::pow(heightCm, 0.725) * std::pow(weightKg, 0.425);
  }
  return 0.0;
}

double totalEstimatedLiverVolumeMl(double bsaM2, TelvFormula formula) {
  switch (formula) {
  case TelvFormula::Vauthey:
    return -794.41 + 1267.28 * bsaM2;
  case TelvFormula::Urata:
    return 706.2 * bsaM2 + 2.4;
  case TelvFormula::Heinemann:
    return 1072.8 * bsaM2 - 345.7;
  }
  return 0.0;
}

double minimumSflrPercent(LiverCondition condition) noexcept {
  switch (condition) {
  case LiverCondition::Normal:
    return 20.0;
  case LiverCondition::Chemotherapy:
    return 30.0;
  case LiverCondition::Cirrhosis:
    return 40.0;
  }
  return 40.0;
}

double flrPercent(double remnantMl, double liverMl, double tumourMl) {
  const double functional = liverMl - tumourMl;
  if (!(functional > 0.0))
    throw Error(ErrorCode::InconsistentData, "liver volume " + std::to_string(liverMl) + " mL minus tumour " +
                                                 std::to_string(tumourMl) + " mL leaves no functional liver");
  return 100.0 * remnantMl / functional;
}

double sflrPercent(double remnantMl, double telvMl) {
  if (!(telvMl > 0.0))
    throw Error(ErrorCode::InvalidArgument, "estimated total liver volume is not positive");
  return 100.0 * remnantMl / telvMl;
}

const char* name(BsaFormula f) noexcept {
  return f == BsaFormula::Mosteller ? "mosteller" : "dubois";
}
const char* name(TelvFormula f) noexcept {
  return f == TelvFormula::Vauthey ? "vauthey" : (f == TelvFormula::Urata ? "urata" : "heinemann");
}
const char* name(LiverCondition c) noexcept {
  return c == LiverCondition::Normal ? "normal" : (c == LiverCondition::Chemotherapy ? "chemotherapy" : "cirrhosis");
}

std::optional<BsaFormula> parseBsaFormula(const std::string& s) {
  if (s == "mosteller")
    return BsaFormula::Mosteller;
  if (s == "dubois")
    return BsaFormula::DuBois;
  return std::nullopt;
}
std::optional<TelvFormula> parseTelvFormula(const std::string& s) {
  if (s == "vauthey")
    return TelvFormula::Vauthey;
  if (s == "urata")
    return TelvFormula::Urata;
  if (s == "heinemann")
    return TelvFormula::Heinemann;
  return std::nullopt;
}
std::optional<LiverCondition> parseLiverCondition(const std::string& s) {
  if (s == "normal")
    return LiverCondition::Normal;
  if (s == "chemotherapy")
    return LiverCondition::Chemotherapy;
  if (s == "cirrhosis")
    return LiverCondition::Cirrhosis;
  return std::nullopt;
}

} // namespace vestige::planning
