// word_counts.cc — the first step of vocabulary training: count normalised words, lines in
// parallel (one map per thread, merged at the end).
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "bert/tokenizer/basic.h"
#include "nn/io/read_file.h"
#include "bert/tokenizer/trainer.h"
#include "bert/tokenizer/utf8.h"
#include "bert/tokenizer/wordpiece.h"

namespace bert {

namespace {

// Counts the words of every line of text into per-thread maps.
void count_lines(std::string_view text, const BasicTokenizer& basic,
                 std::vector<WordCounts>& local) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < text.size();) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
    if (end > pos) lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  const auto n = static_cast<int64_t>(lines.size());
#pragma omp parallel
  {
    WordCounts& counts = local[static_cast<size_t>(omp_get_thread_num())];
    Words words;
#pragma omp for schedule(dynamic, 256)
    for (int64_t i = 0; i < n; ++i) {
      words.clear();
      basic.split(lines[static_cast<size_t>(i)], words);
      for (size_t w = 0; w < words.spans.size(); ++w) {
        const std::string_view word = words.word(w);
        if (word.size() > kMaxWordChars && count_code_points(word) > kMaxWordChars) continue;
        const auto it = counts.find(word);
        if (it != counts.end()) ++it->second;
        else counts.emplace(std::string(word), 1);
      }
    }
  }
}

// Sums the per-thread maps.
WordCounts merge(std::vector<WordCounts>& local) {
  WordCounts total = std::move(local[0]);
  for (size_t t = 1; t < local.size(); ++t)
    for (auto& [word, n] : local[t]) total[word] += n;
  return total;
}

// Text is cut into blocks of about this size, at line ends, between progress reports.
constexpr size_t kBlockBytes = size_t{4} << 20;

}  // namespace

WordCounts count_words(std::span<const std::string> files, const TrainerOptions& options) {
  const BasicTokenizer basic(options.lower_case, {});
  std::vector<WordCounts> local(static_cast<size_t>(omp_get_max_threads()));
  size_t total = 0, done = 0;
  for (const std::string& f : files) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(f, ec);
    if (!ec) total += static_cast<size_t>(size);
  }
  for (const std::string& f : files) {
    const std::string text = nn::read_file(f);
    for (size_t pos = 0; pos < text.size();) {
      size_t end = std::min(text.size(), pos + kBlockBytes);
      if (end < text.size()) {
        const size_t nl = text.find('\n', end);
        end = nl == std::string::npos ? text.size() : nl + 1;
      }
      count_lines(std::string_view(text).substr(pos, end - pos), basic, local);
      done += end - pos;
      pos = end;
      if (options.progress) options.progress({"counting", done, std::max(total, done)});
    }
  }
  return merge(local);
}

WordCounts count_words_in_texts(std::span<const std::string> texts, const TrainerOptions& options) {
  const BasicTokenizer basic(options.lower_case, {});
  std::vector<WordCounts> local(static_cast<size_t>(omp_get_max_threads()));
  for (const std::string& text : texts) count_lines(text, basic, local);
  return merge(local);
}

}  // namespace bert
