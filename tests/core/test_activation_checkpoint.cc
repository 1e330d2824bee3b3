// test_activation_checkpoint.cc — nn::checkpoint (core/activation_checkpoint.h): the same loss and
// gradients, bit for bit, as the block run without it (with dropout drawing from the seed stream,
// in fp32 and bf16 precision, under a Bf16WeightScope, nested, accumulated over two backwards);
// gradients against finite differences; the block's intermediate tensors freed after the
// forward; a BackwardObserver told of a parameter only when its gradient is complete; and errors.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <vector>

#include "core/activation_checkpoint.h"
#include "core/autograd.h"
#include "core/bf16_weights.h"
#include "core/kernels/gemm.h"
#include "core/ops.h"
#include "core/rng.h"
#include "tests/support/gradcheck.h"

using nn::Tensor;

namespace {

// A small residual block with parameters: LN(x + dropout(W2·gelu(W1·x + b1) + b2)), with one more
// dropout whose seed comes from the stream (as BERT's layers draw theirs).
struct Block {
  Tensor w1 = Tensor::uniform({48, 40}, 11, -0.3f, 0.3f).requires_grad_();
  Tensor b1 = Tensor::uniform({48}, 12, -0.1f, 0.1f).requires_grad_();
  Tensor w2 = Tensor::uniform({40, 48}, 13, -0.3f, 0.3f).requires_grad_();
  Tensor b2 = Tensor::uniform({40}, 14, -0.1f, 0.1f).requires_grad_();
  Tensor gamma = Tensor::uniform({40}, 15, 0.5f, 1.5f).requires_grad_();
  Tensor beta = Tensor::uniform({40}, 16, -0.1f, 0.1f).requires_grad_();

  Tensor forward(const Tensor& x) const {
    Tensor h = nn::dropout(nn::linear_gelu(x, w1, b1), 0.2f, true, nn::next_dropout_seed());
    Tensor y = nn::dropout(nn::linear(h, w2, b2), 0.1f, true, nn::next_dropout_seed());
    return nn::layer_norm(nn::add(y, x), gamma, beta, 1e-5f);
  }
  std::vector<Tensor> params() const { return {w1, b1, w2, b2, gamma, beta}; }
};

// Loss and every gradient of a run.
struct Run {
  std::vector<float> loss, gx;
  std::vector<std::vector<float>> gparams;
  uint64_t next_seed = 0;  // the dropout stream's next seed after the run
};

enum class Mode { plain, checkpoint, nested };

// Three blocks (the middle one through checkpoint when `recompute`), a dropout after them, and
// L = Σ w ⊙ out; backward once or twice (accumulating).
Run run(const Block& a, const Block& b, const Block& c, Mode mode, int backwards = 1) {
  for (const Block* blk : {&a, &b, &c})
    for (Tensor p : blk->params()) p.zero_grad();
  nn::set_dropout_seed(77);
  const Tensor x = Tensor::uniform({2, 24, 40}, 21, -1.f, 1.f).requires_grad_();
  Run r;
  for (int k = 0; k < backwards; ++k) {
    Tensor h = a.forward(x);
    const nn::CheckpointFn block = [&](const std::vector<Tensor>& in) { return b.forward(in[0]); };
    if (mode == Mode::plain) h = b.forward(h);
    if (mode == Mode::checkpoint) h = nn::checkpoint(block, {h});
    if (mode == Mode::nested)
      h = nn::checkpoint([&](const std::vector<Tensor>& in) { return nn::checkpoint(block, {in[0]}); }, {h});
    h = nn::dropout(c.forward(h), 0.3f, true, nn::next_dropout_seed());
    const Tensor loss = nn::sum(nn::mul(h, Tensor::uniform(h.shape(), 22, -1.f, 1.f)));
    loss.backward();
    r.loss = loss.to_vector();
  }
  r.next_seed = nn::next_dropout_seed();
  r.gx = x.grad().to_vector();
  for (const Block* blk : {&a, &b, &c})
    for (const Tensor& p : blk->params()) r.gparams.push_back(p.grad().to_vector());
  return r;
}

void check_same(const Run& with, const Run& without) {
  CHECK(with.loss == without.loss);
  CHECK(with.gx == without.gx);
  CHECK(with.next_seed == without.next_seed);
  REQUIRE(with.gparams.size() == without.gparams.size());
  for (size_t i = 0; i < with.gparams.size(); ++i) {
    INFO("parameter " << i);
    CHECK(with.gparams[i] == without.gparams[i]);
  }
}

}  // namespace

TEST_CASE("checkpoint: loss and gradients bit-identical to the block without it (dropout on, fp32)", "[checkpoint]") {
  const Block a, b, c;
  const Run without = run(a, b, c, Mode::plain);
  SECTION("one checkpoint") { check_same(run(a, b, c, Mode::checkpoint), without); }
  SECTION("nested checkpoints") { check_same(run(a, b, c, Mode::nested), without); }
  SECTION("gradients accumulated over two backwards") {
    check_same(run(a, b, c, Mode::checkpoint, 2), run(a, b, c, Mode::plain, 2));
  }
}

TEST_CASE("checkpoint: bit-identical in bf16 precision, with and without a Bf16WeightScope", "[checkpoint]") {
  const nn::kernels::GemmPrecisionScope bf16(nn::kernels::GemmPrecision::kBf16);
  const Block a, b, c;
  SECTION("no scope") { check_same(run(a, b, c, Mode::checkpoint), run(a, b, c, Mode::plain)); }
  SECTION("one scope over forward and backward, as the trainer opens it") {
    Run with, without;
    {
      const nn::Bf16WeightScope scope;
      without = run(a, b, c, Mode::plain);
    }
    {
      const nn::Bf16WeightScope scope;
      with = run(a, b, c, Mode::checkpoint);
    }
    check_same(with, without);
  }
}

TEST_CASE("checkpoint: gradients of its inputs match finite differences", "[checkpoint]") {
  // Weights passed as inputs (rather than read as parameters) get their gradients through the
  // checkpoint node; an undefined input passes through.
  const nn::testing::Fn f = [](const std::vector<Tensor>& in) {
    return nn::checkpoint(
        [](const std::vector<Tensor>& v) {
          REQUIRE(!v[3].defined());
          return nn::tanh(nn::linear(nn::gelu(nn::linear(v[0], v[1], Tensor())), v[2], Tensor()));
        },
        {in[0], in[1], in[2], Tensor()});
  };
  nn::testing::check_gradients(f, {Tensor::uniform({3, 5}, 31, -1.f, 1.f).requires_grad_(),
                                   Tensor::uniform({6, 5}, 32, -1.f, 1.f).requires_grad_(),
                                   Tensor::uniform({4, 6}, 33, -1.f, 1.f).requires_grad_()});
}

TEST_CASE("checkpoint: the block's intermediate tensors are freed after the forward, recomputed once", "[checkpoint]") {
  const Block b;
  const Tensor x = Tensor::uniform({4, 40}, 41, -1.f, 1.f).requires_grad_();
  std::weak_ptr<nn::TensorImpl> inner;
  int calls = 0;
  const nn::CheckpointFn fn = [&](const std::vector<Tensor>& in) {
    ++calls;
    Tensor h = nn::gelu(nn::linear(in[0], b.w1, b.b1));  // linear's output is saved by gelu's backward
    inner = h.grad_fn()->inputs[0].impl_ptr();
    return nn::mul(h, h);
  };
  {
    const Tensor kept = fn({x});
    CHECK(!inner.expired());  // without checkpoint, the graph holds it
  }
  CHECK(inner.expired());
  calls = 0;
  const Tensor y = nn::checkpoint(fn, {x});
  CHECK(calls == 1);
  CHECK(inner.expired());
  CHECK(y.requires_grad());
  nn::sum(y).backward();
  CHECK(calls == 2);
  CHECK(inner.expired());  // the recomputed graph is gone too
  CHECK(x.grad().defined());
  CHECK(b.w1.grad().defined());
}

namespace {

// Records, for every leaf_ready, a copy of the leaf's gradient at that moment.
struct Recorder final : nn::BackwardObserver {
  std::map<nn::TensorImpl*, std::vector<std::vector<float>>> seen;
  int nodes = 0;
  void leaf_ready(nn::TensorImpl& leaf) override { seen[&leaf].push_back(Tensor(leaf.grad).to_vector()); }
  void node_done() override { ++nodes; }
};

}  // namespace

TEST_CASE("checkpoint: a BackwardObserver hears of each parameter once, when its gradient is complete",
          "[checkpoint]") {
  // w is read before the checkpointed block and inside it: its gradient is complete only after the
  // earlier linear's backward (which runs after the block's). v is read only inside the block.
  Tensor w = Tensor::uniform({16, 16}, 51, -0.5f, 0.5f).requires_grad_();
  Tensor v = Tensor::uniform({16, 16}, 52, -0.5f, 0.5f).requires_grad_();
  const Tensor x = Tensor::uniform({8, 16}, 53, -1.f, 1.f);
  Recorder rec;
  nn::BackwardObserver* const prev = nn::set_backward_observer(&rec);
  const Tensor h = nn::linear(x, w, Tensor());
  const Tensor y = nn::checkpoint(
      [&](const std::vector<Tensor>& in) { return nn::tanh(nn::linear(nn::tanh(nn::linear(in[0], w, Tensor())), v, Tensor())); },
      {h});
  nn::sum(y).backward();
  nn::set_backward_observer(prev);
  REQUIRE(rec.seen.size() == 2);
  for (const Tensor& p : {w, v}) {
    REQUIRE(rec.seen.count(&p.impl()) == 1);
    const auto& at = rec.seen.at(&p.impl());
    REQUIRE(at.size() == 1);
    CHECK(at[0] == p.grad().to_vector());
  }
  CHECK(rec.nodes >= 6);  // the outer nodes and the recomputed block's nodes all reported progress
}

TEST_CASE("checkpoint: without gradients it is the block itself; misuse is an error", "[checkpoint]") {
  const Tensor w = Tensor::uniform({8, 8}, 61, -1.f, 1.f).requires_grad_();
  const Tensor x = Tensor::uniform({2, 8}, 62, -1.f, 1.f);
  SECTION("inside a NoGradGuard") {
    const nn::NoGradGuard no_grad;
    int calls = 0;
    const Tensor y = nn::checkpoint([&](const std::vector<Tensor>& in) { ++calls; return nn::linear(in[0], w, Tensor()); }, {x});
    CHECK(calls == 1);
    CHECK(!y.requires_grad());
  }
  SECTION("nothing to differentiate") {
    const Tensor y = nn::checkpoint([](const std::vector<Tensor>& in) { return nn::tanh(in[0]); }, {x});
    CHECK(!y.requires_grad());
  }
  SECTION("a tensor from outside the block that requires grad but is no leaf") {
    const Tensor w2 = nn::mul(w, w);
    CHECK_THROWS_WITH(nn::checkpoint([&](const std::vector<Tensor>& in) { return nn::linear(in[0], w2, Tensor()); }, {x}),
                      Catch::Contains("made by op 'mul' outside it") && Catch::Contains("pass it to the block as an input"));
  }
  SECTION("a block that returns something else when recomputed") {
    int calls = 0;
    const Tensor y = nn::checkpoint(
        [&](const std::vector<Tensor>& in) {
          return ++calls == 1 ? nn::linear(in[0], w, Tensor()) : nn::linear(nn::reshape(in[0], {16, 1}), nn::reshape(w, {64, 1}), Tensor());
        },
        {x});
    CHECK_THROWS_WITH(nn::sum(y).backward(), Catch::Contains("the block must compute the same function both times"));
  }
}
