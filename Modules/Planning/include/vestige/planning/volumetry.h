#pragma once
// Liver volumetry formulas with their sources (Documentation/planning.md cites them):
//   BSA  Mosteller, NEJM 1987:      sqrt(height_cm * weight_kg / 3600)           [m^2]
//        DuBois & DuBois 1916:      0.007184 * height_cm^0.725 * weight_kg^0.425 [m^2]
//   TELV Vauthey et al., Liver Transpl 2002:  -794.41 + 1267.28 * BSA          [mL]
//        Urata et al., Hepatology 1995:       706.2 * BSA + 2.4                [mL]
//        Heinemann et al. 1999 (Caucasian):   1072.8 * BSA - 345.7             [mL]
//   FLR %  = remnant / (total liver - tumour) * 100
//   sFLR % = remnant / TELV * 100
//   minimum sFLR: 20 % normal liver, 30 % after extensive chemotherapy (Shindoh et al.), 40 % fibrosis/cirrhosis.
// Volumes are imaging volumes in mL, never weights.
#include <optional>
#include <string>

namespace vestige::planning {

enum class BsaFormula { Mosteller, DuBois };
enum class TelvFormula { Vauthey, Urata, Heinemann };
enum class LiverCondition { Normal, Chemotherapy, Cirrhosis };

[[nodiscard]] double bodySurfaceAreaM2(double heightCm, double weightKg, BsaFormula formula);
[[nodiscard]] double totalEstimatedLiverVolumeMl(double bsaM2, TelvFormula formula);
[[nodiscard]] double minimumSflrPercent(LiverCondition condition) noexcept;

// FLR % = remnant / (liver - tumour) * 100. Throws core::Error when liver - tumour is not positive.
[[nodiscard]] double flrPercent(double remnantMl, double liverMl, double tumourMl);
[[nodiscard]] double sflrPercent(double remnantMl, double telvMl);

[[nodiscard]] const char* name(BsaFormula f) noexcept;
[[nodiscard]] const char* name(TelvFormula f) noexcept;
[[nodiscard]] const char* name(LiverCondition c) noexcept;
// Parse the case-file spellings ("mosteller", "dubois"; "vauthey", "urata", "heinemann"; "normal",
// "chemotherapy", "cirrhosis"); std::nullopt for anything else.
[[nodiscard]] std::optional<BsaFormula> parseBsaFormula(const std::string& s);
[[nodiscard]] std::optional<TelvFormula> parseTelvFormula(const std::string& s);
[[nodiscard]] std::optional<LiverCondition> parseLiverCondition(const std::string& s);

} // namespace vestige::planning
