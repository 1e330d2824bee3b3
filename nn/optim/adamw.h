// adamw.h — AdamW (Loshchilov & Hutter 2019) over a model's flat parameter buffer: one fused
// sweep per parameter group (decayed / not decayed). It may own only a range of the buffer (one
// rank's shard under ZeRO-1: its moments are that range's, and step() updates that range alone).
#pragma once
#include <cstdint>

#include "nn/module.h"

namespace nn {

struct AdamWConfig {
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-6f;           // BERT's value (PyTorch's default is 1e-8)
  float weight_decay = 0.01f;  // applied only to groups with decay == true
  bool bias_correction = true; // false = Google BERT's AdamWeightDecayOptimizer
};

class AdamW {
 public:
  // Keeps a reference to `params` (which must outlive the optimizer); moments start at zero. With
  // `begin`/`end` (end −1: the buffer's end) it owns elements [begin, end) of the buffer only.
  AdamW(FlatParameters& params, AdamWConfig config = {}, int64_t begin = 0, int64_t end = -1);
  // One update with learning rate lr, using g = grad_scale·params.grads (grad_scale: gradient
  // clipping's coefficient, clip.h; the gradients themselves are left as they are):
  //   p ← p − lr·wd·p;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
  //   p ← p − lr·(m/c1)/(√(v/c2) + ε),  c_i = 1 − β_iᵗ (or 1 without bias correction).
  void step(float lr, float grad_scale = 1.f);
  // Number of steps taken.
  int64_t steps() const { return step_; }
  // Moment buffers (for checkpoints): elements [begin(), end()) of params.values' layout.
  Tensor& exp_avg() { return m_; }
  Tensor& exp_avg_sq() { return v_; }
  // Restores the step count (with exp_avg/exp_avg_sq filled from a checkpoint).
  void set_steps(int64_t steps) { step_ = steps; }
  const AdamWConfig& config() const { return config_; }
  // The range of the flat buffer this optimizer updates.
  int64_t begin() const { return begin_; }
  int64_t end() const { return end_; }

 private:
  FlatParameters& params_;
  AdamWConfig config_;
  int64_t begin_, end_;
  Tensor m_, v_;
  int64_t step_ = 0;
};

}  // namespace nn
