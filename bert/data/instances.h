// instances.h — pretraining instances from a tokenized corpus, by the rules of Google's
// create_pretraining_data.py (DESIGN.md §3), for the three objectives of `pretrain --objective`:
//
//  - mlm_nsp: sentence pairs [CLS] A [SEP] B [SEP] with next-sentence labels (0 = B follows A,
//    1 = B from a random other document — HuggingFace's convention; Google's is_random_next),
//    short sequences, truncation and 80/10/10 masking exactly as Google does it;
//  - mlm: no NSP — the same chunking of a document's sentences (targets up to
//    max_seq_length − 2, short sequences with short_seq_prob), each chunk as [CLS] X [SEP],
//    truncated like a pair with an empty B, masked the same way;
//  - clm: contiguous blocks of max_seq_length tokens over the whole corpus with documents joined
//    by [SEP]; no special tokens, no masking: the model shifts the labels itself (HF
//    BertLMHeadModel). Each pass starts the blocks at a random offset in [0, max_seq_length), so
//    passes see different block boundaries; the tail shorter than a block is dropped (a corpus
//    shorter than one block gives one short block).
//
// Randomness: one pass over the corpus is a pure function of (corpus, options, pass seed).
// Document d draws from its own nn::Generator(mix_seed(pass_seed, d)), so documents can be
// processed in any order or in parallel with the same result; within a document the draws follow
// Google's order.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bert/data/corpus.h"
#include "bert/tokenizer/vocab.h"
#include "core/rng.h"

namespace bert {

enum class Objective { mlm_nsp, mlm, clm };

// "mlm+nsp" | "mlm" | "clm" → the objective; throws nn::Error on anything else.
Objective parse_objective(const std::string& name);
// The command-line name of an objective.
std::string objective_name(Objective objective);

struct InstanceOptions {
  Objective objective = Objective::mlm_nsp;
  int max_seq_length = 128;          // tokens per instance, specials included (clm: block size)
  int max_predictions_per_seq = 20;
  double masked_lm_prob = 0.15;
  double short_seq_prob = 0.1;
  bool whole_word_masking = false;   // mask a word-start piece and its "##" pieces together
};

// next_sentence_label of instances without NSP (the ignore index of nn::cross_entropy).
inline constexpr int32_t kNoNspLabel = -100;

// One training sequence.
struct Instance {
  std::vector<int32_t> tokens;            // after masking
  std::vector<int32_t> segment_ids;       // token types: 0 for [CLS] A [SEP], 1 for B [SEP]
  std::vector<int32_t> masked_positions;  // ascending
  std::vector<int32_t> masked_labels;     // original ids at masked_positions
  int32_t next_sentence_label = kNoNspLabel;  // 0 = B follows A, 1 = random B
};

// What masking needs to know about the vocabulary.
struct MaskingVocab {
  int32_t cls = -1, sep = -1, mask = -1, pad = -1;
  int32_t size = 0;
  std::vector<bool> continues_word;  // id → the token starts with "##"

  // From a vocabulary; throws nn::Error naming the vocabulary and the missing ones when [CLS], [SEP],
  // [MASK] or [PAD] is missing.
  static MaskingVocab from_vocab(const Vocab& vocab);
};

// Number of positions to mask in a sequence of num_tokens tokens (specials included, as Google):
// min(max_predictions_per_seq, max(1, round(num_tokens · masked_lm_prob))), rounding half to even.
int num_to_predict(size_t num_tokens, const InstanceOptions& options);

// Google's truncate_seq_pair: while |a| + |b| > max_num_tokens, drops a token from the longer of
// the two (b on ties), from the front or the back with probability 1/2 each.
void truncate_seq_pair(std::vector<int32_t>& a, std::vector<int32_t>& b, size_t max_num_tokens,
                       nn::Generator& rng);

// Google's create_masked_lm_predictions on instance.tokens: candidates (all but [CLS]/[SEP],
// grouped into words with whole_word_masking) shuffled, num_to_predict of them taken (a word
// that would overshoot is skipped), each position 80% [MASK], 10% unchanged, 10% a random id;
// fills masked_positions (ascending) and masked_labels.
void mask_tokens(Instance& instance, const InstanceOptions& options, const MaskingVocab& vocab,
                 nn::Generator& rng);

// Google's create_instances_from_document: NSP pairs from document d (masked).
std::vector<Instance> nsp_instances(const Corpus& corpus, size_t d, const InstanceOptions& options,
                                    const MaskingVocab& vocab, nn::Generator& rng);

// MLM-only sequences [CLS] X [SEP] from document d (masked); next_sentence_label = kNoNspLabel.
std::vector<Instance> mlm_instances(const Corpus& corpus, size_t d, const InstanceOptions& options,
                                    const MaskingVocab& vocab, nn::Generator& rng);

// CLM blocks of block_size tokens starting at `offset` of the corpus joined with [SEP] (sep_id).
std::vector<Instance> causal_blocks(const Corpus& corpus, size_t block_size, size_t offset,
                                    int32_t sep_id);

// One pass over the corpus for options.objective, in document order (not shuffled).
// Throws nn::Error when the corpus is empty or max_seq_length is too small for the objective.
std::vector<Instance> create_instances(const Corpus& corpus, const InstanceOptions& options,
                                       const MaskingVocab& vocab, uint64_t pass_seed);

}  // namespace bert
