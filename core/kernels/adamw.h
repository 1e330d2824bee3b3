// kernels/adamw.h — the fused AdamW update: one SIMD (Highway) + OpenMP sweep over a flat
// parameter buffer and its gradient and moment buffers (all n floats, dense).
#pragma once
#include <cstdint>

namespace nn::kernels {

// One AdamW step, in PyTorch's order (torch.optim.AdamW, 1.13, amsgrad off), per element:
//   g ← grad_scale·g (read, not stored)                 gradient clipping's coefficient, or 1
//   p ← p·(1 − lr·wd)                                  decoupled weight decay
//   m ← β1·m + (1 − β1)·g                              first moment
//   v ← β2·v + (1 − β2)·g²                             second moment
//   p ← p − (lr/bc1)·m / (√v/√bc2 + eps)               bias-corrected step
// with bias_correction1 = bc1 = 1 − β1^t and bias_correction2 = bc2 = 1 − β2^t at step t ≥ 1.
// lr/bc1 and √bc2 are formed in double once, then the sweep runs in fp32.
void adamw_step(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
                float beta2, float eps, float weight_decay, float bias_correction1,
                float bias_correction2, float grad_scale = 1.f);

}  // namespace nn::kernels
