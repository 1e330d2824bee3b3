// ch02_autodiff.cc — chapter 2 of docs/learn: reverse-mode autodiff on a graph of three ops.
//
//   u = x·w   (matmul: x (N,D), w (D,1) → (N,1))
//   h = tanh(u)
//   L = mean(h)
//
// Prints the graph nnbert recorded (walking the grad_fn nodes from L), the gradients of the chain
// rule done by hand in plain loops, and checks them against backward() and against finite
// differences; then shows that gradients accumulate until zeroed. Draws autodiff_graph.svg from
// the recorded nodes themselves.
//
//   ch02_autodiff [FIGURE_DIR]
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "args.h"
#include "check.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "plot.h"
#include "text.h"

using nn::Tensor;

// A node of the drawing: an op (from grad_fn) or a leaf tensor, at its distance from L.
struct Box {
  std::string label;
  int level = 0;
  int row = 0;
};

int main(int argc, char** argv) {
  const learn::Args args = learn::parse_args(argc, argv, false);
  constexpr int64_t N = 4, D = 3;
  Tensor x = Tensor::randn({N, D}, 1);
  Tensor w = Tensor::randn({D, 1}, 2, 0.f, 0.5f);
  x.requires_grad_();
  w.requires_grad_();
  const auto forward = [&] { return nn::mean(nn::tanh(nn::matmul(x, w))); };

  // --- The graph: each op's output holds a Node (op name, inputs, backward function).
  const Tensor L = forward();
  std::printf("L = %.6f; the graph, from L back to the leaves:\n", L.item());
  const std::map<const nn::TensorImpl*, std::string> leaf_names = {{&x.impl(), "x"}, {&w.impl(), "w"}};
  std::map<const void*, Box> boxes;  // keyed by Node* or leaf TensorImpl*
  std::vector<std::pair<const void*, const void*>> edges;  // (input, consumer)
  std::vector<std::pair<const nn::Node*, int>> todo = {{L.grad_fn().get(), 0}};
  boxes[L.grad_fn().get()] = {L.grad_fn()->op, 0, 0};
  while (!todo.empty()) {
    const auto [node, level] = todo.back();
    todo.pop_back();
    std::printf("  %*s%s(", 2 * level, "", node->op);
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      const Tensor& in = node->inputs[i];
      const bool leaf = in.is_leaf();
      const void* key = leaf ? static_cast<const void*>(&in.impl()) : static_cast<const void*>(in.grad_fn().get());
      const std::string name = leaf ? leaf_names.at(&in.impl()) : in.grad_fn()->op;
      std::printf("%s%s %s", i ? ", " : "", leaf ? name.c_str() : "·", learn::shape_str(in.shape()).c_str());
      Box& box = boxes[key];
      box.label = leaf ? name + " " + learn::shape_str(in.shape()) : name;
      box.level = std::max(box.level, level + 1);
      edges.push_back({key, node});
      if (!leaf) todo.push_back({in.grad_fn().get(), level + 1});
    }
    std::printf(")\n");
  }

  // --- The chain rule by hand, in double: dL/dh_n = 1/N; dL/du_n = (1 − h_n²)/N;
  // dL/dw_d = Σ_n x_nd·dL/du_n; dL/dx_nd = dL/du_n·w_d.
  const std::vector<float> xv = x.to_vector(), wv = w.to_vector();
  std::vector<float> dx(static_cast<size_t>(N * D)), dw(static_cast<size_t>(D), 0.f);
  for (int64_t n = 0; n < N; ++n) {
    double u = 0;
    for (int64_t d = 0; d < D; ++d) u += static_cast<double>(xv[n * D + d]) * wv[d];
    const double h = std::tanh(u);
    const double du = (1 - h * h) / N;
    for (int64_t d = 0; d < D; ++d) {
      dw[d] += static_cast<float>(xv[n * D + d] * du);
      dx[n * D + d] = static_cast<float>(du * wv[d]);
    }
  }

  // --- backward(): the engine walks the same nodes in reverse topological order.
  L.backward();
  std::printf("\n%-6s %-28s %s\n", "", "by hand", "backward()");
  for (int64_t d = 0; d < D; ++d)
    std::printf("dL/dw%lld %+.8f                  %+.8f\n", static_cast<long long>(d), dw[d], w.grad().to_vector()[d]);
  learn::check_below("hand chain rule = backward() for w (max abs diff)", learn::max_abs_diff(dw, w.grad().to_vector()), 1e-6);
  learn::check_below("hand chain rule = backward() for x (max abs diff)", learn::max_abs_diff(dx, x.grad().to_vector()), 1e-6);
  learn::check_below("backward() against finite differences (max rel error)", learn::gradient_check(forward, {x, w}), 1e-3);

  // --- Gradients accumulate: a second backward without zero_grad adds the same gradient again.
  w.zero_grad();
  forward().backward();
  const std::vector<float> once = w.grad().to_vector();
  forward().backward();
  std::vector<float> twice_expected(once.size());
  for (size_t i = 0; i < once.size(); ++i) twice_expected[i] = 2 * once[i];
  learn::check_below("two backward()s without zero_grad give 2x the gradient (max abs diff)",
                     learn::max_abs_diff(w.grad().to_vector(), twice_expected), 1e-6);

  // --- Figure: the recorded graph, leaves on the left, L on the right.
  int max_level = 0;
  for (const auto& [key, box] : boxes) max_level = std::max(max_level, box.level);
  std::map<int, int> per_level;
  for (auto& [key, box] : boxes) box.row = per_level[box.level]++;
  const double col = 150, bw = 104, bh = 34, top = 60;
  const double width = col * (max_level + 1) + 150;
  learn::Canvas fig(width, 240);
  fig.text(width / 2, 22, "the graph nnbert recorded for L = mean(tanh(x·w))", "middle", 14);
  const auto pos = [&](const Box& b) {
    const double bx = 20 + col * (max_level - b.level);
    const double rows = per_level[b.level];
    const double by = top + 45 + (b.row - (rows - 1) / 2.0) * 70;
    return std::pair<double, double>{bx, by};
  };
  for (const auto& [from, to] : edges) {
    const auto [x1, y1] = pos(boxes[from]);
    const auto [x2, y2] = pos(boxes[to]);
    fig.line(x1 + bw, y1, x2, y2, "#555", 1.3, true);
  }
  for (const auto& [key, box] : boxes) {
    const auto [bx, by] = pos(box);
    const bool leaf = box.label.find(' ') != std::string::npos;
    fig.rect(bx, by - bh / 2, bw, bh, leaf ? "#e8f0f8" : "#fbeee0", leaf ? "#4e79a7" : "#f28e2b");
    fig.text(bx + bw / 2, by + 4, box.label, "middle", 12);
  }
  const auto [rx, ry] = pos(boxes[L.grad_fn().get()]);
  fig.line(rx + bw, ry, rx + bw + 40, ry, "#555", 1.3, true);
  fig.text(rx + bw + 46, ry + 4, "L = " + learn::fmt(L.item(), 4), "start", 12);
  fig.text(width / 2, 200, "blue: leaves (requires_grad); orange: op nodes (grad_fn), each with its backward function",
           "middle", 11, "#555");
  fig.text(width / 2, 220, "backward() visits the op nodes from L leftwards, turning dL/d(output) into dL/d(inputs)",
           "middle", 11, "#555");
  learn::save_figure(args.figures, "autodiff_graph.svg", fig.svg());
  return learn::finish();
}
