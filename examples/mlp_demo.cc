// mlp_demo.cc — the smallest end-to-end use of the tensor core: a two-layer MLP learns to tell
// the two arms of a spiral apart, trained by autodiff and plain SGD. Prints its loss falling.
//
//   x (N,2) → linear(2→H) → gelu → linear(H→2) → cross_entropy with labels (N)
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"

using nn::Tensor;

int main() {
  constexpr int64_t N = 512, H = 64;
  constexpr int kSteps = 300;
  constexpr float kLr = 0.5f;

  // Two interleaved spirals: point i of arm c at angle t, radius t.
  std::vector<float> xs;
  std::vector<int64_t> labels;
  nn::Generator gen(1);
  for (int64_t i = 0; i < N; ++i) {
    const int64_t c = i % 2;
    const double t = 0.5 + 3.0 * static_cast<double>(i / 2) / (N / 2);
    const double angle = t * 2.0 + M_PI * static_cast<double>(c);
    xs.push_back(static_cast<float>(t * std::cos(angle) / 3.5 + 0.02 * gen.normal()));
    xs.push_back(static_cast<float>(t * std::sin(angle) / 3.5 + 0.02 * gen.normal()));
    labels.push_back(c);
  }
  const Tensor x = Tensor::from_data({N, 2}, xs);
  const Tensor y = Tensor::from_ids({N}, labels);

  // Parameters: W1 (H,2), b1 (H), W2 (2,H), b2 (2); W ~ N(0, 1/fan_in).
  std::vector<Tensor> params = {
      Tensor::randn({H, 2}, 10, 0.f, 1.f / std::sqrt(2.f)), Tensor::zeros({H}),
      Tensor::randn({2, H}, 11, 0.f, 1.f / std::sqrt(float(H))), Tensor::zeros({2})};
  for (Tensor& p : params) p.requires_grad_();

  for (int step = 0; step <= kSteps; ++step) {
    Tensor hidden = nn::gelu(nn::linear(x, params[0], params[1]));
    Tensor logits = nn::linear(hidden, params[2], params[3]);
    Tensor loss = nn::cross_entropy(logits, y);
    for (Tensor& p : params) p.zero_grad();
    loss.backward();
    {
      nn::NoGradGuard no_grad;  // the update is not part of the graph
      for (Tensor& p : params) {
        float* w = p.data();
        const float* g = p.grad().data();
        for (int64_t i = 0; i < p.numel(); ++i) w[i] -= kLr * g[i];
      }
    }
    if (step % 50 == 0) {
      // Accuracy: the larger logit matches the label.
      const std::vector<float> l = logits.to_vector();
      int64_t correct = 0;
      for (int64_t i = 0; i < N; ++i) correct += (l[2 * i + 1] > l[2 * i]) == (labels[i] == 1);
      std::printf("step %3d  loss %.4f  accuracy %.3f\n", step, loss.item(),
                  static_cast<double>(correct) / N);
    }
  }
  return 0;
}
