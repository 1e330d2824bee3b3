// test_packed_batches.cc — the proof that sequence packing changes nothing but the padding: a packed
// batch (several instances per row, bert/data/packing.h) gives, instance by instance, the hidden
// states, MLM and NSP losses of the same instances one per row, the same batch losses, and the
// same gradient of every parameter (within 1e-5), for BertForPreTraining (MLM + NSP) and
// BertForMaskedLM, in train mode with dropout off. Also: what a packed batch must carry.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <map>
#include <string>

#include "bert/data/batcher.h"
#include "bert/data/packing.h"
#include "bert/model/task_models.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"

using namespace bert;
using nn::Tensor;

namespace {

constexpr double kTol = 1e-5;

// Small enough to be quick, with weights large enough (initializer_range 0.3) that attention is
// far from uniform and every parameter gets a sizeable gradient.
BertConfig tiny_config() {
  BertConfig c;
  c.vocab_size = 50;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.intermediate_size = 64;
  c.max_position_embeddings = 40;
  c.hidden_dropout_prob = 0.f;
  c.attention_probs_dropout_prob = 0.f;
  c.initializer_range = 0.3f;
  return c;
}

// Instance i of n tokens: [CLS] random ids [SEP], token types 1 from the middle on, 1 to 3 masked
// positions (never [CLS]/[SEP]), NSP label i % 2 (or none).
Instance make_instance(int32_t n, uint64_t i, bool nsp) {
  nn::Generator rng(nn::mix_seed(99, i));
  Instance inst;
  for (int32_t t = 0; t < n; ++t) {
    inst.tokens.push_back(t == 0 ? 2 : t == n - 1 ? 3 : static_cast<int32_t>(rng.randint(5, 49)));
    inst.segment_ids.push_back(t < n / 2 ? 0 : 1);
  }
  for (int32_t t = 1; t < n - 1; ++t)
    if (rng.uniform() < 0.25 || (t == n - 2 && inst.masked_positions.empty())) {
      inst.masked_positions.push_back(t);
      inst.masked_labels.push_back(static_cast<int32_t>(rng.randint(5, 49)));
      inst.tokens[static_cast<size_t>(t)] = 4;  // [MASK]
    }
  inst.next_sentence_label = nsp ? static_cast<int32_t>(i % 2) : kNoNspLabel;
  return inst;
}

// The same instances packed (rows of 32 by first-fit-decreasing) and one per row (in the packed
// order: rows in order, instances in row order, so MLM and NSP rows correspond one to one).
struct Batches {
  Batch packed, unpacked;
  std::vector<size_t> tokens;  // tokens of each instance, packed order
  std::vector<size_t> masked;  // masked positions of each instance, packed order
  std::vector<int64_t> starts; // flat b·T + t of each instance's first token in the packed batch
};

Batches make_batches(bool nsp) {
  std::vector<Instance> instances;
  std::vector<size_t> lengths;
  for (const int32_t n : {14, 9, 5, 20, 7, 3, 11, 6, 16, 4}) {
    instances.push_back(make_instance(n, instances.size(), nsp));
    lengths.push_back(static_cast<size_t>(n));
  }
  std::vector<std::vector<Instance>> rows;
  std::vector<Instance> in_order;
  Batches out;
  for (const auto& bin : first_fit_decreasing(lengths, 32)) {
    int64_t at = static_cast<int64_t>(rows.size()) * 32;
    rows.emplace_back();
    for (const uint32_t i : bin) {
      rows.back().push_back(instances[i]);
      in_order.push_back(instances[i]);
      out.tokens.push_back(instances[i].tokens.size());
      out.masked.push_back(instances[i].masked_positions.size());
      out.starts.push_back(at);
      at += static_cast<int64_t>(lengths[i]);
    }
  }
  REQUIRE(rows.size() < instances.size());  // some rows hold several instances
  out.packed = make_packed_masked_lm_batch(rows, 32, 0);
  out.unpacked = make_masked_lm_batch(in_order, 20, 0);
  return out;
}

// Cross-entropy of each row of logits (N,V) at its label (−100: 0).
std::vector<double> row_losses(const Tensor& logits, const Tensor& labels) {
  const Tensor lp = nn::log_softmax(logits);
  const std::vector<float> v = lp.to_vector();
  const std::vector<int64_t> y = labels.to_ids();
  const int64_t V = logits.size(1);
  std::vector<double> out;
  for (size_t r = 0; r < y.size(); ++r) out.push_back(y[r] < 0 ? 0.0 : -v[r * static_cast<size_t>(V) + static_cast<size_t>(y[r])]);
  return out;
}

void check_close(const std::string& what, const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO(what << " " << i << ": packed " << got[i] << ", unpacked " << want[i]);
    CHECK(std::abs(got[i] - want[i]) <= kTol);
  }
}

std::vector<double> as_double(const Tensor& t) {
  const std::vector<float> v = t.to_vector();
  return {v.begin(), v.end()};
}

// The hidden states of the instances, one after another, from h (B,T,H): instance k has tokens[k]
// rows from flat position starts[k].
std::vector<double> instance_states(const Tensor& h, const std::vector<size_t>& tokens,
                                    const std::vector<int64_t>& starts) {
  const auto H = static_cast<ptrdiff_t>(h.size(2));
  const std::vector<float> v = h.to_vector();
  std::vector<double> out;
  for (size_t k = 0; k < tokens.size(); ++k)
    out.insert(out.end(), v.begin() + starts[k] * H, v.begin() + (starts[k] + static_cast<ptrdiff_t>(tokens[k])) * H);
  return out;
}

// Runs forward + backward on one batch; returns the outputs and every parameter's gradient.
struct Run {
  MaskedLMOutput out;
  Tensor hidden;
  std::map<std::string, std::vector<double>> grads;
};

template <class Model>
Run run(Model& model, const Batch& batch) {
  model.zero_grad();
  Run r;
  r.out = model.forward(batch);
  r.out.loss.backward();
  nn::NoGradGuard no_grad;
  r.hidden = model.bert.forward(batch.input_ids, batch.token_type_ids, batch.attention_mask, nullptr,
                                batch.position_ids, Packing{batch.instance_ids, batch.cls_positions})
                 .sequence_output;
  for (const nn::NamedParameter& p : model.named_parameters()) r.grads[p.name] = as_double(p.tensor->grad());
  return r;
}

template <class Model>
void check_packed_equals_unpacked(Model& model, bool nsp) {
  model.train();  // dropout probabilities are 0 in this config
  const Batches b = make_batches(nsp);
  const Run packed = run(model, b.packed), unpacked = run(model, b.unpacked);

  REQUIRE(b.packed.cls_positions.to_ids() == b.starts);
  std::vector<int64_t> row_starts;  // unpacked: instance k is row k
  for (size_t k = 0; k < b.tokens.size(); ++k) row_starts.push_back(static_cast<int64_t>(k) * 20);
  check_close("hidden state", instance_states(packed.hidden, b.tokens, b.starts),
              instance_states(unpacked.hidden, b.tokens, row_starts));
  check_close("masked token loss", row_losses(packed.out.mlm_logits, b.packed.masked_labels),
              row_losses(unpacked.out.mlm_logits, b.unpacked.masked_labels));
  // Per instance: the mean loss over its masked tokens.
  const auto per_instance = [&](const std::vector<double>& token_losses) {
    std::vector<double> out;
    size_t k = 0;
    for (const size_t m : b.masked) {
      double s = 0;
      for (size_t j = 0; j < m; ++j) s += token_losses[k++];
      out.push_back(s / static_cast<double>(m));
    }
    return out;
  };
  check_close("instance MLM loss", per_instance(row_losses(packed.out.mlm_logits, b.packed.masked_labels)),
              per_instance(row_losses(unpacked.out.mlm_logits, b.unpacked.masked_labels)));
  if (nsp) {
    REQUIRE(packed.out.nsp_logits.shape() == nn::Shape{static_cast<int64_t>(b.tokens.size()), 2});
    check_close("instance NSP loss", row_losses(packed.out.nsp_logits, b.packed.next_sentence_labels),
                row_losses(unpacked.out.nsp_logits, b.unpacked.next_sentence_labels));
  }
  check_close("batch loss", {packed.out.loss.item()}, {unpacked.out.loss.item()});

  double largest = 0;
  for (const auto& [name, want] : unpacked.grads) {
    INFO("gradient of " << name);
    check_close(name, packed.grads.at(name), want);
    for (const double g : want) largest = std::max(largest, std::abs(g));
  }
  CHECK(largest > 0.1);  // gradients of a size the 1e-5 tolerance is small against
}

}  // namespace

TEST_CASE("packed batch: BertForPreTraining gives the unpacked losses and gradients", "[model][packing]") {
  BertForPreTraining model(tiny_config(), 5);
  check_packed_equals_unpacked(model, true);
}

TEST_CASE("packed batch: BertForMaskedLM gives the unpacked losses and gradients", "[model][packing]") {
  BertForMaskedLM model(tiny_config(), 6);
  check_packed_equals_unpacked(model, false);
}

TEST_CASE("packed batch: what it must carry", "[model][packing]") {
  BertForPreTraining model(tiny_config(), 5);
  const Batches b = make_batches(true);
  Batch no_positions = b.packed;
  no_positions.position_ids = Tensor();
  CHECK_THROWS_WITH(model.forward(no_positions),
                    Catch::Contains("masked LM: a packed batch needs instance_ids and position_ids together"));
  Batch no_cls = b.packed;
  no_cls.cls_positions = Tensor();
  CHECK_THROWS_WITH(model.forward(no_cls), Catch::Contains("BertForPreTraining: a packed batch needs cls_positions"));
  CHECK_THROWS_WITH(model.bert.forward(b.packed.input_ids, b.packed.token_type_ids, b.packed.attention_mask, nullptr,
                                       Tensor(), Packing{b.packed.instance_ids, {}}),
                    Catch::Contains("BertModel: a packed batch (instance_ids) needs position_ids"));
}
