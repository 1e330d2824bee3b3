// test_tokenizer_basic.cc — the basic tokenizer's rules one by one (DESIGN.md §3 steps 1–4), with
// hand-worked examples: cleaning, whitespace, CJK, lowercase/accents, punctuation, special tokens.
#include <catch2/catch.hpp>

#include "bert/tokenizer/basic.h"
#include "bert/tokenizer/charclass.h"

using bert::BasicTokenizer;
using Strings = std::vector<std::string>;

namespace {
const BasicTokenizer uncased(true, {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"});
const BasicTokenizer cased(false, {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"});
}  // namespace

TEST_CASE("cleaning drops NUL, U+FFFD and control/format characters without splitting", "[tokenizer][basic]") {
  CHECK(uncased.words(std::string("hel\0lo", 6)) == Strings{"hello"});
  CHECK(uncased.words("a\x01" "b\x7f" "c") == Strings{"abc"});
  CHECK(uncased.words("he\xEF\xBF\xBDllo") == Strings{"hello"});        // U+FFFD
  CHECK(uncased.words("hel\u200Blo wor\u00ADld") == Strings{"hello", "world"});  // ZWSP, soft hyphen (Cf)
  CHECK(uncased.words("a\u0085b") == Strings{"ab"});                     // NEL is Cc: dropped, not space
  CHECK(uncased.words("a\x0b" "b\x0c" "c") == Strings{"abc"});           // VT, FF are Cc
  CHECK(uncased.words("x\uE000y") == Strings{"xy"});                     // private use (Co)
  CHECK(uncased.words("\u200E\u202Eabc\u202C") == Strings{"abc"});       // bidi controls (Cf)
  CHECK(uncased.words("\x01\x02") == Strings{});
}

TEST_CASE("invalid UTF-8 reads as U+FFFD and is dropped", "[tokenizer][basic]") {
  CHECK(uncased.words("ab\xFF" "cd") == Strings{"abcd"});
  CHECK(uncased.words("a\xC3") == Strings{"a"});               // truncated sequence at the end
  CHECK(uncased.words("\xED\xA0\x80x y") == Strings{"x", "y"});  // encoded surrogate
}

TEST_CASE("whitespace: space, tab, newline, CR and category Zs split words", "[tokenizer][basic]") {
  CHECK(uncased.words("  a\tb\nc\rd  ") == Strings{"a", "b", "c", "d"});
  CHECK(uncased.words("a\u00A0b\u3000c\u2003d\u202Fe\u1680f") == Strings{"a", "b", "c", "d", "e", "f"});
  CHECK(uncased.words("a\u2028b\u2029c") == Strings{"a", "b", "c"});  // Python's str.split() splits here
  CHECK(uncased.words("") == Strings{});
  CHECK(uncased.words(" \t\r\n ") == Strings{});
}

TEST_CASE("CJK ideographs become words of their own; kana and hangul do not", "[tokenizer][basic]") {
  CHECK(uncased.words("中文abc") == Strings{"中", "文", "abc"});
  CHECK(uncased.words("ab中cd") == Strings{"ab", "中", "cd"});
  CHECK(uncased.words("\U00020000x") == Strings{"\U00020000", "x"});  // extension B
  CHECK(uncased.words("ひらがな") == Strings{"ひらかな"});  // one word; NFD + Mn stripping drops the dakuten
  CHECK(cased.words("ひらがな") == Strings{"ひらがな"});
  CHECK(uncased.words("カタカナ語") == Strings{"カタカナ", "語"});
  CHECK(bert::is_cjk(0x4E00));
  CHECK(bert::is_cjk(0x9FFF));
  CHECK(bert::is_cjk(0x2F800));
  CHECK_FALSE(bert::is_cjk(0x3041));
}

TEST_CASE("uncased: lowercase, NFD and stripped Mn marks", "[tokenizer][basic]") {
  CHECK(uncased.words("Héllo NAÏVE Ångström") == Strings{"hello", "naive", "angstrom"});
  CHECK(uncased.words("e\u0301te\u0301") == Strings{"ete"});            // decomposed accents
  CHECK(uncased.words("straße") == Strings{"straße"});                  // ß has no decomposition
  CHECK(uncased.words("ﬁne") == Strings{"ﬁne"});                        // compatibility forms stay
  CHECK(uncased.words("ΣΊΣΥΦΟΣ") == Strings{"σισυφοσ"});                // no final-sigma rule (as HF)
  CHECK(uncased.words("İstanbul") == Strings{"istanbul"});              // İ → i + U+0307 → i
  CHECK(uncased.words("\u0301") == Strings{});                          // a lone mark vanishes
  CHECK(uncased.words("한") == Strings{"\u1112\u1161\u11AB"});           // Hangul → conjoining jamo
  CHECK(uncased.words("क्षत्रिय") == Strings{"कषतरिय"});  // virama (Mn) goes, vowel sign i (Mc) stays
}

TEST_CASE("cased: case and accents kept, text composed to NFC", "[tokenizer][basic]") {
  CHECK(cased.words("Héllo NAÏVE") == Strings{"Héllo", "NAÏVE"});
  CHECK(cased.words("e\u0301") == Strings{"\u00E9"});
  CHECK(cased.words("\uF900") == Strings{"\u8C48"});  // CJK compatibility ideograph → NFC
}

TEST_CASE("punctuation: ASCII 33-47, 58-64, 91-96, 123-126 and Unicode P* split off", "[tokenizer][basic]") {
  CHECK(uncased.words("Hello,world!") == Strings{"hello", ",", "world", "!"});
  CHECK(uncased.words("$5+3=8^`|~") == Strings{"$", "5", "+", "3", "=", "8", "^", "`", "|", "~"});
  CHECK(uncased.words("don't") == Strings{"don", "'", "t"});
  CHECK(uncased.words("a—b«c»¿d¡") == Strings{"a", "—", "b", "«", "c", "»", "¿", "d", "¡"});
  CHECK(uncased.words("「括弧」") == Strings{"「", "括", "弧", "」"});
  CHECK(uncased.words("...") == Strings{".", ".", "."});
  CHECK(uncased.words("€100 x² a©b") == Strings{"€100", "x²", "a©b"});  // symbols (S*) are not punctuation
  CHECK(uncased.words("a\u00B7b") == Strings{"a", "\u00B7", "b"});     // middle dot is Po
}

TEST_CASE("special tokens written literally stay whole", "[tokenizer][basic]") {
  CHECK(uncased.words("[MASK]") == Strings{"[MASK]"});
  CHECK(uncased.words("The [MASK] is.") == Strings{"the", "[MASK]", "is", "."});
  CHECK(uncased.words("a[MASK]b[SEP]c") == Strings{"a", "[MASK]", "b", "[SEP]", "c"});
  CHECK(uncased.words("[mask]") == Strings{"[", "mask", "]"});   // only the exact spelling
  CHECK(uncased.words("[Mask]") == Strings{"[", "mask", "]"});
  // Cleaned into "[MASK]": whole for cased text only (HF lowercases uncased text first).
  CHECK(uncased.words("[MA\u200BSK]") == Strings{"[", "mask", "]"});
  CHECK(cased.words("[MA\u200BSK]") == Strings{"[MASK]"});
  CHECK(cased.words("x [CLS] y") == Strings{"x", "[CLS]", "y"});
  const BasicTokenizer none(true, {});
  CHECK(none.words("[MASK]") == Strings{"[", "mask", "]"});
}

TEST_CASE("word offsets point at the source bytes", "[tokenizer][basic]") {
  bert::Words w;
  w.track_offsets = true;
  uncased.split("Héllo, 中!", w);
  REQUIRE(w.spans.size() == 4);
  CHECK(w.word(0) == "hello");
  // "hello": h from byte 0, e from the two bytes of é (1..3), l l o from 3, 4, 5.
  CHECK(w.src_begin[w.spans[0].begin] == 0);
  CHECK(w.src_begin[w.spans[0].begin + 1] == 1);
  CHECK(w.src_end[w.spans[0].begin + 1] == 3);
  CHECK(w.src_end[w.spans[0].end - 1] == 6);
  CHECK(w.src_begin[w.spans[1].begin] == 6);   // ","
  CHECK(w.src_begin[w.spans[2].begin] == 8);   // 中 (3 bytes)
  CHECK(w.src_end[w.spans[2].end - 1] == 11);
  CHECK(w.src_begin[w.spans[3].begin] == 11);  // "!"
}
