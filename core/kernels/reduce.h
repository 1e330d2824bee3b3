// kernels/reduce.h — SIMD (Highway, dynamic dispatch) + OpenMP reductions: sum over everything,
// and sum / max over one axis of a dense tensor seen as (outer, len, inner) — the axis has
// length len, `outer` is the product of the dims before it and `inner` of the dims after it.
// inner == 1 reduces rows (the last axis); inner > 1 adds/compares whole rows of `inner` values.
//
// Results never depend on the thread count: every output is reduced in a fixed order, and
// sum_all adds fixed-size blocks whose partial sums are combined in order in double.
#pragma once
#include <cstdint>

namespace nn::kernels {

// Σ x[i] over n elements (fp32 within blocks of 4096, double across blocks).
double sum_all(const float* x, int64_t n);

// out[o, i] = scale · Σ_k x[o, k, i]; x is (outer, len, inner), out is (outer, inner).
// len may be 0 (out = 0). scale = 1/len gives the mean.
void sum_axis(const float* x, float* out, int64_t outer, int64_t len, int64_t inner, float scale);

// out[o, i] = max_k x[o, k, i] and arg[o, i] = the first k attaining it; a NaN counts as the
// maximum (the first NaN wins). x is (outer, len, inner) with len ≥ 1 and len < 2^31;
// out and arg are (outer, inner).
void max_axis(const float* x, float* out, int64_t* arg, int64_t outer, int64_t len, int64_t inner);

}  // namespace nn::kernels
