// test_kernels_norm.cc — every kernel of core/kernels/softmax.h and core/kernels/layer_norm.h
// on every compiled Highway target, against naive double-precision references.
//
// Tolerances: each output is compared with 1e-5·m + 1e-6, where m is the magnitude the float
// computation worked with (|reference| for elementwise results, Σ|terms| for sums over rows).
// fp32 rounding is 6e-8 relative per operation; the kernels' sums run over ≤ a few hundred
// terms in SIMD lanes, and hwy's Exp is accurate to a few ulp, so 1e-5 leaves ample margin
// while still catching any wrong formula or mishandled tail lane.
#include <catch2/catch.hpp>
#include <hwy/targets.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "core/kernels/layer_norm.h"
#include "core/kernels/softmax.h"
#include "core/rng.h"
#include "tests/support/targets.h"

using nn::testing::for_each_target;

namespace {

using Vec = std::vector<float>;
using DVec = std::vector<double>;

// n floats uniform in [lo, hi) from stream `seed`.
Vec random_vec(size_t n, uint64_t seed, float lo, float hi) {
  Vec v(n);
  for (size_t i = 0; i < n; ++i) v[i] = lo + (hi - lo) * nn::uniform_at(seed, i);
  return v;
}

// Checks got[i] ≈ ref[i] within 1e-5·mag[i] + 1e-6 (mag defaults to |ref|).
void check_near(const Vec& got, const DVec& ref, const DVec& mag = {}) {
  REQUIRE(got.size() == ref.size());
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double m = mag.empty() ? std::abs(ref[i]) : mag[i];
    if (std::abs(got[i] - ref[i]) <= 1e-5 * m + 1e-6) continue;
    ++bad;
    INFO("element " << i << ": got " << got[i] << ", expected " << ref[i] << ", tolerance " << 1e-5 * m + 1e-6);
    CHECK(false);  // reports the element; checking only failures keeps the suite fast
  }
  CHECK(bad == 0);
}

// Row shapes covering: one lane, partial vectors (tails), exact vectors, several threads.
const std::vector<std::pair<int64_t, int64_t>> kShapes = {
    {1, 1}, {3, 5}, {2, 16}, {4, 17}, {3, 33}, {5, 128}, {300, 131}};

// Double reference softmax of one row.
DVec ref_softmax(const float* x, int64_t n) {
  double m = -INFINITY, s = 0;
  for (int64_t j = 0; j < n; ++j) m = std::max(m, static_cast<double>(x[j]));
  DVec y(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) s += y[static_cast<size_t>(j)] = std::exp(x[j] - m);
  for (double& v : y) v /= s;
  return y;
}

}  // namespace

TEST_CASE("softmax and log_softmax kernels match a double reference on every target", "[kernels]") {
  for (const auto& [rows, cols] : kShapes) {
    INFO("shape (" << rows << "," << cols << ")");
    const size_t n = static_cast<size_t>(rows * cols);
    const Vec x = random_vec(n, 1, -8.f, 8.f);
    DVec sm, lsm;
    for (int64_t r = 0; r < rows; ++r) {
      const DVec y = ref_softmax(x.data() + r * cols, cols);
      for (double v : y) {
        sm.push_back(v);
        lsm.push_back(std::log(v));
      }
    }
    for_each_target([&] {
      Vec y(n);
      nn::kernels::softmax_forward(x.data(), y.data(), rows, cols);
      check_near(y, sm);
      nn::kernels::log_softmax_forward(x.data(), y.data(), rows, cols);
      check_near(y, lsm);
      Vec inplace = x;  // y may alias x
      nn::kernels::softmax_forward(inplace.data(), inplace.data(), rows, cols);
      check_near(inplace, sm);
    });
  }
}

TEST_CASE("softmax kernels stay finite for huge logits", "[kernels]") {
  const Vec x = {1000.f, 999.f, -1000.f, 80.f, 88.f, 1000.f};
  const DVec sm = ref_softmax(x.data(), 6);
  for_each_target([&] {
    Vec y(6);
    nn::kernels::softmax_forward(x.data(), y.data(), 1, 6);
    check_near(y, sm);
    nn::kernels::log_softmax_forward(x.data(), y.data(), 1, 6);
    CHECK(std::abs(y[0] - std::log(sm[0])) < 1e-5);
    CHECK(std::abs(y[2] - (-2000.0 + std::log(sm[0]))) < 1e-2);  // −2000.9: float spacing 1.2e-4
  });
}

TEST_CASE("softmax and log_softmax backward kernels match a double reference on every target",
          "[kernels]") {
  for (const auto& [rows, cols] : kShapes) {
    INFO("shape (" << rows << "," << cols << ")");
    const size_t n = static_cast<size_t>(rows * cols);
    const Vec x = random_vec(n, 2, -4.f, 4.f), gy = random_vec(n, 3, -1.f, 1.f);
    Vec y(n), ly(n);
    nn::kernels::softmax_forward(x.data(), y.data(), rows, cols);
    nn::kernels::log_softmax_forward(x.data(), ly.data(), rows, cols);
    DVec gsm(n), gsm_mag(n), glsm(n), glsm_mag(n);
    for (int64_t r = 0; r < rows; ++r) {
      double dot = 0, dot_mag = 0, sum = 0, sum_mag = 0;
      for (int64_t j = r * cols; j < (r + 1) * cols; ++j) {
        dot += static_cast<double>(gy[j]) * y[j];
        dot_mag += std::abs(static_cast<double>(gy[j]) * y[j]);
        sum += gy[j];
        sum_mag += std::abs(gy[j]);
      }
      for (int64_t j = r * cols; j < (r + 1) * cols; ++j) {
        const size_t k = static_cast<size_t>(j);
        gsm[k] = y[k] * (gy[k] - dot);
        gsm_mag[k] = y[k] * (std::abs(gy[k]) + dot_mag);
        glsm[k] = gy[k] - std::exp(static_cast<double>(ly[k])) * sum;
        glsm_mag[k] = std::abs(gy[k]) + std::exp(static_cast<double>(ly[k])) * sum_mag;
      }
    }
    for_each_target([&] {
      Vec gx(n);
      nn::kernels::softmax_backward(y.data(), gy.data(), gx.data(), rows, cols);
      check_near(gx, gsm, gsm_mag);
      nn::kernels::log_softmax_backward(ly.data(), gy.data(), gx.data(), rows, cols);
      check_near(gx, glsm, glsm_mag);
    });
  }
}

TEST_CASE("fused cross-entropy kernel gives per-row loss and (softmax − onehot)·scale",
          "[kernels]") {
  constexpr int64_t kIgnore = -100;
  for (const auto& [rows, cols] : kShapes) {
    INFO("shape (" << rows << "," << cols << ")");
    const size_t n = static_cast<size_t>(rows * cols);
    const Vec x = random_vec(n, 4, -6.f, 6.f);
    std::vector<int64_t> t(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) t[static_cast<size_t>(r)] = r % 4 == 1 ? kIgnore : (r * 7) % cols;
    const float scale = 0.25f;
    DVec loss(static_cast<size_t>(rows)), grad(n, 0.0), loss_mag(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t tr = t[static_cast<size_t>(r)];
      if (tr == kIgnore) continue;
      const float* xr = x.data() + r * cols;
      const DVec p = ref_softmax(xr, cols);
      loss[static_cast<size_t>(r)] = -std::log(p[static_cast<size_t>(tr)]);
      // The kernel forms m + log Σexp(x − m) − x[t]: its error scales with |m| + log Σ + |x[t]|.
      const double m = *std::max_element(xr, xr + cols);
      loss_mag[static_cast<size_t>(r)] = std::abs(m) + std::abs(loss[static_cast<size_t>(r)] + xr[tr] - m) + std::abs(xr[tr]);
      for (int64_t j = 0; j < cols; ++j)
        grad[static_cast<size_t>(r * cols + j)] = scale * (p[static_cast<size_t>(j)] - (j == tr ? 1.0 : 0.0));
    }
    for_each_target([&] {
      Vec l(static_cast<size_t>(rows), -1.f), g(n, -1.f);
      nn::kernels::cross_entropy_forward(x.data(), t.data(), kIgnore, scale, l.data(), g.data(), rows, cols);
      check_near(l, loss, loss_mag);
      check_near(g, grad);
      Vec l2(static_cast<size_t>(rows), -1.f);  // loss only, no gradient buffer
      nn::kernels::cross_entropy_forward(x.data(), t.data(), kIgnore, scale, l2.data(), nullptr, rows, cols);
      CHECK(l2 == l);
    });
  }
}

TEST_CASE("layer_norm kernels match a double reference on every target", "[kernels]") {
  const float eps = 1e-5f;
  for (const auto& [rows, cols] : kShapes) {
    INFO("shape (" << rows << "," << cols << ")");
    const size_t n = static_cast<size_t>(rows * cols), c = static_cast<size_t>(cols);
    const Vec x = random_vec(n, 5, -3.f, 5.f), gy = random_vec(n, 6, -1.f, 1.f);
    const Vec gamma = random_vec(c, 7, 0.5f, 1.5f), beta = random_vec(c, 8, -1.f, 1.f);
    // Reference forward and backward, plus the magnitudes the float sums work with.
    DVec y(n), y_mag(n), mean(static_cast<size_t>(rows)), rstd(static_cast<size_t>(rows));
    DVec gx(n), gx_mag(n), dgamma(c, 0.0), dgamma_mag(c, 0.0), dbeta(c, 0.0), dbeta_mag(c, 0.0);
    for (int64_t r = 0; r < rows; ++r) {
      const size_t o = static_cast<size_t>(r * cols);
      double mu = 0, var = 0;
      for (size_t j = 0; j < c; ++j) mu += x[o + j];
      mu /= cols;
      for (size_t j = 0; j < c; ++j) var += (x[o + j] - mu) * (x[o + j] - mu);
      const double rs = 1.0 / std::sqrt(var / cols + eps);
      mean[static_cast<size_t>(r)] = mu;
      rstd[static_cast<size_t>(r)] = rs;
      double a = 0, b = 0, a_mag = 0, b_mag = 0;
      for (size_t j = 0; j < c; ++j) {
        const double xh = (x[o + j] - mu) * rs, gh = gy[o + j] * static_cast<double>(gamma[j]);
        y[o + j] = xh * gamma[j] + beta[j];
        y_mag[o + j] = std::abs(xh * gamma[j]) + std::abs(beta[j]) + std::abs(x[o + j] * rs * gamma[j]);
        a += gh;
        b += gh * xh;
        a_mag += std::abs(gh);
        b_mag += std::abs(gh * xh);
        dgamma[j] += gy[o + j] * xh;
        dgamma_mag[j] += std::abs(gy[o + j] * xh) + std::abs(gy[o + j] * x[o + j] * rs);
        dbeta[j] += gy[o + j];
        dbeta_mag[j] += std::abs(gy[o + j]);
      }
      for (size_t j = 0; j < c; ++j) {
        const double xh = (x[o + j] - mu) * rs, gh = gy[o + j] * static_cast<double>(gamma[j]);
        gx[o + j] = rs * (gh - a / cols - xh * b / cols);
        gx_mag[o + j] = rs * (std::abs(gh) + a_mag / cols + (std::abs(xh) + std::abs(x[o + j] * rs)) * b_mag / cols);
      }
    }
    for_each_target([&] {
      Vec yk(n), mk(static_cast<size_t>(rows)), rk(static_cast<size_t>(rows));
      nn::kernels::layer_norm_forward(x.data(), gamma.data(), beta.data(), eps, yk.data(), mk.data(),
                                      rk.data(), rows, cols);
      check_near(yk, y, y_mag);
      check_near(mk, mean, DVec(mean.size(), 5.0));
      check_near(rk, rstd);
      Vec gxk(n), dgk(c), dbk(c);
      Vec work(static_cast<size_t>(nn::kernels::layer_norm_backward_workspace(rows, cols)));
      nn::kernels::layer_norm_backward(gy.data(), x.data(), gamma.data(), mk.data(), rk.data(), gxk.data(),
                                       dgk.data(), dbk.data(), work.data(), rows, cols);
      check_near(gxk, gx, gx_mag);
      check_near(dgk, dgamma, dgamma_mag);
      check_near(dbk, dbeta, dbeta_mag);
    });
  }
}
