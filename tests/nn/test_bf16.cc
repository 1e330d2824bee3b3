// test_bf16.cc — the fp32↔bf16 and f16→fp32 conversions against independent references, over
// every 16-bit pattern.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "nn/io/bf16.h"

using namespace nn;

namespace {

// Reference f16 decode from the IEEE 754 bit fields: (-1)^s · 2^(e-15) · (1 + m/1024) for normal
// numbers, (-1)^s · 2^-14 · m/1024 for subnormals, ±inf and NaN for e = 31.
double f16_reference(uint16_t h) {
  const int s = h >> 15;
  const int e = (h >> 10) & 0x1f;
  const int m = h & 0x3ff;
  const double sign = s ? -1.0 : 1.0;
  if (e == 31) return m ? std::numeric_limits<double>::quiet_NaN() : sign * INFINITY;
  if (e == 0) return sign * std::ldexp(m / 1024.0, -14);
  return sign * std::ldexp(1.0 + m / 1024.0, e - 15);
}

// Reference rounding of a finite fp32 to bf16: the two bf16 neighbours of x bracket it (the
// truncation and the next pattern away from zero); pick the nearer, on a tie the even one.
uint16_t bf16_reference(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  const auto down = static_cast<uint16_t>(bits >> 16);
  const auto up = static_cast<uint16_t>(down + 1);
  const double lo = std::abs(static_cast<double>(bf16_to_fp32(down)));
  const double hi = (down & 0x7fff) == 0x7f7f ? 0x1p128  // one step past the largest finite
                                               : std::abs(static_cast<double>(bf16_to_fp32(up)));
  const double ax = std::abs(static_cast<double>(x));
  if (ax - lo < hi - ax) return down;
  if (ax - lo > hi - ax) return up;  // up past the largest finite is the infinity pattern
  return (down & 1) ? up : down;
}

}  // namespace

TEST_CASE("bf16 to fp32 is exact for every pattern", "[bf16]") {
  for (uint32_t b = 0; b < 65536; ++b) {
    const float f = bf16_to_fp32(static_cast<uint16_t>(b));
    REQUIRE(std::bit_cast<uint32_t>(f) == b << 16);
    // Every bf16 value survives the round trip unchanged (NaNs keep their payload: quiet bit set).
    if (!std::isnan(f)) REQUIRE(fp32_to_bf16(f) == b);
  }
}

TEST_CASE("fp32 to bf16 rounds to nearest even around every pattern", "[bf16]") {
  // Low halves probing each pattern: exact, just above, just below the midpoint, the midpoint
  // itself (a tie), just above it, and the top.
  const uint32_t lows[] = {0x0000, 0x0001, 0x7ffe, 0x7fff, 0x8000, 0x8001, 0xffff};
  for (uint32_t b = 0; b < 65536; ++b) {
    for (uint32_t low : lows) {
      const float x = std::bit_cast<float>((b << 16) | low);
      const uint16_t got = fp32_to_bf16(x);
      if (std::isnan(x)) {
        REQUIRE(std::isnan(bf16_to_fp32(got)));
        REQUIRE((got & 0x8000) == (b & 0x8000));
        continue;
      }
      if (std::isinf(x)) {
        REQUIRE(got == b);
        continue;
      }
      REQUIRE(got == bf16_reference(x));
    }
  }
}

TEST_CASE("fp32 to bf16 spot values", "[bf16]") {
  CHECK(fp32_to_bf16(1.0f) == 0x3f80);
  CHECK(fp32_to_bf16(-2.0f) == 0xc000);
  CHECK(fp32_to_bf16(std::bit_cast<float>(0x3f808000u)) == 0x3f80);  // tie, down to even
  CHECK(fp32_to_bf16(std::bit_cast<float>(0x3f818000u)) == 0x3f82);  // tie, up to even
  CHECK(fp32_to_bf16(std::numeric_limits<float>::max()) == 0x7f80);   // rounds to +inf
  // A NaN whose payload lives only in the low half must not become infinity.
  CHECK(std::isnan(bf16_to_fp32(fp32_to_bf16(std::bit_cast<float>(0x7f800001u)))));
  CHECK(fp32_to_bf16(std::bit_cast<float>(0xff800001u)) == 0xffc0);
}

TEST_CASE("f16 to fp32 matches the bit-field decode for every pattern", "[bf16]") {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float got = f16_to_fp32(static_cast<uint16_t>(h));
    const double want = f16_reference(static_cast<uint16_t>(h));
    if (std::isnan(want)) {
      REQUIRE(std::isnan(got));
      REQUIRE(std::signbit(got) == ((h & 0x8000) != 0));
      REQUIRE((std::bit_cast<uint32_t>(got) & 0x7fffff) == (h & 0x3ff) << 13);  // payload kept
      continue;
    }
    REQUIRE(static_cast<double>(got) == want);
    REQUIRE(std::signbit(got) == ((h & 0x8000) != 0));  // -0 stays -0
  }
  CHECK(f16_to_fp32(0x3c00) == 1.0f);
  CHECK(f16_to_fp32(0x0001) == 0x1p-24f);
  CHECK(f16_to_fp32(0x7bff) == 65504.0f);
}

TEST_CASE("array conversions handle unaligned sources", "[bf16]") {
  std::vector<float> values;
  for (int i = -50; i < 50; ++i) values.push_back(static_cast<float>(i) * 0.37f);
  const auto n = static_cast<int64_t>(values.size());
  std::vector<unsigned char> buffer(2 * values.size() + 1);
  fp32_to_bf16(values.data(), buffer.data() + 1, n);  // odd address
  std::vector<float> back(values.size());
  bf16_to_fp32(buffer.data() + 1, back.data(), n);
  for (size_t i = 0; i < values.size(); ++i)
    REQUIRE(back[i] == bf16_to_fp32(fp32_to_bf16(values[i])));

  const uint16_t halves[] = {0x3c00, 0xc000, 0x0001, 0x7c00};
  std::vector<unsigned char> raw(sizeof halves + 1);
  std::memcpy(raw.data() + 1, halves, sizeof halves);
  std::vector<float> decoded(4);
  f16_to_fp32(raw.data() + 1, decoded.data(), 4);
  CHECK(decoded == std::vector<float>{1.0f, -2.0f, 0x1p-24f, INFINITY});
}
