// rng.h — counter-based random numbers (Philox4x32-10, Salmon et al. 2011).
//
// Value i of a stream depends only on (seed, i), never on the order or thread that asks for it,
// so dropout masks and initialisations are identical for any thread count.
#pragma once
#include <array>
#include <cstdint>

namespace nn {

// Philox4x32 constants from the paper: round multipliers M0, M1 and Weyl key increments W0, W1
// (shared with the SIMD dropout kernel, core/kernels/dropout.cc).
inline constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
inline constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

// The Philox4x32-10 block function: four 32-bit random words for (counter, key).
std::array<uint32_t, 4> philox4x32(uint64_t counter, uint64_t key);

// Uniform [0, 1) float for element i of the stream `seed`.
float uniform_at(uint64_t seed, uint64_t i);
// Standard normal float for element i of the stream `seed` (Box–Muller on Philox words).
float normal_at(uint64_t seed, uint64_t i);

// Mixes two values into a new seed (e.g. a run seed and a step number).
uint64_t mix_seed(uint64_t a, uint64_t b);

// The dropout seed stream (process-wide): every dropout of a forward pass takes the next seed,
// seed_k = mix(base, k) (nn::Dropout, BERT's attention dropout). Its state can be read and put
// back, so a forward recomputed during backward (core/activation_checkpoint.h) draws the same
// seeds, hence the same masks, as the first time.
struct DropoutSeedState {
  uint64_t base = 0;
  uint64_t calls = 0;  // seeds drawn since base was set
};
// Restarts the dropout seed stream at `base`.
void set_dropout_seed(uint64_t base);
// The next seed of the dropout stream.
uint64_t next_dropout_seed();
// Where the dropout stream is now.
DropoutSeedState dropout_seed_state();
// Puts the dropout stream back where dropout_seed_state() found it.
void restore_dropout_seed_state(const DropoutSeedState& state);

// A sequential generator over one Philox stream: draws advance a counter that can be saved and
// restored (so a resumed run draws exactly what the uninterrupted one would have).
class Generator {
 public:
  explicit Generator(uint64_t seed = 0, uint64_t counter = 0) : seed_(seed), counter_(counter) {}
  // Next uniform 32-bit word.
  uint32_t next_u32();
  // Uniform double in [0, 1) from 53 random bits.
  double uniform();
  // Uniform integer in [lo, hi] (inclusive, like Python's random.randint).
  int64_t randint(int64_t lo, int64_t hi);
  // Standard normal double.
  double normal();
  uint64_t seed() const { return seed_; }
  uint64_t counter() const { return counter_; }

 private:
  uint64_t seed_;
  uint64_t counter_;  // index of the next 32-bit word
};

}  // namespace nn
