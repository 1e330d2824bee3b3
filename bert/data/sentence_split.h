// sentence_split.h — a rule-based sentence splitter for plain prose (the corpus reader's "prose"
// format): a paragraph becomes sentences, each keeping its closing punctuation.
//
// A sentence ends after '.', '!' or '?' (optionally followed by closing quotes or brackets) when
// whitespace follows and the next text starts with an uppercase letter, a digit, or an opening
// quote or bracket. A '.' does not end a sentence after a common abbreviation (Mr. Mrs. Ms. Dr.
// St. No. Prof. Jr. Sr. vs. etc. cf. Fig. al. Inc. Ltd.), a single capital initial ("J. Smith")
// or dotted initials ("e.g.", "i.e.", "U.S."). Decimals ("3.14") never split: no whitespace follows.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace bert {

// Sentences of paragraph (UTF-8), in order, whitespace runs collapsed to one space, trimmed.
std::vector<std::string> split_sentences(std::string_view paragraph);

// True when text (one line) reads as exactly one sentence ending in . ! or ? (maybe followed by
// closing quotes or brackets); the corpus format detection counts such lines.
bool is_single_sentence(std::string_view text);

}  // namespace bert
