// batch_rows.h — a Batch cut to some of its rows (a data-parallel rank's share of a micro-batch):
// every per-row tensor sliced, and the flat-indexed lists (masked positions b·T + t with their
// labels, packed [CLS] positions with their NSP labels) filtered to those rows and re-based.
#pragma once
#include "bert/data/batch.h"

namespace bert {

// Rows [r0, r1) of `b` (0 ≤ r0 < r1 ≤ rows), as a new Batch with copies of the data.
Batch batch_rows(const Batch& b, int64_t r0, int64_t r1);

}  // namespace bert
