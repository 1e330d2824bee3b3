// tokenizer.h — the BERT WordPiece tokenizer as the rest of nnbert uses it: text → ids (with byte
// offsets), model inputs for single texts and pairs ([CLS] A [SEP] B [SEP], token types,
// truncation, padding, attention mask), batches in parallel (OpenMP), and ids → text.
// Produces the ids of HuggingFace's BertTokenizer (see basic.h and wordpiece.h for the rules).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bert/tokenizer/basic.h"
#include "bert/tokenizer/vocab.h"

namespace bert {

// Byte range [begin, end) of a token in the text it came from; {0, 0} for added special tokens
// and padding.
struct Offset {
  uint32_t begin = 0, end = 0;
  bool operator==(const Offset&) const = default;
};

enum class Padding {
  none,        // no padding
  longest,     // a batch is padded to its longest encoding
  max_length,  // every encoding is padded to EncodeOptions::max_length
};

struct EncodeOptions {
  size_t max_length = 0;            // 0: no limit; else truncate to this many tokens, specials
                                    //   included (pairs: longest first, ties cut from B)
  Padding padding = Padding::none;
  bool add_special_tokens = true;   // [CLS] … [SEP] (… [SEP])
  bool return_offsets = false;      // fill Encoding::offsets
};

// Model inputs for one text or pair; all vectors have the same length (offsets: when requested).
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> token_type_ids;  // 0 up to and including the first [SEP], 1 after
  std::vector<int32_t> attention_mask;  // 1 for tokens, 0 for padding
  std::vector<Offset> offsets;          // into the text (A or B) each token came from
  // Number of positions (tokens and padding).
  size_t size() const { return ids.size(); }
};

struct DecodeOptions {
  bool skip_special_tokens = true;  // leave out [PAD] [UNK] [CLS] [SEP] [MASK]
  bool clean_up_spaces = false;     // HuggingFace's clean_up_tokenization (" ," → "," …)
};

class Tokenizer {
 public:
  // Tokenizer over a vocabulary; lower_case selects the uncased rules. Throws nn::Error when the
  // vocabulary lacks [UNK], [CLS] or [SEP].
  explicit Tokenizer(Vocab vocab, bool lower_case = true);

  // Loads vocab.txt and builds the tokenizer.
  static Tokenizer load(const std::string& vocab_path, bool lower_case = true);

  // The vocabulary.
  const Vocab& vocab() const { return vocab_; }
  // True for the uncased rules.
  bool lower_case() const { return basic_.lower_case(); }
  // Ids of the special tokens.
  const SpecialIds& specials() const { return vocab_.specials(); }

  // Token strings of text (no [CLS]/[SEP]), as HuggingFace's tokenize().
  std::vector<std::string> tokenize(std::string_view text) const;

  // Ids of text without [CLS]/[SEP] (what the pretraining-data builder needs per sentence).
  std::vector<int32_t> encode(std::string_view text) const;

  // Appends the ids of text (no [CLS]/[SEP]) to ids and, when offsets is not null, their byte
  // ranges in text. Reuses per-thread scratch buffers: no allocation in steady state.
  void encode_into(std::string_view text, std::vector<int32_t>& ids,
                   std::vector<Offset>* offsets = nullptr) const;

  // Model inputs for one text: [CLS] text [SEP], truncated and padded as options say.
  Encoding encode_single(std::string_view text, const EncodeOptions& options = {}) const;

  // Model inputs for a pair: [CLS] a [SEP] b [SEP].
  Encoding encode_pair(std::string_view a, std::string_view b,
                       const EncodeOptions& options = {}) const;

  // Model inputs from ids already encoded (b may be empty for a single text); offsets left empty.
  Encoding assemble(std::vector<int32_t> a, std::vector<int32_t> b, bool is_pair,
                    const EncodeOptions& options = {}) const;

  // encode_single over many texts in parallel (OpenMP); Padding::longest pads to the batch's longest.
  std::vector<Encoding> encode_batch(std::span<const std::string> texts,
                                     const EncodeOptions& options = {}) const;

  // encode_pair over many pairs in parallel (OpenMP).
  std::vector<Encoding> encode_pair_batch(std::span<const std::pair<std::string, std::string>> pairs,
                                          const EncodeOptions& options = {}) const;

  // Token strings of ids.
  std::vector<std::string> id_to_tokens(std::span<const int32_t> ids) const;

  // Text of ids: pieces joined by spaces, "##" continuations glued to the piece before.
  std::string decode(std::span<const int32_t> ids, const DecodeOptions& options = {}) const;

 private:
  struct Sequence {  // one text's ids and offsets
    std::vector<int32_t> ids;
    std::vector<Offset> offsets;
  };
  Encoding build(Sequence a, Sequence* b, const EncodeOptions& options) const;
  void pad(Encoding& e, size_t length, bool offsets) const;

  Vocab vocab_;
  BasicTokenizer basic_;
};

}  // namespace bert
