// train_config.h — the settings of a training run (TrainConfig) and of its data stream
// (FeedOptions), as typed structs. Both are stored in every checkpoint's trainer_state.json
// (nlohmann's to_json/from_json; a field absent from the file takes its default) so that a run
// resumes with exactly the settings it started with.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bert/data/instances.h"

namespace bert {

// A file the run reads (a corpus file or the held-out file) as it was when the run started; a
// resumed run refuses to read it again if it has changed (its data stream would not continue).
struct InputFile {
  std::string path;     // absolute
  uint64_t bytes = 0;
  std::string fnv1a64;  // nn::fingerprint_file's hash
};

// How the data is split and masked.
struct FeedOptions {
  double eval_fraction = 0.02;      // share of documents held out (when no eval_file)
  uint64_t split_seed = 0;          // which documents are held out (the run's seed)
  std::string eval_file;            // held-out text given explicitly: the whole corpus trains
  bool whole_word_masking = false;  // MLM objectives: mask whole words
  bool dynamic_masking = true;      // MLM objectives: new masks every epoch (else dupe_factor passes)
  double masked_lm_prob = 0.15;     // MLM objectives: share of tokens masked in training (held-out: 0.15)
  int64_t group_by_length = 50;     // batches per length-sorted run (StreamOptions; 0: random batches)
  bool pack = false;                // MLM objectives: pack instances into full rows (bert/data/packing.h)
  int64_t pack_window = 4096;       // instances packed together (StreamOptions::pack_window)
  std::vector<InputFile> inputs;    // every file read, corpus files first, then eval_file
};

// Where a fine-tuning run's labelled data comes from and how it is read (finetune records it so
// that --resume reads the same examples the same way).
struct TaskDataOptions {
  std::string task;             // "sequence" or "token"
  std::string train_file, eval_file;
  std::string format = "auto";  // auto | tsv | csv | jsonl (sequence tasks)
  std::string text_column, pair_column, label_column;  // "" = the reader's defaults
  std::string target;           // "single", "multi" or "regression" (sequence tasks)
  int64_t max_length = 128;
  std::vector<InputFile> inputs;  // the train and eval files as read at the start
};

struct TrainConfig {
  Objective objective = Objective::mlm_nsp;
  int64_t batch_size = 32;
  int64_t seq_len = 128;
  int64_t grad_accum = 1;
  int64_t total_steps = 1000;  // optimizer updates; 0: as many as fill max_minutes (fixed early in the run)
  double max_minutes = 0;      // > 0: also stop after this much wall time
  double lr = 1e-4;
  int64_t warmup_steps = 100;  // −1: 10% of total_steps, at most 1000 (fixed with a budget's step count)
  std::string schedule = "linear";
  double weight_decay = 0.01;
  double max_grad_norm = 1.0;
  uint64_t seed = 42;
  int64_t eval_every = 200;   // 0: only at the end
  int64_t save_every = 500;   // 0: only at the end
  int64_t log_every = 10;
  int64_t keep_checkpoints = 2;
  std::string out_dir = "runs/default";  // the run directory (stored relative: "." in the state)
  std::string vocab_path;      // the run's own vocabulary, out_dir/vocab.txt ("" for synthetic data)
  bool lower_case = true;
  bool save_bf16 = false;      // the final model's weights in bf16 (checkpoints stay fp32: exact resume)
  std::vector<std::string> corpus;  // absolute corpus paths (files or directories) the data comes from
  FeedOptions data_options;         // the data stream's own settings (pretraining)
  TaskDataOptions task_data;        // the labelled data (fine-tuning)
  std::string best_metric;          // an evaluation metric ("f1", "mcc"…): keep the best model, end with it
  bool greater_is_better = true;    // how best_metric improves
  // Launch settings, not stored with the run (a resumed run may change them, like the threads):
  int zero_stage = 0;  // 1: several ranks keep and update one shard each of AdamW's moments (ZeRO-1)
  bool recompute = false;  // recompute each encoder layer in backward (BertEncoder::recompute): less memory
};

// Objectives are stored by their command-line names ("mlm+nsp", "mlm", "clm").
void to_json(nlohmann::json& j, const Objective& o);
void from_json(const nlohmann::json& j, Objective& o);

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InputFile, path, bytes, fnv1a64)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FeedOptions, eval_fraction, split_seed, eval_file,
                                                whole_word_masking, dynamic_masking, masked_lm_prob,
                                                group_by_length, pack, pack_window, inputs)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TaskDataOptions, task, train_file, eval_file, format, text_column,
                                                pair_column, label_column, target, max_length, inputs)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrainConfig, objective, batch_size, seq_len, grad_accum,
                                                total_steps, max_minutes, lr, warmup_steps, schedule,
                                                weight_decay, max_grad_norm, seed, eval_every, save_every,
                                                log_every, keep_checkpoints, out_dir, vocab_path, lower_case,
                                                save_bf16, corpus, data_options, task_data, best_metric,
                                                greater_is_better)

// The model class each pretraining objective trains: BertForPreTraining (mlm+nsp),
// BertForMaskedLM (mlm), BertLMHeadModel (clm).
std::string architecture_for(Objective objective);

// Fingerprints of `files` (each read once): what FeedOptions::inputs records.
std::vector<InputFile> fingerprint_inputs(const std::vector<std::string>& files);

// Checks that the files a run recorded are still there and unchanged. `files` are where they are
// now, in the recorded order (the recorded paths, or new locations the user gave); throws nn::Error
// naming the first file that is missing or differs, and what to do about it.
void check_inputs_unchanged(const std::vector<InputFile>& recorded, const std::vector<std::string>& files);

}  // namespace bert
