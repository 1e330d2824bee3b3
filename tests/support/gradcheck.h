// gradcheck.h — central-difference gradient checks and naive-reference helpers for tests.
//
// check_gradients(f, inputs) compares autograd's gradient of L = Σ w ⊙ f(inputs) (w a fixed
// random tensor, so every output element matters) with (L(x+h) − L(x−h)) / 2h for every element
// of every F32 input that requires grad. Inputs may be non-contiguous views: the perturbation is
// written through the view's strides.
#pragma once
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/tensor.h"

namespace nn::testing {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// Pointer to element j (row-major order of the view) of a strided F32 tensor.
inline float* element_ptr(Tensor& t, int64_t j) {
  float* base = static_cast<float*>(t.impl().storage->data()) + t.impl().offset;
  int64_t off = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    const int64_t s = t.shape()[static_cast<size_t>(d)];
    off += (j % s) * t.strides()[static_cast<size_t>(d)];
    j /= s;
  }
  return base + off;
}

// Σ w ⊙ y in double.
inline double weighted_sum(const Tensor& y, const std::vector<float>& w) {
  const std::vector<float> v = y.to_vector();
  double s = 0;
  for (size_t i = 0; i < v.size(); ++i) s += static_cast<double>(w[i]) * v[i];
  return s;
}

// Fails the current test when an autograd gradient and the finite difference disagree by more
// than atol + rtol·|numeric|.
inline void check_gradients(const Fn& f, std::vector<Tensor> inputs, double h = 1e-3,
                            double rtol = 1e-2, double atol = 1e-3) {
  for (Tensor& x : inputs)
    if (x.defined() && x.requires_grad()) x.zero_grad();
  Tensor y = f(inputs);
  std::vector<float> w = Tensor::uniform(y.shape(), 1234, -1.f, 1.f).to_vector();
  Tensor wt = Tensor::from_data(y.shape(), w);
  Tensor loss = sum(mul(y, wt));
  loss.backward();
  NoGradGuard no_grad;
  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor& x = inputs[k];
    if (!x.defined() || !x.requires_grad()) continue;
    REQUIRE(x.grad().defined());
    const std::vector<float> analytic = x.grad().to_vector();
    for (int64_t j = 0; j < x.numel(); ++j) {
      float* p = element_ptr(x, j);
      const float saved = *p;
      *p = saved + static_cast<float>(h);
      const double lp = weighted_sum(f(inputs), w);
      *p = saved - static_cast<float>(h);
      const double lm = weighted_sum(f(inputs), w);
      *p = saved;
      const double numeric = (lp - lm) / (2 * h);
      const double a = analytic[static_cast<size_t>(j)];
      INFO("input " << k << " element " << j << ": autograd " << a << ", finite difference " << numeric);
      CHECK(std::abs(a - numeric) <= atol + rtol * std::abs(numeric));
    }
  }
}

// Checks two float vectors agree elementwise within atol + rtol·|expected|.
inline void check_close(const std::vector<float>& got, const std::vector<float>& expected,
                        double rtol = 1e-5, double atol = 1e-6) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", expected " << expected[i]);
    CHECK(std::abs(static_cast<double>(got[i]) - expected[i]) <= atol + rtol * std::abs(expected[i]));
  }
}

// A tensor of the given shape with values uniform in [lo, hi) that requires grad.
inline Tensor param(const Shape& shape, uint64_t seed, float lo = -1.f, float hi = 1.f) {
  Tensor t = Tensor::uniform(shape, seed, lo, hi);
  t.requires_grad_();
  return t;
}

}  // namespace nn::testing
