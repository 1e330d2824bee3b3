// check.h — how the learning-path programs state what they verified, and the finite-difference
// gradient check most of them use. Every claim is one line
//
//   check NAME: VALUE < BOUND: ok          (FAIL instead of ok when it does not hold)
//
// so a reader sees the number and the bound, and tests/examples/test_learn_examples.sh reads VALUE
// and BOUND back and compares them itself. A program ends with learn::finish(), which prints the
// tally and gives the exit status.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/tensor.h"

namespace learn {

inline int& failed_checks() {
  static int n = 0;
  return n;
}
inline int& passed_checks() {
  static int n = 0;
  return n;
}

// Prints the check line for value < bound and counts it.
inline bool check_below(const std::string& name, double value, double bound) {
  const bool ok = value < bound;  // false for NaN too
  std::printf("check %s: %.3g < %.3g: %s\n", name.c_str(), value, bound, ok ? "ok" : "FAIL");
  ++(ok ? passed_checks() : failed_checks());
  return ok;
}

// The tally line; 0 when every check passed, 1 otherwise (main's return value).
inline int finish() {
  std::printf("checks: %d passed, %d failed\n", passed_checks(), failed_checks());
  return failed_checks() == 0 ? 0 : 1;
}

// max_i |a_i − b_i| over two equally long vectors.
inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = a.size() == b.size() ? 0.0 : INFINITY;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    m = std::max(m, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  return m;
}

// max_i |a_i − b_i| / max_i |b_i|: the error measured against the size of the reference.
inline double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double scale = 1e-30;
  for (const float v : b) scale = std::max(scale, static_cast<double>(std::abs(v)));
  return max_abs_diff(a, b) / scale;
}

// The gradient of the scalar loss() with respect to each of `inputs` (leaves with requires_grad),
// once from backward() and once by central differences (L(x + h·eᵢ) − L(x − h·eᵢ)) / 2h, entry by
// entry. Returns the largest error over the inputs, each measured against the largest entry of
// its own analytic gradient (max_rel_diff). The forward runs in fp32, so the difference quotient
// is only good to about ulp(L)/2h plus h²·L'''/6: ~1e-5 here, where a wrong backward errs by ~1.
inline double gradient_check(const std::function<nn::Tensor()>& loss, std::vector<nn::Tensor> inputs, double h = 1e-2) {
  for (nn::Tensor& x : inputs) x.zero_grad();
  loss().backward();
  double worst = 0;
  for (nn::Tensor& x : inputs) {
    const std::vector<float> analytic = x.grad().to_vector();
    std::vector<float> numeric(analytic.size());
    {
      nn::NoGradGuard no_grad;
      float* p = x.data();  // inputs are dense leaves: entry i is p[i]
      for (size_t i = 0; i < numeric.size(); ++i) {
        const float saved = p[i];
        p[i] = static_cast<float>(saved + h);
        const double up = loss().item();
        p[i] = static_cast<float>(saved - h);
        const double down = loss().item();
        p[i] = saved;
        numeric[i] = static_cast<float>((up - down) / (2 * h));
      }
    }
    worst = std::max(worst, max_rel_diff(analytic, numeric));
  }
  return worst;
}

}  // namespace learn
