// fuzz_task_table.cc — fuzz target: arbitrary bytes as a fine-tuning TSV or CSV table (header,
// RFC 4180 quoting, ragged rows, BOM, CRLF, invalid UTF-8) and the label map built from it. The
// first byte picks the delimiter, the label kind and the columns; the rest is the file.
#include <cstdint>
#include <sstream>
#include <string>

#include "bert/data/task_data.h"
#include "bert/data/task_data_labels.h"
#include "core/error.h"
#include "fuzz/fuzz_util.h"

// Reads the bytes as a table with options from the first byte; only nn::Error may escape.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  std::istringstream in(std::string(fuzz::bytes(data + 1, size - 1)));
  const char delimiter = (flags & 1) ? ',' : '\t';
  bert::ExampleOptions options;
  options.label_kind = static_cast<bert::LabelKind>(((flags >> 1) & 3) % 3);
  options.columns.single = flags & 8;
  if (flags & 16) options.columns = {"q", "p", "y", false};  // explicit names that may be absent
  try {
    const bert::ExampleFile file = bert::read_table_examples(in, "train.csv", delimiter, options);
    if (file.examples.empty()) __builtin_trap();  // an empty table is an error, never zero examples
    if (options.label_kind == bert::LabelKind::categorical) {
      const bert::LabelMap map = bert::LabelMap::from_examples(file);
      const auto ids = bert::label_ids(file, map);
      if (ids.size() != file.examples.size()) __builtin_trap();
      (void)map.describe();
    }
  } catch (const nn::Error&) {
  }
  return 0;
}
