// batch_rows.cc — slicing a Batch by rows.
#include "bert/data/batch_rows.h"

#include <vector>

#include "core/error.h"

namespace bert {
namespace {

// Rows [r0, r1) of a tensor whose first dimension is the batch (copied; F32 or I64).
nn::Tensor rows(const nn::Tensor& t, int64_t r0, int64_t r1) {
  if (!t.defined()) return t;
  NN_CHECK(t.is_contiguous() && t.dim() >= 1, "batch_rows: a batch tensor must be contiguous with a row dimension");
  const int64_t per_row = t.size(0) ? t.numel() / t.size(0) : 0;
  nn::Shape shape = t.shape();
  shape[0] = r1 - r0;
  if (t.dtype() == nn::DType::I64)
    return nn::Tensor::from_ids(shape, std::span<const int64_t>(t.ids() + r0 * per_row, static_cast<size_t>((r1 - r0) * per_row)));
  return nn::Tensor::from_data(shape, std::span<const float>(t.data() + r0 * per_row, static_cast<size_t>((r1 - r0) * per_row)));
}

// Entries of the flat positions `pos` (b·T + t) within rows [r0, r1), re-based to the slice, with
// the matching entries of `labels` (same length; may be undefined).
void filter_flat(const nn::Tensor& pos, const nn::Tensor& labels, int64_t T, int64_t r0, int64_t r1, nn::Tensor& pos_out,
                 nn::Tensor& labels_out) {
  if (!pos.defined()) {
    pos_out = pos;
    labels_out = labels;
    return;
  }
  const std::vector<int64_t> p = pos.to_ids();
  const std::vector<int64_t> l = labels.defined() ? labels.to_ids() : std::vector<int64_t>();
  NN_CHECK(!labels.defined() || l.size() == p.size(), "batch_rows: ", p.size(), " positions but ", l.size(), " labels");
  std::vector<int64_t> kp, kl;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] >= r0 * T && p[i] < r1 * T) {
      kp.push_back(p[i] - r0 * T);
      if (labels.defined()) kl.push_back(l[i]);
    }
  pos_out = nn::Tensor::from_ids({static_cast<int64_t>(kp.size())}, kp);
  labels_out = labels.defined() ? nn::Tensor::from_ids({static_cast<int64_t>(kl.size())}, kl) : labels;
}

}  // namespace

Batch batch_rows(const Batch& b, int64_t r0, int64_t r1) {
  NN_CHECK(b.input_ids.defined() && b.input_ids.dim() == 2, "batch_rows: the batch has no (B,T) input_ids");
  const int64_t B = b.input_ids.size(0), T = b.input_ids.size(1);
  NN_CHECK(0 <= r0 && r0 < r1 && r1 <= B, "batch_rows: rows [", r0, ", ", r1, ") of a batch of ", B);
  Batch out;
  out.input_ids = rows(b.input_ids, r0, r1);
  out.token_type_ids = rows(b.token_type_ids, r0, r1);
  out.attention_mask = rows(b.attention_mask, r0, r1);
  out.position_ids = rows(b.position_ids, r0, r1);
  out.instance_ids = rows(b.instance_ids, r0, r1);
  filter_flat(b.masked_positions, b.masked_labels, T, r0, r1, out.masked_positions, out.masked_labels);
  if (b.cls_positions.defined()) {  // packed: one NSP label per instance, beside its [CLS]
    filter_flat(b.cls_positions, b.next_sentence_labels, T, r0, r1, out.cls_positions, out.next_sentence_labels);
  } else {
    out.next_sentence_labels = rows(b.next_sentence_labels, r0, r1);
  }
  out.labels = b.labels.defined() && b.labels.dim() >= 1 && b.labels.size(0) == B ? rows(b.labels, r0, r1) : b.labels;
  return out;
}

}  // namespace bert
