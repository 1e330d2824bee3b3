// ch01_tensors.cc — chapter 1 of docs/learn: tensors, views and broadcasting.
//
// Prints shapes and strides of a tensor and its views, the shapes broadcasting gives (and one it
// refuses), and checks (1) a broadcast add against the loop that defines it, (2) that the gradient
// of a broadcast operand is the upstream gradient summed over the stretched axes — by
// nn::sum_to, by backward() and by finite differences. Draws broadcasting.svg.
//
//   ch01_tensors [FIGURE_DIR]
#include <cstdio>
#include <string>
#include <vector>

#include "args.h"
#include "check.h"
#include "core/ops.h"
#include "plot.h"
#include "text.h"

using nn::Tensor;

int main(int argc, char** argv) {
  const learn::Args args = learn::parse_args(argc, argv, false);

  // --- 1. A tensor is a shape, strides and a pointer into shared storage.
  const Tensor x = nn::reshape(Tensor::arange(0, 6), {2, 3});
  const Tensor xt = nn::transpose(x, 0, 1);  // a view: same storage, strides swapped
  const Tensor xs = nn::slice(x, 1, 1, 3);   // a view: columns 1..2
  std::printf("%-28s %-10s %-10s %s\n", "tensor", "shape", "strides", "contiguous");
  const auto row = [](const char* name, const Tensor& t) {
    std::printf("%-28s %-10s %-10s %s\n", name, learn::shape_str(t.shape()).c_str(), learn::shape_str(t.strides()).c_str(),
                t.is_contiguous() ? "yes" : "no");
  };
  row("x = arange(6).reshape(2,3)", x);
  row("transpose(x, 0, 1)", xt);
  row("slice(x, 1, 1, 3)", xs);
  row("transpose(...).contiguous()", xt.contiguous());
  // Element (i, j) of a view is storage[offset + i·stride0 + j·stride1]: xt(2, 1) is x(1, 2) = 5.
  std::printf("xt(2,1) = %g (x(1,2) = 5): a view reads the same storage\n\n", xt.to_vector()[2 * 2 + 1]);

  // --- 2. Broadcasting: align shapes at the right; a dimension of size 1 stretches.
  std::printf("%-14s %-14s %s\n", "a", "b", "a + b");
  const std::vector<std::pair<nn::Shape, nn::Shape>> pairs = {
      {{3, 1}, {1, 4}}, {{2, 5, 8}, {8}}, {{2, 5, 8}, {2, 1, 8}}, {{2, 1, 5, 5}, {2, 4, 1, 1}}, {{2, 5, 8}, {5}}};
  for (const auto& [sa, sb] : pairs) {
    std::string result;
    try {
      result = learn::shape_str(nn::add(Tensor::zeros(sa), Tensor::zeros(sb)).shape());
    } catch (const nn::Error& e) {
      result = std::string("error: ") + e.what();
    }
    std::printf("%-14s %-14s %s\n", learn::shape_str(sa).c_str(), learn::shape_str(sb).c_str(), result.c_str());
  }

  // The definition: c[i][j] = a[i][0] + b[0][j] for a (3,1), b (1,4).
  const Tensor a = Tensor::from_data({3, 1}, {1.f, 2.f, 3.f});
  const Tensor b = Tensor::from_data({1, 4}, {10.f, 20.f, 30.f, 40.f});
  const Tensor c = nn::add(a, b);
  std::vector<float> loop(12);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) loop[static_cast<size_t>(i * 4 + j)] = a.to_vector()[i] + b.to_vector()[j];
  std::printf("\n");
  learn::check_below("broadcast add equals its loop (max abs diff)", learn::max_abs_diff(c.to_vector(), loop), 1e-6);

  // --- 3. The backward of broadcasting is a sum. y = Σ (x ⊙ w) with x (2,3,4) and w (4):
  // w was stretched over the first two axes, so ∂y/∂w_k = Σ_{i,j} x[i][j][k] = sum_to(x, (4)).
  Tensor xv = Tensor::randn({2, 3, 4}, 1);
  Tensor w = Tensor::randn({4}, 2);
  xv.requires_grad_();
  w.requires_grad_();
  const auto loss = [&] { return nn::sum(nn::mul(xv, w)); };
  loss().backward();
  const std::vector<float> by_sum_to = nn::sum_to(xv.detach(), {4}).to_vector();
  learn::check_below("dL/dw = sum_to(x, (4)) (max abs diff)", learn::max_abs_diff(w.grad().to_vector(), by_sum_to), 1e-5);
  learn::check_below("dL/dx, dL/dw against finite differences (max rel error)", learn::gradient_check(loss, {xv, w}), 1e-3);

  // A Linear layer's bias is broadcast over the rows: its gradient is the column sum of dL/dy.
  Tensor in = Tensor::randn({5, 3}, 3), weight = Tensor::randn({2, 3}, 4), bias = Tensor::zeros({2});
  bias.requires_grad_();
  const Tensor up = Tensor::randn({5, 2}, 5);  // an upstream gradient dL/dy
  nn::linear(in, weight, bias).backward(up);
  learn::check_below("linear's dL/db = column sums of dL/dy (max abs diff)",
                     learn::max_abs_diff(bias.grad().to_vector(), nn::sum(up, 0).to_vector()), 1e-5);

  // --- Figure: a (3,1) + b (1,4) = c (3,4), the stretched copies drawn faintly.
  learn::Canvas fig(600, 190);
  fig.text(300, 20, "broadcasting: a (3,1) + b (1,4) → (3,4)", "middle", 14);
  double xpos = 20;
  xpos += learn::number_grid(fig, xpos, 60, a.to_vector(), 3, 1, "a (3,1)") + 30;
  fig.text(xpos - 15, 115, "+", "middle", 20);
  xpos += learn::number_grid(fig, xpos, 60, b.to_vector(), 1, 4, "b (1,4)") + 30;
  fig.text(xpos - 15, 115, "=", "middle", 20);
  learn::number_grid(fig, xpos, 60, c.to_vector(), 3, 4, "a + b (3,4)");
  fig.text(300, 180, "a's column is repeated across 4 columns, b's row down 3 rows; nothing is copied", "middle", 11, "#555");
  learn::save_figure(args.figures, "broadcasting.svg", fig.svg());
  return learn::finish();
}
