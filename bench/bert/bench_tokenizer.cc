// bench_tokenizer.cc — WordPiece encoding throughput (MB/s of UTF-8 input, tokens/s) at 1 and 2
// threads on the ../shared/data texts with the bert-base-uncased vocabulary, and vocab loading.
// Skips (with a message) when the shared data is absent.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <filesystem>
#include <string>
#include <vector>

#include "nn/io/read_file.h"
#include "bert/tokenizer/tokenizer.h"

namespace {

const std::filesystem::path kData = std::filesystem::path(NNBERT_SOURCE_DIR) / ".." / "shared" / "data";
const std::string kVocab = (kData / "bert-base-uncased" / "vocab.txt").string();

// A text split into lines, and its size in bytes.
struct Corpus {
  std::vector<std::string> lines;
  size_t bytes = 0;
};

Corpus load_corpus(const std::filesystem::path& path) {
  Corpus c;
  const std::string text = nn::read_file(path.string());
  c.bytes = text.size();
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    c.lines.emplace_back(text, pos, end - pos);
    pos = end + 1;
  }
  return c;
}

// Loading vocab.txt (part of every start-up).
void BM_VocabLoad(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(bert::Vocab::load(kVocab));
}

// Encoding every line of a text to model inputs ([CLS] … [SEP]) with encode_batch.
void BM_EncodeBatch(benchmark::State& state, const bert::Tokenizer* tok, const Corpus* corpus) {
  omp_set_num_threads(static_cast<int>(state.range(0)));
  size_t tokens = 0;
  for (auto _ : state) {
    const auto encodings = tok->encode_batch(corpus->lines);
    for (const auto& e : encodings) tokens += e.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus->bytes));
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
}

// Encoding line by line into one reused id buffer on one thread (the `tokenize encode` path).
void BM_EncodeInto(benchmark::State& state, const bert::Tokenizer* tok, const Corpus* corpus) {
  std::vector<int32_t> ids;
  size_t tokens = 0;
  for (auto _ : state) {
    for (const std::string& line : corpus->lines) {
      ids.clear();
      tok->encode_into(line, ids);
      tokens += ids.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus->bytes));
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
}

void BM_Skip(benchmark::State& state) {
  for (auto _ : state) {}
  state.SkipWithError(("skipping: " + kVocab + " not found").c_str());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (!std::filesystem::exists(kVocab)) {
    benchmark::RegisterBenchmark("BM_Tokenizer", BM_Skip);
    benchmark::RunSpecifiedBenchmarks();
    return 0;
  }
  static const bert::Tokenizer tok = bert::Tokenizer::load(kVocab, true);
  static std::vector<std::pair<std::string, Corpus>> corpora;
  for (const char* name : {"wikitext-2/wiki.test.tokens", "wikitext-2-raw/wiki.test.raw", "tinyshakespeare/input.txt"})
    if (std::filesystem::exists(kData / name)) corpora.emplace_back(name, load_corpus(kData / name));
  benchmark::RegisterBenchmark("BM_VocabLoad", BM_VocabLoad)->Unit(benchmark::kMillisecond);
  for (const auto& [name, corpus] : corpora) {
    // One thread: rates from CPU time, which stays honest when other processes share the cores.
    benchmark::RegisterBenchmark(("BM_EncodeInto/" + name).c_str(), BM_EncodeInto, &tok, &corpus)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_EncodeBatch/" + name).c_str(), BM_EncodeBatch, &tok, &corpus)
        ->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
  }
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
