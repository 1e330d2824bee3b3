// ch05_layernorm.cc — chapter 5 of docs/learn: LayerNorm, its backward, and residual connections.
//
// Checks nn::layer_norm's gradients (x, γ, β) against the backward derived in the chapter and
// against finite differences, that each normalised row has mean 0 and variance 1, that LayerNorm
// ignores a row's shift and scale (so its input gradient is orthogonal to 1 and to x̂); then
// measures, through stacks of 1 to 24 blocks with and without the residual connection, how much
// of the input survives and how much gradient reaches it. Draws residual_depth.svg.
//
//   ch05_layernorm [FIGURE_DIR]
#include <cmath>
#include <cstdio>
#include <vector>

#include "args.h"
#include "check.h"
#include "core/ops.h"
#include "plot.h"

using nn::Tensor;

constexpr int64_t R = 4, C = 8;  // rows, features
constexpr float kEps = 1e-12f;   // BERT's layer_norm_eps

int main(int argc, char** argv) {
  const learn::Args args = learn::parse_args(argc, argv, false);
  Tensor x = Tensor::randn({R, C}, 1, 0.5f, 2.f);
  Tensor gamma = Tensor::randn({C}, 2, 1.f, 0.3f), beta = Tensor::randn({C}, 3, 0.f, 0.3f);
  for (Tensor* t : {&x, &gamma, &beta}) t->requires_grad_();
  const Tensor g = Tensor::randn({R, C}, 4);  // upstream gradient dL/dy
  const auto loss = [&] { return nn::sum(nn::mul(nn::layer_norm(x, gamma, beta, kEps), g)); };
  loss().backward();

  // --- The derived backward, in double: x̂ = (x − μ)·r with r = 1/√(σ² + ε); ĝ = g ⊙ γ;
  // dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)); dγ = Σ_rows g ⊙ x̂; dβ = Σ_rows g.
  const std::vector<float> xv = x.to_vector(), gv = g.to_vector(), gam = gamma.to_vector();
  std::vector<float> dx(static_cast<size_t>(R * C)), dgamma(static_cast<size_t>(C), 0.f), dbeta(static_cast<size_t>(C), 0.f);
  std::vector<double> xhat(static_cast<size_t>(R * C));
  for (int64_t r = 0; r < R; ++r) {
    double mu = 0, var = 0;
    for (int64_t c = 0; c < C; ++c) mu += xv[r * C + c] / static_cast<double>(C);
    for (int64_t c = 0; c < C; ++c) var += (xv[r * C + c] - mu) * (xv[r * C + c] - mu) / static_cast<double>(C);
    const double rs = 1 / std::sqrt(var + kEps);
    double mean_gh = 0, mean_ghx = 0;
    for (int64_t c = 0; c < C; ++c) {
      xhat[r * C + c] = (xv[r * C + c] - mu) * rs;
      const double gh = static_cast<double>(gv[r * C + c]) * gam[c];
      mean_gh += gh / static_cast<double>(C);
      mean_ghx += gh * xhat[r * C + c] / static_cast<double>(C);
    }
    for (int64_t c = 0; c < C; ++c) {
      const double gh = static_cast<double>(gv[r * C + c]) * gam[c];
      dx[r * C + c] = static_cast<float>(rs * (gh - mean_gh - xhat[r * C + c] * mean_ghx));
      dgamma[c] += static_cast<float>(gv[r * C + c] * xhat[r * C + c]);
      dbeta[c] += gv[r * C + c];
    }
  }
  learn::check_below("dx = r*(gh - mean(gh) - xhat*mean(gh*xhat)) (max rel diff)", learn::max_rel_diff(x.grad().to_vector(), dx), 1e-5);
  learn::check_below("dgamma = sum over rows of g*xhat (max rel diff)", learn::max_rel_diff(gamma.grad().to_vector(), dgamma), 1e-5);
  learn::check_below("dbeta = sum over rows of g (max rel diff)", learn::max_rel_diff(beta.grad().to_vector(), dbeta), 1e-5);
  learn::check_below("layer_norm backward against finite differences (max rel error)",
                     learn::gradient_check(loss, {x, gamma, beta}), 1e-3);

  // --- What normalising means: with γ = 1, β = 0 every row has mean 0 and variance 1, and
  // LN(a·x + b) = LN(x) for any a > 0, b — so moving x along 1 or along x̂ changes nothing, and the
  // gradient dx has no component in those directions (Σ dx = 0 and dx·x̂ = 0, row by row).
  const Tensor ones = Tensor::ones({C}), zeros = Tensor::zeros({C});
  const std::vector<float> y = nn::layer_norm(x.detach(), ones, zeros, kEps).to_vector();
  double worst_mean = 0, worst_var = 0;
  for (int64_t r = 0; r < R; ++r) {
    double m = 0, v = 0;
    for (int64_t c = 0; c < C; ++c) m += y[r * C + c] / static_cast<double>(C);
    for (int64_t c = 0; c < C; ++c) v += (y[r * C + c] - m) * (y[r * C + c] - m) / static_cast<double>(C);
    worst_mean = std::max(worst_mean, std::abs(m)), worst_var = std::max(worst_var, std::abs(v - 1));
  }
  learn::check_below("normalised rows have mean 0 (max |mean|)", worst_mean, 1e-6);
  learn::check_below("normalised rows have variance 1 (max |var - 1|)", worst_var, 1e-5);
  const std::vector<float> moved = nn::layer_norm(nn::add(nn::mul(x.detach(), 3.f), 7.f), ones, zeros, kEps).to_vector();
  learn::check_below("LN(3x + 7) = LN(x) (max abs diff)", learn::max_abs_diff(moved, y), 1e-5);
  double along_ones = 0, along_xhat = 0, scale = 0;
  for (int64_t r = 0; r < R; ++r) {
    double s1 = 0, s2 = 0;
    for (int64_t c = 0; c < C; ++c) s1 += dx[r * C + c], s2 += dx[r * C + c] * xhat[r * C + c], scale = std::max(scale, std::abs(static_cast<double>(dx[r * C + c])));
    along_ones = std::max(along_ones, std::abs(s1)), along_xhat = std::max(along_xhat, std::abs(s2));
  }
  learn::check_below("dx is orthogonal to 1 (max |sum dx| / max |dx|)", along_ones / scale, 1e-5);
  learn::check_below("dx is orthogonal to xhat (max |dx.xhat| / max |dx|)", along_xhat / scale, 1e-5);

  // --- Residuals. A stack of `depth` blocks f(x) = W2·gelu(W1·x) of width 32 (weights N(0, 0.02),
  // as BERT initialises them), combined three ways, on N = 16 random rows (tokens):
  //   post-LN (BERT): x ← LN(x + f(x))      pre-LN: x ← x + f(LN(x))      no residual: x ← LN(f(x))
  // Measured: how much each output row still points where its input row did (mean cos(x₀, out)),
  // and the norm of dL/dx₀ for L = Σ out ⊙ u with a fixed random u.
  constexpr int64_t W = 32, N = 16;
  const Tensor u = Tensor::randn({N, W}, 99);
  const Tensor lg = Tensor::ones({W}), lb = Tensor::zeros({W});
  const auto mean_cos = [&](const std::vector<float>& a, const std::vector<float>& b) {
    double total = 0;
    for (int64_t i = 0; i < N; ++i) {
      double ab = 0, aa = 0, bb = 0;
      for (int64_t c = 0; c < W; ++c) {
        const double p = a[i * W + c], q = b[i * W + c];
        ab += p * q, aa += p * p, bb += q * q;
      }
      total += ab / std::sqrt(aa * bb) / N;
    }
    return total;
  };
  const char* names[] = {"post-LN: LN(x + f(x))", "pre-LN: x + f(LN(x))", "no residual: LN(f(x))"};
  std::vector<learn::Series> series(3);
  for (int kind = 0; kind < 3; ++kind) series[static_cast<size_t>(kind)] = {names[kind], {}, {}, false, true};
  std::printf("\n%6s %23s %23s %23s\n%6s", "depth", "post-LN", "pre-LN", "no residual", "");
  for (int kind = 0; kind < 3; ++kind) std::printf(" %11s %11s", "cos(x0,out)", "|dL/dx0|");
  std::printf("\n");
  std::vector<double> cos_last(3), grad_first(3), grad_last(3);
  for (const int depth : {1, 2, 4, 8, 12, 16, 24}) {
    std::printf("%6d", depth);
    for (int kind = 0; kind < 3; ++kind) {
      Tensor x0 = Tensor::randn({N, W}, 5);
      x0.requires_grad_();
      Tensor h = x0;
      for (int l = 0; l < depth; ++l) {
        const Tensor w1 = Tensor::randn({4 * W, W}, 1000 + 2 * static_cast<uint64_t>(l), 0.f, 0.02f);
        const Tensor w2 = Tensor::randn({W, 4 * W}, 1001 + 2 * static_cast<uint64_t>(l), 0.f, 0.02f);
        const auto f = [&](const Tensor& z) { return nn::linear(nn::gelu(nn::linear(z, w1, Tensor())), w2, Tensor()); };
        if (kind == 0) h = nn::layer_norm(nn::add(h, f(h)), lg, lb, kEps);
        if (kind == 1) h = nn::add(h, f(nn::layer_norm(h, lg, lb, kEps)));
        if (kind == 2) h = nn::layer_norm(f(h), lg, lb, kEps);
      }
      nn::sum(nn::mul(h, u)).backward();
      double norm = 0;
      for (const float v : x0.grad().to_vector()) norm += static_cast<double>(v) * v;
      const double cos = mean_cos(x0.to_vector(), h.to_vector());
      std::printf(" %11.3f %11.4g", cos, std::sqrt(norm));
      series[static_cast<size_t>(kind)].x.push_back(depth);
      series[static_cast<size_t>(kind)].y.push_back(cos);
      cos_last[static_cast<size_t>(kind)] = cos;
      if (depth == 1) grad_first[static_cast<size_t>(kind)] = std::sqrt(norm);
      grad_last[static_cast<size_t>(kind)] = std::sqrt(norm);
    }
    std::printf("\n");
  }
  // What the table shows, stated as checks: with the residual path, a stack of freshly initialised
  // blocks is close to the identity — each row leaves where it came in, and the gradient reaching
  // the input is the same through 24 blocks as through one. Without it, the input is lost.
  learn::check_below("post-LN, 24 blocks: output rows still point along their inputs (1 - mean cos)", 1 - cos_last[0], 0.05);
  learn::check_below("post-LN: |dL/dx0| through 24 blocks vs 1 block (|ratio - 1|)", std::abs(grad_last[0] / grad_first[0] - 1), 0.02);
  learn::check_below("no residual, 24 blocks: output rows no longer point along their inputs (mean cos)", cos_last[2], 0.3);
  learn::Axes axes{"with a residual path each token keeps its direction; without one it is lost", "depth (blocks)",
                   "mean cos(input row, output row)", 680, 340};
  axes.y_from_zero = true;
  learn::save_figure(args.figures, "residual_depth.svg", learn::line_chart(series, axes));
  return learn::finish();
}
