// wordpiece.cc — greedy longest-match-first piece search over the vocabulary's hash tables.
#include "bert/tokenizer/wordpiece.h"

#include <algorithm>

#include "bert/tokenizer/utf8.h"

namespace bert {

namespace {
// True for a UTF-8 continuation byte (not the start of a character).
inline bool continues(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
}  // namespace

bool wordpiece(const Vocab& vocab, std::string_view word, std::vector<int32_t>& ids,
               std::vector<PieceRange>* ranges, size_t max_chars) {
  const size_t n = word.size();
  if (n > max_chars && count_code_points(word) > max_chars) return false;
  const size_t mark = ids.size();
  const size_t range_mark = ranges ? ranges->size() : 0;
  for (size_t start = 0; start < n;) {
    // No piece is longer than the longest vocabulary entry: start the search there.
    const size_t limit = start == 0 ? vocab.max_token_bytes() : vocab.max_continuation_bytes();
    size_t end = std::min(n, start + limit);
    while (end > start && end < n && continues(word[end])) --end;
    int32_t id = -1;
    while (end > start) {
      const std::string_view piece = word.substr(start, end - start);
      id = start == 0 ? vocab.id(piece) : vocab.continuation_id(piece);
      if (id >= 0) break;
      --end;
      while (end > start && continues(word[end])) --end;
    }
    if (id < 0) {
      ids.resize(mark);
      if (ranges) ranges->resize(range_mark);
      return false;
    }
    ids.push_back(id);
    if (ranges) ranges->emplace_back(static_cast<uint32_t>(start), static_cast<uint32_t>(end));
    start = end;
  }
  return true;
}

}  // namespace bert
