// rng.cc — Philox4x32-10, the helpers built on it and the dropout seed stream.
#include "core/rng.h"

#include <atomic>
#include <cmath>

namespace nn {

std::array<uint32_t, 4> philox4x32(uint64_t counter, uint64_t key) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32);
  uint32_t c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c0;
    const uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c2;
    const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const uint32_t n1 = static_cast<uint32_t>(p1);
    const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    const uint32_t n3 = static_cast<uint32_t>(p0);
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  return {c0, c1, c2, c3};
}

namespace {
// 24 random bits → float in [0, 1).
float to_unit_float(uint32_t w) { return static_cast<float>(w >> 8) * (1.0f / 16777216.0f); }
}  // namespace

float uniform_at(uint64_t seed, uint64_t i) {
  return to_unit_float(philox4x32(i / 4, seed)[i % 4]);
}

float normal_at(uint64_t seed, uint64_t i) {
  // One Philox block gives four uniforms → two Box–Muller pairs → four normals.
  const auto w = philox4x32(i / 4, seed ^ 0x5851F42D4C957F2Dull);
  const int pair = static_cast<int>(i % 4) / 2;
  // u1 in (0, 1] so log(u1) is finite.
  const double u1 = (static_cast<double>(w[2 * pair] >> 8) + 1.0) / 16777216.0;
  const double u2 = static_cast<double>(w[2 * pair + 1] >> 8) / 16777216.0;
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * M_PI * u2;
  return static_cast<float>(i % 2 == 0 ? r * std::cos(theta) : r * std::sin(theta));
}

uint64_t mix_seed(uint64_t a, uint64_t b) {
  const auto w = philox4x32(b, a ^ 0x2545F4914F6CDD1Dull);
  return (static_cast<uint64_t>(w[0]) << 32) | w[1];
}

namespace {
std::atomic<uint64_t> g_dropout_base{0x9E3779B97F4A7C15ull};
std::atomic<uint64_t> g_dropout_calls{0};
}  // namespace

void set_dropout_seed(uint64_t base) { restore_dropout_seed_state({base, 0}); }

uint64_t next_dropout_seed() { return mix_seed(g_dropout_base.load(), g_dropout_calls.fetch_add(1)); }

DropoutSeedState dropout_seed_state() { return {g_dropout_base.load(), g_dropout_calls.load()}; }

void restore_dropout_seed_state(const DropoutSeedState& state) {
  g_dropout_base = state.base;
  g_dropout_calls = state.calls;
}

uint32_t Generator::next_u32() {
  const uint64_t i = counter_++;
  return philox4x32(i / 4, seed_)[i % 4];
}

double Generator::uniform() {
  const uint64_t hi = next_u32() >> 5, lo = next_u32() >> 6;  // 27 + 26 = 53 bits
  return (static_cast<double>(hi) * 67108864.0 + static_cast<double>(lo)) / 9007199254740992.0;
}

int64_t Generator::randint(int64_t lo, int64_t hi) {
  const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
  // Rejection sampling on 64-bit draws so every value is exactly equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
  for (;;) {
    const uint64_t r = (static_cast<uint64_t>(next_u32()) << 32) | next_u32();
    if (r < limit) return lo + static_cast<int64_t>(r % span);
  }
}

double Generator::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

}  // namespace nn
