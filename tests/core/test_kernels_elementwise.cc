// test_kernels_elementwise.cc — every kernel of kernels/elementwise.h, reduce.h and adamw.h on
// every compiled Highway target this CPU supports, against double-precision references.
//
// Tolerances come from fp32 reasoning: one correctly rounded op is within 2^-24 relative
// (we allow 1 ulp = 1.2e-7 for double rounding), Highway's Exp/Log/Tanh state 1–4 ulp, our
// GELU's Φ is ~3e-7 relative. Sums are tested on values whose fp32 sums are exact (multiples of
// 1/8), so any ordering must give the exact result; random data checks the error bound too.
#include <catch2/catch.hpp>
#include <hwy/targets.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/kernels/adamw.h"
#include "core/kernels/elementwise.h"
#include "core/kernels/reduce.h"
#include "core/threads.h"
#include "tests/support/targets.h"

using nn::testing::for_each_target;

namespace {

using nn::kernels::Binary;
using nn::kernels::Unary;

constexpr double kUlp = 1.1920929e-7;  // 2^-23, one unit in the last place at 1.0
const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

// Lengths that cover empty, partial vectors, whole vectors, and the threaded path (> 32 K).
const std::vector<int64_t> kSizes = {0, 1, 3, 15, 16, 17, 100, 70001};

std::vector<float> random_floats(int64_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(gen);
  return v;
}

// Checks |got − ref| ≤ atol + rtol·scale_i for every i (scale_i = |ref_i| when scale is empty);
// NaN must match NaN and infinities must match exactly. Reports the worst element only.
void check_array(const std::vector<float>& got, const std::vector<double>& ref, double rtol,
                 double atol, const std::vector<double>& scale = {}) {
  REQUIRE(got.size() == ref.size());
  double worst = 0.0;
  size_t worst_i = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], r = ref[i];
    double excess;
    if (std::isnan(r) || std::isinf(r)) {
      const bool same = std::isnan(r) ? std::isnan(g) : g == r;
      excess = same ? 0.0 : 1.0;
    } else {
      const double s = scale.empty() ? std::abs(r) : scale[i];
      excess = std::isnan(g) ? 1.0 : (std::abs(g - r) - atol - rtol * s) / (atol + rtol * s);
    }
    if (excess > worst) worst = excess, worst_i = i;
  }
  INFO("worst element " << worst_i << ": got " << (got.empty() ? 0.f : got[worst_i]) << ", expected "
                        << (ref.empty() ? 0.0 : ref[worst_i]));
  CHECK(worst <= 0.0);
}

double apply(Binary op, double a, double b) {
  switch (op) {
    case Binary::Add: return a + b;
    case Binary::Sub: return a - b;
    case Binary::Mul: return a * b;
    case Binary::Div: return a / b;
  }
  return 0;
}

const Binary kBinaryOps[] = {Binary::Add, Binary::Sub, Binary::Mul, Binary::Div};

// Φ(x) and φ(x) in double (erfc keeps the negative tail relatively accurate).
double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
double normal_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI); }

}  // namespace

TEST_CASE("kernels: add_inplace and axpy on every target", "[kernels]") {
  for_each_target([] {
    for (int64_t n : kSizes) {
      INFO("n = " << n);
      const std::vector<float> x = random_floats(n, -2, 2, 1), y0 = random_floats(n, -2, 2, 2);
      std::vector<float> y = y0;
      nn::kernels::add_inplace(y.data(), x.data(), n);
      std::vector<double> ref(y.size()), scale(y.size());
      for (size_t i = 0; i < y.size(); ++i) ref[i] = double(y0[i]) + x[i];
      check_array(y, ref, kUlp, 0);
      // axpy: fused or not, the error is within an ulp of each term.
      y = y0;
      nn::kernels::axpy(y.data(), -0.75f, x.data(), n);
      for (size_t i = 0; i < y.size(); ++i) {
        ref[i] = double(y0[i]) - 0.75 * x[i];
        scale[i] = std::abs(double(y0[i])) + std::abs(0.75 * x[i]);
      }
      check_array(y, ref, kUlp, 0, scale);
    }
  });
}

TEST_CASE("kernels: binary ops (equal length, scalar forms) on every target", "[kernels]") {
  for_each_target([] {
    for (int64_t n : kSizes) {
      const std::vector<float> a = random_floats(n, -3, 3, 3);
      std::vector<float> b = random_floats(n, 0.5f, 2, 4);
      for (size_t i = 0; i < b.size(); i += 2) b[i] = -b[i];  // both signs, never near 0
      for (Binary op : kBinaryOps) {
        INFO("n = " << n << ", op " << static_cast<int>(op));
        std::vector<float> out(a.size());
        std::vector<double> ref(a.size());
        nn::kernels::binary(op, a.data(), b.data(), out.data(), n);
        for (size_t i = 0; i < a.size(); ++i) ref[i] = apply(op, a[i], b[i]);
        check_array(out, ref, kUlp, 0);
        nn::kernels::binary_scalar(op, a.data(), -1.375f, out.data(), n);
        for (size_t i = 0; i < a.size(); ++i) ref[i] = apply(op, a[i], -1.375);
        check_array(out, ref, kUlp, 0);
        nn::kernels::scalar_binary(op, 0.625f, b.data(), out.data(), n);
        for (size_t i = 0; i < a.size(); ++i) ref[i] = apply(op, 0.625, b[i]);
        check_array(out, ref, kUlp, 0);
      }
    }
  });
}

namespace {
// One broadcast case: output shape and the element strides of a and b over it.
struct BroadcastCase {
  std::string name;
  std::vector<int64_t> shape, sa, sb;
  int64_t a_size, b_size;  // elements of the a and b buffers
};
}  // namespace

TEST_CASE("kernels: binary_broadcast walks strides on every target", "[kernels]") {
  const std::vector<BroadcastCase> cases = {
      {"same shape", {5, 7}, {7, 1}, {7, 1}, 35, 35},
      {"bias over rows (9,37)+(37)", {9, 37}, {37, 1}, {0, 1}, 333, 37},
      {"bias first (37)-(9,37)", {9, 37}, {0, 1}, {37, 1}, 37, 333},
      {"column scalar (6,33)/(6,1)", {6, 33}, {33, 1}, {1, 0}, 198, 6},
      {"scalar tensor (1)*(4,5)", {4, 5}, {0, 0}, {5, 1}, 1, 20},
      {"outer product (3,1,5)+(1,4,1)", {3, 4, 5}, {5, 0, 1}, {0, 1, 0}, 15, 4},
      {"transposed a (8,6)", {8, 6}, {1, 8}, {6, 1}, 48, 48},
      {"size-1 dims (1,3,1,4)", {1, 3, 1, 4}, {0, 4, 0, 1}, {0, 0, 0, 1}, 12, 4},
      {"empty (0,5)", {0, 5}, {5, 1}, {0, 1}, 0, 5},
      {"rank 0", {}, {}, {}, 1, 1},
      {"threaded bias (300,333)+(333)", {300, 333}, {333, 1}, {0, 1}, 99900, 333},
      {"threaded long rows (3,40000)*(3,1)", {3, 40000}, {40000, 1}, {1, 0}, 120000, 3},
  };
  for_each_target([&] {
    for (const BroadcastCase& c : cases) {
      const std::vector<float> a = random_floats(c.a_size, -2, 2, 5);
      const std::vector<float> b = random_floats(c.b_size, 0.5f, 2, 6);
      int64_t n = 1;
      for (int64_t s : c.shape) n *= s;
      for (Binary op : kBinaryOps) {
        INFO(c.name << ", op " << static_cast<int>(op));
        std::vector<float> out(static_cast<size_t>(n));
        nn::kernels::binary_broadcast(op, a.data(), c.sa, b.data(), c.sb, out.data(), c.shape);
        // Reference: the naive index walk.
        std::vector<double> ref(out.size());
        for (int64_t i = 0; i < n; ++i) {
          int64_t rest = i, oa = 0, ob = 0;
          for (size_t d = c.shape.size(); d-- > 0;) {
            const int64_t idx = rest % c.shape[d];
            rest /= c.shape[d];
            oa += idx * c.sa[d];
            ob += idx * c.sb[d];
          }
          ref[static_cast<size_t>(i)] = apply(op, a[static_cast<size_t>(oa)], b[static_cast<size_t>(ob)]);
        }
        check_array(out, ref, kUlp, 0);
      }
    }
  });
}

namespace {
// Inputs for a unary op: a random range plus edge values appended.
std::vector<float> with_edges(std::vector<float> v, std::initializer_list<float> edges) {
  v.insert(v.end(), edges);
  return v;
}

std::vector<float> run_unary(Unary op, const std::vector<float>& x) {
  std::vector<float> y(x.size());
  nn::kernels::unary(op, x.data(), y.data(), static_cast<int64_t>(x.size()));
  return y;
}

// f(x) in double, rounded once to fp32 (so overflow becomes inf, as in an fp32 result).
template <class F>
std::vector<double> map_ref(const std::vector<float>& x, F f) {
  std::vector<double> r(x.size());
  for (size_t i = 0; i < x.size(); ++i) r[i] = static_cast<float>(f(static_cast<double>(x[i])));
  return r;
}
}  // namespace

TEST_CASE("kernels: unary ops on every target", "[kernels]") {
  for_each_target([] {
    for (int64_t n : kSizes) {
      INFO("n = " << n);
      const std::vector<float> wide = random_floats(n, -110, 110, 7);
      const std::vector<float> unit = random_floats(n, -4, 4, 8);
      std::vector<float> pos = random_floats(n, -30, 30, 9);
      for (float& v : pos) v = std::exp2(v);  // log-uniform over 2^±30
      {
        INFO("neg, relu, sqrt are exact");
        const std::vector<float> x = with_edges(unit, {0.f, -0.f, kInf, -kInf, kNaN});
        check_array(run_unary(Unary::Neg, x), map_ref(x, [](double v) { return -v; }), 0, 0);
        check_array(run_unary(Unary::Relu, x), map_ref(x, [](double v) { return v < 0 ? 0.0 : v; }), 0, 0);
        const std::vector<float> p = with_edges(pos, {0.f, 1e-40f, kInf, -1.f, kNaN});
        check_array(run_unary(Unary::Sqrt, p), map_ref(p, [](double v) { return std::sqrt(v); }), 0, 0);
      }
      {
        INFO("exp: Highway's 1 ulp, overflow to inf, underflow through denormals to 0");
        const std::vector<float> x = with_edges(wide, {0.f, 88.72283f, 88.7228394f, 89.f, 200.f, -87.5f,
                                                       -103.f, -104.5f, -200.f, kInf, -kInf, kNaN});
        check_array(run_unary(Unary::Exp, x), map_ref(x, [](double v) { return std::exp(v); }), 2 * kUlp, 1e-44);
      }
      {
        INFO("log: Highway's 4 ulp; 0 → −inf, negative → NaN");
        const std::vector<float> x =
            with_edges(pos, {1.f, 0.999f, 1.001f, 1e-40f, 3e38f, 0.f, -0.f, -1.f, kInf, kNaN});
        // Near x = 1 the result is near 0: 4 ulp of ln x plus 1 ulp of the input's scale.
        check_array(run_unary(Unary::Log, x), map_ref(x, [](double v) { return std::log(v); }), 4 * kUlp, kUlp);
      }
      {
        INFO("tanh: a few ulp, saturates, NaN propagates");
        const std::vector<float> x = with_edges(unit, {0.f, 1e-6f, -1e-6f, 18.f, 19.f, -30.f, kInf, -kInf, kNaN});
        check_array(run_unary(Unary::Tanh, x), map_ref(x, [](double v) { return std::tanh(v); }), 4 * kUlp, 1e-30);
      }
      {
        INFO("gelu: x·Φ(x) relatively accurate also in the negative tail");
        const std::vector<float> x = with_edges(random_floats(n, -12, 12, 10),
                                                {0.f, 1e-8f, -1e-8f, 5.f, -5.f, -9.f, -13.5f, 14.f, kInf, -kInf, kNaN});
        // Measured worst over a dense sweep of [−13, 13]: 3.4 ulp on every target (a dozen fp32
        // roundings); the tail Φ(−|x|) also carries the rounding of its exponent −x²/2, worth
        // (x²/2)·2^-24 relative (the x²/4 term below, in units of 2^-23).
        std::vector<double> scale(x.size());
        for (size_t i = 0; i < x.size(); ++i) {
          const double xi = x[i];
          scale[i] = std::abs(xi * normal_cdf(xi)) + std::abs(xi) * normal_cdf(-std::abs(xi)) * xi * xi / 4;
        }
        // Below x ≈ −13.1 (|GELU| < 1e-36) the tail is flushed to 0: the atol.
        check_array(run_unary(Unary::Gelu, x), map_ref(x, [](double v) { return v * normal_cdf(v); }),
                    4 * kUlp, 1e-36, scale);
      }
    }
  });
}

TEST_CASE("kernels: fused activation backward on every target", "[kernels]") {
  for_each_target([] {
    for (int64_t n : kSizes) {
      INFO("n = " << n);
      const std::vector<float> x = random_floats(n, -10, 10, 11);
      const std::vector<float> gy = random_floats(n, -2, 2, 12);
      std::vector<float> gx(x.size());
      std::vector<double> ref(x.size()), scale(x.size());
      // gelu: gx = gy·(Φ(x) + x·φ(x)); each term within 4 ulp of its own size (measured worst
      // 3.4), plus the rounded exponent of e^{−x²/2}.
      nn::kernels::gelu_backward(x.data(), gy.data(), gx.data(), n);
      for (size_t i = 0; i < x.size(); ++i) {
        const double xi = x[i], cdf = normal_cdf(xi), xpdf = xi * normal_pdf(xi);
        ref[i] = gy[i] * (cdf + xpdf);
        const double tail = normal_cdf(-std::abs(xi));  // also off by its rounded exponent (see gelu)
        scale[i] = std::abs(double(gy[i])) * (cdf + std::abs(xpdf) + (tail + std::abs(xpdf)) * xi * xi / 4);
      }
      check_array(gx, ref, 4 * kUlp, 0, scale);
      // tanh: gx = gy·(1 − y²) with y the forward output.
      std::vector<float> y(x.size());
      for (size_t i = 0; i < x.size(); ++i) y[i] = std::tanh(x[i] / 4);
      nn::kernels::tanh_backward(y.data(), gy.data(), gx.data(), n);
      for (size_t i = 0; i < x.size(); ++i) {
        ref[i] = gy[i] * (1.0 - double(y[i]) * y[i]);
        scale[i] = std::abs(double(gy[i]));
      }
      check_array(gx, ref, 2 * kUlp, 0, scale);
      // relu: gy where x > 0.
      nn::kernels::relu_backward(x.data(), gy.data(), gx.data(), n);
      for (size_t i = 0; i < x.size(); ++i) ref[i] = x[i] > 0 ? gy[i] : 0.0;
      check_array(gx, ref, 0, 0);
    }
  });
}

namespace {
// Multiples of 1/8 in [−8, 8]: every partial sum below 2^20 is exact in fp32.
std::vector<float> eighths(int64_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(-64, 64);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = static_cast<float>(dist(gen)) / 8.f;
  return v;
}
}  // namespace

TEST_CASE("kernels: sum_all on every target", "[kernels]") {
  for_each_target([] {
    for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{17}, int64_t{4099}, int64_t{200003}}) {
      INFO("n = " << n);
      const std::vector<float> x = eighths(n, 13);
      double exact = 0, abs_sum = 0;
      for (float v : x) exact += v;
      CHECK(nn::kernels::sum_all(x.data(), n) == exact);
      // Random data: fp32 error within a block of 4096 is ≤ (terms per accumulator + 16)·2^-24·Σ|x|
      const std::vector<float> r = random_floats(n, -1, 1, 14);
      exact = 0;
      for (float v : r) exact += v, abs_sum += std::abs(v);
      // (SSSE3: 4 accumulators × 4 lanes ⇒ 256 terms each, + 16 for the horizontal step.)
      CHECK(std::abs(nn::kernels::sum_all(r.data(), n) - exact) <= (4096 / 16 + 16) * kUlp / 2 * abs_sum);
    }
  });
}

TEST_CASE("kernels: sum_axis over rows and inner axes on every target", "[kernels]") {
  struct Case {
    int64_t outer, len, inner;
  };
  const std::vector<Case> cases = {{1, 1000, 1}, {7, 33, 1},   {3, 5, 17},  {2, 300, 300},
                                   {4, 0, 3},    {1, 1, 1},    {0, 4, 4},   {1, 256, 768},
                                   {5000, 16, 1}};
  for_each_target([&] {
    for (const Case& c : cases) {
      for (bool mean : {false, true}) {
        INFO("(" << c.outer << ", " << c.len << ", " << c.inner << ") mean " << mean);
        const std::vector<float> x = eighths(c.outer * c.len * c.inner, 15);
        const float scale = mean ? 1.f / static_cast<float>(c.len) : 1.f;
        std::vector<float> out(static_cast<size_t>(c.outer * c.inner), -1.f);
        nn::kernels::sum_axis(x.data(), out.data(), c.outer, c.len, c.inner, scale);
        std::vector<double> ref(out.size());
        for (int64_t o = 0; o < c.outer; ++o)
          for (int64_t i = 0; i < c.inner; ++i) {
            float s = 0;  // exact in fp32 for these values
            for (int64_t k = 0; k < c.len; ++k) s += x[static_cast<size_t>((o * c.len + k) * c.inner + i)];
            ref[static_cast<size_t>(o * c.inner + i)] = s * scale;  // one fp32 rounding, as the kernel
          }
        check_array(out, ref, 0, 0);
      }
    }
  });
}

TEST_CASE("kernels: max_axis finds the first maximum (NaN wins) on every target", "[kernels]") {
  struct Case {
    int64_t outer, len, inner;
  };
  const std::vector<Case> cases = {{1, 1, 1}, {1, 1000, 1}, {6, 37, 1}, {3, 9, 17}, {2, 50, 300}, {0, 3, 2}};
  for_each_target([&] {
    for (const Case& c : cases) {
      for (int variant = 0; variant < 3; ++variant) {  // 0: ties, 1: with NaNs, 2: all −inf
        INFO("(" << c.outer << ", " << c.len << ", " << c.inner << ") variant " << variant);
        std::vector<float> x = eighths(c.outer * c.len * c.inner, 16);  // only 129 values: many ties
        std::mt19937 gen(17);
        if (variant == 1)
          for (float& v : x)
            if (gen() % 23 == 0) v = kNaN;
        if (variant == 2) std::fill(x.begin(), x.end(), -kInf);
        std::vector<float> out(static_cast<size_t>(c.outer * c.inner));
        std::vector<int64_t> arg(out.size(), -1);
        nn::kernels::max_axis(x.data(), out.data(), arg.data(), c.outer, c.len, c.inner);
        std::vector<double> ref(out.size());
        bool args_ok = true;
        for (int64_t o = 0; o < c.outer; ++o)
          for (int64_t i = 0; i < c.inner; ++i) {
            int64_t best = 0;
            auto at = [&](int64_t k) { return x[static_cast<size_t>((o * c.len + k) * c.inner + i)]; };
            for (int64_t k = 1; k < c.len; ++k)
              if (!std::isnan(at(best)) && (std::isnan(at(k)) || at(k) > at(best))) best = k;
            const size_t j = static_cast<size_t>(o * c.inner + i);
            ref[j] = at(best);
            args_ok = args_ok && arg[j] == best;
          }
        check_array(out, ref, 0, 0);
        CHECK(args_ok);
      }
    }
  });
}

TEST_CASE("kernels: reductions do not depend on the thread count", "[kernels]") {
  const int threads = nn::num_threads();
  const std::vector<float> x = random_floats(300000, -1, 1, 18);
  std::vector<float> rows2(300), cols2(1000), rows1(300), cols1(1000);
  nn::set_num_threads(2);
  const double all2 = nn::kernels::sum_all(x.data(), 300000);
  nn::kernels::sum_axis(x.data(), rows2.data(), 300, 1000, 1, 1.f);
  nn::kernels::sum_axis(x.data(), cols2.data(), 1, 300, 1000, 1.f);
  nn::set_num_threads(1);
  const double all1 = nn::kernels::sum_all(x.data(), 300000);
  nn::kernels::sum_axis(x.data(), rows1.data(), 300, 1000, 1, 1.f);
  nn::kernels::sum_axis(x.data(), cols1.data(), 1, 300, 1000, 1.f);
  nn::set_num_threads(threads);
  CHECK(all1 == all2);
  CHECK(rows1 == rows2);
  CHECK(cols1 == cols2);
}

TEST_CASE("kernels: adamw_step matches PyTorch's AdamW formula over several steps", "[kernels]") {
  const float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-6f, wd = 0.01f;
  for_each_target([&] {
    for (int64_t n : {int64_t{1003}, int64_t{70001}}) {
      INFO("n = " << n);
      std::vector<float> p = random_floats(n, -1, 1, 19), m(p.size(), 0.f), v(p.size(), 0.f);
      std::vector<double> rp(p.begin(), p.end()), rm(p.size(), 0.0), rv(p.size(), 0.0);
      std::vector<double> rm_abs(p.size(), 0.0);  // m built from |g|: the scale m's rounding has
      for (int step = 1; step <= 5; ++step) {
        std::vector<float> g = random_floats(n, -1, 1, 20 + static_cast<uint32_t>(step));
        g[0] = 0.f;  // a zero gradient from the start: m = v = 0, denominator = eps
        const double bc1 = 1 - std::pow(double(beta1), step), bc2 = 1 - std::pow(double(beta2), step);
        nn::kernels::adamw_step(p.data(), g.data(), m.data(), v.data(), n, lr, beta1, beta2, eps, wd,
                                static_cast<float>(bc1), static_cast<float>(bc2));
        for (size_t i = 0; i < p.size(); ++i) {  // the documented formula in double
          rp[i] *= 1 - double(lr) * wd;
          rm[i] = beta1 * rm[i] + (1 - double(beta1)) * g[i];
          rm_abs[i] = beta1 * rm_abs[i] + (1 - double(beta1)) * std::abs(g[i]);
          rv[i] = beta2 * rv[i] + (1 - double(beta2)) * double(g[i]) * g[i];
          rp[i] -= (lr / bc1) * rm[i] / (std::sqrt(rv[i]) / std::sqrt(bc2) + eps);
        }
      }
      // Each step adds a few fp32 roundings to p (size ≤ 1) and to the update (size ≤ lr);
      // m and v carry a few ulp each per step, of the size of their terms (m may cancel).
      std::vector<double> scale(p.size());
      for (size_t i = 0; i < p.size(); ++i) scale[i] = std::abs(rp[i]) + 5 * lr;
      {
        INFO("p");
        check_array(p, rp, 8 * kUlp, 0, scale);
      }
      {
        INFO("m");
        check_array(m, rm, 8 * kUlp, 0, rm_abs);
      }
      {
        INFO("v");
        check_array(v, rv, 8 * kUlp, 0);
      }
    }
  });
}
