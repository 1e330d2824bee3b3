// batcher.cc — batch tensors from instances, and PretrainingStream's worker thread.
#include "bert/data/batcher.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <numeric>
#include <utility>

#include "bert/data/packing.h"
#include "core/error.h"
#include "core/rng.h"

namespace bert {
namespace {

// Seed tags: passes, epoch orders and the evaluation pass draw from unrelated streams.
constexpr uint64_t kPassTag = 0x7061737301, kOrderTag = 0x6F72646502, kEvalTag = 0x6576616C03,
                   kGroupTag = 0x67726F7504, kPackTag = 0x7061636B05;

// Ids padded into a (B, length) row-major buffer: row b holds values[b] then `fill`.
std::vector<int64_t> padded(std::span<const Instance> instances, size_t length, int64_t fill,
                            const std::vector<int32_t> Instance::*field) {
  std::vector<int64_t> out(instances.size() * length, fill);
  for (size_t b = 0; b < instances.size(); ++b) {
    const auto& values = instances[b].*field;
    std::copy(values.begin(), values.end(), out.begin() + static_cast<ptrdiff_t>(b * length));
  }
  return out;
}

// 1 where a row has a token, 0 at padding.
std::vector<int64_t> attention_mask(std::span<const Instance> instances, size_t length) {
  std::vector<int64_t> out(instances.size() * length, 0);
  for (size_t b = 0; b < instances.size(); ++b)
    std::fill_n(out.begin() + static_cast<ptrdiff_t>(b * length), instances[b].tokens.size(), 1);
  return out;
}

// Non-padding tokens of the instances.
int64_t count_tokens(std::span<const Instance> instances) {
  int64_t n = 0;
  for (const auto& inst : instances) n += static_cast<int64_t>(inst.tokens.size());
  return n;
}

// Shuffled order of n instances for an epoch (Fisher–Yates on a seeded generator).
std::vector<uint32_t> epoch_order(size_t n, uint64_t seed) {
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  nn::Generator rng(seed);
  for (size_t i = n; i-- > 1;)
    std::swap(order[i], order[static_cast<size_t>(rng.randint(0, static_cast<int64_t>(i)))]);
  return order;
}

// Groups `order` by length in runs of `run_batches`·batch_size instances: each run is sorted by
// token count (stable, longest first), cut into batch_size pieces, and the pieces' order shuffled
// (seeded), so a batch gets instances of similar length and the lengths do not trend over time.
void group_by_length(std::vector<uint32_t>& order, const std::vector<Instance>& instances, size_t batch_size,
                     size_t run_batches, uint64_t seed) {
  const size_t run = batch_size * run_batches;
  nn::Generator rng(seed);
  for (size_t lo = 0; lo < order.size(); lo += run) {
    const auto first = order.begin() + static_cast<ptrdiff_t>(lo);
    const auto last = order.begin() + static_cast<ptrdiff_t>(std::min(order.size(), lo + run));
    std::stable_sort(first, last, [&](uint32_t a, uint32_t b) {
      return instances[a].tokens.size() > instances[b].tokens.size();
    });
    std::vector<std::vector<uint32_t>> pieces;
    for (auto it = first; it < last; it += std::min<ptrdiff_t>(last - it, static_cast<ptrdiff_t>(batch_size)))
      pieces.emplace_back(it, it + std::min<ptrdiff_t>(last - it, static_cast<ptrdiff_t>(batch_size)));
    for (size_t i = pieces.size(); i-- > 1;)
      std::swap(pieces[i], pieces[static_cast<size_t>(rng.randint(0, static_cast<int64_t>(i)))]);
    auto out = first;
    for (const auto& piece : pieces) out = std::copy(piece.begin(), piece.end(), out);
  }
}

// Share of 0s in an attention mask (0 when it is empty or undefined).
double mask_padding_share(const nn::Tensor& attention_mask) {
  if (!attention_mask.defined() || attention_mask.numel() == 0) return 0.0;
  const std::vector<int64_t> m = attention_mask.to_ids();
  return static_cast<double>(std::count(m.begin(), m.end(), int64_t{0})) / static_cast<double>(m.size());
}

// Epoch `number`'s order of its instances (shuffled, grouped by length if asked) and, with
// packing, its packed rows: a pure function of (options, number) and the instances.
void order_epoch(const std::vector<Instance>& instances, const StreamOptions& options, uint64_t number,
                 std::vector<uint32_t>& order, std::vector<std::vector<uint32_t>>& rows) {
  const uint64_t order_seed = nn::mix_seed(nn::mix_seed(options.seed, kOrderTag), number);
  order = epoch_order(instances.size(), order_seed);
  rows.clear();
  if (options.pack) {
    rows = pack_rows(instances, order, static_cast<size_t>(options.instances.max_seq_length), options.pack_window,
                     nn::mix_seed(order_seed, kPackTag));
  } else if (options.group_by_length > 0) {
    group_by_length(order, instances, options.batching.batch_size, options.group_by_length,
                    nn::mix_seed(order_seed, kGroupTag));
  }
}

}  // namespace

double padding_share(const PretrainingBatch& batch) {
  const nn::Tensor& ids = batch.masked.input_ids.defined() ? batch.masked.input_ids : batch.causal.input_ids;
  if (!ids.defined() || ids.numel() == 0) return 0.0;
  return 1.0 - static_cast<double>(batch.num_tokens) / static_cast<double>(ids.numel());
}

double padding_share(const Batch& batch) { return mask_padding_share(batch.attention_mask); }

size_t batch_length(std::span<const Instance> instances, const BatchOptions& options,
                    size_t max_seq_length) {
  size_t longest = 0;
  for (const auto& inst : instances) longest = std::max(longest, inst.tokens.size());
  if (options.pad_to == PadTo::max_length) return std::max(longest, max_seq_length);
  const size_t m = std::max<size_t>(options.pad_multiple, 1);
  const size_t rounded = (longest + m - 1) / m * m;
  return std::max(longest, std::min(rounded, max_seq_length));
}

Batch make_masked_lm_batch(std::span<const Instance> instances, size_t length,
                                   int32_t pad_id) {
  const auto B = static_cast<int64_t>(instances.size()), T = static_cast<int64_t>(length);
  std::vector<int64_t> positions, labels, nsp;
  for (size_t b = 0; b < instances.size(); ++b) {
    const auto& inst = instances[b];
    for (size_t k = 0; k < inst.masked_positions.size(); ++k) {
      positions.push_back(static_cast<int64_t>(b) * T + inst.masked_positions[k]);
      labels.push_back(inst.masked_labels[k]);
    }
    nsp.push_back(inst.next_sentence_label);
  }
  Batch batch;
  batch.input_ids = nn::Tensor::from_ids({B, T}, padded(instances, length, pad_id, &Instance::tokens));
  batch.token_type_ids = nn::Tensor::from_ids({B, T}, padded(instances, length, 0, &Instance::segment_ids));
  batch.attention_mask = nn::Tensor::from_ids({B, T}, attention_mask(instances, length));
  const auto M = static_cast<int64_t>(positions.size());
  batch.masked_positions = nn::Tensor::from_ids({M}, positions);
  batch.masked_labels = nn::Tensor::from_ids({M}, labels);
  batch.next_sentence_labels = nn::Tensor::from_ids({B}, nsp);
  return batch;
}

Batch make_causal_lm_batch(std::span<const Instance> instances, size_t length,
                                   int32_t pad_id) {
  const auto B = static_cast<int64_t>(instances.size()), T = static_cast<int64_t>(length);
  Batch batch;
  batch.input_ids = nn::Tensor::from_ids({B, T}, padded(instances, length, pad_id, &Instance::tokens));
  batch.attention_mask = nn::Tensor::from_ids({B, T}, attention_mask(instances, length));
  batch.labels = nn::Tensor::from_ids({B, T}, padded(instances, length, -100, &Instance::tokens));
  return batch;
}

PretrainingBatch make_batch(std::span<const Instance> instances, const InstanceOptions& instance_options,
                            const BatchOptions& options, int32_t pad_id) {
  const size_t length =
      batch_length(instances, options, static_cast<size_t>(instance_options.max_seq_length));
  PretrainingBatch batch;
  if (instance_options.objective == Objective::clm)
    batch.causal = make_causal_lm_batch(instances, length, pad_id);
  else
    batch.masked = make_masked_lm_batch(instances, length, pad_id);
  batch.num_tokens = count_tokens(instances);
  return batch;
}

PretrainingStream::PretrainingStream(const Corpus& corpus, MaskingVocab vocab,
                                     StreamOptions options, StreamPosition start)
    : corpus_(corpus), vocab_(std::move(vocab)), options_(std::move(options)), position_(start) {
  NN_CHECK(corpus_.num_documents() > 0, "pretraining stream: the training corpus is empty");
  NN_CHECK(options_.batching.batch_size >= 1, "pretraining stream: batch_size must be >= 1");
  NN_CHECK(options_.dupe_factor >= 1, "pretraining stream: dupe_factor must be >= 1");
  NN_CHECK(options_.queue_depth >= 1, "pretraining stream: queue_depth must be >= 1");
  NN_CHECK(!options_.pack || options_.instances.objective != Objective::clm,
           "pretraining stream: packing is for the masked objectives (mlm+nsp, mlm); clm blocks are full already");
  this->start(start);
}

PretrainingStream::~PretrainingStream() { stop(); }

std::string format_position(StreamPosition p) {
  return std::to_string(p.epoch) + ":" + std::to_string(p.index);
}

StreamPosition parse_position(const std::string& text) {
  StreamPosition p;
  char colon = 0, extra = 0;
  const int n = std::sscanf(text.c_str(), "%" SCNu64 "%c%" SCNu64 "%c", &p.epoch, &colon, &p.index, &extra);
  const bool digits_only = text.find_first_not_of("0123456789:") == std::string::npos;
  NN_CHECK(n == 3 && colon == ':' && digits_only, "pretraining stream: bad position '", text,
           "' (expected epoch:index)");
  return p;
}

std::vector<Instance> epoch_instances(const Corpus& corpus, const MaskingVocab& vocab,
                                      const StreamOptions& options, uint64_t epoch) {
  const uint64_t pass =
      options.dynamic_masking ? epoch : epoch % static_cast<uint64_t>(options.dupe_factor);
  return create_instances(corpus, options.instances, vocab,
                          nn::mix_seed(nn::mix_seed(options.seed, kPassTag), pass));
}

size_t epoch_size(const Corpus& corpus, const MaskingVocab& vocab, const StreamOptions& options,
                  uint64_t epoch) {
  const std::vector<Instance> instances = epoch_instances(corpus, vocab, options, epoch);
  if (!options.pack) return instances.size();
  std::vector<uint32_t> order;
  std::vector<std::vector<uint32_t>> rows;
  order_epoch(instances, options, epoch, order, rows);
  return rows.size();
}

PretrainingStream::Epoch PretrainingStream::make_epoch(uint64_t number) const {
  Epoch epoch;
  epoch.number = number;
  epoch.instances = epoch_instances(corpus_, vocab_, options_, number);
  order_epoch(epoch.instances, options_, number, epoch.order, epoch.rows);
  return epoch;
}

void PretrainingStream::run(StreamPosition p) {
  try {
    Epoch epoch = make_epoch(p.epoch);
    NN_CHECK(p.index < epoch.size(), "pretraining stream: position ", p.index, " is past the end of epoch ",
             p.epoch, " (", epoch.size(), options_.pack ? " packed rows)" : " instances)");
    for (;;) {
      std::vector<Instance> picked;               // one instance per row
      std::vector<std::vector<Instance>> packed;  // or packed rows
      while ((options_.pack ? packed.size() : picked.size()) < options_.batching.batch_size) {
        if (epoch.number != p.epoch) epoch = make_epoch(p.epoch);
        if (options_.pack) {
          packed.emplace_back();
          for (const uint32_t i : epoch.rows[p.index]) packed.back().push_back(epoch.instances[i]);
        } else {
          picked.push_back(epoch.instances[epoch.order[p.index]]);
        }
        if (++p.index == epoch.size()) p = {p.epoch + 1, 0};
      }
      Ready ready{options_.pack ? make_packed_batch(packed) : make_batch(picked, options_.instances,
                                                                         options_.batching, vocab_.pad),
                  p};
      if (!push(std::move(ready))) return;
    }
  } catch (...) {
    std::lock_guard lock(mutex_);
    error_ = std::current_exception();
    changed_.notify_all();
  }
}

PretrainingBatch PretrainingStream::make_packed_batch(std::span<const std::vector<Instance>> rows) const {
  PretrainingBatch batch;
  batch.masked = make_packed_masked_lm_batch(rows, static_cast<size_t>(options_.instances.max_seq_length), vocab_.pad);
  for (const auto& row : rows) batch.num_tokens += count_tokens(row);
  return batch;
}

bool PretrainingStream::push(Ready ready) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return stopping_ || queue_.size() < options_.queue_depth; });
  if (stopping_) return false;
  queue_.push_back(std::move(ready));
  changed_.notify_all();
  return true;
}

PretrainingBatch PretrainingStream::next_batch() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !queue_.empty() || error_; });
  if (queue_.empty()) std::rethrow_exception(error_);
  Ready ready = std::move(queue_.front());
  queue_.pop_front();
  changed_.notify_all();
  position_ = ready.end;
  return std::move(ready.batch);
}

void PretrainingStream::seek(StreamPosition p) {
  stop();
  position_ = p;
  start(p);
}

void PretrainingStream::start(StreamPosition p) {
  std::lock_guard lock(mutex_);
  queue_.clear();
  error_ = nullptr;
  stopping_ = false;
  worker_ = std::thread([this, p] { run(p); });
}

void PretrainingStream::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (worker_.joinable()) worker_.join();
}

std::vector<PretrainingBatch> make_eval_batches(const Corpus& corpus, const MaskingVocab& vocab,
                                                const InstanceOptions& instance_options,
                                                const BatchOptions& options, uint64_t seed) {
  NN_CHECK(options.batch_size >= 1, "eval batches: batch_size must be >= 1");
  const auto instances =
      create_instances(corpus, instance_options, vocab, nn::mix_seed(seed, kEvalTag));
  std::vector<PretrainingBatch> batches;
  const std::span<const Instance> all(instances);
  for (size_t begin = 0; begin < all.size(); begin += options.batch_size) {
    const size_t n = std::min(options.batch_size, all.size() - begin);
    batches.push_back(make_batch(all.subspan(begin, n), instance_options, options, vocab.pad));
  }
  return batches;
}

}  // namespace bert
