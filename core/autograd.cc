// autograd.cc — graph recording and the reverse-mode engine (a topological walk that
// accumulates gradients).
#include "core/autograd.h"

#include <atomic>
#include <unordered_map>
#include <unordered_set>

#include "core/kernels/elementwise.h"
#include "core/ops.h"
#include "core/profile.h"

namespace nn {
namespace {
thread_local bool t_grad_enabled = true;
thread_local BackwardObserver* t_observer = nullptr;
std::atomic<uint64_t> g_clock{0};
}  // namespace

BackwardObserver* set_backward_observer(BackwardObserver* observer) {
  BackwardObserver* prev = t_observer;
  t_observer = observer;
  return prev;
}

bool grad_enabled() { return t_grad_enabled; }

NoGradGuard::NoGradGuard() : prev_(t_grad_enabled) { t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { t_grad_enabled = prev_; }

EnableGradGuard::EnableGradGuard() : prev_(t_grad_enabled) { t_grad_enabled = true; }
EnableGradGuard::~EnableGradGuard() { t_grad_enabled = prev_; }

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

namespace {

// What the graph needs of an op's input: a leaf that requires grad itself (its gradient is
// accumulated there), anything else as a handle with its shape, requires_grad and grad_fn but no
// storage. The data an op's backward reads it captures itself, so an activation that no backward
// captured is freed as soon as the forward drops it, not when backward reaches its consumer.
Tensor graph_handle(const Tensor& t) {
  if (!t.defined() || (t.is_leaf() && t.requires_grad())) return t;
  auto handle = std::make_shared<TensorImpl>();
  handle->shape = t.shape();
  handle->dtype = t.dtype();
  handle->requires_grad = t.requires_grad();
  handle->grad_fn = t.impl().grad_fn;
  return Tensor(std::move(handle));
}

}  // namespace

void record(Tensor& output, const char* op, std::vector<Tensor> inputs, BackwardFn backward) {
  auto node = std::make_shared<Node>();
  node->op = op;
  for (Tensor& in : inputs) in = graph_handle(in);
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  node->seq = g_clock.fetch_add(1, std::memory_order_relaxed);
  output.impl().grad_fn = std::move(node);
  output.impl().requires_grad = true;
}

namespace {

// Nodes reachable from root, ordered so that every node comes after all nodes that consume it.
// Shared ownership keeps every node alive while backward frees the graph as it goes.
std::vector<std::shared_ptr<Node>> reverse_topological(const std::shared_ptr<Node>& root) {
  std::vector<std::shared_ptr<Node>> postorder;
  std::unordered_set<Node*> seen{root.get()};
  std::vector<std::pair<std::shared_ptr<Node>, size_t>> stack{{root, 0}};  // (node, next input)
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      const Tensor& in = node->inputs[next++];
      if (!in.defined()) continue;
      const std::shared_ptr<Node>& child = in.impl().grad_fn;
      if (child && seen.insert(child.get()).second) stack.push_back({child, 0});
    } else {
      postorder.push_back(node);
      stack.pop_back();
    }
  }
  return {postorder.rbegin(), postorder.rend()};
}

// leaf.grad += g (allocating the buffer on first use).
void accumulate_leaf(TensorImpl& leaf, const Tensor& g) {
  Tensor gc = g.contiguous();
  if (!leaf.grad) {
    leaf.grad = Tensor::zeros(leaf.shape).impl_ptr();
  }
  Tensor dst(leaf.grad);
  kernels::add_inplace(dst.data(), gc.data(), dst.numel());
}

// For each position i of `order`, the leaves (requiring grad) whose last consumer is order[i]:
// once that node has run, their gradients are complete.
std::vector<std::vector<TensorImpl*>> leaves_completed_at(const std::vector<std::shared_ptr<Node>>& order) {
  std::unordered_map<TensorImpl*, size_t> last;
  for (size_t i = 0; i < order.size(); ++i)
    for (const Tensor& in : order[i]->inputs)
      if (in.defined() && in.requires_grad() && !in.impl().grad_fn) last[&in.impl()] = i;
  std::vector<std::vector<TensorImpl*>> at(order.size());
  for (const auto& [leaf, i] : last) at[i].push_back(leaf);
  return at;
}

}  // namespace

uint64_t graph_clock() { return g_clock.load(std::memory_order_relaxed); }

std::vector<Tensor> graph_inputs_since(const Tensor& root, uint64_t since) {
  if (!root.defined() || !root.requires_grad()) return {};
  const auto outside = [since](const Tensor& t) { return t.is_leaf() || t.grad_fn()->seq < since; };
  if (outside(root)) return {root};
  std::vector<Tensor> found;
  std::unordered_set<const void*> seen;  // nodes walked and tensors found
  std::vector<const Node*> stack{root.grad_fn().get()};
  seen.insert(stack.back());
  while (!stack.empty()) {
    const Node* node = stack.back();
    stack.pop_back();
    for (const Tensor& in : node->inputs) {
      if (!in.defined() || !in.requires_grad()) continue;
      if (outside(in)) {
        if (seen.insert(&in.impl()).second) found.push_back(in);
      } else if (seen.insert(in.grad_fn().get()).second) {
        stack.push_back(in.grad_fn().get());
      }
    }
  }
  return found;
}

void run_backward(const Tensor& root, const Tensor& grad_output, bool retain_graph) {
  NN_CHECK(root.requires_grad(), "backward: tensor of shape ", root.shape(),
           " does not require grad (no parameter or requires_grad_ input reaches it)");
  NoGradGuard no_grad;  // gradients are computed without building a graph of their own
  if (root.is_leaf()) {
    accumulate_leaf(root.impl(), grad_output);
    return;
  }
  const std::vector<std::shared_ptr<Node>> order = reverse_topological(root.grad_fn());
  BackwardObserver* const observer = t_observer;
  const std::vector<std::vector<TensorImpl*>> completed =
      observer ? leaves_completed_at(order) : std::vector<std::vector<TensorImpl*>>();
  // Tells the observer which leaves are complete once order[i] is done (or skipped).
  const auto notify = [&](size_t i) {
    if (!observer) return;
    for (TensorImpl* leaf : completed[i]) observer->leaf_ready(*leaf);
    observer->node_done();
  };
  order.front()->grad = grad_output;
  for (size_t pos = 0; pos < order.size(); ++pos) {
    const std::shared_ptr<Node>& node = order[pos];
    if (!node->grad.defined()) {  // no gradient flows through this node
      notify(pos);
      continue;
    }
    NN_CHECK(!node->freed, "backward: the graph through op '", node->op,
             "' was already freed by an earlier backward (use backward(retain_graph=true) to "
             "backpropagate through it twice)");
    Tensor g = std::move(node->grad);
    node->grad = Tensor();
    std::vector<Tensor> grads;
    {
      const profile::Scope prof(node->op, true);
      grads = node->backward(g);
    }
    NN_CHECK(grads.size() == node->inputs.size(), "backward: op '", node->op, "' returned ",
             grads.size(), " gradients for ", node->inputs.size(), " inputs");
    for (size_t i = 0; i < grads.size(); ++i) {
      const Tensor& in = node->inputs[i];
      if (!in.defined() || !in.requires_grad() || !grads[i].defined()) continue;
      NN_CHECK(grads[i].shape() == in.shape(), "backward: op '", node->op, "' gave a gradient of shape ",
               grads[i].shape(), " for input ", i, " of shape ", in.shape());
      if (Node* child = in.impl().grad_fn.get()) {
        child->grad = child->grad.defined() ? add(child->grad, grads[i]) : grads[i];
      } else {
        accumulate_leaf(in.impl(), grads[i]);
      }
    }
    if (!retain_graph) {
      node->backward = nullptr;  // frees the tensors the op saved for backward
      node->inputs.clear();      // and its hold on the inputs (activations are freed as we go)
      node->freed = true;
    }
    notify(pos);
  }
}

}  // namespace nn
