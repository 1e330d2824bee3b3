// task_data_labels.h — label maps for fine-tuning: the label names of a task and their class ids,
// built from the training data in a stable order, and the ids of a file's labels (an unknown label
// is an error naming the file, line and label).
//
// Order (LabelMap::from_labels): when every label is an integer (an optional '-' and decimal
// digits, within int64), by numeric value ("2" < "10"; equal values such as "1" and "01" by their
// text); otherwise by byte-wise lexicographic order of the UTF-8 text (code-point order; upper case
// before lower case: "B-PER" < "O" < "a"), which is Python's sorted() on str — HuggingFace's
// run_glue.py and run_ner.py sort labels that way. So "0"/"1" get ids 0/1, and
// "negative"/"positive" or "entailment"/"not_entailment" get the second as id 1.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bert/data/task_data.h"

namespace bert {

class LabelMap {
 public:
  LabelMap() = default;
  // The labels in the order given (id i is names[i], e.g. a checkpoint's id2label); throws
  // nn::Error on an empty or repeated name.
  explicit LabelMap(std::vector<std::string> names);

  // The distinct labels of `labels` in the stable order of the header comment.
  static LabelMap from_labels(const std::vector<std::string>& labels);
  // The labels of a file's examples; throws when it has none (an unlabelled or empty file).
  static LabelMap from_examples(const ExampleFile& file);
  // The tags of CoNLL sentences.
  static LabelMap from_sentences(const std::vector<TokenSentence>& sentences);

  size_t size() const { return names_.size(); }
  const std::vector<std::string>& names() const { return names_; }
  // The name of class `id`; throws nn::Error when id is out of range.
  const std::string& name(int32_t id) const;
  // The id of a label, or nullopt when it is not in the map.
  std::optional<int32_t> find(std::string_view label) const;
  // "a, b, c" — the first `max` names, then "… (N in all)".
  std::string describe(size_t max = 8) const;

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, int32_t> ids_;
};

// The class id of each example's label. Throws nn::Error "path:line:column: label 'x' is not one
// of the N labels of the training data (a, b, …)" at the first unknown label.
std::vector<int32_t> label_ids(const ExampleFile& file, const LabelMap& map);

// The class id of each tag, sentence by sentence; an unknown tag throws nn::Error naming `path`,
// the line of the token and the tag.
std::vector<std::vector<int32_t>> tag_ids(const std::vector<TokenSentence>& sentences, const LabelMap& map,
                                          const std::string& path);

}  // namespace bert
