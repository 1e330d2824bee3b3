// fuzz_corpus.cc — fuzz target: arbitrary bytes as a pretraining corpus file (format detection,
// UTF-8 repair, Google one-sentence-per-line and prose paragraphs through the sentence splitter,
// chunked tokenization, held-out split). The first byte picks the format, the held-out share and
// the chunk size; the rest is the file.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bert/data/corpus.h"
#include "bert/data/sentence_split.h"
#include "bert/tokenizer/tokenizer.h"
#include "core/error.h"
#include "fuzz/fuzz_util.h"

namespace {

// Traps unless every sentence of the corpus is non-empty and in the vocabulary.
void check(const bert::Corpus& c, size_t vocab_size) {
  size_t sentences = 0;
  for (size_t d = 0; d < c.num_documents(); ++d) {
    if (c.document_size(d) == 0) __builtin_trap();
    for (size_t s = 0; s < c.document_size(d); ++s, ++sentences) {
      const auto ids = c.sentence(d, s);
      if (ids.empty()) __builtin_trap();
      for (int32_t id : ids)
        if (id < 0 || static_cast<size_t>(id) >= vocab_size) __builtin_trap();
    }
  }
  if (sentences != c.num_sentences()) __builtin_trap();
}

}  // namespace

// Loads the bytes as a corpus with options from the first byte; only nn::Error may escape.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bert::Tokenizer tokenizer(
      bert::Vocab({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "is", "it", ".", "!", "?", ",",
                   "mr", "dr", "j", "smith", "e", "g", "u", "s", "##s", "##e", "3", "14", "\"", "(", ")"},
                  "fuzz vocabulary"),
      true);
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const std::string_view text = fuzz::bytes(data + 1, size - 1);
  bert::CorpusOptions options;
  options.format = static_cast<bert::CorpusFormat>(flags % 3);
  options.eval_fraction = ((flags >> 2) & 3) * 0.25;  // 0, .25, .5, .75
  options.split_seed = flags >> 4;
  options.chunk_bytes = (flags & 0x80) ? 16 : (8u << 20);
  const std::string path = fuzz::write_file("corpus.txt", text);
  try {
    const bert::LoadedCorpus c = bert::load_corpus({path}, tokenizer, options);
    check(c.train, tokenizer.vocab().size());
    check(c.eval, tokenizer.vocab().size());
    if (c.stats.documents != c.train.num_documents() + c.eval.num_documents()) __builtin_trap();
  } catch (const nn::Error&) {
  }
  // The splitter on the text as one paragraph, and on its first line.
  for (const std::string& s : bert::split_sentences(text))
    if (s.empty()) __builtin_trap();
  (void)bert::is_single_sentence(text.substr(0, text.find('\n')));
  return 0;
}
