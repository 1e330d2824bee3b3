// eval_text.h — the text of a file as evaluation sees it: its characters and bytes as read, its
// documents tokenized exactly as pretraining reads a corpus (bert/data/corpus.h: blank lines
// separate documents), and the causal token stream a language model is scored on.
//
// The causal stream is [SEP] d₁ [SEP] d₂ [SEP] … dₙ [SEP]: pretrain --objective clm trains on
// documents each followed by [SEP] (bert/data/instances.h, causal_blocks), so a [SEP] is the
// context that starts a document; the leading one is context only, every later token — the
// closing [SEP]s (paragraph breaks) included — is a prediction that is scored.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bert/data/corpus.h"
#include "bert/tokenizer/tokenizer.h"

namespace bert {

// Number of Unicode characters of UTF-8 text: bytes that do not continue a multi-byte sequence
// (an invalid byte counts as one character, as the tokenizer's U+FFFD replacement does).
int64_t count_utf8_chars(std::string_view text);

// One evaluated file: its size and its tokenized documents.
struct EvalText {
  std::string path;
  int64_t bytes = 0;
  int64_t chars = 0;   // count_utf8_chars of the whole file, newlines included
  Corpus documents;    // tokenized like a pretraining corpus
};

// Reads and tokenizes a file. Throws nn::Error naming the file when it cannot be read, is a
// directory, is empty, or holds only blank lines.
EvalText load_eval_text(const std::string& path, const Tokenizer& tokenizer);

// The causal stream of a corpus: [SEP] then every document followed by [SEP].
std::vector<int32_t> causal_stream(const Corpus& corpus, int32_t sep_id);

}  // namespace bert
