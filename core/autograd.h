// autograd.h — reverse-mode automatic differentiation.
//
// Each op that sees an input with requires_grad records a Node on its output: the op's name,
// its inputs, and a backward function mapping dL/d(output) to dL/d(input) for every input.
// Tensor::backward() walks the nodes in reverse topological order, accumulating gradients:
// into the next node for intermediate tensors, into TensorImpl::grad for leaves.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace nn {

// Maps the gradient of a node's output to the gradients of its inputs (same order as inputs;
// an undefined Tensor means "no gradient for this input").
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node {
  const char* op = "";        // op name for error messages ("matmul", "softmax", ...)
  std::vector<Tensor> inputs;  // the tensors the op read: leaves requiring grad themselves, others as
                               // storage-free handles (shape, requires_grad, grad_fn; record())
  BackwardFn backward;         // null once the graph has been freed
  Tensor grad;                 // gradient of this node's output, accumulated during backward
  bool freed = false;
  uint64_t seq = 0;            // graph_clock() when recorded: later nodes have larger values
};

// True unless a NoGradGuard is alive on this thread.
bool grad_enabled();

// While alive, ops on this thread record no graph (inference, optimizer updates).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// While alive, ops on this thread record a graph again, even inside a NoGradGuard (a forward
// recomputed during backward, core/activation_checkpoint.h).
class EnableGradGuard {
 public:
  EnableGradGuard();
  ~EnableGradGuard();
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool prev_;
};

// True when grad is enabled and at least one input requires grad: the op must call record().
bool needs_grad(std::initializer_list<const Tensor*> inputs);
bool needs_grad(const std::vector<Tensor>& inputs);

// Attaches a Node to `output` (which then requires grad). Call only when needs_grad(...) is true.
// The node keeps no input's data (only leaves requiring grad stay whole): the backward function
// captures every tensor it reads. It must not capture `output` itself (capture output.detach()
// instead), or the node would keep itself alive.
void record(Tensor& output, const char* op, std::vector<Tensor> inputs, BackwardFn backward);

// Watches backward passes on one thread, so work can start on a parameter's gradient while
// backward still runs (data-parallel gradient buckets, nn/dist/grad_buckets.h).
class BackwardObserver {
 public:
  virtual ~BackwardObserver() = default;
  // `leaf` (requires grad, no grad_fn) has its complete gradient: no later node adds to it.
  virtual void leaf_ready(TensorImpl& leaf) = 0;
  // A node's backward has run and its gradients are accumulated (a chance to progress I/O).
  virtual void node_done() {}
};

// Sets the observer of the backward passes run on this thread (nullptr: none); returns the
// previous one.
BackwardObserver* set_backward_observer(BackwardObserver* observer);

// A counter that every record() advances (process-wide): the seq the next node will get.
uint64_t graph_clock();

// The tensors requiring grad that the part of root's graph recorded at or after `since`
// (graph_clock() before the ops ran) reads from outside that part: leaves (parameters,
// requires_grad_ inputs) and results of earlier nodes; each once, in the order a walk from root
// meets them. {root} if root is such a tensor itself; empty if root is undefined or needs no grad.
std::vector<Tensor> graph_inputs_since(const Tensor& root, uint64_t since);

// Runs backpropagation from `root` with upstream gradient `grad_output` (see Tensor::backward).
void run_backward(const Tensor& root, const Tensor& grad_output, bool retain_graph);

}  // namespace nn
