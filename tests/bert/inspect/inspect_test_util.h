// inspect_test_util.h — small models and a tokenizer for the bert/inspect tests.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "bert/task/registry.h"
#include "bert/tokenizer/tokenizer.h"

namespace bert::testing {

// A small config: H 16, 2 layers, 2 heads, I 24 (not 4H), 16 positions, no dropout.
inline BertConfig small_config(int64_t vocab_size = 24) {
  BertConfig c;
  c.vocab_size = vocab_size;
  c.hidden_size = 16;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 24;
  c.max_position_embeddings = 16;
  c.hidden_dropout_prob = 0;
  c.attention_probs_dropout_prob = 0;
  return c;
}

// A freshly initialised model of class `architecture` in eval mode. Weights are drawn with a
// larger spread than BERT's 0.02 so attention is far from uniform and the outputs vary.
inline std::unique_ptr<TaskModel> small_model(const std::string& architecture, BertConfig c = small_config(),
                                              uint64_t seed = 11) {
  c.initializer_range = 0.3f;
  c.is_decoder = architecture == "BertLMHeadModel";
  auto m = make_task_model(architecture, c, seed);
  m->eval();
  return m;
}

// The 24 tokens of small_tokenizer().
inline std::vector<std::string> small_vocab() {
  return {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "a", "dog",
          "ate", "bone", "bird", "sang", "in", "tree", "and", ".", ",", "##s", "big", "red"};
}

inline Tokenizer small_tokenizer() { return Tokenizer(Vocab(small_vocab()), true); }

}  // namespace bert::testing
