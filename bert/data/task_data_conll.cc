// task_data_conll.cc — CoNLL-style token-classification files (rules in task_data.h): a word and its
// tag per line, blank lines between sentences, -DOCSTART- lines skipped.
#include <algorithm>

#include "bert/data/task_data.h"
#include "bert/data/task_data_detail.h"
#include "core/error.h"

namespace bert {

std::vector<TokenSentence> read_conll(std::istream& in, const std::string& name) {
  task_data_detail::LineReader reader(in, name);
  std::vector<TokenSentence> sentences;
  TokenSentence current;
  auto end_sentence = [&] {
    if (!current.words.empty()) sentences.push_back(std::move(current));
    current = {};
  };
  std::string line;
  while (reader.next(line)) {
    constexpr const char* kSpace = " \t";
    const size_t first_begin = line.find_first_not_of(kSpace);
    if (first_begin == std::string::npos) {  // blank: the sentence ends
      end_sentence();
      continue;
    }
    const size_t first_end = std::min(line.find_first_of(kSpace, first_begin), line.size());
    const std::string_view word(line.data() + first_begin, first_end - first_begin);
    if (word == "-DOCSTART-") {  // a document boundary also ends a sentence
      end_sentence();
      continue;
    }
    const size_t last_end = line.find_last_not_of(kSpace) + 1;
    const size_t last_begin = line.find_last_of(kSpace, last_end - 1) + 1;  // npos + 1 == 0
    if (last_begin == first_begin)
      nn::fail(task_data_detail::where(name, reader.line_number(), first_begin + 1),
               "a CoNLL line needs a word and a tag separated by spaces or a tab; this one has one field ('",
               word, "')");
    if (current.words.empty()) current.line = reader.line_number();
    current.words.emplace_back(word);
    current.tags.emplace_back(line, last_begin, last_end - last_begin);
  }
  end_sentence();
  if (sentences.empty())
    nn::fail(task_data_detail::where(name, 1), "no sentences (expected one 'word tag' line per token, "
             "a blank line between sentences)");
  return sentences;
}

std::vector<TokenSentence> read_conll_file(const std::string& path) {
  auto in = task_data_detail::open_input(path);
  return read_conll(in, path);
}

}  // namespace bert
