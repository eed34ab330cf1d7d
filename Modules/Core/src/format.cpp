#include "vestige/core/format.h"

#include <cstdio>

namespace vestige::core {

std::string formatFixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

} // namespace vestige::core
