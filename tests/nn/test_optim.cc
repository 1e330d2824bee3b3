// test_optim.cc — AdamW, SGD, clipping and learning-rate schedules against scalar references.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "nn/linear.h"
#include "nn/optim/adamw.h"
#include "nn/optim/clip.h"
#include "nn/optim/schedule.h"
#include "nn/optim/sgd.h"

using namespace nn;

namespace {
// One parameter group of each kind: weight (decayed) and bias (not decayed).
struct Net : Module {
  Linear lin{3, 2, true, 0.5f, 1};
  Net() { register_module("lin", lin); }
};

// Fills the flat gradient buffer with a fixed pattern depending on the step.
void fill_grads(FlatParameters& f, int step) {
  float* g = f.grads.data();
  for (int64_t i = 0; i < f.grads.numel(); ++i) g[i] = std::sin(0.7f * float(i) + float(step)) * 0.3f;
}
}  // namespace

TEST_CASE("AdamW follows PyTorch's update, with decay only on decayed groups", "[optim][adamw]") {
  for (bool bias_correction : {true, false}) {
    Net net;
    FlatParameters& f = net.flatten_parameters(is_no_decay_parameter);
    const AdamWConfig cfg{0.9f, 0.999f, 1e-6f, 0.01f, bias_correction};
    AdamW opt(f, cfg);
    const int64_t n = f.values.numel();
    std::vector<double> p(f.values.data(), f.values.data() + n), m(n, 0), v(n, 0);
    const double lr = 0.05;
    // The optimizer's constants are floats: the reference uses exactly those values.
    const double b1 = cfg.beta1, b2 = cfg.beta2, eps = cfg.eps, wdecay = cfg.weight_decay;
    for (int step = 1; step <= 4; ++step) {
      fill_grads(f, step);
      const std::vector<float> g = f.grads.to_vector();
      for (const ParameterGroup& grp : f.groups) {
        for (int64_t i = grp.offset; i < grp.offset + grp.size; ++i) {
          const double wd = grp.decay ? wdecay : 0.0;
          p[i] *= 1 - lr * wd;
          m[i] = b1 * m[i] + (1 - b1) * g[i];
          v[i] = b2 * v[i] + (1 - b2) * double(g[i]) * g[i];
          const double c1 = bias_correction ? 1 - std::pow(b1, step) : 1;
          const double c2 = bias_correction ? 1 - std::pow(b2, step) : 1;
          p[i] -= lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
        }
      }
      opt.step(static_cast<float>(lr));
    }
    CHECK(opt.steps() == 4);
    // fp32 arithmetic over four updates of size ≈ lr: a few ulps of 0.2 (1.5e-8 each).
    for (int64_t i = 0; i < n; ++i) CHECK(f.values.data()[i] == Approx(p[i]).margin(2e-7));
  }
}

TEST_CASE("AdamW over ranges of the buffer (ZeRO-1 shards): the bits of the whole update", "[optim][adamw]") {
  // Groups of 185 (decayed weight) and 5 (bias) elements; the shards cut the weight's group in the
  // middle and end inside the bias, at offsets that are not multiples of any vector width.
  struct Wide : Module {
    Linear lin{37, 5, true, 0.5f, 3};
    Wide() { register_module("lin", lin); }
  };
  Wide whole, parts;
  FlatParameters& fw = whole.flatten_parameters(is_no_decay_parameter);
  FlatParameters& fp = parts.flatten_parameters(is_no_decay_parameter);
  const int64_t n = fw.values.numel();
  REQUIRE(n == 190);
  const AdamWConfig cfg{0.9f, 0.999f, 1e-6f, 0.01f, true};
  AdamW all(fw, cfg);
  const int64_t cuts[] = {0, 61, 187, n};
  std::vector<std::unique_ptr<AdamW>> shards;
  for (int k = 0; k < 3; ++k) shards.push_back(std::make_unique<AdamW>(fp, cfg, cuts[k], cuts[k + 1]));
  for (int step = 1; step <= 3; ++step) {
    fill_grads(fw, step);
    fill_grads(fp, step);
    all.step(0.05f, 0.8f);
    // The first shard alone changes only its own range.
    const std::vector<float> before = fp.values.to_vector();
    shards[0]->step(0.05f, 0.8f);
    for (int64_t i = cuts[1]; i < n; ++i) REQUIRE(fp.values.data()[i] == before[static_cast<size_t>(i)]);
    shards[1]->step(0.05f, 0.8f);
    shards[2]->step(0.05f, 0.8f);
  }
  REQUIRE(std::memcmp(fw.values.data(), fp.values.data(), static_cast<size_t>(n) * sizeof(float)) == 0);
  for (int k = 0; k < 3; ++k) {
    REQUIRE(shards[static_cast<size_t>(k)]->exp_avg().numel() == cuts[k + 1] - cuts[k]);
    REQUIRE(std::memcmp(all.exp_avg().data() + cuts[k], shards[static_cast<size_t>(k)]->exp_avg().data(),
                        static_cast<size_t>(cuts[k + 1] - cuts[k]) * sizeof(float)) == 0);
    REQUIRE(std::memcmp(all.exp_avg_sq().data() + cuts[k], shards[static_cast<size_t>(k)]->exp_avg_sq().data(),
                        static_cast<size_t>(cuts[k + 1] - cuts[k]) * sizeof(float)) == 0);
  }
  REQUIRE_THROWS_WITH(AdamW(fp, cfg, 10, n + 1), Catch::Contains("outside the 190 parameters"));
}

TEST_CASE("SGD with momentum", "[optim]") {
  Net net;
  FlatParameters& f = net.flatten_parameters(is_no_decay_parameter);
  const std::vector<float> p0 = f.values.to_vector();
  SGD opt(f, 0.5f);
  fill_grads(f, 0);
  const std::vector<float> g = f.grads.to_vector();
  opt.step(0.1f);
  opt.step(0.1f);  // same gradient twice: b = g, then b = 1.5 g  ⇒  p = p0 − 0.25 g
  for (size_t i = 0; i < p0.size(); ++i) CHECK(f.values.data()[i] == Approx(p0[i] - 0.25f * g[i]).margin(1e-6));
}

TEST_CASE("clip_grad_norm scales to the maximum norm and reports the original", "[optim][clip]") {
  Net net;
  FlatParameters& f = net.flatten_parameters(is_no_decay_parameter);
  float* g = f.grads.data();
  for (int64_t i = 0; i < f.grads.numel(); ++i) g[i] = 0.f;
  g[0] = 3.f;
  g[1] = 4.f;
  CHECK(clip_grad_norm(f, 10.0) == Approx(5.0));
  CHECK(g[0] == 3.f);  // under the limit: untouched
  CHECK(clip_grad_norm(f, 1.0) == Approx(5.0));
  CHECK(g[0] == Approx(0.6f).epsilon(1e-5));
  CHECK(g[1] == Approx(0.8f).epsilon(1e-5));
  g[2] = NAN;
  CHECK(std::isnan(clip_grad_norm(f, 1.0)));
}

TEST_CASE("AdamW with clip_coefficient as grad_scale = clip_grad_norm, then AdamW", "[optim][clip]") {
  Net a, b;
  FlatParameters& fa = a.flatten_parameters(is_no_decay_parameter);
  FlatParameters& fb = b.flatten_parameters(is_no_decay_parameter);
  REQUIRE(fa.values.to_vector() == fb.values.to_vector());  // same seeds, same start
  AdamW oa(fa), ob(fb);
  for (int step = 0; step < 3; ++step) {
    fill_grads(fa, step);
    fill_grads(fb, step);
    const double norm = grad_norm(fb);
    const float c = clip_coefficient(norm, 0.5);
    REQUIRE(c < 1.f);  // the test gradients are clipped
    CHECK(clip_grad_norm(fa, 0.5) == norm);
    oa.step(0.01f);
    ob.step(0.01f, c);
    CHECK(fa.values.to_vector() == fb.values.to_vector());  // bit for bit: the same fp32 products
    CHECK(oa.exp_avg_sq().to_vector() == ob.exp_avg_sq().to_vector());
  }
  CHECK(clip_coefficient(0.1, 1.0) == 1.f);   // under the limit
  CHECK(clip_coefficient(NAN, 1.0) == 1.f);   // non-finite: the caller stops
}

TEST_CASE("learning-rate schedules match HF's formulas", "[optim][schedule]") {
  LrSchedule s{LrSchedule::Kind::Linear, 1.0, 10, 110};
  CHECK(s.lr(0) == 0.0);
  CHECK(s.lr(5) == Approx(0.5));
  CHECK(s.lr(10) == Approx(1.0));
  CHECK(s.lr(60) == Approx(0.5));
  CHECK(s.lr(110) == 0.0);
  CHECK(s.lr(500) == 0.0);
  LrSchedule c{LrSchedule::Kind::Cosine, 2.0, 0, 100};
  CHECK(c.lr(0) == Approx(2.0));
  CHECK(c.lr(50) == Approx(1.0));
  CHECK(c.lr(100) == Approx(0.0).margin(1e-12));
  LrSchedule k{LrSchedule::Kind::Constant, 3.0, 4, 100};
  CHECK(k.lr(2) == Approx(1.5));
  CHECK(k.lr(99) == 3.0);
  CHECK(parse_schedule_kind("cosine") == LrSchedule::Kind::Cosine);
  REQUIRE_THROWS_WITH(parse_schedule_kind("step"), Catch::Contains("unknown learning-rate schedule 'step'"));
}
