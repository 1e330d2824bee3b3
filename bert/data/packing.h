// packing.h — sequence packing without cross-contamination (Krell et al. 2021, "Efficient Sequence
// Packing without Cross-contamination"): masked-LM instances packed several to a row of
// max_seq_length tokens instead of one per row padded to the longest, so little compute goes to
// padding.
//
// Bin packing: first-fit-decreasing over a window of consecutive instances of an epoch's shuffled
// order (pack_rows); the rows of a window are then shuffled, so a batch mixes rows of long and of
// many short instances. Everything is a pure function of its inputs and seed (PretrainingStream
// builds an epoch's rows from (seed, epoch) and resumes at a row index, batcher.h).
//
// A packed row keeps its instances apart: position ids restart at 0 for each instance, token types
// are each instance's own, attention stays within the instance (instance_ids, given to the
// attention kernel as segments: keys outside a query's instance are skipped, not masked), NSP
// reads each instance's [CLS] (cls_positions) and MLM positions stay flat b·T + t. With dropout
// off, a packed batch gives the losses and gradients of the same instances unpacked.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "bert/data/instances.h"
#include "bert/data/batch.h"

namespace bert {

// First-fit-decreasing: items taken by decreasing length (ties: lower index first), each put into
// the first bin, in the order the bins were opened, with room for it (a new bin when none has).
// Returns the bins in that order, each as its items' indices ascending. Throws nn::Error when an
// item is longer than capacity. O(n log n).
std::vector<std::vector<uint32_t>> first_fit_decreasing(std::span<const size_t> lengths, size_t capacity);

// The packed rows of an epoch: order (indices into instances) cut into windows of `window`
// instances (0: one window), each window packed into rows of at most capacity tokens by
// first-fit-decreasing, each window's rows shuffled with a generator seeded by seed (drawn from
// in window order). A row lists its instances in their order in `order`.
std::vector<std::vector<uint32_t>> pack_rows(const std::vector<Instance>& instances,
                                             std::span<const uint32_t> order, size_t capacity,
                                             size_t window, uint64_t seed);

// The Batch of packed rows (rows[r]: the instances of row r, at most length tokens in
// all), each row padded to length with pad_id: position_ids, instance_ids (k for the k-th
// instance of a row, the instance count for its padding) and cls_positions set, masked positions
// flat b·T + t, one next-sentence label per instance (rows in order, instances in row order).
Batch make_packed_masked_lm_batch(std::span<const std::vector<Instance>> rows, size_t length,
                                          int32_t pad_id);

}  // namespace bert
