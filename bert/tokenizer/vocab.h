// vocab.h — a WordPiece vocabulary: vocab.txt (one token per line, id = line number), fast
// token→id look-ups for whole words and "##" continuation pieces, and the special-token ids.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bert/tokenizer/token_table.h"

namespace bert {

// The BERT special tokens, in the order a trained vocabulary starts with.
inline const std::vector<std::string>& default_special_tokens() {
  static const std::vector<std::string> names{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  return names;
}

// Ids of the special tokens; -1 when the vocabulary lacks one.
struct SpecialIds {
  int32_t pad = -1, unk = -1, cls = -1, sep = -1, mask = -1;
};

class Vocab {
 public:
  // Reads vocab.txt; throws nn::Error naming the file (and line) when missing or malformed.
  static Vocab load(const std::string& path);

  // Parses vocab.txt contents; `source` names the text in error messages.
  static Vocab parse(std::string_view text, const std::string& source);

  // Builds a vocabulary from tokens (id = index); throws on empty or invalid tokens.
  explicit Vocab(std::vector<std::string> tokens, std::string source = "vocabulary");

  // Writes vocab.txt atomically.
  void save(const std::string& path) const;

  // Number of tokens.
  size_t size() const { return tokens_.size(); }

  // Id of a token, or -1.
  int32_t id(std::string_view token) const { return words_.find(token); }

  // Id of the continuation token "##" + piece, or -1.
  int32_t continuation_id(std::string_view piece) const { return continuations_.find(piece); }

  // Token string of an id; throws nn::Error when out of range.
  const std::string& token(int32_t id) const;

  // All tokens in id order.
  const std::vector<std::string>& tokens() const { return tokens_; }

  // Ids of [PAD] [UNK] [CLS] [SEP] [MASK].
  const SpecialIds& specials() const { return specials_; }

  // Longest token in bytes, and longest continuation piece (without "##") in bytes.
  size_t max_token_bytes() const { return words_.max_key_bytes(); }
  size_t max_continuation_bytes() const { return continuations_.max_key_bytes(); }

  // Where the vocabulary came from (a path), for messages.
  const std::string& source() const { return source_; }

 private:
  std::vector<std::string> tokens_;
  TokenTable words_, continuations_;
  SpecialIds specials_;
  std::string source_;
};

}  // namespace bert
