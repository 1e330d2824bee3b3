// test_tokenizer_encoding.cc — model inputs: [CLS]/[SEP], pairs and token types, truncation
// (longest first), padding and attention masks, byte offsets, batches, decoding and round trips.
#include <catch2/catch.hpp>

#include <omp.h>

#include "tokenizer_test_util.h"

using bert::EncodeOptions;
using bert::Offset;
using bert::Padding;
using bert::test::small_tokenizer;
using Ids = std::vector<int32_t>;

namespace {
// ids: [PAD]0 [UNK]1 [CLS]2 [SEP]3 [MASK]4 the5 cat6 sat7 on8 mat9 ,10 .11 un12 ##aff13 ##able14
//      a15 dog16 ran17 中18 文19 hello20 e21 ##s22 é23
const bert::Tokenizer tok = small_tokenizer({"the", "cat", "sat", "on", "mat", ",", ".", "un", "##aff",
                                             "##able", "a", "dog", "ran", "中", "文", "hello", "e", "##s",
                                             "é"});
}  // namespace

TEST_CASE("single text: [CLS] text [SEP], types 0, mask 1", "[tokenizer][encoding]") {
  const auto e = tok.encode_single("The cat sat.");
  CHECK(e.ids == Ids{2, 5, 6, 7, 11, 3});
  CHECK(e.token_type_ids == Ids{0, 0, 0, 0, 0, 0});
  CHECK(e.attention_mask == Ids{1, 1, 1, 1, 1, 1});
  CHECK(e.offsets.empty());
  CHECK(tok.encode_single("").ids == Ids{2, 3});  // an empty line still gets [CLS] [SEP]
  EncodeOptions raw;
  raw.add_special_tokens = false;
  CHECK(tok.encode_single("the cat", raw).ids == Ids{5, 6});
  CHECK(tok.encode("the cat") == Ids{5, 6});
}

TEST_CASE("pairs: [CLS] A [SEP] B [SEP], type 1 after the first [SEP]", "[tokenizer][encoding]") {
  const auto e = tok.encode_pair("the cat", "a dog ran");
  CHECK(e.ids == Ids{2, 5, 6, 3, 15, 16, 17, 3});
  CHECK(e.token_type_ids == Ids{0, 0, 0, 0, 1, 1, 1, 1});
  CHECK(e.attention_mask == Ids(8, 1));
  CHECK(tok.encode_pair("", "").ids == Ids{2, 3, 3});
}

TEST_CASE("truncation: single keeps the start; pairs cut the longer first, ties from B", "[tokenizer][encoding]") {
  EncodeOptions o;
  o.max_length = 4;
  CHECK(tok.encode_single("the cat sat on mat", o).ids == Ids{2, 5, 6, 3});
  o.max_length = 2;
  CHECK(tok.encode_single("the cat", o).ids == Ids{2, 3});
  // A has 5 tokens, B 2, room for 4: A shrinks to 2 (5→4→3→2), B stays.
  o.max_length = 7;
  auto e = tok.encode_pair("the cat sat on mat", "a dog", o);
  CHECK(e.ids == Ids{2, 5, 6, 3, 15, 16, 3});
  CHECK(e.token_type_ids == Ids{0, 0, 0, 0, 1, 1, 1});
  // 3 and 3, room for 4: the tie is cut from B first (3,2), then A (2,2).
  e = tok.encode_pair("the cat sat", "a dog ran", o);
  CHECK(e.ids == Ids{2, 5, 6, 3, 15, 16, 3});
  // Room for 5 with 3 and 3: B loses one.
  o.max_length = 8;
  CHECK(tok.encode_pair("the cat sat", "a dog ran", o).ids == Ids{2, 5, 6, 7, 3, 15, 16, 3});
  // Already short enough: untouched.
  o.max_length = 100;
  CHECK(tok.encode_pair("the", "a", o).ids == Ids{2, 5, 3, 15, 3});
  o.max_length = 2;
  CHECK_THROWS_WITH(tok.encode_pair("a", "b", o), Catch::Matchers::Contains("max_length 2 leaves no room"));
}

TEST_CASE("padding to max_length and to the longest of a batch", "[tokenizer][encoding]") {
  EncodeOptions o;
  o.max_length = 6;
  o.padding = Padding::max_length;
  const auto e = tok.encode_single("the cat", o);
  CHECK(e.ids == Ids{2, 5, 6, 3, 0, 0});
  CHECK(e.attention_mask == Ids{1, 1, 1, 1, 0, 0});
  CHECK(e.token_type_ids == Ids{0, 0, 0, 0, 0, 0});
  o.return_offsets = true;
  CHECK(tok.encode_single("the cat", o).offsets.size() == 6);
  EncodeOptions longest;
  longest.padding = Padding::longest;
  const std::vector<std::string> texts{"the", "the cat sat on mat", ""};
  const auto batch = tok.encode_batch(texts, longest);
  for (const auto& b : batch) CHECK(b.size() == 7);
  CHECK(batch[0].ids == Ids{2, 5, 3, 0, 0, 0, 0});
  CHECK(batch[2].attention_mask == Ids{1, 1, 0, 0, 0, 0, 0});
}

TEST_CASE("offsets: byte ranges in the source text for words, pieces, [UNK] and CJK", "[tokenizer][encoding]") {
  EncodeOptions o;
  o.return_offsets = true;
  // H é l l o = bytes 0..6 (é is two bytes), ", " then "unaffable" at 8..17, then 中 and 文.
  const std::string text = "Héllo, unaffable 中文 xyz";
  const auto e = tok.encode_single(text, o);
  CHECK(e.ids == Ids{2, 20, 10, 12, 13, 14, 18, 19, 1, 3});
  const std::vector<Offset> expected{{0, 0},   {0, 6},   {6, 7},   {8, 10},  {10, 13},
                                     {13, 17}, {18, 21}, {21, 24}, {25, 28}, {0, 0}};
  CHECK(e.offsets == expected);
  // Decomposed "é" then "s": uncased drops the mark (e ##s); cased composes é (é ##s).
  const auto d = tok.encode_single("e\u0301s", o);
  CHECK(d.ids == Ids{2, 21, 22, 3});
  CHECK(d.offsets[1] == Offset{0, 1});
  CHECK(d.offsets[2] == Offset{3, 4});
  const bert::Tokenizer cased(tok.vocab(), /*lower_case=*/false);
  const auto c = cased.encode_single("e\u0301s", o);
  CHECK(c.ids == Ids{2, 23, 22, 3});
  CHECK(c.offsets[1] == Offset{0, 3});
  CHECK(c.offsets[2] == Offset{3, 4});
  // Pairs: offsets are into each text.
  const auto p = tok.encode_pair("the", "a dog", o);
  CHECK(p.offsets == std::vector<Offset>{{0, 0}, {0, 3}, {0, 0}, {0, 1}, {2, 5}, {0, 0}});
  // Special tokens written in the text have their place too.
  CHECK(tok.encode_single("a [MASK]", o).offsets[2] == Offset{2, 8});
}

TEST_CASE("batches in parallel equal one-by-one encoding", "[tokenizer][encoding]") {
  std::vector<std::string> texts;
  std::vector<std::pair<std::string, std::string>> pairs;
  const char* words[] = {"the", "cat", "sat", "on", "mat", "unaffable", "中文", "Héllo", "xyz", ",", "."};
  for (int i = 0; i < 500; ++i) {
    std::string t;
    for (int k = 0; k < i % 17; ++k) t += std::string(words[(i * 7 + k * 3) % 11]) + " ";
    texts.push_back(t);
    pairs.emplace_back(t, texts[static_cast<size_t>(i / 2)]);
  }
  EncodeOptions o;
  o.max_length = 12;
  o.return_offsets = true;
  for (const int threads : {1, 2, 4}) {
    omp_set_num_threads(threads);
    const auto batch = tok.encode_batch(texts, o);
    const auto pair_batch = tok.encode_pair_batch(pairs, o);
    REQUIRE(batch.size() == texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      const auto one = tok.encode_single(texts[i], o);
      CHECK(batch[i].ids == one.ids);
      CHECK(batch[i].offsets == one.offsets);
      CHECK(pair_batch[i].ids == tok.encode_pair(pairs[i].first, pairs[i].second, o).ids);
    }
  }
  omp_set_num_threads(omp_get_num_procs());
}

TEST_CASE("assemble: model inputs from ids encoded earlier", "[tokenizer][encoding]") {
  EncodeOptions o;
  o.max_length = 6;
  const auto e = tok.assemble(tok.encode("the cat sat"), tok.encode("a dog"), /*is_pair=*/true, o);
  CHECK(e.ids == Ids{2, 5, 6, 3, 15, 3});
  CHECK(e.token_type_ids == Ids{0, 0, 0, 0, 1, 1});
  CHECK(tok.assemble(tok.encode("the"), {}, false).ids == Ids{2, 5, 3});
}

TEST_CASE("decode joins ## pieces and skips specials", "[tokenizer][decode]") {
  CHECK(tok.decode(Ids{2, 12, 13, 14, 5, 6, 3}) == "unaffable the cat");
  bert::DecodeOptions keep;
  keep.skip_special_tokens = false;
  CHECK(tok.decode(Ids{2, 5, 4, 3, 0}, keep) == "[CLS] the [MASK] [SEP] [PAD]");
  CHECK(tok.decode(Ids{13, 5}) == "##aff the");  // a leading continuation keeps its ##
  CHECK(tok.decode(Ids{}) == "");
  bert::DecodeOptions clean;
  clean.clean_up_spaces = true;
  CHECK(tok.decode(Ids{5, 6, 10, 15, 16, 11}, clean) == "the cat, a dog.");
  CHECK_THROWS_WITH(tok.decode(Ids{999}), Catch::Matchers::Contains("token id 999 out of range"));
}

TEST_CASE("round trip: decode(encode(x)) == x on normalised text", "[tokenizer][decode]") {
  const std::vector<std::string> texts{"the cat sat on the mat .", "unaffable dog , a cat", "中 文 the",
                                       "hello", "", "a"};
  for (const std::string& x : texts) CHECK(tok.decode(tok.encode(x)) == x);
  // Normalisation is what the round trip removes: case, accents, spacing.
  CHECK(tok.decode(tok.encode("The  CAT,sat Héllo")) == "the cat , sat hello");
}
