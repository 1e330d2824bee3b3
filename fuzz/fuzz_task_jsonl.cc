// fuzz_task_jsonl.cc — fuzz target: arbitrary bytes as a fine-tuning JSON-lines file (objects per
// line, string or number labels, null pairs, invalid JSON or UTF-8). The first byte picks the
// label kind and the keys; the rest is the file.
#include <cstdint>
#include <sstream>
#include <string>

#include "bert/data/task_data.h"
#include "bert/data/task_data_labels.h"
#include "core/error.h"
#include "fuzz/fuzz_util.h"

// Reads the bytes as JSON lines with options from the first byte; only nn::Error may escape.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  std::istringstream in(std::string(fuzz::bytes(data + 1, size - 1)));
  bert::ExampleOptions options;
  options.label_kind = static_cast<bert::LabelKind>((flags & 3) % 3);
  options.columns.single = flags & 4;
  if (flags & 8) options.columns = {"q", "p", "y", false};
  try {
    const bert::ExampleFile file = bert::read_jsonl_examples(in, "train.jsonl", options);
    if (file.examples.empty()) __builtin_trap();  // an empty file is an error, never zero examples
    if (options.label_kind == bert::LabelKind::categorical) {
      const bert::LabelMap map = bert::LabelMap::from_examples(file);
      if (bert::label_ids(file, map).size() != file.examples.size()) __builtin_trap();
    }
  } catch (const nn::Error&) {
  }
  return 0;
}
