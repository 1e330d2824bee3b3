// batch.h — one batch for any task: the tensors a model reads, named as HuggingFace names its
// forward arguments. A model reads the fields its task needs and the others stay undefined, so
// the data side (pretraining streams, fine-tuning datasets, evaluation windows) and the trainer
// pass one type whatever the task.
#pragma once
#include "core/tensor.h"

namespace bert {

struct Batch {
  nn::Tensor input_ids;             // (B,T) I64
  nn::Tensor token_type_ids;        // (B,T) I64, or undefined (all type 0)
  nn::Tensor attention_mask;        // (B,T) I64, 1 = token, 0 = padding
  // Masked LM: the masked tokens, gathered before the vocabulary projection.
  nn::Tensor masked_positions;      // (M) I64, flat indices b·T + t of the masked tokens
  nn::Tensor masked_labels;         // (M) I64, the original tokens there
  nn::Tensor next_sentence_labels;  // NSP: (B), or (N) when packed, I64: 0 = B follows A, 1 = random
  // Packed rows (several instances per row; the {} lets aggregate initialisers stop earlier):
  nn::Tensor position_ids{};        // (B,T) I64, position within the instance (from 0)
  nn::Tensor instance_ids{};        // (B,T) I64, the instance of each position (one run each)
  nn::Tensor cls_positions{};       // (N) I64, flat b·T + t of each instance's [CLS]
  // Task labels: causal LM (B,T) I64, position t predicting labels[t+1], −100 ignored; sequence
  // classification (B) I64 class ids, or (B,L) F32 for multi-label and regression; token
  // classification (B,T) I64, −100 ignored.
  nn::Tensor labels{};
};

}  // namespace bert
