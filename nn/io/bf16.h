// bf16.h — conversions between fp32 and the 16-bit float formats of checkpoint files:
// bfloat16 (1 sign, 8 exponent, 7 mantissa bits) both ways, and IEEE half (F16: 1, 5, 10) to fp32.
//
// fp32 → bf16 rounds to nearest, ties to even, and keeps NaNs NaN (quiet, same sign). The array
// loops read their 16-bit input through memcpy, so the source may sit at any byte address (a
// tensor inside a memory-mapped file need not be aligned); they are plain loops the compiler
// vectorises, and callers split large arrays across threads.
#pragma once
#include <bit>
#include <cstdint>
#include <cstring>

namespace nn {

static_assert(std::endian::native == std::endian::little,
              "checkpoint formats are little-endian; the array loops read bytes as host integers");

// The fp32 value of a bf16 bit pattern (exact: bf16 is the top half of an fp32).
inline float bf16_to_fp32(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

// The bf16 bit pattern nearest to x (ties to even); NaN stays a quiet NaN of the same sign.
inline uint16_t fp32_to_bf16(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  const uint32_t lsb = (bits >> 16) & 1u;
  return static_cast<uint16_t>((bits + 0x7fffu + lsb) >> 16);
}

// The fp32 value of an IEEE half-precision bit pattern (exact, subnormals, ±inf and NaN payloads).
inline float f16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) {  // zero or subnormal: mantissa · 2^-24, exact in fp32
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return std::bit_cast<float>(sign | std::bit_cast<uint32_t>(magnitude));
  }
  return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

// Converts n bf16 values (2n bytes at any alignment) to fp32.
inline void bf16_to_fp32(const void* src, float* dst, int64_t n) {
  const auto* bytes = static_cast<const unsigned char*>(src);
  for (int64_t i = 0; i < n; ++i) {
    uint16_t b;
    std::memcpy(&b, bytes + 2 * i, 2);
    dst[i] = bf16_to_fp32(b);
  }
}

// Converts n fp32 values to bf16 (round to nearest even) into 2n bytes at any alignment.
inline void fp32_to_bf16(const float* src, void* dst, int64_t n) {
  auto* bytes = static_cast<unsigned char*>(dst);
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t b = fp32_to_bf16(src[i]);
    std::memcpy(bytes + 2 * i, &b, 2);
  }
}

// Converts n IEEE half values (2n bytes at any alignment) to fp32.
inline void f16_to_fp32(const void* src, float* dst, int64_t n) {
  const auto* bytes = static_cast<const unsigned char*>(src);
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, bytes + 2 * i, 2);
    dst[i] = f16_to_fp32(h);
  }
}

}  // namespace nn
