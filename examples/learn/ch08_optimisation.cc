// ch08_optimisation.cc — chapter 8 of docs/learn: AdamW, the learning-rate schedule, clipping.
//
// Checks nn::AdamW against the update written out by hand (decoupled weight decay on the decayed
// group only, both moments, bias correction) over several steps; shows what bias correction does to
// the first step; checks the warmup + linear decay schedule at its corners and global-norm
// clipping; then trains a small classifier with SGD and with AdamW + warmup/decay + clipping and
// prints both loss curves. Draws lr_schedule.svg and loss_curves.svg.
//
//   ch08_optimisation [FIGURE_DIR]
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "args.h"
#include "check.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/optim/adamw.h"
#include "nn/optim/clip.h"
#include "nn/optim/schedule.h"
#include "nn/optim/sgd.h"
#include "plot.h"

using nn::Tensor;

// x (N,2) → LayerNorm(fc1) → gelu → fc2 → 2 logits. fc1.weight and fc2.weight decay; the biases and
// LayerNorm.weight do not (nn::is_no_decay_parameter, HF's rule).
struct Classifier : nn::Module {
  nn::Linear fc1, fc2;
  nn::LayerNorm LayerNorm;
  explicit Classifier(int64_t hidden)
      : fc1(2, hidden, true, 0.7f, 1), fc2(hidden, 2, true, 0.7f / std::sqrt(static_cast<float>(hidden)), 2), LayerNorm(hidden) {
    register_module("fc1", fc1);
    register_module("LayerNorm", LayerNorm);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) const { return fc2.forward(nn::gelu(LayerNorm.forward(fc1.forward(x)))); }
};

// Two interleaved spirals, N points, labels 0/1 (the problem of examples/mlp_demo.cc).
static void spirals(int64_t n, Tensor& x, Tensor& y) {
  std::vector<float> xs;
  std::vector<int64_t> labels;
  nn::Generator gen(3);
  for (int64_t i = 0; i < n; ++i) {
    const double t = 0.5 + 3.0 * static_cast<double>(i / 2) / static_cast<double>(n / 2), a = 2 * t + M_PI * static_cast<double>(i % 2);
    xs.push_back(static_cast<float>(t * std::cos(a) / 3.5 + 0.02 * gen.normal()));
    xs.push_back(static_cast<float>(t * std::sin(a) / 3.5 + 0.02 * gen.normal()));
    labels.push_back(i % 2);
  }
  x = Tensor::from_data({n, 2}, xs);
  y = Tensor::from_ids({n}, labels);
}

int main(int argc, char** argv) {
  const learn::Args args = learn::parse_args(argc, argv, false);
  Tensor x, y;
  spirals(256, x, y);

  // --- AdamW by hand. Per element, at step t with gradient g (decay wd only in the decayed group):
  //   p ← p − lr·wd·p;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
  //   p ← p − lr · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)
  {
    Classifier model(8);
    nn::FlatParameters& flat = model.flatten_parameters(nn::is_no_decay_parameter);
    nn::AdamWConfig ac;
    ac.weight_decay = 0.1f;  // larger than BERT's 0.01 so that the decay shows in a few steps
    nn::AdamW opt(flat, ac);
    const int64_t n = flat.values.numel();
    const std::vector<float> initial = flat.values.to_vector();
    std::vector<double> p(initial.begin(), initial.end()), m(static_cast<size_t>(n), 0), v(static_cast<size_t>(n), 0);
    std::vector<bool> decay(static_cast<size_t>(n));
    for (const nn::ParameterGroup& g : flat.groups)
      for (int64_t i = g.offset; i < g.offset + g.size; ++i) decay[static_cast<size_t>(i)] = g.decay;
    const double lr = 1e-2;
    double worst = 0;
    for (int t = 1; t <= 5; ++t) {
      model.zero_grad();
      nn::cross_entropy(model.forward(x), y).backward();
      const std::vector<float> g = flat.grads.to_vector();
      for (int64_t i = 0; i < n; ++i) {
        const size_t k = static_cast<size_t>(i);
        if (decay[k]) p[k] -= lr * ac.weight_decay * p[k];
        m[k] = ac.beta1 * m[k] + (1 - ac.beta1) * g[k];
        v[k] = ac.beta2 * v[k] + (1 - ac.beta2) * static_cast<double>(g[k]) * g[k];
        const double mhat = m[k] / (1 - std::pow(ac.beta1, t)), vhat = v[k] / (1 - std::pow(ac.beta2, t));
        p[k] -= lr * mhat / (std::sqrt(vhat) + ac.eps);
      }
      opt.step(static_cast<float>(lr));
      std::vector<float> pf(p.begin(), p.end());
      worst = std::max(worst, learn::max_abs_diff(flat.values.to_vector(), pf));
    }
    std::printf("AdamW over %lld parameters in %zu groups (decayed first), 5 steps\n", static_cast<long long>(n), flat.groups.size());
    learn::check_below("nn::AdamW = the update by hand, 5 steps (max abs diff)", worst, 1e-6);
  }

  // --- Bias correction. m and v start at 0, so after one step m = (1 − β1)·g and v = (1 − β2)·g²:
  // uncorrected, m/√v = 0.1/√0.001 ≈ 3.16 (times sign g); corrected, m̂/√v̂ = g/|g| = ±1. So the
  // first step moves every weight by lr (not 3.16·lr), whatever the size of its gradient.
  for (const bool corrected : {true, false}) {
    Classifier model(8);
    nn::FlatParameters& flat = model.flatten_parameters(nn::is_no_decay_parameter);
    nn::AdamWConfig ac;
    ac.weight_decay = 0;
    ac.bias_correction = corrected;
    nn::AdamW opt(flat, ac);
    const std::vector<float> before = flat.values.to_vector();
    nn::cross_entropy(model.forward(x), y).backward();
    opt.step(1e-3f);
    const std::vector<float> after = flat.values.to_vector(), g = flat.grads.to_vector();
    double largest = 0, mean = 0;
    int64_t counted = 0;
    for (size_t i = 0; i < before.size(); ++i) {
      if (std::abs(g[i]) < 1e-4) continue;  // where ε is small beside √v (at most ε/√v̂ = 1% here)
      const double step = std::abs(static_cast<double>(after[i]) - before[i]) / 1e-3;
      largest = std::max(largest, step), mean += step, ++counted;
    }
    mean /= static_cast<double>(counted);
    std::printf("first step with%s bias correction: |Δp| / lr = %.4f on average, %.4f at most (ε shrinks small-gradient steps)\n", corrected ? "" : "out", mean, largest);
    if (corrected) learn::check_below("corrected first step moves each weight by lr (max | |dp|/lr - 1 |)", std::abs(largest - 1), 1e-3);
    else learn::check_below("uncorrected first step is (1 - b1)/sqrt(1 - b2) = 3.16 lr (| max |dp|/lr - 3.16 |)",
                            std::abs(largest - 0.1 / std::sqrt(0.001)), 1e-2);
  }

  // --- The schedule: linear warmup 0 → peak over the first steps, then linear decay to 0.
  nn::LrSchedule sched;
  sched.peak = 1e-4, sched.warmup_steps = 100, sched.total_steps = 1000;
  const double corners = std::abs(sched.lr(0)) + std::abs(sched.lr(50) - 5e-5) + std::abs(sched.lr(100) - 1e-4) +
                         std::abs(sched.lr(550) - 5e-5) + std::abs(sched.lr(1000));
  learn::check_below("schedule at steps 0, 50, 100, 550, 1000 = 0, peak/2, peak, peak/2, 0 (summed error)", corners, 1e-12);
  learn::Series lin{"linear (BERT)", {}, {}}, cosine{"cosine", {}, {}}, constant{"constant", {}, {}, true};
  for (int64_t s = 0; s <= 1000; s += 5) {
    sched.kind = nn::LrSchedule::Kind::Linear;
    lin.x.push_back(static_cast<double>(s)), lin.y.push_back(sched.lr(s) * 1e4);
    sched.kind = nn::LrSchedule::Kind::Cosine;
    cosine.x.push_back(static_cast<double>(s)), cosine.y.push_back(sched.lr(s) * 1e4);
    sched.kind = nn::LrSchedule::Kind::Constant;
    constant.x.push_back(static_cast<double>(s)), constant.y.push_back(sched.lr(s) * 1e4);
  }
  learn::Axes sa{"learning rate: 100 warmup steps, then decay to step 1000", "step", "lr (× 1e-4)", 640, 320};
  sa.y_from_zero = true;
  learn::save_figure(args.figures, "lr_schedule.svg", learn::line_chart({lin, cosine, constant}, sa));

  // --- Clipping: gradients of global norm 5 clipped to 1 keep their direction and get norm 1.
  {
    Classifier model(8);
    nn::FlatParameters& flat = model.flatten_parameters(nn::is_no_decay_parameter);
    nn::cross_entropy(model.forward(x), y).backward();
    const double norm = nn::grad_norm(flat);
    float* g = flat.grads.data();
    for (int64_t i = 0; i < flat.grads.numel(); ++i) g[i] *= static_cast<float>(5 / norm);  // now of norm 5
    const std::vector<float> direction = flat.grads.to_vector();
    const double reported = nn::clip_grad_norm(flat, 1.0);
    std::vector<float> expected(direction.size());
    for (size_t i = 0; i < direction.size(); ++i) expected[i] = direction[i] / static_cast<float>(5 + 1e-6);
    learn::check_below("clip_grad_norm returns the norm before clipping (|norm - 5|)", std::abs(reported - 5), 1e-4);
    learn::check_below("clipped gradient has norm 1 (|norm - 1|)", std::abs(nn::grad_norm(flat) - 1), 1e-5);
    learn::check_below("clipped gradient = g / (|g| + 1e-6) (max abs diff)", learn::max_abs_diff(flat.grads.to_vector(), expected), 1e-7);
  }

  // --- Loss curves: 300 steps of full-batch SGD (lr 0.5) and of AdamW (peak 2e-2, 30 warmup
  // steps, linear decay, clipping at 1), from the same initial weights.
  learn::Series curves[2] = {{"SGD, lr 0.5", {}, {}}, {"AdamW, warmup, decay, clip", {}, {}}};
  double final_loss[2] = {0, 0};
  for (int which = 0; which < 2; ++which) {
    Classifier model(32);
    nn::FlatParameters& flat = model.flatten_parameters(nn::is_no_decay_parameter);
    nn::AdamW adamw(flat);
    nn::SGD sgd(flat);
    nn::LrSchedule s;
    s.peak = 2e-2, s.warmup_steps = 30, s.total_steps = 300;
    for (int64_t step = 0; step < 300; ++step) {
      model.zero_grad();
      const Tensor loss = nn::cross_entropy(model.forward(x), y);
      loss.backward();
      if (which == 0) {
        sgd.step(0.5f);
      } else {
        const double norm = nn::grad_norm(flat);
        adamw.step(static_cast<float>(s.lr(step)), nn::clip_coefficient(norm, 1.0));
      }
      curves[which].x.push_back(static_cast<double>(step)), curves[which].y.push_back(loss.item());
      final_loss[which] = loss.item();
    }
  }
  std::printf("loss after 300 steps: SGD %.4f, AdamW %.4f (start %.4f)\n", final_loss[0], final_loss[1], curves[1].y.front());
  learn::check_below("AdamW's final loss / its first loss", final_loss[1] / curves[1].y.front(), 0.2);
  learn::Axes la{"training loss on the two spirals, same model and start", "step", "cross-entropy", 640, 320};
  la.y_from_zero = true;
  learn::save_figure(args.figures, "loss_curves.svg", learn::line_chart({curves[0], curves[1]}, la));
  return learn::finish();
}
