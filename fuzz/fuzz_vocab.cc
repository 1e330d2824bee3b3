// fuzz_vocab.cc — fuzz target: arbitrary bytes as vocab.txt → Vocab → Tokenizer. A vocabulary
// that loads is looked up, saved and reloaded, and (when it has the special tokens) tokenizes a
// fixed text of words, pieces, accents and CJK.
#include <string>

#include "bert/tokenizer/tokenizer.h"
#include "bert/tokenizer/vocab.h"
#include "core/error.h"
#include "fuzz/fuzz_util.h"

// Parses the bytes as vocab.txt; only nn::Error may escape.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    bert::Vocab vocab = bert::Vocab::parse(fuzz::bytes(data, size), "vocab.txt");
    for (size_t i = 0; i < vocab.size() && i < 64; ++i) {
      const std::string& token = vocab.token(static_cast<int32_t>(i));
      (void)vocab.id(token);
      if (token.size() > 2 && token.compare(0, 2, "##") == 0) (void)vocab.continuation_id(token.substr(2));
    }
    (void)vocab.max_token_bytes();
    (void)vocab.max_continuation_bytes();
    const std::string path = fuzz::scratch_dir() + "/vocab.txt";
    vocab.save(path);
    const bert::Vocab again = bert::Vocab::load(path);
    if (again.size() != vocab.size()) __builtin_trap();  // a saved vocabulary must read back whole
    const bert::Tokenizer tokenizer(std::move(vocab));
    const bert::Encoding e =
        tokenizer.encode_pair("Hello, wörld! unaffable 東京 [MASK] ##x", "the  second\ttext.");
    (void)tokenizer.decode(e.ids);
  } catch (const nn::Error&) {
  }
  return 0;
}
