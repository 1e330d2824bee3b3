// kernels/dropout.h — inverted dropout of a run of floats with the counter-based mask of
// core/rng.h, Highway SIMD with dynamic dispatch.
//
// Element e of the stream `seed` is dropped iff uniform_at(seed, e) < p: word e % 4 of
// philox4x32(e / 4, seed), its top 24 bits as a fraction of 2^24. The kernel runs Philox on a
// vector of counters at once and gives bit for bit the mask and values of that definition.
#pragma once
#include <cstdint>

namespace nn::kernels {

// out[j] = in[j]/(1−p), or 0 where element first+j of the stream `seed` is dropped
// (uniform_at(seed, first+j) < p); n floats, in and out may alias. Kept values are in[j]·s with
// s = 1/(1−p) rounded to float. Serial: callable inside an OpenMP parallel region (the caller
// splits long arrays into chunks).
void dropout_rows(const float* in, float* out, int64_t n, float p, uint64_t seed, uint64_t first);

}  // namespace nn::kernels
