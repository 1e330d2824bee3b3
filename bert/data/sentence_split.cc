// sentence_split.cc — the rules of sentence_split.h over UTF-8 text.
#include "bert/data/sentence_split.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "bert/tokenizer/utf8.h"

namespace bert {
namespace {

bool is_space(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
         utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_ZS;
}

bool is_terminal(char32_t c) { return c == '.' || c == '!' || c == '?'; }

bool is_closer(char32_t c) {
  return c == '"' || c == '\'' || c == ')' || c == ']' || c == 0x201D || c == 0x2019 || c == 0xBB;
}

bool is_opener(char32_t c) {
  return c == '"' || c == '\'' || c == '(' || c == '[' || c == 0x201C || c == 0x2018 || c == 0xAB;
}

// True when c can start a new sentence: uppercase letter, digit, opening quote or bracket.
bool starts_sentence(char32_t c) {
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT ||
         cat == UTF8PROC_CATEGORY_ND || is_opener(c);
}

// True for "e.g", "U.S", "J.P": letters separated by single dots.
bool is_dotted_initials(std::string_view w) {
  if (w.size() < 3 || w.size() % 2 == 0) return false;
  for (size_t i = 0; i < w.size(); ++i) {
    const bool ok = i % 2 == 0 ? std::isalpha(static_cast<unsigned char>(w[i])) != 0 : w[i] == '.';
    if (!ok) return false;
  }
  return true;
}

// True when the word before a '.' (without the dot and leading openers) is an abbreviation.
bool is_abbreviation(std::string_view w) {
  static constexpr std::array<std::string_view, 15> kCaseless{
      "mr", "mrs", "ms", "dr", "st", "prof", "jr", "sr", "vs", "etc", "cf", "fig", "al", "inc", "ltd"};
  if (w == "No") return true;
  if (w.size() == 1 && w[0] >= 'A' && w[0] <= 'Z') return true;
  if (is_dotted_initials(w)) return true;
  std::string lower(w);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kCaseless.begin(), kCaseless.end(), lower) != kCaseless.end();
}

// The word that ends at byte `end` (exclusive) of s, starting after the previous whitespace,
// without leading opening quotes or brackets.
std::string_view word_before(std::string_view s, size_t end) {
  size_t begin = end;
  while (begin > 0 && !std::isspace(static_cast<unsigned char>(s[begin - 1]))) --begin;
  while (begin < end && (s[begin] == '"' || s[begin] == '\'' || s[begin] == '(' || s[begin] == '['))
    ++begin;
  return s.substr(begin, end - begin);
}

// s without its trailing closing quotes and brackets.
std::string_view strip_closers(std::string_view s) {
  static constexpr std::array<std::string_view, 7> kClosers{
      "\"", "'", ")", "]", "\u201D", "\u2019", "\u00BB"};
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (const auto c : kClosers)
      if (s.ends_with(c)) { s.remove_suffix(c.size()); stripped = true; }
  }
  return s;
}

// Appends text with whitespace runs collapsed to single spaces and trimmed, if non-empty.
void push_sentence(std::vector<std::string>& out, std::string_view text) {
  std::string s;
  bool pending_space = false;
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    const char32_t c = decode_utf8(text, pos);
    if (is_space(c)) { pending_space = !s.empty(); continue; }
    if (pending_space) s.push_back(' ');
    pending_space = false;
    s.append(text.substr(start, pos - start));
  }
  if (!s.empty()) out.push_back(std::move(s));
}

// If a sentence ends at the terminal mark at byte `mark` of s, the byte where its text ends (after
// closers); otherwise 0.
size_t sentence_end_at(std::string_view s, size_t mark) {
  size_t pos = mark + 1;
  while (pos < s.size()) {  // closing quotes and brackets stay with the sentence
    size_t next = pos;
    if (!is_closer(decode_utf8(s, next))) break;
    pos = next;
  }
  const size_t end = pos;
  size_t spaces = 0;
  while (pos < s.size()) {
    size_t next = pos;
    if (!is_space(decode_utf8(s, next))) break;
    pos = next;
    ++spaces;
  }
  if (spaces == 0 || pos >= s.size()) return 0;
  size_t next = pos;
  if (!starts_sentence(decode_utf8(s, next))) return 0;
  if (s[mark] == '.' && is_abbreviation(word_before(s, mark))) return 0;
  return end;
}

}  // namespace

std::vector<std::string> split_sentences(std::string_view paragraph) {
  std::vector<std::string> out;
  size_t begin = 0;
  for (size_t pos = 0; pos < paragraph.size();) {
    const size_t here = pos;
    const char32_t c = decode_utf8(paragraph, pos);
    if (!is_terminal(c)) continue;
    if (here + 1 < paragraph.size() && is_terminal(static_cast<unsigned char>(paragraph[here + 1])))
      continue;  // "?!" and "...": decide at the last mark
    if (const size_t end = sentence_end_at(paragraph, here); end != 0) {
      push_sentence(out, paragraph.substr(begin, end - begin));
      begin = end;
      pos = end;
    }
  }
  push_sentence(out, paragraph.substr(begin));
  return out;
}

bool is_single_sentence(std::string_view text) {
  const auto sentences = split_sentences(text);
  if (sentences.size() != 1) return false;
  const std::string_view s = strip_closers(sentences[0]);
  return !s.empty() && is_terminal(static_cast<unsigned char>(s.back()));
}

}  // namespace bert
