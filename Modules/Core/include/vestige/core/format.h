#pragma once
// Numbers in messages for people (console, plan notes and warnings): fixed decimals, as printf's "%.*f".
#include <string>

namespace vestige::core {

[[nodiscard]] std::string formatFixed(double value, int decimals);

} // namespace vestige::core
