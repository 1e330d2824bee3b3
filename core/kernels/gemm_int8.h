// kernels/gemm_int8.h — a linear layer's product in int8 (dynamic quantization, inference only).
//
// y = x·Wᵀ + b with W quantized once per output channel to s8 (Int8Weight) and x quantized per
// call to u8 with a zero point (kernels/quantize.h), the integer products accumulated in s32 by
// oneDNN's int8 matmul (AVX512-VNNI), then dequantized in the primitive: y[m,n] =
// x_scale·w_scale[n]·Σ_k (qx[m,k] − zero_point)·qw[n,k] + b[n] (runtime output scales, the bias
// a binary post-op: oneDNN 2.6 adds its matmul bias before the output scale), optionally GELU.
// u8 with a zero point rather than symmetric s8: on AVX512-VNNI (vpdpbusd multiplies u8 by s8)
// the two ran level at bert-base's shapes (oneDNN 2.6, 2 threads, 128 rows, u8 against s8:
// M×N×K 128×768×768 0.233 vs 0.231 ms, 128×3072×768 0.856 vs 0.853, 128×768×3072 0.795 vs
// 0.742; at 1024 rows a busy machine's noise hid any difference), and u8 spends all 256 levels
// on a skewed range such as GELU's outputs, where symmetric s8 would leave half of them unused.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace nn::kernels {

// A weight W (N, K) (N output channels, row-major) quantized per output channel: W[n,k] ≈
// scales[n]·q[n,k]. Also keeps q in the blocked layouts the int8 matmul reads fastest (made on
// first use, at most kMaxLayouts of them; a product needing another reads q as it is).
struct Int8Weight {
  static constexpr size_t kMaxLayouts = 4;
  int64_t rows = 0, cols = 0;  // N, K
  std::vector<int8_t> q;       // (N, K) row-major
  std::vector<float> scales;   // (N): max_k |W[n,k]| / 127
  std::mutex mutex;            // guards layouts
  std::vector<std::pair<dnnl::memory::desc, std::vector<uint8_t>>> layouts;
};

// W (N, K) with row stride ldw ≥ K, quantized per output channel (N, K > 0).
std::unique_ptr<Int8Weight> quantize_weight(int64_t N, int64_t K, const float* W, int64_t ldw);

// y (M, N), row stride ldy ≥ N, = x·Wᵀ + bias through the int8 matmul (see the file comment);
// x is (M, K) with row stride ldx ≥ K; bias (N floats) may be null; gelu applies GELU (erf
// form) to the result. M, N, K > 0. Threads like gemm() (all nn threads outside a parallel
// region). Not differentiable: inference only.
void gemm_int8(int64_t M, const float* x, int64_t ldx, Int8Weight& w, const float* bias, float* y, int64_t ldy,
               bool gelu);

}  // namespace nn::kernels
