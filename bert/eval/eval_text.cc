// eval_text.cc — reading a file for evaluation and building its causal token stream.
#include "bert/eval/eval_text.h"

#include <filesystem>

#include "core/error.h"
#include "nn/io/read_file.h"

namespace bert {

int64_t count_utf8_chars(std::string_view text) {
  int64_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0u) != 0x80u;
  return n;
}

EvalText load_eval_text(const std::string& path, const Tokenizer& tokenizer) {
  NN_CHECK(!std::filesystem::is_directory(path), path, ": is a directory (give text files)");
  EvalText t;
  t.path = path;
  const std::string text = nn::read_file(path);
  NN_CHECK(!text.empty(), path, ": the file is empty");
  t.bytes = static_cast<int64_t>(text.size());
  t.chars = count_utf8_chars(text);
  t.documents = std::move(load_corpus({path}, tokenizer).train);
  return t;
}

std::vector<int32_t> causal_stream(const Corpus& corpus, int32_t sep_id) {
  std::vector<int32_t> s;
  s.reserve(corpus.num_tokens() + corpus.num_documents() + 1);
  s.push_back(sep_id);
  for (size_t d = 0; d < corpus.num_documents(); ++d) {
    const auto doc = corpus.document_tokens(d);
    s.insert(s.end(), doc.begin(), doc.end());
    s.push_back(sep_id);
  }
  return s;
}

}  // namespace bert
