// fuzz_trainer_state.cc — fuzz target: arbitrary bytes as a checkpoint's trainer_state.json (what
// --resume reads: step, counters, the typed training configuration, the data position).
#include <filesystem>
#include <string>

#include "bert/data/batcher.h"
#include "bert/train/run_dir.h"
#include "core/error.h"
#include "fuzz/fuzz_util.h"

// Reads the bytes as <run>/checkpoint-1/trainer_state.json and parses its data position; only
// nn::Error may escape.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string checkpoint = [] {
    fuzz::write_file("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
    const std::string dir = fuzz::scratch_dir() + "/checkpoint-1";
    std::filesystem::create_directories(dir);
    return dir;
  }();
  fuzz::write_file("checkpoint-1/trainer_state.json", fuzz::bytes(data, size));
  try {
    const bert::run_dir::TrainerState s = bert::run_dir::read_state(checkpoint);
    if (s.step < 0) __builtin_trap();
    if (!s.data_position.empty()) (void)bert::parse_position(s.data_position);
  } catch (const nn::Error&) {
  }
  return 0;
}
