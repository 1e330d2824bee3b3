// activation_checkpoint.h — activation recomputation (gradient checkpointing, Chen et al. 2016,
// "Training Deep Nets with Sublinear Memory Cost"): a block of ops whose intermediate tensors are
// not kept from the forward to the backward, but computed again when the backward reaches them.
// Memory for activations falls from every op's saved tensors to the blocks' inputs (plus one
// block's activations at a time); the price is a second forward of each block during backward.
//
//   Tensor y = nn::checkpoint([&](const std::vector<Tensor>& in) { return layer.forward(in[0]); }, {x});
//
// The forward runs fn once, as an ordinary recorded forward (some ops choose other kernels
// without gradients — a fused GELU epilogue, bf16 weights in blocked layouts — so this keeps the
// numbers exactly those of the same ops without checkpoint), then drops fn's graph and keeps only
// the inputs. The backward runs fn again on the same inputs, with the dropout seed stream put back
// where the forward found it (core/rng.h: the same masks), backpropagates the output's gradient
// through that graph, and frees it.
//
// Parameters fn reads (leaves requiring grad that fn reaches without their being inputs) get
// their gradients accumulated as any op's would, and a BackwardObserver (core/autograd.h) hears
// that a parameter is complete only once the whole checkpoint has run (and no later node reads
// it). Checkpoints nest. Inside a NoGradGuard checkpoint() simply calls fn.
//
// fn must compute the same function both times: it may read other tensors and state (masks,
// flags, modules), but they must not change between the forward and the backward, and its only
// randomness must come from the dropout seed stream.
#pragma once
#include <functional>
#include <vector>

#include "core/tensor.h"

namespace nn {

// A block to checkpoint: its inputs in, one output tensor out.
using CheckpointFn = std::function<Tensor(const std::vector<Tensor>& inputs)>;

// fn(inputs), computed so that backward recomputes fn's intermediate tensors instead of keeping
// them. inputs may include undefined tensors and tensors without gradients (passed through).
Tensor checkpoint(CheckpointFn fn, const std::vector<Tensor>& inputs);

}  // namespace nn
