// test_tokenizer_wordpiece.cc — WordPiece (greedy longest match, "##" pieces, [UNK], the 100-char
// limit) and loading vocab.txt (ids, special tokens, errors that name the problem).
#include <catch2/catch.hpp>

#include <fstream>

#include "bert/tokenizer/wordpiece.h"
#include "core/error.h"
#include "tokenizer_test_util.h"

using bert::Vocab;
using bert::test::small_tokenizer;
using bert::test::small_vocab;
using Strings = std::vector<std::string>;
using Catch::Matchers::Contains;

TEST_CASE("wordpiece: greedy longest match first with ## continuations", "[tokenizer][wordpiece]") {
  const Vocab v = small_vocab({"un", "una", "##aff", "##able", "##ff", "##a", "a", "##b", "##c", "##bc", "aff"});
  const auto pieces = [&](std::string_view word) {
    std::vector<int32_t> ids;
    std::vector<bert::PieceRange> ranges;
    Strings out;
    if (!bert::wordpiece(v, word, ids, &ranges)) return Strings{"<unk>"};
    for (size_t i = 0; i < ids.size(); ++i) {
      out.push_back(v.token(ids[i]));
      CHECK(ranges[i].second > ranges[i].first);
    }
    return out;
  };
  // "una" is the longest first piece; then "##ff" (no "##ffable"), then "##able".
  CHECK(pieces("unaffable") == Strings{"una", "##ff", "##able"});
  CHECK(pieces("abc") == Strings{"a", "##bc"});     // longest continuation wins over ##b ##c
  CHECK(pieces("abcb") == Strings{"a", "##bc", "##b"});
  CHECK(pieces("aff") == Strings{"aff"});
  CHECK(pieces("abd") == Strings{"<unk>"});         // no piece covers "d"
  CHECK(pieces("xa") == Strings{"<unk>"});          // no first piece
}

TEST_CASE("wordpiece: more than 100 characters is [UNK], counted in code points", "[tokenizer][wordpiece]") {
  const auto tok = small_tokenizer({"a", "##a", "é", "##é"}, /*lower_case=*/false);
  const int32_t unk = tok.specials().unk;
  CHECK(tok.encode(std::string(100, 'a')).size() == 100);
  CHECK(tok.encode(std::string(101, 'a')) == std::vector<int32_t>{unk});
  std::string e100;
  for (int i = 0; i < 100; ++i) e100 += "é";  // 200 bytes, 100 characters
  CHECK(tok.encode(e100).size() == 100);
  CHECK(tok.encode(e100 + "é") == std::vector<int32_t>{unk});
  // [UNK] replaces the whole word, not the rest of the text.
  CHECK(tok.encode(std::string(101, 'a') + " a") == std::vector<int32_t>{unk, 5});
}

TEST_CASE("tokenize: words, pieces and [UNK] end to end", "[tokenizer][wordpiece]") {
  const auto tok = small_tokenizer({"hello", "world", ",", "!", "un", "##aff", "##able", "naive", "cafe", "中"});
  CHECK(tok.tokenize("Hello, World!") == Strings{"hello", ",", "world", "!"});
  CHECK(tok.tokenize("unaffable naïve CAFÉ") == Strings{"un", "##aff", "##able", "naive", "cafe"});
  CHECK(tok.tokenize("中文 hello") == Strings{"中", "[UNK]", "hello"});
  CHECK(tok.tokenize("[MASK] hello [SEP]") == Strings{"[MASK]", "hello", "[SEP]"});
  CHECK(tok.tokenize("xyz") == Strings{"[UNK]"});
  CHECK(tok.tokenize("") == Strings{});
  CHECK(tok.encode("hello [MASK]") == std::vector<int32_t>{5, 4});
}

TEST_CASE("vocab: ids are line numbers; specials are found", "[tokenizer][vocab]") {
  const Vocab v = Vocab::parse("[PAD]\nhello\n[UNK]\n##lo\n[CLS]\n[SEP]\n[MASK]\n", "v.txt");
  CHECK(v.size() == 7);
  CHECK(v.id("hello") == 1);
  CHECK(v.id("##lo") == 3);
  CHECK(v.continuation_id("lo") == 3);
  CHECK(v.continuation_id("hello") == -1);
  CHECK(v.id("absent") == -1);
  CHECK(v.token(1) == "hello");
  CHECK(v.specials().pad == 0);
  CHECK(v.specials().unk == 2);
  CHECK(v.specials().cls == 4);
  CHECK(v.specials().sep == 5);
  CHECK(v.specials().mask == 6);
  CHECK(v.max_token_bytes() == 6);
  CHECK(v.max_continuation_bytes() == 2);
  CHECK_THROWS_WITH(v.token(7), Contains("token id 7 out of range"));
  // No trailing newline and CRLF line ends are accepted.
  CHECK(Vocab::parse("a\r\nb", "crlf.txt").tokens() == Strings{"a", "b"});
}

TEST_CASE("vocab: malformed files give errors naming file and line", "[tokenizer][vocab]") {
  CHECK_THROWS_WITH(Vocab::load("/nonexistent/vocab.txt"),
                    Contains("cannot read '/nonexistent/vocab.txt'") && Contains("No such file"));
  CHECK_THROWS_WITH(Vocab::parse("", "empty.txt"), Contains("empty.txt: empty vocabulary file"));
  CHECK_THROWS_WITH(Vocab::parse("a\n\nb\n", "blank.txt"), Contains("blank.txt:2: empty token"));
  CHECK_THROWS_WITH(Vocab::parse("a\nb\xFF\n", "bad.txt"), Contains("bad.txt:2: token is not valid UTF-8"));
  CHECK_THROWS_WITH(Vocab::parse(std::string("a\n\0b\n", 5), "bin.txt"), Contains("bin.txt:2: NUL byte"));
  CHECK_THROWS_AS(Vocab::parse("a\n\nb\n", "blank.txt"), nn::Error);
  CHECK_THROWS_WITH(bert::Tokenizer(Vocab::parse("[CLS]\n[SEP]\nhello\n", "nounk.txt")),
                    Contains("nounk.txt: malformed vocabulary: no [UNK] token"));
  CHECK_THROWS_WITH(bert::Tokenizer(Vocab::parse("[UNK]\n[SEP]\n", "nocls.txt")), Contains("no [CLS] token"));
}

TEST_CASE("vocab: save and load round trip", "[tokenizer][vocab]") {
  const auto dir = bert::test::temp_dir("vocab");
  const Vocab v = small_vocab({"hello", "##lo", "中"});
  v.save((dir / "vocab.txt").string());
  const Vocab w = Vocab::load((dir / "vocab.txt").string());
  CHECK(w.tokens() == v.tokens());
  std::filesystem::remove_all(dir);
}
