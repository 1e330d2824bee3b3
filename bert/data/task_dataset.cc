// task_dataset.cc — encoding fine-tuning examples and padding them into Batches.
#include "bert/data/task_dataset.h"

#include <algorithm>
#include <sstream>

#include "core/error.h"

namespace bert {
namespace {

// The class names of a multi-label field: "a,b" → {"a", "b"} (spaces around names trimmed).
std::vector<std::string> split_labels(const std::string& field) {
  std::vector<std::string> out;
  std::stringstream ss(field);
  for (std::string name; std::getline(ss, name, ',');) {
    const size_t b = name.find_first_not_of(" \t"), e = name.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(name.substr(b, e - b + 1));
  }
  return out;
}

// The id of `label` in `labels`, or an error naming where the label is.
int32_t class_id(const LabelMap& labels, const std::string& label, const std::string& path, size_t line,
                 size_t column) {
  const std::optional<int32_t> id = labels.find(label);
  if (!id) {
    std::ostringstream where;
    where << path << ":" << line;
    if (column) where << ":" << column;
    nn::fail(where.str(), ": label '", label, "' is not one of the ", labels.size(), " labels of the training data (",
             labels.describe(), ")");
  }
  return *id;
}

}  // namespace

TaskDataset TaskDataset::sequences(const ExampleFile& file, const Tokenizer& tokenizer, const LabelMap& labels,
                                   LabelTarget target, int64_t max_length) {
  NN_CHECK(target != LabelTarget::token, "TaskDataset::sequences: token targets come from TaskDataset::tokens");
  NN_CHECK(max_length >= 3, "fine-tuning: the maximum length must be at least 3 tokens, got ", max_length);
  TaskDataset d;
  d.target_ = target;
  d.pad_id_ = std::max<int32_t>(tokenizer.specials().pad, 0);
  d.num_labels_ = target == LabelTarget::regression ? 1 : static_cast<int64_t>(labels.size());
  EncodeOptions o;
  o.max_length = static_cast<size_t>(max_length);
  for (const TextExample& e : file.examples) {
    std::vector<int32_t> a = tokenizer.encode(e.text), b;
    if (e.text_pair) b = tokenizer.encode(*e.text_pair);
    const size_t full = a.size() + b.size() + (e.text_pair ? 3 : 2);
    d.truncated_ += full > o.max_length;
    Encoding enc = tokenizer.assemble(std::move(a), std::move(b), e.text_pair.has_value(), o);
    d.ids_.push_back(std::move(enc.ids));
    d.types_.push_back(std::move(enc.token_type_ids));
    if (target == LabelTarget::regression) {
      d.values_.push_back(static_cast<float>(e.value));
    } else if (target == LabelTarget::single) {
      d.classes_.push_back({class_id(labels, e.label, file.path, e.label_line, e.label_column)});
    } else {
      std::vector<int32_t> set;
      for (const std::string& name : split_labels(e.label))
        set.push_back(class_id(labels, name, file.path, e.label_line, e.label_column));
      d.classes_.push_back(std::move(set));
    }
  }
  return d;
}

TaskDataset TaskDataset::tokens(const std::vector<TokenSentence>& sentences, const std::string& path,
                                const Tokenizer& tokenizer, const LabelMap& tags, int64_t max_length) {
  NN_CHECK(max_length >= 3, "fine-tuning: the maximum length must be at least 3 tokens, got ", max_length);
  TaskDataset d;
  d.target_ = LabelTarget::token;
  d.pad_id_ = std::max<int32_t>(tokenizer.specials().pad, 0);
  d.num_labels_ = static_cast<int64_t>(tags.size());
  const size_t room = static_cast<size_t>(max_length) - 2;  // [CLS] … [SEP]
  for (const TokenSentence& s : sentences) {
    std::vector<int32_t> ids = {tokenizer.specials().cls}, labels = {-100}, starts;
    bool cut = false;
    for (size_t w = 0; w < s.words.size(); ++w) {
      const std::vector<int32_t> pieces = tokenizer.encode(s.words[w]);
      const int32_t tag = class_id(tags, s.tags[w], path, s.line + w, 0);
      if (pieces.empty() || ids.size() - 1 + pieces.size() > room) {
        cut = cut || !pieces.empty();
        starts.push_back(-1);
        if (!pieces.empty()) break;
        continue;
      }
      starts.push_back(static_cast<int32_t>(ids.size()));
      for (size_t p = 0; p < pieces.size(); ++p) {
        ids.push_back(pieces[p]);
        labels.push_back(p == 0 ? tag : -100);  // the word's tag on its first piece only
      }
    }
    starts.resize(s.words.size(), -1);
    ids.push_back(tokenizer.specials().sep);
    labels.push_back(-100);
    d.truncated_ += cut;
    d.types_.emplace_back(ids.size(), 0);
    d.ids_.push_back(std::move(ids));
    d.token_labels_.push_back(std::move(labels));
    d.word_starts_.push_back(std::move(starts));
  }
  return d;
}

TaskDataset TaskDataset::unlabelled(const std::vector<TextExample>& examples, const Tokenizer& tokenizer,
                                    int64_t max_length) {
  ExampleFile file;
  file.examples = examples;
  TaskDataset d = sequences(file, tokenizer, LabelMap(), LabelTarget::regression, max_length);
  d.labelled_ = false;
  d.num_labels_ = 0;
  return d;
}

TaskDataset TaskDataset::unlabelled_words(const std::vector<std::vector<std::string>>& sentences,
                                          const Tokenizer& tokenizer, int64_t max_length) {
  std::vector<TokenSentence> s;
  for (const auto& words : sentences) s.push_back({words, std::vector<std::string>(words.size(), "O"), 0});
  TaskDataset d = tokens(s, "", tokenizer, LabelMap({"O"}), max_length);
  d.labelled_ = false;
  d.num_labels_ = 0;
  return d;
}

Batch TaskDataset::batch(std::span<const size_t> indices) const {
  NN_CHECK(!indices.empty(), "TaskDataset::batch: no examples");
  size_t T = 0;
  for (const size_t i : indices) {
    NN_CHECK(i < ids_.size(), "TaskDataset::batch: example ", i, " of ", ids_.size());
    T = std::max(T, ids_[i].size());
  }
  T = (T + 7) / 8 * 8;
  const int64_t B = static_cast<int64_t>(indices.size());
  std::vector<int64_t> ids(static_cast<size_t>(B) * T, pad_id_), types(ids.size(), 0), mask(ids.size(), 0);
  std::vector<int64_t> token_labels(target_ == LabelTarget::token ? ids.size() : 0, -100);
  for (size_t r = 0; r < indices.size(); ++r) {
    const size_t i = indices[r];
    for (size_t t = 0; t < ids_[i].size(); ++t) {
      ids[r * T + t] = ids_[i][t];
      types[r * T + t] = types_[i][t];
      mask[r * T + t] = 1;
      if (!token_labels.empty()) token_labels[r * T + t] = token_labels_[i][t];
    }
  }
  const nn::Shape shape = {B, static_cast<int64_t>(T)};
  Batch b{nn::Tensor::from_ids(shape, ids), nn::Tensor::from_ids(shape, types), nn::Tensor::from_ids(shape, mask),
          {}, {}, {}};
  if (!labelled_) return b;
  switch (target_) {
    case LabelTarget::token: b.labels = nn::Tensor::from_ids(shape, token_labels); break;
    case LabelTarget::single: {
      std::vector<int64_t> y;
      for (const size_t i : indices) y.push_back(classes_[i][0]);
      b.labels = nn::Tensor::from_ids({B}, y);
      break;
    }
    case LabelTarget::multi: {
      std::vector<float> y(static_cast<size_t>(B * num_labels_), 0.f);
      for (size_t r = 0; r < indices.size(); ++r)
        for (const int32_t c : classes_[indices[r]]) y[r * static_cast<size_t>(num_labels_) + static_cast<size_t>(c)] = 1.f;
      b.labels = nn::Tensor::from_data({B, num_labels_}, y);
      break;
    }
    case LabelTarget::regression: {
      std::vector<float> y;
      for (const size_t i : indices) y.push_back(values_[i]);
      b.labels = nn::Tensor::from_data({B, 1}, y);
      break;
    }
  }
  return b;
}

std::vector<Batch> TaskDataset::batches(size_t batch_size) const {
  NN_CHECK(batch_size >= 1, "TaskDataset::batches: batch size 0");
  std::vector<Batch> out;
  for (size_t begin = 0; begin < size(); begin += batch_size) {
    std::vector<size_t> idx;
    for (size_t i = begin; i < std::min(size(), begin + batch_size); ++i) idx.push_back(i);
    out.push_back(batch(idx));
  }
  return out;
}

}  // namespace bert
