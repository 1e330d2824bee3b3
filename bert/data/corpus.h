// corpus.h — pretraining text in: files or directories → tokenized documents of sentences, with a
// deterministic held-out split for evaluation.
//
// Formats (chosen per file, or forced by CorpusOptions::format):
//  - google: Google's create_pretraining_data input — one sentence per line, a blank line between
//    documents;
//  - prose: paragraphs separated by blank lines, each split into sentences by split_sentences()
//    (sentence_split.h); every paragraph is one document (so one long file still gives many
//    documents for NSP's "random other document" and for the held-out split).
// Automatic detection looks at the first 1000 non-empty lines of a file: when at least 60% of them
// are single sentences ending in . ! or ? (is_single_sentence), the file is in Google's format,
// otherwise prose (wrapped or one-paragraph-per-line text fails that test).
//
// Streaming and memory: files are read one at a time, line by line, and tokenized in chunks of
// about CorpusOptions::chunk_bytes of text (in parallel with OpenMP over the documents of a chunk,
// appended in order, so the result does not depend on the thread count); raw text is never held
// beyond one chunk. The tokenized corpus is kept in memory: 4 bytes per token plus 8 per sentence —
// roughly the size of the text itself, fine for corpora of hundreds of MB of text, not for
// hundreds of GB.
//
// Directories are read recursively; regular files only, hidden files and directories (names
// starting with '.') skipped, paths sorted so the document order is the same on every machine.
// Binary files (binary_reason: a NUL byte, or more than 5% control characters, in the first 64 KiB)
// are skipped and named in CorpusStats::skipped_files when text files remain, refused when none do.
// Text that is not valid UTF-8 (Latin-1, say) is read with the bad bytes replaced, counted and named
// in the stats (the caller warns).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bert/tokenizer/tokenizer.h"

namespace bert {

enum class CorpusFormat { automatic, google, prose };

// "auto" | "google" | "prose" → the format; throws nn::Error on anything else.
CorpusFormat parse_corpus_format(const std::string& name);

struct CorpusOptions {
  CorpusFormat format = CorpusFormat::automatic;
  double eval_fraction = 0.0;     // share of documents held out, in [0, 1)
  uint64_t split_seed = 0;        // which documents are held out
  size_t chunk_bytes = 8u << 20;  // text tokenized per parallel chunk
};

// What loading saw; nothing is printed, the caller reports it.
struct CorpusStats {
  size_t files = 0, google_files = 0, prose_files = 0;
  size_t bytes = 0;               // text read
  size_t invalid_utf8_lines = 0;  // lines whose invalid UTF-8 was replaced by U+FFFD
  std::string first_invalid_utf8;  // "path:line" of the first such line
  std::vector<std::string> skipped_files;  // binary files left out: "'path' (reason)"
  size_t documents = 0, sentences = 0, tokens = 0;  // over train + eval
  size_t eval_documents = 0;
};

// Tokenized documents: sentences of int32 ids, stored as one flat array with offsets.
class Corpus {
 public:
  // Appends a document; empty sentences are skipped, a document without tokens is not added.
  void add_document(std::span<const std::vector<int32_t>> sentences);
  // Removes the last document.
  void pop_document();

  size_t num_documents() const { return document_begin_.size() - 1; }
  size_t num_sentences() const { return sentence_begin_.size() - 1; }
  size_t num_tokens() const { return tokens_.size(); }
  // Number of sentences of document d.
  size_t document_size(size_t d) const { return document_begin_[d + 1] - document_begin_[d]; }
  // Ids of sentence s of document d.
  std::span<const int32_t> sentence(size_t d, size_t s) const;
  // Ids of every sentence of document d, concatenated.
  std::span<const int32_t> document_tokens(size_t d) const;

 private:
  std::vector<int32_t> tokens_;
  std::vector<uint64_t> sentence_begin_{0};  // sentence i is tokens_[begin[i], begin[i+1])
  std::vector<uint64_t> document_begin_{0};  // document d is sentences [begin[d], begin[d+1])
};

struct LoadedCorpus {
  Corpus train, eval;
  CorpusStats stats;
};

// Why the file at `path` is not text ("a NUL byte at offset N", "N% control characters", looking
// at its first 64 KiB), or "" when it looks like text; throws nn::Error naming it when unreadable.
std::string binary_reason(const std::string& path);

// The text files a list of paths names: files as given, directories expanded (see the header
// comment), binary files left out and, when `skipped` is not null, listed there as "'path' (reason)".
// Throws nn::Error naming the path when it does not exist or a directory holds no files, and naming
// the binary files when no text file remains.
std::vector<std::string> corpus_files(const std::vector<std::string>& paths,
                                      std::vector<std::string>* skipped = nullptr);

// Format of a file from its first non-empty lines (the rule in the header comment).
CorpusFormat detect_format(std::span<const std::string> lines);

// Reads and tokenizes the corpus; document g (in file order) is held out when
// uniform_at(split_seed, g) < eval_fraction; with eval_fraction > 0 and at least two documents,
// each side gets at least one. Throws nn::Error naming the path when a file cannot be read, and
// naming the paths when they hold no text.
LoadedCorpus load_corpus(const std::vector<std::string>& paths, const Tokenizer& tokenizer,
                         const CorpusOptions& options = {});

}  // namespace bert
