// test_tokenizer_trainer.cc — WordPiece vocabulary training: hand-worked merges, tie-breaking,
// "##" pieces, alphabet trimming, determinism across thread counts, files and errors.
#include <catch2/catch.hpp>

#include <omp.h>

#include <fstream>

#include "bert/tokenizer/trainer.h"
#include "tokenizer_test_util.h"

using bert::TrainerOptions;
using Strings = std::vector<std::string>;
using Catch::Matchers::Contains;

namespace {
// Trains on in-memory lines.
Strings train(const Strings& lines, size_t vocab_size, uint64_t min_frequency = 1) {
  TrainerOptions o;
  o.vocab_size = vocab_size;
  o.min_frequency = min_frequency;
  return bert::train_wordpiece(bert::count_words_in_texts(lines, o), o);
}
const Strings kSpecials{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
Strings with_specials(const Strings& rest) {
  Strings all = kSpecials;
  all.insert(all.end(), rest.begin(), rest.end());
  return all;
}
}  // namespace

TEST_CASE("trainer: specials, then the alphabet, then the most frequent merge", "[tokenizer][trainer]") {
  // Alphabet: every character as a start (a b c d), continuations seen inside words (##b ##d).
  // Pairs: (a,##b) 3 times, (c,##d) once → "ab" first.
  CHECK(train({"ab ab ab cd"}, 12) == with_specials({"a", "b", "c", "d", "##b", "##d", "ab"}));
  CHECK(train({"ab ab ab cd"}, 13) == with_specials({"a", "b", "c", "d", "##b", "##d", "ab", "cd"}));
  // min_frequency 2 stops before the pair seen once, short of the requested size.
  CHECK(train({"ab ab ab cd"}, 100, 2) == with_specials({"a", "b", "c", "d", "##b", "##d", "ab"}));
  // Words are normalised first (lowercase, punctuation split off as words of their own).
  CHECK(train({"AB Ab, ab", "cd!"}, 14) ==
        with_specials({"!", ",", "a", "b", "c", "d", "##b", "##d", "ab"}));
}

TEST_CASE("trainer: ties go to the pair of smaller ids; ## pieces merge into ## pieces", "[tokenizer][trainer]") {
  // (a,##b) and (c,##d) both once: (a,##b) has the smaller ids.
  CHECK(train({"cd ab"}, 12).back() == "ab");
  // (a,##b) and (##b,##c) both twice: "ab" first, then "ab"+"##c" = "abc".
  CHECK(train({"abc abc"}, 12) == with_specials({"a", "b", "c", "##b", "##c", "ab", "abc"}));
  // (##b,##c) three times beats each (x|y|z,##b) once: a continuation piece "##bc".
  CHECK(train({"xbc ybc zbc"}, 13).back() == "##bc");
}

TEST_CASE("trainer: alphabet trimmed to the most frequent when the size is small", "[tokenizer][trainer]") {
  // ##a occurs twice, a and b once each (tie: lower code point kept).
  CHECK(train({"aaa b"}, 7) == with_specials({"a", "##a"}));
  CHECK_THROWS_WITH(train({"a"}, 5), Contains("vocab size 5 leaves no room"));
}

TEST_CASE("trainer: deterministic whatever the thread count; its vocabulary covers the corpus", "[tokenizer][trainer]") {
  Strings lines;
  uint64_t x = 12345;
  const char* syllables[] = {"ka", "lo", "mi", "ne", "ru", "ta", "shi", "ba", "do", "xe"};
  for (int i = 0; i < 3000; ++i) {
    std::string line;
    for (int w = 0; w < 8; ++w) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const int n = 1 + static_cast<int>((x >> 33) % 4);
      for (int s = 0; s < n; ++s) line += syllables[(x >> (40 + 3 * s)) % 10];
      line += (w % 5 == 4) ? ". " : " ";
    }
    lines.push_back(line);
  }
  omp_set_num_threads(1);
  const Strings one = train(lines, 300);
  omp_set_num_threads(2);
  const Strings two = train(lines, 300);
  omp_set_num_threads(omp_get_num_procs());
  CHECK(one == two);
  CHECK(one.size() == 300);
  CHECK(Strings(one.begin(), one.begin() + 5) == kSpecials);
  const bert::Tokenizer tok(bert::Vocab(one), true);
  for (const std::string& line : lines) {
    for (const int32_t id : tok.encode(line)) REQUIRE(id != tok.specials().unk);
  }
  // Frequent words become single tokens.
  CHECK(tok.tokenize("ka lo").size() == 2);
}

TEST_CASE("trainer: corpus files, vocab.txt output, errors", "[tokenizer][trainer]") {
  const auto dir = bert::test::temp_dir("trainer");
  const std::string corpus = (dir / "corpus.txt").string(), empty = (dir / "empty.txt").string();
  std::ofstream(corpus) << "ab ab ab cd\n\nab\n";
  std::ofstream(empty) << " \n\t\n";
  TrainerOptions o;
  o.vocab_size = 12;
  o.min_frequency = 1;
  size_t reports = 0;
  o.progress = [&](const bert::TrainProgress&) { ++reports; };
  const Strings vocab = bert::train_wordpiece(Strings{corpus}, o);
  CHECK(vocab == with_specials({"a", "b", "c", "d", "##b", "##d", "ab"}));
  CHECK(reports >= 2);
  const std::string out = (dir / "vocab.txt").string();
  bert::write_vocab(out, vocab);
  CHECK(bert::Vocab::load(out).tokens() == vocab);
  CHECK(bert::Tokenizer::load(out).tokenize("abab cd ab") == Strings{"[UNK]", "c", "##d", "ab"});

  CHECK_THROWS_WITH(bert::train_wordpiece(Strings{empty}, o), Contains("empty corpus") && Contains("empty.txt"));
  CHECK_THROWS_WITH(bert::train_wordpiece(Strings{(dir / "missing.txt").string()}, o),
                    Contains("cannot read") && Contains("missing.txt"));
  CHECK_THROWS_WITH(bert::train_wordpiece(Strings{dir.string()}, o), Contains("is a directory"));
  CHECK_THROWS_WITH(bert::train_wordpiece(Strings{}, o), Contains("no corpus files"));
  std::filesystem::remove_all(dir);
}
