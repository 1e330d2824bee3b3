// trainer.cc — BPE merges over counted words, producing a WordPiece vocabulary.
#include "bert/tokenizer/trainer.h"

#include <algorithm>
#include <map>
#include <queue>

#include "bert/tokenizer/utf8.h"
#include "core/error.h"

namespace bert {

namespace {

constexpr std::string_view kPrefix = "##";

// A distinct word as a sequence of symbol ids, and how often it occurs.
struct Word {
  std::vector<int32_t> symbols;
  uint64_t count;
};

// Adjacent symbols a, b packed into one key.
inline uint64_t pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}
inline int32_t first_of(uint64_t key) { return static_cast<int32_t>(key >> 32); }
inline int32_t second_of(uint64_t key) { return static_cast<int32_t>(key & 0xFFFFFFFFu); }

// A candidate merge in the priority queue: highest count first, then the smaller pair.
struct Candidate {
  uint64_t count;
  uint64_t pair;
  bool operator<(const Candidate& o) const {
    return count != o.count ? count < o.count : pair > o.pair;
  }
};

// The vocabulary being built: strings by id and ids by string.
class Symbols {
 public:
  // Id of s, adding it when new.
  int32_t intern(const std::string& s) {
    const auto [it, added] = ids_.try_emplace(s, static_cast<int32_t>(strings_.size()));
    if (added) strings_.push_back(s);
    return it->second;
  }
  // Id of s, or -1.
  int32_t find(const std::string& s) const {
    const auto it = ids_.find(s);
    return it == ids_.end() ? -1 : it->second;
  }
  // String of an id.
  const std::string& str(int32_t id) const { return strings_[static_cast<size_t>(id)]; }
  // Number of symbols.
  size_t size() const { return strings_.size(); }
  // Moves the strings out, in id order.
  std::vector<std::string> take() { return std::move(strings_); }

 private:
  std::vector<std::string> strings_;
  std::unordered_map<std::string, int32_t> ids_;
};

// The alphabet: every character as a word start ("c") and, where it occurs inside a word, as a
// continuation ("##c"); trimmed to the most frequent when it would not fit in `room` entries.
std::vector<std::string> alphabet(const std::vector<std::pair<std::string_view, uint64_t>>& words,
                                  size_t room) {
  std::map<std::pair<char32_t, bool>, uint64_t> freq;  // (char, is continuation) → count
  for (const auto& [word, n] : words) {
    bool first = true;
    for (size_t i = 0; i < word.size();) {
      const char32_t c = decode_utf8(word, i);
      freq[{c, false}] += first ? n : 0;  // every character gets a word-start entry
      if (!first) freq[{c, true}] += n;
      first = false;
    }
  }
  std::vector<std::pair<std::pair<char32_t, bool>, uint64_t>> entries(freq.begin(), freq.end());
  if (entries.size() > room) {  // keep the most frequent, ties by code point
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    entries.resize(room);
  }
  // Word starts first, then continuations, each by code point.
  std::sort(entries.begin(), entries.end(), [](const auto& x, const auto& y) {
    return std::make_pair(x.first.second, x.first.first) < std::make_pair(y.first.second, y.first.first);
  });
  std::vector<std::string> out;
  for (const auto& [key, n] : entries) {
    std::string s = key.second ? std::string(kPrefix) : std::string();
    append_utf8(s, key.first);
    out.push_back(std::move(s));
  }
  return out;
}

// The merging state: words as symbol sequences, pair counts, and where each pair occurs.
class Merger {
 public:
  Merger(std::vector<Word> words, Symbols& symbols) : words_(std::move(words)), symbols_(symbols) {
    for (uint32_t w = 0; w < words_.size(); ++w) add_pairs(w, +1);
    for (const auto& [pair, n] : counts_)
      if (n > 0) queue_.push({static_cast<uint64_t>(n), pair});
  }

  // Performs the best merge; returns false when no pair occurs at least min_frequency times.
  bool merge_best(uint64_t min_frequency) {
    while (!queue_.empty()) {
      const Candidate top = queue_.top();
      queue_.pop();
      const auto it = counts_.find(top.pair);
      const int64_t now = it == counts_.end() ? 0 : it->second;
      if (now <= 0) continue;
      if (static_cast<uint64_t>(now) != top.count) {  // stale entry: requeue at its true count
        if (static_cast<uint64_t>(now) < top.count) queue_.push({static_cast<uint64_t>(now), top.pair});
        continue;
      }
      if (top.count < std::max<uint64_t>(min_frequency, 1)) return false;
      apply(top.pair);
      return true;
    }
    return false;
  }

 private:
  // Adds sign × count of word w to the counts of its adjacent pairs (and notes where they are).
  void add_pairs(uint32_t w, int sign) {
    const Word& word = words_[w];
    for (size_t i = 0; i + 1 < word.symbols.size(); ++i) {
      if (word.symbols[i] < 0 || word.symbols[i + 1] < 0) continue;  // trimmed characters
      const uint64_t key = pair_key(word.symbols[i], word.symbols[i + 1]);
      counts_[key] += sign * static_cast<int64_t>(word.count);
      if (sign > 0) where_[key].push_back(w);
    }
  }

  // Merges every occurrence of pair into one new symbol.
  void apply(uint64_t pair) {
    const int32_t a = first_of(pair), b = second_of(pair);
    const std::string& right = symbols_.str(b);
    const std::string merged =
        symbols_.str(a) + (right.starts_with(kPrefix) ? right.substr(kPrefix.size()) : right);
    const int32_t id = symbols_.intern(merged);
    std::vector<uint32_t> at = std::move(where_[pair]);
    where_.erase(pair);
    std::sort(at.begin(), at.end());
    at.erase(std::unique(at.begin(), at.end()), at.end());
    std::vector<uint64_t> before;
    for (const uint32_t w : at) {
      std::vector<int32_t>& s = words_[w].symbols;
      bool present = false;
      for (size_t i = 0; i + 1 < s.size() && !present; ++i) present = s[i] == a && s[i + 1] == b;
      if (!present) continue;
      add_pairs(w, -1);
      size_t out = 0;
      for (size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) { s[out++] = id; ++i; }
        else s[out++] = s[i];
      }
      s.resize(out);
      add_pairs(w, +1);
      for (size_t i = 0; i + 1 < s.size(); ++i)
        if (s[i] == id || s[i + 1] == id) touched_.push_back(pair_key(s[i], s[i + 1]));
    }
    // Pairs with the new symbol are the only ones that can have grown: queue them.
    std::sort(touched_.begin(), touched_.end());
    touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
    for (const uint64_t key : touched_) {
      const int64_t n = counts_[key];
      if (n > 0 && first_of(key) >= 0 && second_of(key) >= 0) queue_.push({static_cast<uint64_t>(n), key});
    }
    touched_.clear();
    counts_.erase(pair);
  }

  std::vector<Word> words_;
  Symbols& symbols_;
  std::unordered_map<uint64_t, int64_t> counts_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> where_;
  std::priority_queue<Candidate> queue_;
  std::vector<uint64_t> touched_;
};

}  // namespace

std::vector<std::string> train_wordpiece(const WordCounts& counts, const TrainerOptions& options) {
  NN_CHECK(!counts.empty(), "vocabulary training: empty corpus (no words)");
  NN_CHECK(options.vocab_size > options.special_tokens.size(), "vocabulary training: vocab size ",
           options.vocab_size, " leaves no room beyond the ", options.special_tokens.size(),
           " special tokens");
  // Sorted words make every id, and so every tie-break, independent of hash and thread order.
  std::vector<std::pair<std::string_view, uint64_t>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end());

  Symbols symbols;
  for (const std::string& s : options.special_tokens) symbols.intern(s);
  NN_CHECK(symbols.size() == options.special_tokens.size(),
           "vocabulary training: duplicate special token");
  for (const std::string& s : alphabet(sorted, options.vocab_size - symbols.size())) symbols.intern(s);

  std::vector<Word> words;
  words.reserve(sorted.size());
  std::string piece;
  for (const auto& [text, n] : sorted) {
    Word w{{}, n};
    for (size_t i = 0; i < text.size();) {
      piece.assign(w.symbols.empty() ? "" : kPrefix);
      append_utf8(piece, decode_utf8(text, i));
      w.symbols.push_back(symbols.find(piece));  // -1: trimmed from the alphabet
    }
    words.push_back(std::move(w));
  }

  Merger merger(std::move(words), symbols);
  for (size_t merges = 1; symbols.size() < options.vocab_size; ++merges) {
    if (!merger.merge_best(options.min_frequency)) break;
    if (options.progress && merges % 1000 == 0)
      options.progress({"merging", symbols.size(), options.vocab_size});
  }
  if (options.progress) options.progress({"merging", symbols.size(), options.vocab_size});
  return symbols.take();
}

std::vector<std::string> train_wordpiece(std::span<const std::string> files,
                                         const TrainerOptions& options) {
  NN_CHECK(!files.empty(), "vocabulary training: no corpus files");
  const WordCounts counts = count_words(files, options);
  if (counts.empty()) {
    std::string names;
    for (const std::string& f : files) names += (names.empty() ? "'" : ", '") + f + "'";
    nn::fail("vocabulary training: empty corpus (no words in ", names, ")");
  }
  return train_wordpiece(counts, options);
}

void write_vocab(const std::string& path, const std::vector<std::string>& tokens) {
  Vocab(tokens, path).save(path);
}

}  // namespace bert
