// fuzz_config_json.cc — fuzz target: arbitrary bytes as config.json → BertConfig. A config that
// parses is validated, and one that validates must survive a write/read round trip.
#include <string>

#include "bert/config.h"
#include "core/error.h"
#include "fuzz/fuzz_util.h"

// Parses the bytes as a config.json; only nn::Error may escape the parser.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(fuzz::bytes(data, size));
  try {
    const bert::BertConfig config = bert::BertConfig::from_json(text);
    (void)config.labels();
    (void)config.num_labels();
    config.validate();
    (void)config.head_dim();
    const bert::BertConfig again = bert::BertConfig::from_json(config.to_json());
    again.validate();
  } catch (const nn::Error&) {
  }
  return 0;
}
