// tokenize — command-line front end of the WordPiece tokenizer: encode text files to BERT ids
// (one output line per input line) and train vocabularies. Arguments, files and progress only;
// the tokenizer itself is in bert/tokenizer/.
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "apps/cli.h"
#include "bert/data/corpus.h"
#include "bert/tokenizer/tokenizer.h"
#include "bert/tokenizer/trainer.h"
#include "bert/tokenizer/utf8.h"
#include "core/error.h"

namespace {

constexpr const char* kUsage =
    "usage: tokenize encode --vocab FILE [--cased] [--max-len N] [--tokens] [--threads N] [FILE...]\n"
    "       tokenize train --vocab-size N --out FILE [--cased] [--min-frequency N] [--threads N] CORPUS...\n"
    "\n"
    "encode  prints, for each input line (split on \\n), the ids of [CLS] line [SEP] separated by\n"
    "        spaces; --tokens prints the token strings instead. Reads stdin when no FILE is given.\n"
    "        --cased keeps case and accents (for cased vocabularies); --max-len N truncates to N\n"
    "        tokens including [CLS] and [SEP]. Invalid UTF-8 is replaced by U+FFFD (then dropped)\n"
    "        with a warning.\n"
    "train   trains a WordPiece vocabulary of N tokens ([PAD] [UNK] [CLS] [SEP] [MASK] first) on\n"
    "        the corpus files (directories: every file in them, as pretrain reads them) and writes it\n"
    "        to FILE as vocab.txt.\n"
    "--threads N  threads to use (default: all cores)\n";

using cli::UsageError;

// Options of both subcommands.
struct Args {
  std::string command, vocab, out;
  bool cased = false, tokens = false;
  size_t max_len = 0, vocab_size = 0, threads = 0, min_frequency = 2;
  std::vector<std::string> files;
};

Args parse_args(const cli::Args& cl) {
  Args a;
  if (cl.positional().empty()) throw UsageError("missing command (encode or train)");
  a.command = cl.positional()[0];
  if (a.command != "encode" && a.command != "train")
    throw UsageError("unknown command '" + a.command + "'");
  a.files.assign(cl.positional().begin() + 1, cl.positional().end());
  a.vocab = cl.get("--vocab");
  a.out = cl.get("--out");
  a.cased = cl.flag("--cased");
  a.tokens = cl.flag("--tokens");
  constexpr long long kMax = 1LL << 40;
  a.max_len = static_cast<size_t>(cl.get_int("--max-len", 0, 2, kMax));
  a.vocab_size = static_cast<size_t>(cl.get_int("--vocab-size", 0, 1, kMax));
  a.min_frequency = static_cast<size_t>(cl.get_int("--min-frequency", 2, 1, kMax));
  a.threads = static_cast<size_t>(cl.get_int("--threads", 0, 1, 1024));
  if (a.command == "encode") {
    if (a.vocab.empty()) throw UsageError("encode needs --vocab FILE");
    if (cl.has("--vocab-size") || cl.has("--out") || cl.has("--min-frequency"))
      throw UsageError("--vocab-size, --out and --min-frequency belong to train");
  } else {
    if (a.vocab_size == 0) throw UsageError("train needs --vocab-size N");
    if (a.out.empty()) throw UsageError("train needs --out FILE");
    if (a.files.empty()) throw UsageError("train needs at least one CORPUS file");
    if (cl.has("--vocab") || a.tokens || a.max_len)
      throw UsageError("--vocab, --tokens and --max-len belong to encode");
  }
  return a;
}

// Buffered stdout writer (one write per MiB).
class Output {
 public:
  ~Output() {  // on an error path: keep what was encoded, never throw from here
    try {
      flush();
    } catch (const std::exception&) {
    }
  }
  void write(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= (size_t{1} << 20)) flush();
  }
  void flush() {
    size_t done = 0;
    while (done < buf_.size()) {
      const ssize_t n = ::write(STDOUT_FILENO, buf_.data() + done, buf_.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        buf_.clear();
        nn::fail("cannot write output: ", std::strerror(errno));
      }
      done += static_cast<size_t>(n);
    }
    buf_.clear();
  }

 private:
  std::string buf_;
};

// Encodes lines of one input and formats their output lines.
class Encoder {
 public:
  Encoder(const bert::Tokenizer& tok, const Args& args) : tok_(tok), args_(args) {}

  // Encodes the lines of text (separated by \n; no \n after the last) numbered from first_line.
  void encode_block(std::string_view text, size_t first_line, const std::string& name, Output& out) {
    lines_.clear();
    for (size_t pos = 0;;) {
      const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
      const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
      lines_.push_back(text.substr(pos, end - pos));
      if (!nl) break;
      pos = end + 1;
    }
    const int threads = omp_get_max_threads();
    parts_.resize(static_cast<size_t>(threads));
    bad_.resize(static_cast<size_t>(threads));
    const size_t n = lines_.size();
#pragma omp parallel num_threads(threads)
    {
      const auto t = static_cast<size_t>(omp_get_thread_num());
      const size_t nt = static_cast<size_t>(omp_get_num_threads());
      std::string& part = parts_[t];
      part.clear();
      bad_[t].clear();
      std::vector<int32_t> ids;
      for (size_t i = n * t / nt; i < n * (t + 1) / nt; ++i) {
        if (!bert::is_valid_utf8(lines_[i])) bad_[t].push_back(first_line + i);
        format_line(lines_[i], ids, part);
      }
    }
    for (size_t t = 0; t < parts_.size(); ++t) {
      for (const size_t line : bad_[t]) warn(name, line);
      out.write(parts_[t]);
    }
  }

 private:
  void format_line(std::string_view line, std::vector<int32_t>& ids, std::string& part) const {
    const bert::SpecialIds& s = tok_.specials();
    ids.clear();
    ids.push_back(s.cls);
    tok_.encode_into(line, ids);
    if (args_.max_len && ids.size() + 1 > args_.max_len) ids.resize(args_.max_len - 1);
    ids.push_back(s.sep);
    char num[16];
    for (size_t k = 0; k < ids.size(); ++k) {
      if (k) part.push_back(' ');
      if (args_.tokens) {
        part += tok_.vocab().token(ids[k]);
      } else {
        const auto r = std::to_chars(num, num + sizeof num, ids[k]);
        part.append(num, static_cast<size_t>(r.ptr - num));
      }
    }
    part.push_back('\n');
  }

  void warn(const std::string& name, size_t line) {
    if (++warnings_ <= kMaxWarnings)
      std::fprintf(stderr, "warning: %s:%zu: invalid UTF-8 replaced by U+FFFD\n", name.c_str(), line);
    else if (warnings_ == kMaxWarnings + 1)
      std::fputs("warning: more lines with invalid UTF-8; no further warnings\n", stderr);
  }

  static constexpr size_t kMaxWarnings = 100;
  const bert::Tokenizer& tok_;
  const Args& args_;
  std::vector<std::string_view> lines_;
  std::vector<std::string> parts_;
  std::vector<std::vector<size_t>> bad_;
  size_t warnings_ = 0;
};

// Reads one input (a file, or stdin for "-") in large blocks and encodes it line by line.
void encode_input(const std::string& path, Encoder& enc, Output& out) {
  const bool is_stdin = path == "-";
  const std::string name = is_stdin ? "<stdin>" : path;
  const std::unique_ptr<FILE, int (*)(FILE*)> file(is_stdin ? nullptr : std::fopen(path.c_str(), "rb"),
                                                   &std::fclose);
  FILE* f = is_stdin ? stdin : file.get();
  if (!f) nn::fail("cannot read '", path, "': ", std::strerror(errno));
  constexpr size_t kBlock = size_t{8} << 20;
  std::string buf;
  size_t line = 1;
  bool eof = false;
  while (!eof) {
    const size_t kept = buf.size();
    buf.resize(kept + kBlock);
    const size_t got = std::fread(buf.data() + kept, 1, kBlock, f);
    buf.resize(kept + got);
    if (got < kBlock) {
      if (std::ferror(f)) nn::fail("cannot read '", name, "': ", std::strerror(errno));
      eof = true;
    }
    // Encode up to the last complete line; at end of input, the unterminated rest too.
    const size_t last_nl = buf.rfind('\n');
    const size_t cut = eof ? buf.size() : (last_nl == std::string::npos ? 0 : last_nl + 1);
    if (cut == 0) continue;
    const std::string_view block(buf.data(), buf[cut - 1] == '\n' ? cut - 1 : cut);
    enc.encode_block(block, line, name, out);
    line += static_cast<size_t>(std::count(buf.data(), buf.data() + cut, '\n'));
    buf.erase(0, cut);
  }
}

int run_encode(const Args& args) {
  const bert::Tokenizer tok = bert::Tokenizer::load(args.vocab, !args.cased);
  Encoder enc(tok, args);
  Output out;
  if (args.files.empty()) encode_input("-", enc, out);
  for (const std::string& f : args.files) encode_input(f, enc, out);
  out.flush();
  return 0;
}

int run_train(const Args& args) {
  const auto start = std::chrono::steady_clock::now();
  bert::TrainerOptions opts;
  opts.vocab_size = args.vocab_size;
  opts.lower_case = !args.cased;
  opts.min_frequency = args.min_frequency;
  const bool tty = ::isatty(STDERR_FILENO);
  auto last = start;
  opts.progress = [&](const bert::TrainProgress& p) {  // at most once a second, and when done
    const auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::seconds(1) && p.done < p.total) return;
    last = now;
    if (p.stage == "counting")
      std::fprintf(stderr, "counting words: %.1f / %.1f MB%s", p.done / 1e6, p.total / 1e6, tty ? "\r" : "\n");
    else
      std::fprintf(stderr, "merging: %zu / %zu tokens%s", p.done, p.total, tty ? "\r" : "\n");
  };
  std::vector<std::string> skipped;  // binary files: named, not read
  const std::vector<std::string> files = bert::corpus_files(args.files, &skipped);  // directories as pretrain reads them
  for (const std::string& s : skipped) std::fprintf(stderr, "warning: corpus: skipped %s: not a text file\n", s.c_str());
  const std::vector<std::string> vocab = bert::train_wordpiece(files, opts);
  bert::write_vocab(args.out, vocab);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "%swrote %zu tokens to %s in %.1f s\n", tty ? "\n" : "", vocab.size(),
               args.out.c_str(), secs);
  if (vocab.size() < args.vocab_size)
    std::fprintf(stderr, "note: the corpus supports only %zu tokens (no pair occurs %zu+ times)\n",
                 vocab.size(), args.min_frequency);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::run(kUsage, [&] {
    const cli::Args cl(argc, argv, {"--vocab", "--out", "--max-len", "--vocab-size", "--min-frequency", "--threads"},
                       {"--cased", "--tokens"});
    if (cl.help()) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    const Args args = parse_args(cl);
    if (args.threads) omp_set_num_threads(static_cast<int>(args.threads));
    return args.command == "encode" ? run_encode(args) : run_train(args);
  });
}
