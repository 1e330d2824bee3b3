// test_task_dataset.cc — fine-tuning examples encoded for the model (bert/data/task_dataset.h),
// checked id by id against encodings worked by hand over the tiny vocabulary of data_test_util.h:
// single texts, pairs cut longest-first (and the count of cut examples), multi-label sets as 0/1
// rows, regression values, CoNLL words with their tag on the first word piece only, words cut at
// max_length with their word_starts, batches padded to a multiple of 8 (mask, pad id, −100), and
// unknown labels in held-out data as errors naming file, line and column.
#include <catch2/catch.hpp>

#include <sstream>

#include "bert/data/task_data.h"
#include "bert/data/task_data_labels.h"
#include "bert/data/task_dataset.h"
#include "core/error.h"
#include "data_test_util.h"

using namespace bert;
using bert::test::tiny_tokenizer;

// The tiny vocabulary's ids used below: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, the 5, cat 6, sat 7,
// on 8, mat 9, a 10, dog 11, ran 12, it 16, hello 18, world 19, play 22, ##ing 23, ##s 24, . 27,
// ! 29.

namespace {

// Message of the nn::Error that f throws ("" when it throws none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const nn::Error& e) {
    return e.what();
  }
  return "";
}

// A TSV table read from text, named `name` in errors.
ExampleFile tsv(const std::string& text, const std::string& name = "t.tsv", LabelKind kind = LabelKind::categorical) {
  std::istringstream in(text);
  ExampleOptions o;
  o.label_kind = kind;
  return read_table_examples(in, name, '\t', o);
}

// CoNLL sentences read from text, named `name` in errors.
std::vector<TokenSentence> conll(const std::string& text, const std::string& name = "t.conll") {
  std::istringstream in(text);
  return read_conll(in, name);
}

// The batch of the given examples.
Batch batch_of(const TaskDataset& d, std::vector<size_t> indices) { return d.batch(indices); }

using Ids = std::vector<int64_t>;
using Shape = std::vector<int64_t>;

}  // namespace

TEST_CASE("task dataset: single texts are [CLS] text [SEP] with their class ids", "[data][task_dataset]") {
  const Tokenizer tok = tiny_tokenizer();
  const LabelMap labels({"neg", "pos"});
  const TaskDataset d = TaskDataset::sequences(tsv("sentence\tlabel\nthe cat sat.\tpos\nhello world!\tneg\n"), tok,
                                               labels, LabelTarget::single, 128);
  REQUIRE(d.size() == 2);
  CHECK(d.truncated() == 0);
  CHECK(d.num_labels() == 2);
  // [CLS] the cat sat . [SEP] = 6 tokens and [CLS] hello world ! [SEP] = 5, padded to 8.
  const Batch b = batch_of(d, {0, 1});
  CHECK(b.input_ids.shape() == Shape{2, 8});
  CHECK(b.input_ids.to_ids() == Ids{2, 5, 6, 7, 27, 3, 0, 0, /**/ 2, 18, 19, 29, 3, 0, 0, 0});
  CHECK(b.token_type_ids.to_ids() == Ids(16, 0));
  CHECK(b.attention_mask.to_ids() == Ids{1, 1, 1, 1, 1, 1, 0, 0, /**/ 1, 1, 1, 1, 1, 0, 0, 0});
  REQUIRE(b.labels.defined());
  CHECK(b.labels.dtype() == nn::DType::I64);
  CHECK(b.labels.shape() == Shape{2});
  CHECK(b.labels.to_ids() == Ids{1, 0});
  // A batch takes its examples in the order asked.
  CHECK(batch_of(d, {1, 0}).labels.to_ids() == Ids{0, 1});
  CHECK(batch_of(d, {1, 0}).input_ids.to_ids() == Ids{2, 18, 19, 29, 3, 0, 0, 0, /**/ 2, 5, 6, 7, 27, 3, 0, 0});
}

TEST_CASE("task dataset: pairs lose tokens from the longer side first; cut examples are counted",
          "[data][task_dataset]") {
  const Tokenizer tok = tiny_tokenizer();
  const LabelMap labels({"no", "yes"});
  // max_length 8 leaves 5 tokens for A and B after [CLS] [SEP] [SEP].
  //  1. A = 6 tokens, B = 3: A is cut to 4, 3, then the tie 3/3 cuts B: A = 3, B = 2.
  //  2. A = 2, B = 3: exactly 8 tokens, nothing cut.
  //  3. A = 1, B = 6: B is cut to 4.
  const TaskDataset d = TaskDataset::sequences(
      tsv("sentence1\tsentence2\tlabel\n"
          "the cat sat on the mat\ta dog ran\tyes\n"
          "the cat\ta dog ran\tno\n"
          "it\tthe cat sat on the mat\tyes\n"),
      tok, labels, LabelTarget::single, 8);
  CHECK(d.truncated() == 2);
  const Batch b = batch_of(d, {0, 1, 2});
  CHECK(b.input_ids.shape() == Shape{3, 8});
  CHECK(b.input_ids.to_ids() == Ids{2, 5, 6, 7, 3, 10, 11, 3,  //
                                    2, 5, 6, 3, 10, 11, 12, 3,  //
                                    2, 16, 3, 5, 6, 7, 8, 3});
  CHECK(b.token_type_ids.to_ids() == Ids{0, 0, 0, 0, 0, 1, 1, 1,  //
                                         0, 0, 0, 0, 1, 1, 1, 1,  //
                                         0, 0, 0, 1, 1, 1, 1, 1});
  CHECK(b.attention_mask.to_ids() == Ids(24, 1));
  CHECK(b.labels.to_ids() == Ids{1, 0, 1});

  // A single text is cut at its end: [CLS] the cat [SEP].
  const TaskDataset s = TaskDataset::sequences(tsv("sentence\tlabel\nthe cat sat on\tyes\nthe\tno\n"), tok, labels,
                                               LabelTarget::single, 4);
  CHECK(s.truncated() == 1);
  CHECK(batch_of(s, {0}).input_ids.to_ids() == Ids{2, 5, 6, 3, 0, 0, 0, 0});
  CHECK(error_of([&] {
          TaskDataset::sequences(tsv("sentence\tlabel\nthe\tno\n"), tok, labels, LabelTarget::single, 2);
        }) ==
        "fine-tuning: the maximum length must be at least 3 tokens, got 2");
}

TEST_CASE("task dataset: multi-label sets become (B, L) rows of 0/1", "[data][task_dataset]") {
  const Tokenizer tok = tiny_tokenizer();
  const LabelMap labels({"animal", "object", "sound"});
  // Names are split on commas, spaces around them trimmed; a name given twice is one label.
  const TaskDataset d = TaskDataset::sequences(tsv("text\tlabel\n"
                                                   "the cat\tanimal\n"
                                                   "the mat\tobject , animal\n"
                                                   "a dog ran\tsound,animal,sound\n",
                                                   "m.tsv"),
                                               tok, labels, LabelTarget::multi, 128);
  CHECK(d.num_labels() == 3);
  const Batch b = batch_of(d, {0, 1, 2});
  CHECK(b.input_ids.to_ids() == Ids{2, 5, 6, 3, 0, 0, 0, 0,  //
                                    2, 5, 9, 3, 0, 0, 0, 0,  //
                                    2, 10, 11, 12, 3, 0, 0, 0});
  REQUIRE(b.labels.defined());
  CHECK(b.labels.dtype() == nn::DType::F32);
  CHECK(b.labels.shape() == Shape{3, 3});
  CHECK(b.labels.to_vector() == std::vector<float>{1, 0, 0, /**/ 1, 1, 0, /**/ 1, 0, 1});
  CHECK(batch_of(d, {2}).labels.to_vector() == std::vector<float>{1, 0, 1});
  // A name that is not a label: the error points at the label field.
  CHECK(error_of([&] {
          TaskDataset::sequences(tsv("text\tlabel\nthe cat\tanimal\nthe dog\tanimal,noise\n", "m.tsv"), tok, labels,
                                 LabelTarget::multi, 128);
        }) == "m.tsv:3:9: label 'noise' is not one of the 3 labels of the training data ('animal', 'object', 'sound')");
}

TEST_CASE("task dataset: regression values become (B, 1)", "[data][task_dataset]") {
  const Tokenizer tok = tiny_tokenizer();
  const TaskDataset d = TaskDataset::sequences(tsv("text\tlabel\nthe cat\t1.5\nthe dog\t-2\nthe mat\t0.25\n", "r.tsv",
                                                   LabelKind::numeric),
                                               tok, LabelMap(), LabelTarget::regression, 128);
  CHECK(d.num_labels() == 1);
  const Batch b = batch_of(d, {0, 1, 2});
  REQUIRE(b.labels.defined());
  CHECK(b.labels.dtype() == nn::DType::F32);
  CHECK(b.labels.shape() == Shape{3, 1});
  CHECK(b.labels.to_vector() == std::vector<float>{1.5f, -2.f, 0.25f});
  CHECK(batch_of(d, {2, 0}).labels.to_vector() == std::vector<float>{0.25f, 1.5f});
}

TEST_CASE("task dataset: token tags on each word's first piece, −100 elsewhere", "[data][task_dataset]") {
  const Tokenizer tok = tiny_tokenizer();
  // Tags in the reader's order: ANI 0, O 1, V 2.
  const std::vector<TokenSentence> sentences = conll(
      "the O\nplaying V\ncats ANI\nsat O\n"  // the | play ##ing | cat ##s | sat
      "\n"
      "the O\n\x07 O\nzebra ANI\n");         // a word of no pieces (a control character); [UNK]
  const LabelMap tags = LabelMap::from_sentences(sentences);
  REQUIRE(tags.names() == std::vector<std::string>{"ANI", "O", "V"});
  const TaskDataset d = TaskDataset::tokens(sentences, "t.conll", tok, tags, 128);
  CHECK(d.truncated() == 0);
  CHECK(d.num_labels() == 3);
  const Batch b = batch_of(d, {0, 1});
  CHECK(b.input_ids.shape() == Shape{2, 8});
  CHECK(b.input_ids.to_ids() == Ids{2, 5, 22, 23, 6, 24, 7, 3, /**/ 2, 5, 1, 3, 0, 0, 0, 0});
  REQUIRE(b.labels.defined());
  CHECK(b.labels.dtype() == nn::DType::I64);
  CHECK(b.labels.shape() == Shape{2, 8});
  CHECK(b.labels.to_ids() == Ids{-100, 1, 2, -100, 0, -100, 1, -100, /**/ -100, 1, 0, -100, -100, -100, -100, -100});
  CHECK(b.attention_mask.to_ids() == Ids{1, 1, 1, 1, 1, 1, 1, 1, /**/ 1, 1, 1, 1, 0, 0, 0, 0});
  CHECK(b.token_type_ids.to_ids() == Ids(16, 0));
  // One position per word: its first piece; −1 for the word without pieces.
  CHECK(d.word_starts() == std::vector<std::vector<int32_t>>{{1, 2, 4, 6}, {1, -1, 2}});
}

TEST_CASE("task dataset: words past max_length are cut whole, with word_starts −1", "[data][task_dataset]") {
  const Tokenizer tok = tiny_tokenizer();
  const std::vector<TokenSentence> sentences = conll("the O\nplaying V\ncats ANI\nsat O\n");
  const LabelMap tags({"ANI", "O", "V"});
  // max_length 7: room for 5 pieces — the, play ##ing, cat ##s fill it exactly; sat is cut.
  const TaskDataset seven = TaskDataset::tokens(sentences, "t.conll", tok, tags, 7);
  CHECK(seven.truncated() == 1);
  CHECK(batch_of(seven, {0}).input_ids.to_ids() == Ids{2, 5, 22, 23, 6, 24, 3, 0});
  CHECK(batch_of(seven, {0}).labels.to_ids() == Ids{-100, 1, 2, -100, 0, -100, -100, -100});
  CHECK(seven.word_starts() == std::vector<std::vector<int32_t>>{{1, 2, 4, -1}});
  // max_length 4: room for 2 — "the" fits, "playing" (2 pieces) does not; no word after a cut
  // word is kept, even "sat" which would fit (so the words kept are always a prefix).
  const TaskDataset four = TaskDataset::tokens(sentences, "t.conll", tok, tags, 4);
  CHECK(four.truncated() == 1);
  CHECK(batch_of(four, {0}).input_ids.to_ids() == Ids{2, 5, 3, 0, 0, 0, 0, 0});
  CHECK(batch_of(four, {0}).labels.to_ids() == Ids{-100, 1, -100, -100, -100, -100, -100, -100});
  CHECK(four.word_starts() == std::vector<std::vector<int32_t>>{{1, -1, -1, -1}});
  // Unlabelled words (classify's input) give the same ids and starts, and batches without labels.
  const TaskDataset words = TaskDataset::unlabelled_words({{"the", "playing", "cats", "sat"}}, tok, 7);
  CHECK(batch_of(words, {0}).input_ids.to_ids() == Ids{2, 5, 22, 23, 6, 24, 3, 0});
  CHECK_FALSE(batch_of(words, {0}).labels.defined());
  CHECK(words.word_starts() == seven.word_starts());
  CHECK(words.num_labels() == 0);
}

TEST_CASE("task dataset: batches pad to the longest rounded up to 8, with the vocabulary's pad id",
          "[data][task_dataset]") {
  // [PAD] is not id 0 here: [UNK] 0, [CLS] 1, [SEP] 2, [MASK] 3, the 4, cat 5, [PAD] 6.
  const Tokenizer tok(Vocab({"[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "[PAD]"}, "pad vocabulary"));
  REQUIRE(tok.specials().pad == 6);
  std::vector<TextExample> texts(4);
  texts[0].text = "the cat";                      // 4 tokens
  texts[1].text = "the the the the the the the";  // 9 tokens
  texts[2].text = "cat";                          // 3 tokens
  texts[3].text = "the the the the the the";      // 8 tokens
  const TaskDataset d = TaskDataset::unlabelled(texts, tok, 128);
  CHECK(d.num_labels() == 0);
  const std::vector<Batch> batches = d.batches(2);
  REQUIRE(batches.size() == 2);
  // 9 tokens round up to 16.
  CHECK(batches[0].input_ids.shape() == Shape{2, 16});
  CHECK(batches[0].input_ids.to_ids() == Ids{1, 4, 5, 2, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,  //
                                             1, 4, 4, 4, 4, 4, 4, 4, 2, 6, 6, 6, 6, 6, 6, 6});
  CHECK(batches[0].attention_mask.to_ids() == Ids{1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                                  1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0});
  CHECK(batches[0].token_type_ids.to_ids() == Ids(32, 0));
  CHECK_FALSE(batches[0].labels.defined());
  // Exactly 8 tokens stay 8.
  CHECK(batches[1].input_ids.shape() == Shape{2, 8});
  CHECK(batches[1].input_ids.to_ids() == Ids{1, 5, 2, 6, 6, 6, 6, 6, /**/ 1, 4, 4, 4, 4, 4, 4, 2});
  CHECK(batches[1].attention_mask.to_ids() == Ids{1, 1, 1, 0, 0, 0, 0, 0, /**/ 1, 1, 1, 1, 1, 1, 1, 1});
  // The last batch may be smaller; every example comes once, in order.
  const std::vector<Batch> threes = d.batches(3);
  REQUIRE(threes.size() == 2);
  CHECK(threes[0].input_ids.size(0) == 3);
  CHECK(threes[1].input_ids.shape() == Shape{1, 8});
  CHECK(error_of([&] { d.batch(std::vector<size_t>{4}); }) == "TaskDataset::batch: example 4 of 4");
  CHECK(error_of([&] { d.batch(std::vector<size_t>{}); }) == "TaskDataset::batch: no examples");
}

TEST_CASE("task dataset: a label of held-out data that training never saw names file, line and column",
          "[data][task_dataset]") {
  const Tokenizer tok = tiny_tokenizer();
  const LabelMap labels = LabelMap::from_examples(tsv("sentence\tlabel\nthe cat\tneg\nthe dog\tpos\n", "train.tsv"));
  CHECK(error_of([&] {
          TaskDataset::sequences(tsv("sentence\tlabel\nthe cat sat\tneg\na dog\tneutral\n", "dev.tsv"), tok, labels,
                                 LabelTarget::single, 128);
        }) == "dev.tsv:3:7: label 'neutral' is not one of the 2 labels of the training data ('neg', 'pos')");
  // JSON lines: the line only (the JSON reader does not record where in the object the label is).
  std::istringstream in("{\"text\": \"the cat\", \"label\": \"neg\"}\n{\"text\": \"a dog\", \"label\": \"maybe\"}\n");
  const ExampleFile j = read_jsonl_examples(in, "dev.jsonl");
  CHECK(error_of([&] { TaskDataset::sequences(j, tok, labels, LabelTarget::single, 128); }) ==
        "dev.jsonl:2: label 'maybe' is not one of the 2 labels of the training data ('neg', 'pos')");
  // CoNLL: the line of the word (its tag's column is not recorded by the reader).
  const LabelMap tags({"ANI", "O"});
  CHECK(error_of([&] {
          TaskDataset::tokens(conll("the O\ncat ANI\n\nthe O\ndog BIRD\n", "dev.conll"), "dev.conll", tok, tags, 128);
        }) ==
        "dev.conll:5: label 'BIRD' is not one of the 2 labels of the training data ('ANI', 'O')");
}
