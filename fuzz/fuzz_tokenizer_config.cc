// fuzz_tokenizer_config.cc — fuzz target: arbitrary bytes as a checkpoint's tokenizer_config.json
// read by load_lower_case.
#include <string>

#include "bert/checkpoint.h"
#include "core/error.h"
#include "fuzz/fuzz_util.h"

// Reads the bytes as <dir>/tokenizer_config.json; only nn::Error may escape.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::write_file("tokenizer_config.json", fuzz::bytes(data, size));
  try {
    (void)bert::load_lower_case(fuzz::scratch_dir());
  } catch (const nn::Error&) {
  }
  return 0;
}
