// wordpiece.h — WordPiece: one normalised word → vocabulary pieces, greedy longest-match-first,
// continuation pieces looked up as "##" + piece (DESIGN.md §3 step 5).
#pragma once
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "bert/tokenizer/vocab.h"

namespace bert {

// Longest word (in code points) WordPiece splits; longer words become [UNK] (HuggingFace: 100).
inline constexpr size_t kMaxWordChars = 100;

// [begin, end) byte range of a piece within its word.
using PieceRange = std::pair<uint32_t, uint32_t>;

// Appends the piece ids of word to ids (and their byte ranges to ranges when not null). Returns
// false, appending nothing, when the word is longer than max_chars code points or some part of it
// matches no piece; the caller then emits [UNK] for the whole word.
bool wordpiece(const Vocab& vocab, std::string_view word, std::vector<int32_t>& ids,
               std::vector<PieceRange>* ranges = nullptr, size_t max_chars = kMaxWordChars);

}  // namespace bert
