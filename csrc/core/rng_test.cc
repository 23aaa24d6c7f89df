// Tests of rng.h: the counter-based draws and the integer switch threshold.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "rng.h"
#include "test_check.h"

using namespace csgen;
using namespace csgen::testing;

// The switcher decides `draw53(...) < ratio_threshold(ratio)` where the first
// engine decided `uniform01(...) < ratio`; the two must agree for every draw
// and every ratio, so that output bytes do not change.
static void test_ratio_threshold() {
  // Exact values: T = ceil(ratio * 2^53).
  CHECK_EQ(ratio_threshold(0.0), uint64_t{0});
  CHECK_EQ(ratio_threshold(1.0), uint64_t{1} << 53);
  CHECK_EQ(ratio_threshold(0.5), uint64_t{1} << 52);
  CHECK_EQ(ratio_threshold(std::nextafter(0.5, 1.0)), (uint64_t{1} << 52) + 1);
  CHECK_EQ(ratio_threshold(std::nextafter(0.5, 0.0)), (uint64_t{1} << 52));  // 2^52 - 1/2 -> 2^52
  CHECK_EQ(ratio_threshold(std::numeric_limits<double>::denorm_min()), uint64_t{1});
  CHECK_EQ(ratio_threshold(std::nextafter(1.0, 0.0)), (uint64_t{1} << 53) - 1);  // on the grid
  CHECK_EQ(ratio_threshold(0.3), static_cast<uint64_t>(std::ceil(0.3 * 0x1.0p53)));

  // Around the threshold: m < T exactly when m * 2^-53 < ratio, for ratios
  // on and off the 2^-53 grid, and at 0 and 1.
  std::vector<double> ratios = {0.0, 1.0, 0.5, 0.25, 0.3, 0.7, 1.0 / 3, 0.1, 1e-300, 0.999999999,
                                std::nextafter(0.5, 1.0), std::nextafter(1.0, 0.0),
                                std::numeric_limits<double>::denorm_min()};
  uint64_t state = 42;
  for (int k = 0; k < 200; ++k) {
    state = mix64(state + 1);
    ratios.push_back(static_cast<double>(state >> 11) * 0x1.0p-53);  // on the grid
    ratios.push_back(static_cast<double>(state >> 1) * 0x1.0p-63);   // finer than the grid
  }
  bool agree = true;
  for (double ratio : ratios) {
    const uint64_t t = ratio_threshold(ratio);
    for (int64_t d = -3; d <= 3; ++d) {
      const int64_t m64 = static_cast<int64_t>(t) + d;
      if (m64 < 0 || m64 >= (int64_t{1} << 53)) continue;
      const uint64_t m = static_cast<uint64_t>(m64);
      const bool by_double = static_cast<double>(m) * 0x1.0p-53 < ratio;
      agree &= by_double == (m < t);
    }
  }
  CHECK(agree);
  // And on actual draws: the engine's two forms agree draw for draw.
  bool draws_agree = true;
  for (double ratio : {0.0, 0.25, 0.5, 0.37, 1.0}) {
    const uint64_t t = ratio_threshold(ratio);
    for (uint64_t i = 0; i < 20000; ++i) {
      const uint64_t key = row_stream_key(7, i / 50, 3);
      draws_agree &= (uniform01(key, i % 50, kStreamSwitch) < ratio) ==
                     (draw53(key, i % 50, kStreamSwitch) < t);
    }
  }
  CHECK(draws_agree);
}

int main() {
  test_ratio_threshold();
  return finish("rng_test");
}
