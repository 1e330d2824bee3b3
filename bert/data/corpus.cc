// corpus.cc — file discovery, line reading with UTF-8 repair, format detection, chunked parallel
// tokenization and the held-out split (rules in corpus.h).
#include "bert/data/corpus.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "bert/data/sentence_split.h"
#include "bert/tokenizer/utf8.h"
#include "core/error.h"
#include "core/rng.h"

namespace bert {
namespace fs = std::filesystem;

namespace {

constexpr size_t kDetectLines = 1000;  // non-empty lines format detection looks at
constexpr double kGoogleShare = 0.6;   // share of single-sentence lines that means Google's format

// True for a line with nothing but ASCII whitespace.
bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

// A document as read, before tokenization: Google sentences, or the lines of a prose paragraph.
struct RawDocument {
  std::vector<std::string> lines;
  bool prose = false;
};

// The sentences of a raw document.
std::vector<std::string> raw_sentences(const RawDocument& doc) {
  if (!doc.prose) return doc.lines;
  std::string paragraph;
  for (const auto& line : doc.lines) {
    if (!paragraph.empty()) paragraph.push_back(' ');
    paragraph += line;
  }
  return split_sentences(paragraph);
}

// Moves the last document of `from` to the end of `to`.
void move_last_document(Corpus& from, Corpus& to) {
  const size_t d = from.num_documents() - 1;
  std::vector<std::vector<int32_t>> sentences;
  for (size_t s = 0; s < from.document_size(d); ++s) {
    const auto ids = from.sentence(d, s);
    sentences.emplace_back(ids.begin(), ids.end());
  }
  to.add_document(sentences);
  from.pop_document();
}

// Collects raw documents line by line and tokenizes them a chunk at a time.
class CorpusBuilder {
 public:
  CorpusBuilder(const Tokenizer& tokenizer, const CorpusOptions& options)
      : tokenizer_(tokenizer), options_(options) {}

  // Reads one file (format per options or detected) into the corpus.
  void read_file(const std::string& path);

  // Tokenizes what is pending, applies the at-least-one-each-side rule and returns the corpus.
  LoadedCorpus finish();

 private:
  std::string clean_line(std::string line, const std::string& path, size_t line_number);
  void add_line(std::string line, bool prose);
  void end_document();
  void flush();
  void append(const std::vector<std::vector<int32_t>>& sentences);

  const Tokenizer& tokenizer_;
  const CorpusOptions& options_;
  LoadedCorpus out_;
  RawDocument current_;
  std::vector<RawDocument> pending_;
  size_t pending_bytes_ = 0;
};

std::string CorpusBuilder::clean_line(std::string line, const std::string& path, size_t line_number) {
  out_.stats.bytes += line.size() + 1;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (is_valid_utf8(line)) return line;
  if (out_.stats.invalid_utf8_lines++ == 0) out_.stats.first_invalid_utf8 = path + ":" + std::to_string(line_number);
  return sanitize_utf8(line);
}

void CorpusBuilder::add_line(std::string line, bool prose) {
  if (is_blank(line)) return end_document();
  current_.prose = prose;
  pending_bytes_ += line.size();
  current_.lines.push_back(std::move(line));
}

void CorpusBuilder::end_document() {
  if (current_.lines.empty()) return;
  pending_.push_back(std::move(current_));
  current_ = RawDocument{};
  if (pending_bytes_ >= options_.chunk_bytes) flush();
}

void CorpusBuilder::read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) nn::fail("corpus: cannot read '", path, "': ", std::strerror(errno));
  // Lines up to the kDetectLines-th non-empty one decide the format.
  std::vector<std::string> head;
  size_t non_empty = 0;
  std::string line;
  size_t line_number = 0;
  while (non_empty < kDetectLines && std::getline(in, line)) {
    head.push_back(clean_line(std::move(line), path, ++line_number));
    if (!is_blank(head.back())) ++non_empty;
  }
  CorpusFormat format = options_.format;
  if (format == CorpusFormat::automatic) {
    std::vector<std::string> sample;
    std::copy_if(head.begin(), head.end(), std::back_inserter(sample),
                 [](const std::string& l) { return !is_blank(l); });
    format = detect_format(sample);
  }
  const bool prose = format == CorpusFormat::prose;
  ++out_.stats.files;
  ++(prose ? out_.stats.prose_files : out_.stats.google_files);
  for (auto& l : head) add_line(std::move(l), prose);
  while (std::getline(in, line)) add_line(clean_line(std::move(line), path, ++line_number), prose);
  if (in.bad()) nn::fail("corpus: cannot read '", path, "': read error");
  end_document();  // documents never span files
}

void CorpusBuilder::flush() {
  std::vector<std::vector<std::vector<int32_t>>> ids(pending_.size());
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 8)
  for (ptrdiff_t i = 0; i < static_cast<ptrdiff_t>(pending_.size()); ++i) {
    try {
      for (const auto& sentence : raw_sentences(pending_[i]))
        ids[i].push_back(tokenizer_.encode(sentence));
    } catch (...) {
#pragma omp critical(corpus_flush_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  pending_.clear();
  pending_bytes_ = 0;
  for (const auto& doc : ids) append(doc);
}

void CorpusBuilder::append(const std::vector<std::vector<int32_t>>& sentences) {
  size_t count = 0, tokens = 0;
  for (const auto& s : sentences) {
    count += !s.empty();
    tokens += s.size();
  }
  if (count == 0) return;
  auto& stats = out_.stats;
  const bool held_out = nn::uniform_at(options_.split_seed, stats.documents) <
                        static_cast<float>(options_.eval_fraction);
  (held_out ? out_.eval : out_.train).add_document(sentences);
  ++stats.documents;
  stats.sentences += count;
  stats.tokens += tokens;
}

LoadedCorpus CorpusBuilder::finish() {
  end_document();
  flush();
  if (options_.eval_fraction > 0 && out_.stats.documents >= 2) {
    if (out_.eval.num_documents() == 0) move_last_document(out_.train, out_.eval);
    if (out_.train.num_documents() == 0) move_last_document(out_.eval, out_.train);
  }
  out_.stats.eval_documents = out_.eval.num_documents();
  return std::move(out_);
}

// Files under directory dir (recursive, regular, not hidden), sorted.
std::vector<std::string> directory_files(const fs::path& dir) {
  std::vector<std::string> files;
  try {
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
         ++it) {
      const bool hidden = it->path().filename().string().starts_with(".");
      if (hidden && it->is_directory()) it.disable_recursion_pending();
      if (!hidden && it->is_regular_file()) files.push_back(it->path().string());
    }
  } catch (const fs::filesystem_error& e) {
    nn::fail("corpus: cannot read directory '", dir.string(), "': ", e.code().message());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

CorpusFormat parse_corpus_format(const std::string& name) {
  if (name == "auto") return CorpusFormat::automatic;
  if (name == "google") return CorpusFormat::google;
  if (name == "prose") return CorpusFormat::prose;
  nn::fail("corpus: unknown format '", name, "' (expected auto, google or prose)");
}

void Corpus::add_document(std::span<const std::vector<int32_t>> sentences) {
  const size_t before = num_sentences();
  for (const auto& s : sentences) {
    if (s.empty()) continue;
    tokens_.insert(tokens_.end(), s.begin(), s.end());
    sentence_begin_.push_back(tokens_.size());
  }
  if (num_sentences() > before) document_begin_.push_back(num_sentences());
}

void Corpus::pop_document() {
  NN_CHECK(num_documents() > 0, "Corpus::pop_document: the corpus is empty");
  document_begin_.pop_back();
  sentence_begin_.resize(document_begin_.back() + 1);
  tokens_.resize(sentence_begin_.back());
}

std::span<const int32_t> Corpus::sentence(size_t d, size_t s) const {
  const size_t i = document_begin_[d] + s;
  return {tokens_.data() + sentence_begin_[i], sentence_begin_[i + 1] - sentence_begin_[i]};
}

std::span<const int32_t> Corpus::document_tokens(size_t d) const {
  const size_t b = sentence_begin_[document_begin_[d]], e = sentence_begin_[document_begin_[d + 1]];
  return {tokens_.data() + b, e - b};
}

std::string binary_reason(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) nn::fail("corpus: cannot read '", path, "': ", std::strerror(errno));
  std::string head(64 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (const size_t nul = head.find('\0'); nul != std::string::npos)
    return "a NUL byte at offset " + std::to_string(nul);
  // C0 controls other than the whitespace ones (tab, newline, vertical tab, form feed, return) and
  // DEL: text has next to none, random bytes about 11%.
  const auto control = std::count_if(head.begin(), head.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && (c < 0x09 || c > 0x0D)) || c == 0x7F;
  });
  if (control * 20 > static_cast<ptrdiff_t>(head.size()))
    return std::to_string(control * 100 / static_cast<ptrdiff_t>(head.size())) + "% control characters";
  return "";
}

std::vector<std::string> corpus_files(const std::vector<std::string>& paths, std::vector<std::string>* skipped) {
  std::vector<std::string> files, binary;
  for (const auto& path : paths) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status))
      nn::fail("corpus: cannot read '", path, "': ",
               ec ? ec.message() : std::string("no such file or directory"));
    std::vector<std::string> found{path};
    if (fs::is_directory(status)) {
      found = directory_files(path);
      NN_CHECK(!found.empty(), "corpus: directory '", path, "' contains no files");
    }
    for (std::string& file : found) {
      const std::string why = binary_reason(file);
      if (why.empty()) files.push_back(std::move(file));
      else binary.push_back("'" + file + "' (" + why + ")");
    }
  }
  if (files.empty()) {
    std::string names;
    for (const std::string& b : binary) names += (names.empty() ? "" : ", ") + b;
    if (binary.size() == 1) nn::fail("corpus: ", names, " is not a text file; give text, one sentence per line");
    nn::fail("corpus: none of the ", binary.size(), " files is text: ", names);
  }
  if (skipped) *skipped = std::move(binary);
  return files;
}

CorpusFormat detect_format(std::span<const std::string> lines) {
  const auto single = std::count_if(lines.begin(), lines.end(),
                                    [](const std::string& l) { return is_single_sentence(l); });
  const bool google = !lines.empty() && static_cast<double>(single) >=
                                            kGoogleShare * static_cast<double>(lines.size());
  return google ? CorpusFormat::google : CorpusFormat::prose;
}

LoadedCorpus load_corpus(const std::vector<std::string>& paths, const Tokenizer& tokenizer,
                         const CorpusOptions& options) {
  NN_CHECK(options.eval_fraction >= 0 && options.eval_fraction < 1,
           "corpus: eval fraction ", options.eval_fraction, " is not in [0, 1)");
  NN_CHECK(!paths.empty(), "corpus: no paths given");
  CorpusBuilder builder(tokenizer, options);
  std::vector<std::string> skipped;
  for (const auto& file : corpus_files(paths, &skipped)) builder.read_file(file);
  LoadedCorpus corpus = builder.finish();
  corpus.stats.skipped_files = std::move(skipped);
  if (corpus.stats.sentences == 0) {
    std::string names;
    for (const auto& p : paths) names += (names.empty() ? "'" : ", '") + p + "'";
    nn::fail("corpus: no text in ", names, " (empty or only blank lines)");
  }
  return corpus;
}

}  // namespace bert
