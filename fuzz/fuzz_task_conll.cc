// fuzz_task_conll.cc — fuzz target: arbitrary bytes as a CoNLL token-tag file (and its tag map)
// and as classify's text-lines input ("text" or "text<TAB>pair" per line).
#include <sstream>
#include <string>

#include "bert/data/task_data.h"
#include "bert/data/task_data_labels.h"
#include "core/error.h"
#include "fuzz/fuzz_util.h"

// Reads the bytes both ways; only nn::Error may escape.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(fuzz::bytes(data, size));
  try {
    std::istringstream in(text);
    const std::vector<bert::TokenSentence> sentences = bert::read_conll(in, "train.conll");
    if (sentences.empty()) __builtin_trap();
    for (const bert::TokenSentence& s : sentences)
      if (s.words.empty() || s.words.size() != s.tags.size()) __builtin_trap();
    const bert::LabelMap map = bert::LabelMap::from_sentences(sentences);
    (void)bert::tag_ids(sentences, map, "train.conll");
  } catch (const nn::Error&) {
  }
  try {
    std::istringstream in(text);
    const std::vector<bert::TextExample> lines = bert::read_text_lines(in, "input.txt");
    for (const bert::TextExample& e : lines)
      if (e.text.empty() || (e.text_pair && e.text_pair->empty())) __builtin_trap();
  } catch (const nn::Error&) {
  }
  return 0;
}
