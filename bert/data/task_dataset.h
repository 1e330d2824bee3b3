// task_dataset.h — labelled fine-tuning examples (bert/data/task_data.h) encoded for the model,
// and their Batches.
//
//  - Sequence classification: [CLS] text [SEP] (text_pair [SEP]) truncated to max_length tokens
//    (a pair loses tokens from its longer side first, as HF's "longest_first"), with a class id, a
//    set of class ids (multi-label: the label field lists them separated by commas) or a number
//    (regression).
//  - Token classification: each word's word pieces, the word's tag on its first piece and −100
//    (not scored) on the others and on [CLS]/[SEP] (HF's label_all_tokens = False); words past
//    max_length are cut.
// The number of examples that were cut is counted, so the apps can say how many lost text.
// A batch pads its examples to the longest, rounded up to a multiple of 8.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bert/data/batch.h"
#include "bert/data/task_data.h"
#include "bert/data/task_data_labels.h"
#include "bert/tokenizer/tokenizer.h"

namespace bert {

enum class LabelTarget {
  single,      // one class id per example: labels (B) I64
  multi,       // a set of class ids per example: labels (B, L) F32 of 0/1
  regression,  // a number per example: labels (B, 1) F32
  token,       // a class id per word piece: labels (B, T) I64, −100 where not scored
};

class TaskDataset {
 public:
  // Encodes sequence-classification examples (target single, multi or regression; `labels` maps
  // class names, unused for regression). Throws nn::Error naming file, line and label when a label
  // is not in the map.
  static TaskDataset sequences(const ExampleFile& file, const Tokenizer& tokenizer, const LabelMap& labels,
                               LabelTarget target, int64_t max_length);
  // Encodes CoNLL sentences for token classification (path names the file in errors).
  static TaskDataset tokens(const std::vector<TokenSentence>& sentences, const std::string& path,
                            const Tokenizer& tokenizer, const LabelMap& tags, int64_t max_length);
  // Encodes unlabelled texts (classify's input); batches then have no labels.
  static TaskDataset unlabelled(const std::vector<TextExample>& examples, const Tokenizer& tokenizer,
                                int64_t max_length);
  // Encodes unlabelled sentences of words for token classification (classify's input).
  static TaskDataset unlabelled_words(const std::vector<std::vector<std::string>>& sentences,
                                      const Tokenizer& tokenizer, int64_t max_length);

  size_t size() const { return ids_.size(); }
  // Examples cut to max_length.
  int64_t truncated() const { return truncated_; }
  // The Batch of examples `indices`, padded to the longest (a multiple of 8).
  Batch batch(std::span<const size_t> indices) const;
  // The Batches of every example in order, batch_size at a time (the last may be smaller).
  std::vector<Batch> batches(size_t batch_size) const;
  // Token classification: for each example, the position of each word's first piece (−1 for a
  // word that was cut or has no pieces), to read one prediction per word.
  const std::vector<std::vector<int32_t>>& word_starts() const { return word_starts_; }
  // The class count of the labels (0 for regression and unlabelled data).
  int64_t num_labels() const { return num_labels_; }

 private:
  LabelTarget target_ = LabelTarget::single;
  bool labelled_ = true;
  int64_t num_labels_ = 0;
  int64_t truncated_ = 0;
  int32_t pad_id_ = 0;
  std::vector<std::vector<int32_t>> ids_, types_;
  std::vector<std::vector<int32_t>> token_labels_;  // token target: per position
  std::vector<std::vector<int32_t>> classes_;       // single: one id; multi: the set
  std::vector<float> values_;                       // regression
  std::vector<std::vector<int32_t>> word_starts_;
};

}  // namespace bert
