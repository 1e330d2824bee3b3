// vocab.cc — loading, validating and saving vocab.txt.
#include "bert/tokenizer/vocab.h"

#include <cstring>

#include "nn/io/atomic_file.h"
#include "nn/io/read_file.h"
#include "bert/tokenizer/utf8.h"
#include "core/error.h"

namespace bert {

Vocab Vocab::load(const std::string& path) { return parse(nn::read_file(path), path); }

Vocab Vocab::parse(std::string_view text, const std::string& source) {
  NN_CHECK(!text.empty(), source, ": empty vocabulary file");
  std::vector<std::string> tokens;
  tokens.reserve(text.size() / 7 + 16);
  size_t pos = 0;
  while (pos < text.size()) {
    const char* nl = static_cast<const char*>(std::memchr(text.data() + pos, '\n', text.size() - pos));
    const size_t end = nl ? static_cast<size_t>(nl - text.data()) : text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // tolerate CRLF files
    NN_CHECK(!line.empty(), source, ":", tokens.size() + 1, ": empty token (blank line)");
    NN_CHECK(line.find('\0') == std::string_view::npos, source, ":", tokens.size() + 1,
             ": NUL byte in token (not a text vocabulary)");
    NN_CHECK(is_valid_utf8(line), source, ":", tokens.size() + 1, ": token is not valid UTF-8");
    tokens.emplace_back(line);
    pos = end + 1;
  }
  return Vocab(std::move(tokens), source);
}

Vocab::Vocab(std::vector<std::string> tokens, std::string source)
    : tokens_(std::move(tokens)), source_(std::move(source)) {
  NN_CHECK(!tokens_.empty(), source_, ": vocabulary has no tokens");
  NN_CHECK(tokens_.size() < (size_t{1} << 31), source_, ": vocabulary too large");
  words_.reserve(tokens_.size());
  continuations_.reserve(tokens_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const std::string& t = tokens_[i];
    NN_CHECK(!t.empty(), source_, ": token ", i, " is empty");
    NN_CHECK(t.find('\n') == std::string::npos, source_, ": token ", i, " contains a newline");
    const auto id = static_cast<int32_t>(i);
    words_.insert(t, id);
    if (t.size() > 2 && t[0] == '#' && t[1] == '#') continuations_.insert(std::string_view(t).substr(2), id);
  }
  specials_.pad = id("[PAD]");
  specials_.unk = id("[UNK]");
  specials_.cls = id("[CLS]");
  specials_.sep = id("[SEP]");
  specials_.mask = id("[MASK]");
}

void Vocab::save(const std::string& path) const {
  std::string data;
  for (const std::string& t : tokens_) {
    data += t;
    data += '\n';
  }
  nn::atomic_write(path, data);
}

const std::string& Vocab::token(int32_t id) const {
  NN_CHECK(id >= 0 && static_cast<size_t>(id) < tokens_.size(), source_, ": token id ", id,
           " out of range [0, ", tokens_.size(), ")");
  return tokens_[static_cast<size_t>(id)];
}

}  // namespace bert
