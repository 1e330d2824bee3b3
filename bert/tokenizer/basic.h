// basic.h — BERT's basic tokenizer: text → normalised words (DESIGN.md §3 steps 1–4), exactly as
// HuggingFace's BertTokenizer does it, with every word's source byte range for offsets.
//
// Order of work, per text: special tokens written literally ("[MASK]") are cut out first and kept
// whole; the rest is cleaned (controls dropped, whitespace → space), CJK ideographs become words of
// their own, whitespace splits; each whitespace token that is not a special token is lowercased,
// NFD-decomposed and stripped of Mn marks (uncased) or NFC-composed (cased), then punctuation splits.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bert {

// One word: [begin, end) into Words::chars.
struct WordSpan {
  uint32_t begin, end;
};

// The output of BasicTokenizer: normalised words packed into one buffer (no per-word allocation).
struct Words {
  std::string chars;               // all words, concatenated
  std::vector<WordSpan> spans;     // one per word
  std::vector<uint32_t> src_begin; // per byte of chars (when tracking offsets): source range of
  std::vector<uint32_t> src_end;   //   the input character it came from
  bool track_offsets = false;

  // Empties the buffers, keeping their capacity.
  void clear();
  // Text of word i.
  std::string_view word(size_t i) const {
    return std::string_view(chars).substr(spans[i].begin, spans[i].end - spans[i].begin);
  }
};

class BasicTokenizer {
 public:
  // lower_case: uncased rules (lowercase + accent stripping); never_split: tokens such as
  // "[MASK]" that stay whole when written literally in the text.
  BasicTokenizer(bool lower_case, std::vector<std::string> never_split);

  // Appends the words of text to out. Source offsets are byte positions in text plus base.
  // Invalid UTF-8 is read as U+FFFD, which cleaning drops.
  void split(std::string_view text, Words& out, uint32_t base = 0) const;

  // Convenience: the words of text as strings.
  std::vector<std::string> words(std::string_view text) const;

  // True for the uncased rules.
  bool lower_case() const { return lower_case_; }

 private:
  void split_segment(std::string_view text, size_t from, size_t to, Words& out, uint32_t base) const;
  void emit_token(std::string_view text, size_t from, size_t to, bool ascii, Words& out,
                  uint32_t base) const;
  size_t match_never_split(std::string_view text, size_t pos) const;
  bool is_never_split(std::string_view token) const;

  bool lower_case_;
  std::vector<std::string> never_split_;
  bool first_byte_[256] = {};  // first bytes of never_split tokens
};

}  // namespace bert
