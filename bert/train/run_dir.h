// run_dir.h — a training run's directory and what lives in it:
//
//   <run>/vocab.txt          the run's own vocabulary (trained there, or copied there at the start)
//   <run>/checkpoint-N/      model + optimizer + trainer_state.json after step N (the newest K kept)
//   <run>/best/              the model of the best evaluation so far (runs with a best metric)
//   <run>/config.json, model.safetensors, metrics.jsonl, loss.svg   the final model and the logs
//
// A checkpoint is complete once its trainer_state.json exists (it is written into
// checkpoint-N.tmp, which is renamed when everything is in). The trainer state names no absolute
// path inside the run: out_dir is stored as "." and the vocabulary as "vocab.txt", both resolved
// against the directory the checkpoint is in when it is read, so a run directory can be copied or
// moved and resumed there, and nothing the state names is removed by rotation.
#pragma once
#include <cstdint>
#include <string>

#include "bert/train/train_config.h"

namespace bert::run_dir {

// "checkpoint-N".
std::string checkpoint_name(int64_t step);
// N of a "checkpoint-N" directory name; -1 for any other name.
int64_t checkpoint_step(const std::string& name);
// The newest complete checkpoint-N directory inside run_dir ("" when none).
std::string latest_checkpoint(const std::string& run_dir);
// `dir` itself when it is a complete checkpoint, else the newest checkpoint inside it; throws
// nn::Error naming dir when there is none.
std::string find_checkpoint(const std::string& dir);
// Removes all checkpoint-N directories but the newest `keep`, always keeping checkpoint-`just_saved`
// (a run resumed from an older checkpoint may have later ones from before; they go first). Each is
// renamed out of the checkpoint names before it is deleted, so a crash mid-deletion never leaves a
// half-deleted directory named checkpoint-N.
void rotate(const std::string& run_dir, int64_t keep, int64_t just_saved);
// Moves the directory `dir` out of the way under a leftover name (removed by remove_leftovers) and
// deletes it there; nothing happens when it does not exist. Throws nn::Error if it cannot be moved.
void discard(const std::string& dir);
// Removes what an interrupted save left behind (checkpoint-N.tmp directories, stale temp files).
void remove_leftovers(const std::string& run_dir);

// <run_dir>/best, where a run keeps the model of its best evaluation.
std::string best_dir(const std::string& run_dir);
// <run_dir>/vocab.txt, the run's vocabulary.
std::string vocab_file(const std::string& run_dir);
// Makes `source` the run's vocabulary: copies it to vocab_file(run_dir) (atomically) unless it
// is that file already. Returns vocab_file(run_dir) as an absolute path.
std::string adopt_vocab(const std::string& run_dir, const std::string& source);

// trainer_state.json: where a run is, and how it was configured.
struct TrainerState {
  int64_t step = 0;
  int64_t tokens_seen = 0;
  double elapsed_s = 0;        // training time of all earlier sessions
  std::string data_position;   // the data stream's position (its own text format)
  TrainConfig config;          // read back: out_dir is the checkpoint's run directory, vocab_path its vocab.txt
  int64_t best_step = -1;      // the step of the best evaluation (-1: none, or no best metric)
  double best_value = 0;
};

// Writes <checkpoint_dir>/trainer_state.json atomically, with out_dir and vocab_path relative.
void write_state(const std::string& checkpoint_dir, const TrainerState& state);
// Reads <checkpoint_dir>/trainer_state.json; out_dir becomes the checkpoint's parent directory
// and vocab_path (when the run has one) that directory's vocab.txt. Throws nn::Error naming the
// file when it is missing or invalid.
TrainerState read_state(const std::string& checkpoint_dir);

// Prepares a run directory to continue from checkpoint_dir: its vocab.txt is made the
// checkpoint's (restored if it was lost, e.g. a checkpoint copied out alone). Returns the state.
TrainerState prepare_resume(const std::string& checkpoint_dir);

}  // namespace bert::run_dir
