// activation_checkpoint.cc — checkpoint(): a forward that keeps only its inputs and a backward
// that recomputes the block, backpropagates through it and hands back the inputs' gradients.
#include "core/activation_checkpoint.h"

#include <memory>

#include "core/autograd.h"
#include "core/rng.h"

namespace nn {
namespace {

// Fresh leaves over the inputs' storage, requiring grad where need says: fn's graph then ends at
// them, and backward leaves the inputs' gradients in their grad.
std::vector<Tensor> detached_leaves(const std::vector<Tensor>& inputs, const std::vector<bool>& need) {
  std::vector<Tensor> leaves;
  leaves.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    leaves.push_back(inputs[i].defined() ? inputs[i].detach() : Tensor());
    if (need[i]) leaves.back().requires_grad_();
  }
  return leaves;
}

// Puts the dropout seed stream at `state` while alive, and back where it was afterwards.
class ReplaySeeds {
 public:
  explicit ReplaySeeds(const DropoutSeedState& state) : prev_(dropout_seed_state()) {
    restore_dropout_seed_state(state);
  }
  ~ReplaySeeds() { restore_dropout_seed_state(prev_); }
  ReplaySeeds(const ReplaySeeds&) = delete;
  ReplaySeeds& operator=(const ReplaySeeds&) = delete;

 private:
  DropoutSeedState prev_;
};

// The observer of the inner backward (the recomputed block) while alive: passes node_done on to
// the outer observer (if any) and keeps leaf_ready to itself. A parameter complete within the
// block may still be read by nodes the outer backward has not reached; the outer engine reports
// it after the checkpoint node, which lists the block's parameters among its inputs.
class InnerObserver final : public BackwardObserver {
 public:
  InnerObserver() : outer_(set_backward_observer(nullptr)) {
    if (outer_) set_backward_observer(this);
  }
  ~InnerObserver() override { set_backward_observer(outer_); }
  InnerObserver(const InnerObserver&) = delete;
  InnerObserver& operator=(const InnerObserver&) = delete;
  void leaf_ready(TensorImpl&) override {}
  void node_done() override { outer_->node_done(); }

 private:
  BackwardObserver* outer_;
};

}  // namespace

Tensor checkpoint(CheckpointFn fn, const std::vector<Tensor>& inputs) {
  if (!grad_enabled()) return fn(inputs);
  std::vector<bool> need;
  std::vector<Tensor> kept;  // the inputs without their graphs (the node holds those)
  for (const Tensor& in : inputs) {
    need.push_back(in.defined() && in.requires_grad());
    kept.push_back(in.defined() ? in.detach() : Tensor());
  }
  const DropoutSeedState seeds = dropout_seed_state();
  const uint64_t since = graph_clock();
  const std::vector<Tensor> leaves = detached_leaves(kept, need);
  Tensor y = fn(leaves);
  NN_CHECK(y.defined(), "checkpoint: the block returned an undefined tensor");
  if (!y.requires_grad()) return y;  // nothing to differentiate: no graph was kept either
  // What else the block's graph reads: parameters (leaves) join the node's inputs, so that the
  // engine counts this node among their uses; a result of earlier ops would need its own backward
  // through a graph the recomputation cannot reach.
  std::vector<Tensor> node_inputs = inputs;
  for (Tensor& t : graph_inputs_since(y, since)) {
    bool stand_in = false;
    for (const Tensor& leaf : leaves) stand_in = stand_in || (leaf.defined() && leaf.same(t));
    if (stand_in) continue;
    NN_CHECK(t.is_leaf(), "checkpoint: the block reads a tensor of shape ", t.shape(), " made by op '",
             t.grad_fn()->op, "' outside it that requires grad; pass it to the block as an input");
    node_inputs.push_back(std::move(t));
  }
  const size_t params = node_inputs.size() - inputs.size();
  Tensor out = y.detach();
  y = Tensor();  // frees the block's graph and every tensor its ops saved
  // out = fn(inputs; θ)  ⇒  d inputs = J_fn(inputs)ᵀ·d out, and dθ = J_fn(θ)ᵀ·d out (accumulated into
  // θ.grad by the inner backward), both from a backward through fn recomputed on the same inputs
  // with the same dropout seeds, which rebuilds the forward's graph exactly.
  record(out, "checkpoint", std::move(node_inputs),
         [fn = std::move(fn), kept = std::move(kept), need = std::move(need), seeds, params,
          out_shape = out.shape()](const Tensor& g) {
           const std::vector<Tensor> again_in = detached_leaves(kept, need);
           Tensor again;
           {
             const ReplaySeeds replay(seeds);
             const EnableGradGuard record_again;
             again = fn(again_in);
           }
           NN_CHECK(again.defined() && again.requires_grad() && again.shape() == out_shape,
                    "checkpoint: the block recomputed during backward gave ",
                    again.defined() ? again.shape() : Shape{}, again.defined() && !again.requires_grad() ? " without a graph" : "",
                    ", not what its forward gave (shape ", out_shape,
                    "): the block must compute the same function both times");
           {
             const InnerObserver observe;
             run_backward(again, g, false);
           }
           std::vector<Tensor> grads;
           for (size_t i = 0; i < again_in.size(); ++i) grads.push_back(need[i] ? again_in[i].grad() : Tensor());
           grads.resize(again_in.size() + params);  // parameters: accumulated by the inner backward already
           return grads;
         });
  return out;
}

}  // namespace nn
