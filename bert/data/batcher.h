// batcher.h — instances → model batches, and the deterministic, resumable stream of pretraining
// batches that a background thread builds while the model trains.
//
// Epochs and passes: an epoch is one pass of create_instances() over the training corpus, in an
// order shuffled per epoch. With dynamic masking, epoch e's pass is generated with its own seed
// (new sentence pairs, short sequences and masks every epoch, as RoBERTa). Without it, epochs
// cycle through dupe_factor fixed passes (pass e mod dupe_factor) — the same data as Google's
// dupe_factor copies in its TFRecords, just generated on the fly instead of stored. The stream is
// an endless concatenation of epochs; a batch takes the next batch_size instances and may span an
// epoch boundary, so every batch is full and none is dropped, even for a tiny corpus.
//
// Resume: StreamPosition (epoch, index of the next instance in that epoch's order) says exactly
// where the stream is; every pass and order is a pure function of (seed, epoch), so seek(p)
// followed by next_batch() gives bit-for-bit the batches an uninterrupted stream gives after p.
//
// Padding: PadTo::longest pads a batch to its longest instance rounded up to pad_multiple (fewer
// distinct shapes for the GEMM primitive cache), PadTo::max_length to max_seq_length. Length
// grouping (StreamOptions::group_by_length) makes the instances of a batch similar in length, so
// little compute goes to padding; the grouped order is still a seeded permutation of the epoch.
// Memory: one epoch's instances (about 3× its tokens in int32) are held by the worker.
//
// Packing (StreamOptions::pack, masked objectives only; bert/data/packing.h): an epoch's shuffled
// instances are packed into rows of max_seq_length by first-fit-decreasing over windows of
// pack_window instances, and the stream's unit becomes the packed row: StreamPosition::index
// counts rows of the epoch's packed order (a pure function of (seed, epoch) too, so seek stays
// exact), and a batch is batch_size rows of max_seq_length (packed Batch fields set,
// one NSP label per instance). Grouping and padding options do not apply to packed batches.
// Evaluation batches (make_eval_batches) stay unpacked: they give the same losses.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "bert/data/corpus.h"
#include "bert/data/instances.h"
#include "bert/data/batch.h"
#include "core/tensor.h"

namespace bert {

// One batch of whichever objective the stream was made for.
struct PretrainingBatch {
  Batch masked;   // objectives mlm+nsp and mlm
  Batch causal;   // objective clm (labels −100 at padding)
  int64_t num_tokens = 0; // non-padding tokens
};

enum class PadTo { longest, max_length };

struct BatchOptions {
  size_t batch_size = 32;
  PadTo pad_to = PadTo::longest;
  size_t pad_multiple = 8;  // PadTo::longest rounds the length up to a multiple of this
};

// Share of a batch's positions that are padding: 1 − num_tokens / (rows · length) (0 for an
// empty batch), for logging how much compute padding takes.
double padding_share(const PretrainingBatch& batch);
// The same from a batch's attention_mask (the 0s over all positions), for code that holds only it.
double padding_share(const Batch& batch);

// Padded length of a batch of instances (never above max_seq_length, never below the longest).
size_t batch_length(std::span<const Instance> instances, const BatchOptions& options,
                    size_t max_seq_length);

// Batch of instances padded to length with pad_id; masked positions flattened b·T + t.
Batch make_masked_lm_batch(std::span<const Instance> instances, size_t length,
                                   int32_t pad_id);

// Batch of instances padded to length with pad_id.
Batch make_causal_lm_batch(std::span<const Instance> instances, size_t length,
                                   int32_t pad_id);

// The batch of instances for objective (padding by options).
PretrainingBatch make_batch(std::span<const Instance> instances, const InstanceOptions& instance_options,
                            const BatchOptions& options, int32_t pad_id);

// Where a stream is: the next instance is number `index` of epoch `epoch`'s shuffled order.
struct StreamPosition {
  uint64_t epoch = 0;
  uint64_t index = 0;
  bool operator==(const StreamPosition&) const = default;
};

// "epoch:index", e.g. "3:1024" (for trainer_state.json).
std::string format_position(StreamPosition p);
// Parses format_position's text; throws nn::Error naming the text when it is malformed.
StreamPosition parse_position(const std::string& text);

struct StreamOptions {
  InstanceOptions instances;
  BatchOptions batching;
  uint64_t seed = 0;
  bool dynamic_masking = false;  // a new pass every epoch
  int dupe_factor = 5;           // without dynamic masking: number of fixed passes cycled through
  // Length grouping (0: off): each run of group_by_length·batch_size instances of an epoch's
  // shuffled order is sorted by length and cut into batches, whose order within the run is then
  // shuffled; with PadTo::longest a batch pads to similar lengths instead of the longest of a
  // random draw (HF Trainer's group_by_length uses runs of 50 batches).
  size_t group_by_length = 0;
  size_t queue_depth = 4;        // batches built ahead
  // Packing (masked objectives): batches of batch_size rows of max_seq_length, each holding as
  // many instances as first-fit-decreasing puts there, over windows of pack_window consecutive
  // instances of the shuffled epoch (0: the whole epoch as one window).
  bool pack = false;
  size_t pack_window = 4096;
};

// The instances of epoch `epoch` of a stream with these options, before the epoch's shuffle
// (their number gives the steps per epoch without packing).
std::vector<Instance> epoch_instances(const Corpus& corpus, const MaskingVocab& vocab,
                                      const StreamOptions& options, uint64_t epoch);

// The number of units of epoch `epoch` that StreamPosition::index counts: its instances, or its
// packed rows with options.pack (steps per epoch = this / batch_size).
size_t epoch_size(const Corpus& corpus, const MaskingVocab& vocab, const StreamOptions& options,
                  uint64_t epoch);

// The training batches, built ahead by a worker thread. Not thread-safe: use one stream from one
// thread. The corpus must outlive the stream.
class PretrainingStream {
 public:
  // Starts the worker at `start`. Throws nn::Error for an empty corpus or bad options.
  PretrainingStream(const Corpus& corpus, MaskingVocab vocab, StreamOptions options,
                    StreamPosition start = {});
  // Stops and joins the worker.
  ~PretrainingStream();
  PretrainingStream(const PretrainingStream&) = delete;
  PretrainingStream& operator=(const PretrainingStream&) = delete;

  // The next batch (waits for the worker if it is behind); rethrows an error of the worker.
  PretrainingBatch next_batch();
  // Position of the batch next_batch() returns next (save it with a checkpoint).
  StreamPosition position() const { return position_; }
  // Continues from p: the following batches are those an uninterrupted stream gives after p.
  void seek(StreamPosition p);

 private:
  struct Ready {  // a built batch and the position after it
    PretrainingBatch batch;
    StreamPosition end;
  };
  struct Epoch {  // one epoch's instances and their order
    uint64_t number = 0;
    std::vector<Instance> instances;
    std::vector<uint32_t> order;
    std::vector<std::vector<uint32_t>> rows;  // with packing: the packed rows, in stream order
    // Units in the epoch: instances, or packed rows.
    size_t size() const { return rows.empty() ? order.size() : rows.size(); }
  };

  Epoch make_epoch(uint64_t number) const;
  PretrainingBatch make_packed_batch(std::span<const std::vector<Instance>> rows) const;
  void start(StreamPosition p);
  void stop();
  void run(StreamPosition p);
  bool push(Ready ready);

  const Corpus& corpus_;
  MaskingVocab vocab_;
  StreamOptions options_;
  StreamPosition position_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Ready> queue_;
  std::exception_ptr error_;
  bool stopping_ = false;
  std::thread worker_;
};

// The evaluation batches: one pass over the held-out corpus with a fixed seed, in document order,
// batch_size instances per batch (the last may be smaller).
std::vector<PretrainingBatch> make_eval_batches(const Corpus& corpus, const MaskingVocab& vocab,
                                                const InstanceOptions& instance_options,
                                                const BatchOptions& options, uint64_t seed);

}  // namespace bert
