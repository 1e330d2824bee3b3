// task_data_labels.cc — label maps: the stable label order, lookups, and ids of a file's labels.
#include "bert/data/task_data_labels.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "bert/data/task_data_detail.h"
#include "core/error.h"

namespace bert {
namespace {

// The value of an integer label ('-'? digits, within int64), or nullopt.
std::optional<int64_t> integer_value(const std::string& s) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b == e || (*b == '-' && b + 1 == e)) return std::nullopt;
  int64_t v = 0;
  const auto [end, err] = std::from_chars(b, e, v);
  if (err != std::errc{} || end != e) return std::nullopt;
  return v;
}

}  // namespace

LabelMap::LabelMap(std::vector<std::string> names) : names_(std::move(names)) {
  for (size_t i = 0; i < names_.size(); ++i) {
    NN_CHECK(!names_[i].empty(), "label map: label ", i, " is empty");
    const auto [it, added] = ids_.emplace(names_[i], static_cast<int32_t>(i));
    NN_CHECK(added, "label map: label '", names_[i], "' appears twice (ids ", it->second, " and ", i, ")");
  }
}

LabelMap LabelMap::from_labels(const std::vector<std::string>& labels) {
  const std::set<std::string> distinct(labels.begin(), labels.end());  // byte-wise order
  std::vector<std::string> names(distinct.begin(), distinct.end());
  std::vector<std::pair<int64_t, size_t>> values;  // (value, index into names)
  for (size_t i = 0; i < names.size(); ++i) {
    const auto v = integer_value(names[i]);
    if (!v) return LabelMap(std::move(names));
    values.emplace_back(*v, i);
  }
  std::stable_sort(values.begin(), values.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> by_value;
  for (const auto& [v, i] : values) by_value.push_back(names[i]);
  return LabelMap(std::move(by_value));
}

LabelMap LabelMap::from_examples(const ExampleFile& file) {
  NN_CHECK(!file.examples.empty() && !file.label_column.empty(), file.path,
           ": no labels to build a label map from (the file has no examples or was read without labels)");
  std::vector<std::string> labels;
  for (const auto& ex : file.examples) labels.push_back(ex.label);
  return from_labels(labels);
}

LabelMap LabelMap::from_sentences(const std::vector<TokenSentence>& sentences) {
  std::vector<std::string> tags;
  for (const auto& s : sentences) tags.insert(tags.end(), s.tags.begin(), s.tags.end());
  NN_CHECK(!tags.empty(), "label map: no tags to build it from (no sentences)");
  return from_labels(tags);
}

const std::string& LabelMap::name(int32_t id) const {
  NN_CHECK(id >= 0 && static_cast<size_t>(id) < names_.size(), "label map: class id ", id, " is out of range (",
           names_.size(), " labels)");
  return names_[static_cast<size_t>(id)];
}

std::optional<int32_t> LabelMap::find(std::string_view label) const {
  const auto it = ids_.find(std::string(label));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::string LabelMap::describe(size_t max) const {
  std::string s;
  for (size_t i = 0; i < names_.size() && i < max; ++i) s += (i ? ", '" : "'") + names_[i] + "'";
  if (names_.size() > max) s += ", … (" + std::to_string(names_.size()) + " in all)";
  return s;
}

std::vector<int32_t> label_ids(const ExampleFile& file, const LabelMap& map) {
  std::vector<int32_t> ids;
  ids.reserve(file.examples.size());
  for (const auto& ex : file.examples) {
    const auto id = map.find(ex.label);
    if (!id)
      nn::fail(task_data_detail::where(file.path, ex.label_line ? ex.label_line : ex.line, ex.label_column), "label '",
               ex.label, "' is not one of the ", map.size(), " labels of the training data (", map.describe(), ")");
    ids.push_back(*id);
  }
  return ids;
}

std::vector<std::vector<int32_t>> tag_ids(const std::vector<TokenSentence>& sentences, const LabelMap& map,
                                          const std::string& path) {
  std::vector<std::vector<int32_t>> ids(sentences.size());
  for (size_t s = 0; s < sentences.size(); ++s)
    for (size_t k = 0; k < sentences[s].tags.size(); ++k) {
      const auto id = map.find(sentences[s].tags[k]);
      if (!id)
        nn::fail(task_data_detail::where(path, sentences[s].line + k), "tag '", sentences[s].tags[k],
                 "' is not one of the ", map.size(), " tags of the training data (", map.describe(), ")");
      ids[s].push_back(*id);
    }
  return ids;
}

}  // namespace bert
