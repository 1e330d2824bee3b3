// test_corpus.cc — reading corpora: both formats and their detection, directories, UTF-8 repair,
// the held-out split, chunked parallel tokenization, and the errors for bad input.
#include <catch2/catch.hpp>

#include "bert/data/corpus.h"
#include "core/error.h"
#include "data_test_util.h"

using namespace bert;
using bert::test::temp_dir;
using bert::test::write_text;
using Catch::Matchers::Contains;

namespace {

// Ids of every sentence of a corpus, document by document.
std::vector<std::vector<std::vector<int32_t>>> contents(const Corpus& c) {
  std::vector<std::vector<std::vector<int32_t>>> docs(c.num_documents());
  for (size_t d = 0; d < c.num_documents(); ++d)
    for (size_t s = 0; s < c.document_size(d); ++s) {
      const auto ids = c.sentence(d, s);
      docs[d].emplace_back(ids.begin(), ids.end());
    }
  return docs;
}

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

}  // namespace

TEST_CASE("corpus: Google format — a sentence per line, blank lines between documents", "[data][corpus]") {
  const auto tok = test::tiny_tokenizer();
  const auto dir = temp_dir("google");
  const auto path = write_text(dir / "c.txt",
                               "The cat sat.\nThe dog ran.\n\n\n  \nHello world.\r\nIt is big.\nThis is a test.\n");
  const auto loaded = load_corpus({path}, tok);
  CHECK(loaded.stats.files == 1);
  CHECK(loaded.stats.google_files == 1);
  CHECK(loaded.stats.documents == 2);
  CHECK(loaded.stats.sentences == 5);
  CHECK(loaded.eval.num_documents() == 0);
  const auto docs = contents(loaded.train);
  REQUIRE(docs.size() == 2);
  CHECK(docs[0] == std::vector{tok.encode("The cat sat."), tok.encode("The dog ran.")});
  CHECK(docs[1] == std::vector{tok.encode("Hello world."), tok.encode("It is big."), tok.encode("This is a test.")});
  CHECK(loaded.train.num_tokens() == loaded.stats.tokens);
}

TEST_CASE("corpus: prose — paragraphs are documents, split into sentences", "[data][corpus]") {
  const auto tok = test::tiny_tokenizer();
  const auto dir = temp_dir("prose");
  const auto path = write_text(dir / "p.txt",
                               "The cat sat on the mat. The dog\nran. It was big, it was\nsmall.\n\n"
                               "Hello world. This is a\ntest.\n");
  const auto loaded = load_corpus({path}, tok);
  CHECK(loaded.stats.prose_files == 1);
  const auto docs = contents(loaded.train);
  REQUIRE(docs.size() == 2);
  CHECK(docs[0] == std::vector{tok.encode("The cat sat on the mat."), tok.encode("The dog ran."),
                               tok.encode("It was big, it was small.")});
  CHECK(docs[1] == std::vector{tok.encode("Hello world."), tok.encode("This is a test.")});

  SECTION("the format option overrides detection") {
    CorpusOptions options;
    options.format = CorpusFormat::google;
    const auto as_google = load_corpus({path}, tok, options);
    CHECK(as_google.stats.google_files == 1);
    CHECK(as_google.stats.sentences == 5);  // one per line
  }
}

TEST_CASE("corpus: format detection and names", "[data][corpus]") {
  const std::vector<std::string> google{"The cat sat.", "It ran!", "A title", "Is it?"};
  const std::vector<std::string> prose{"The cat sat on the mat and the", "dog ran. It was big and",
                                       "small.", "Hello world. Bye."};
  CHECK(detect_format(google) == CorpusFormat::google);
  CHECK(detect_format(prose) == CorpusFormat::prose);
  CHECK(parse_corpus_format("auto") == CorpusFormat::automatic);
  CHECK(parse_corpus_format("prose") == CorpusFormat::prose);
  CHECK_THROWS_WITH(parse_corpus_format("xml"), Contains("unknown format 'xml'"));
}

TEST_CASE("corpus: directories are read recursively in sorted order, hidden entries skipped", "[data][corpus]") {
  const auto tok = test::tiny_tokenizer();
  const auto dir = temp_dir("tree");
  write_text(dir / "b.txt", "The dog ran.\n");
  write_text(dir / "a.txt", "The cat sat.\n");
  write_text(dir / "sub" / "c.txt", "Hello world.\n");
  write_text(dir / ".hidden.txt", "It is big.\n");
  write_text(dir / ".git" / "x.txt", "It is small.\n");
  const auto files = corpus_files({dir.string()});
  CHECK(files == std::vector<std::string>{(dir / "a.txt").string(), (dir / "b.txt").string(),
                                          (dir / "sub" / "c.txt").string()});
  const auto loaded = load_corpus({dir.string()}, tok);
  CHECK(contents(loaded.train) == std::vector<std::vector<std::vector<int32_t>>>{
                                      {tok.encode("The cat sat.")}, {tok.encode("The dog ran.")},
                                      {tok.encode("Hello world.")}});
}

TEST_CASE("corpus: invalid UTF-8 is replaced and counted per line", "[data][corpus]") {
  const auto tok = test::tiny_tokenizer();
  const auto dir = temp_dir("utf8");
  const auto path = write_text(dir / "bad.txt", "The c\xff" "at sat.\nThe dog\xc3 ran.\nHello world.\n");
  const auto loaded = load_corpus({path}, tok);
  CHECK(loaded.stats.invalid_utf8_lines == 2);
  const auto docs = contents(loaded.train);
  REQUIRE(docs.size() == 1);
  REQUIRE(docs[0].size() == 3);
  // U+FFFD is dropped by BERT's cleaning, so "c\xffat" reads as "cat".
  CHECK(docs[0][0] == tok.encode("The cat sat."));
  CHECK(docs[0][1] == tok.encode("The dog ran."));
}

TEST_CASE("corpus: held-out split is deterministic with at least one document each side", "[data][corpus]") {
  const auto tok = test::tiny_tokenizer();
  const auto dir = temp_dir("split");
  std::string text;
  for (int d = 0; d < 40; ++d) text += std::string(d % 2 ? "The cat sat." : "The dog ran.") + "\n\n";
  const auto path = write_text(dir / "docs.txt", text);
  CorpusOptions options;
  options.eval_fraction = 0.25;
  const auto a = load_corpus({path}, tok, options), b = load_corpus({path}, tok, options);
  CHECK(a.train.num_documents() + a.eval.num_documents() == 40);
  CHECK(a.eval.num_documents() >= 3);
  CHECK(a.eval.num_documents() <= 18);
  CHECK(a.stats.eval_documents == a.eval.num_documents());
  CHECK(contents(a.eval) == contents(b.eval));
  CHECK(contents(a.train) == contents(b.train));

  SECTION("two documents and a tiny fraction: one each side") {
    options.eval_fraction = 0.001;
    const auto two = load_corpus({write_text(dir / "two.txt", "The cat sat.\n\nThe dog ran.\n")}, tok, options);
    CHECK(two.train.num_documents() == 1);
    CHECK(two.eval.num_documents() == 1);
  }
  SECTION("a fraction near one still leaves a training document") {
    options.eval_fraction = 0.999;
    const auto most = load_corpus({path}, tok, options);
    CHECK(most.train.num_documents() >= 1);
    CHECK(most.eval.num_documents() >= 1);
  }
  SECTION("fraction 0: nothing held out; fraction 1: an error") {
    options.eval_fraction = 0;
    CHECK(load_corpus({path}, tok, options).eval.num_documents() == 0);
    options.eval_fraction = 1;
    CHECK_THROWS_WITH(load_corpus({path}, tok, options), Contains("eval fraction"));
  }
}

TEST_CASE("corpus: chunked parallel tokenization gives the same corpus", "[data][corpus]") {
  const auto tok = test::tiny_tokenizer();
  const auto dir = temp_dir("chunks");
  std::string text;
  for (int d = 0; d < 300; ++d) text += "The cat sat on the mat.\nHello world" + std::string(d % 3, '!') + "\n\n";
  const auto path = write_text(dir / "many.txt", text);
  CorpusOptions small;
  small.chunk_bytes = 16;
  const auto a = load_corpus({path}, tok), b = load_corpus({path}, tok, small);
  CHECK(a.stats.documents == 300);
  CHECK(contents(a.train) == contents(b.train));
}

TEST_CASE("corpus: binary files are skipped by name, refused when nothing else is left", "[data][corpus]") {
  const auto tok = test::tiny_tokenizer();
  const auto dir = temp_dir("binary");
  const auto text = write_text(dir / "a.txt", "The cat sat.\n");
  const auto nul = write_text(dir / "b.bin", std::string("The cat\0sat.\n", 14));
  std::string controls = "The dog ran.\n";
  for (int i = 0; i < 4; ++i) controls += "\x01\x02";  // 8 of 21 bytes: control characters
  const auto ctl = write_text(dir / "c.bin", controls);
  const auto latin1 = write_text(dir / "d.txt", "The caf\xe9 sat.\n");  // not UTF-8, but text
  CHECK(binary_reason(text).empty());
  CHECK(binary_reason(latin1).empty());
  CHECK(binary_reason(nul) == "a NUL byte at offset 7");
  CHECK(binary_reason(ctl) == "38% control characters");
  std::vector<std::string> skipped;
  CHECK(corpus_files({dir.string()}, &skipped) == std::vector<std::string>{text, latin1});
  CHECK(skipped == std::vector<std::string>{"'" + nul + "' (a NUL byte at offset 7)", "'" + ctl + "' (38% control characters)"});
  const auto loaded = load_corpus({dir.string()}, tok);
  CHECK(loaded.stats.files == 2);
  CHECK(loaded.stats.skipped_files == skipped);
  CHECK(loaded.stats.invalid_utf8_lines == 1);
  CHECK(loaded.stats.first_invalid_utf8 == latin1 + ":1");
  CHECK_THAT(error_of([&] { load_corpus({nul}, tok); }),
             Contains("corpus: '" + nul + "' (a NUL byte at offset 7) is not a text file"));
  CHECK_THAT(error_of([&] { corpus_files({nul, ctl}); }), Contains("corpus: none of the 2 files is text: '" + nul));
}

TEST_CASE("corpus: errors name the path", "[data][corpus]") {
  const auto tok = test::tiny_tokenizer();
  const auto dir = temp_dir("errors");
  const auto missing = (dir / "missing.txt").string();
  CHECK_THAT(error_of([&] { load_corpus({missing}, tok); }),
             Contains("cannot read '" + missing + "'") && Contains("no such file", Catch::CaseSensitive::No));
  std::filesystem::create_directories(dir / "empty_dir" / "nested");
  const auto empty_dir = (dir / "empty_dir").string();
  CHECK_THAT(error_of([&] { load_corpus({empty_dir}, tok); }),
             Contains("directory '" + empty_dir + "' contains no files"));
  const auto blank = write_text(dir / "blank.txt", "\n  \n\t\n");
  CHECK_THAT(error_of([&] { load_corpus({blank}, tok); }), Contains("no text in '" + blank + "'"));
  const auto empty = write_text(dir / "empty.txt", "");
  CHECK_THAT(error_of([&] { load_corpus({empty, blank}, tok); }),
             Contains("no text in '" + empty + "', '" + blank + "'"));
  CHECK_THAT(error_of([&] { load_corpus({}, tok); }), Contains("no paths"));
}

TEST_CASE("corpus: documents as offsets; pop_document", "[data][corpus]") {
  Corpus c;
  c.add_document(std::vector<std::vector<int32_t>>{{1, 2}, {}, {3}});
  c.add_document(std::vector<std::vector<int32_t>>{{}});
  c.add_document(std::vector<std::vector<int32_t>>{{4, 5, 6}});
  REQUIRE(c.num_documents() == 2);
  CHECK(c.num_sentences() == 3);
  CHECK(c.document_size(0) == 2);
  CHECK(std::vector<int32_t>(c.document_tokens(0).begin(), c.document_tokens(0).end()) ==
        std::vector<int32_t>{1, 2, 3});
  CHECK(std::vector<int32_t>(c.sentence(1, 0).begin(), c.sentence(1, 0).end()) ==
        std::vector<int32_t>{4, 5, 6});
  c.pop_document();
  CHECK(c.num_documents() == 1);
  CHECK(c.num_tokens() == 3);
  CHECK(c.num_sentences() == 2);
}
