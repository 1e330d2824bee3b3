// ch03_softmax_ce.cc — chapter 3 of docs/learn: softmax, cross-entropy and their gradient p − y.
//
// For logits z (N,C) and targets t (one row ignored with −100), checks nn::cross_entropy's
// gradient against the derived (softmax(z) − onehot(t))/n and against finite differences, softmax's
// own backward against y ⊙ (g − Σ g·y), the fused loss against log_softmax + picking the target,
// and shift invariance (z + 1000 gives the same loss, where a naive exp overflows). Draws
// softmax_ce_row.svg (p, y and p − y for one row) and softmax_ce_curve.svg (loss and gradient as
// the correct logit grows).
//
//   ch03_softmax_ce [FIGURE_DIR]
#include <cmath>
#include <cstdio>
#include <vector>

#include "args.h"
#include "check.h"
#include "core/ops.h"
#include "plot.h"

using nn::Tensor;

int main(int argc, char** argv) {
  const learn::Args args = learn::parse_args(argc, argv, false);
  constexpr int64_t N = 4, C = 5;
  Tensor z = Tensor::randn({N, C}, 3);
  z.requires_grad_();
  const std::vector<int64_t> t = {2, 0, -100, 4};  // row 2 is ignored (as padding or unmasked tokens are)
  const Tensor targets = Tensor::from_ids({N}, t);
  const auto loss = [&] { return nn::cross_entropy(z, targets); };

  // --- The derived gradient, in double: p = softmax(z_r); ∂L/∂z_r = (p − onehot(t_r))/n, where n
  // counts the rows not ignored; ignored rows get 0.
  const std::vector<float> zv = z.to_vector();
  const double n = 3;
  std::vector<float> derived(static_cast<size_t>(N * C), 0.f);
  std::vector<double> p_row0(C);
  double loss_by_hand = 0;
  for (int64_t r = 0; r < N; ++r) {
    double m = -INFINITY, s = 0;
    for (int64_t c = 0; c < C; ++c) m = std::max(m, static_cast<double>(zv[r * C + c]));
    for (int64_t c = 0; c < C; ++c) s += std::exp(zv[r * C + c] - m);
    for (int64_t c = 0; c < C; ++c) {
      const double p = std::exp(zv[r * C + c] - m) / s;
      if (r == 0) p_row0[c] = p;
      if (t[r] >= 0) derived[r * C + c] = static_cast<float>((p - (c == t[r] ? 1.0 : 0.0)) / n);
    }
    if (t[r] >= 0) loss_by_hand += (m + std::log(s) - zv[r * C + t[r]]) / n;  // logsumexp − z_t
  }
  const Tensor L = loss();
  L.backward();
  std::printf("loss %.6f (by hand %.6f); a uniform guess would give log C = %.6f\n", L.item(), loss_by_hand,
              std::log(static_cast<double>(C)));
  learn::check_below("loss = mean(logsumexp(z) - z_t) over kept rows (abs diff)", std::abs(L.item() - loss_by_hand), 1e-5);
  learn::check_below("dL/dz = (softmax(z) - onehot(t))/n (max abs diff)", learn::max_abs_diff(z.grad().to_vector(), derived), 1e-6);
  learn::check_below("cross_entropy backward against finite differences (max rel error)",
                     learn::gradient_check(loss, {z}), 1e-3);

  // --- The same loss composed from log_softmax and picking z's target entries (an unfused graph):
  // a one-hot mask of the kept targets, so L = −Σ onehot ⊙ log_softmax(z) / n.
  std::vector<float> onehot(static_cast<size_t>(N * C), 0.f);
  for (int64_t r = 0; r < N; ++r)
    if (t[r] >= 0) onehot[r * C + t[r]] = 1.f;
  const Tensor picked = nn::mul(nn::log_softmax(z), Tensor::from_data({N, C}, onehot));
  const Tensor composed = nn::div(nn::neg(nn::sum(picked)), static_cast<float>(n));
  z.zero_grad();
  composed.backward();
  learn::check_below("log_softmax + pick = fused cross_entropy, gradients (max abs diff)",
                     learn::max_abs_diff(z.grad().to_vector(), derived), 1e-6);

  // --- softmax alone: y = softmax(x), upstream g  ⇒  ∂L/∂x = y ⊙ (g − Σ_j g_j·y_j).
  Tensor x = Tensor::randn({2, C}, 5);
  x.requires_grad_();
  const Tensor g = Tensor::randn({2, C}, 6);
  const Tensor y = nn::softmax(x);
  y.backward(g);
  std::vector<float> by_formula(static_cast<size_t>(2 * C));
  const std::vector<float> yv = y.to_vector(), gv = g.to_vector();
  for (int64_t r = 0; r < 2; ++r) {
    double dot = 0;
    for (int64_t c = 0; c < C; ++c) dot += static_cast<double>(gv[r * C + c]) * yv[r * C + c];
    for (int64_t c = 0; c < C; ++c) by_formula[r * C + c] = static_cast<float>(yv[r * C + c] * (gv[r * C + c] - dot));
  }
  learn::check_below("softmax backward = y*(g - sum(g*y)) (max abs diff)", learn::max_abs_diff(x.grad().to_vector(), by_formula), 1e-6);

  // --- Shift invariance: softmax(z + c) = softmax(z). nnbert subtracts the row maximum first, so
  // logits of 1000 are harmless; exp(1000) alone is inf in float.
  const Tensor shifted = nn::cross_entropy(nn::add(z.detach(), 1000.f), targets);
  std::printf("loss at z + 1000: %.6f; naive exp(1000.f) = %g\n", shifted.item(), static_cast<double>(std::exp(1000.f)));
  learn::check_below("cross_entropy(z + 1000) = cross_entropy(z) (abs diff)", std::abs(shifted.item() - L.item()), 1e-4);

  // --- Figures: row 0's p, y and p − y; and the loss as its correct logit grows.
  std::vector<std::string> classes;
  learn::BarGroup bp{"p = softmax(z)", {}}, by{"y (one-hot, t = 2)", {}}, bg{"p − y", {}};
  for (int64_t c = 0; c < C; ++c) {
    classes.push_back("class " + std::to_string(c));
    bp.values.push_back(p_row0[c]);
    by.values.push_back(c == t[0] ? 1 : 0);
    bg.values.push_back(p_row0[c] - (c == t[0] ? 1 : 0));
  }
  learn::Axes bars{"one row: the gradient of cross-entropy is p − y", "", "", 640, 320};
  learn::save_figure(args.figures, "softmax_ce_row.svg", learn::bar_chart(classes, {bp, by, bg}, bars));

  learn::Series s_loss{"loss −log p_t", {}, {}}, s_grad{"∂L/∂z_t = p_t − 1", {}, {}}, s_p{"p_t", {}, {}, true};
  for (double v = -6; v <= 8.001; v += 0.25) {
    std::vector<float> row(zv.begin(), zv.begin() + C);
    row[static_cast<size_t>(t[0])] = static_cast<float>(v);
    const Tensor one = Tensor::from_data({1, C}, row);
    const double l = nn::cross_entropy(one, Tensor::from_ids({1}, {t[0]})).item();
    const double p = nn::softmax(one).to_vector()[static_cast<size_t>(t[0])];
    s_loss.x.push_back(v), s_loss.y.push_back(l);
    s_grad.x.push_back(v), s_grad.y.push_back(p - 1);
    s_p.x.push_back(v), s_p.y.push_back(p);
  }
  learn::Axes curve{"raising the correct logit: the loss falls and its gradient fades", "z_t (other logits fixed)", "", 640, 340};
  learn::save_figure(args.figures, "softmax_ce_curve.svg", learn::line_chart({s_loss, s_grad, s_p}, curve));
  return learn::finish();
}
