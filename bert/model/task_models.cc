// task_models.cc — forward passes and losses of the task models.
#include "bert/model/task_models.h"

#include "core/ops.h"
#include "core/rng.h"

namespace bert {

nn::Tensor gather_positions(const nn::Tensor& h, const nn::Tensor& positions) {
  const int64_t B = h.size(0), T = h.size(1), H = h.size(2);
  return nn::gather_rows(nn::reshape(h, {B * T, H}), positions);
}

namespace {

BertConfig encoder_config(BertConfig c, bool decoder) {
  c.is_decoder = decoder;
  return c;
}

// The encoder over a batch, packed or not.
BertModelOutput encode(const BertModel& bert, const Batch& batch) {
  const bool packed = batch.instance_ids.defined();
  NN_CHECK(packed == batch.position_ids.defined(),
           "masked LM: a packed batch needs instance_ids and position_ids together");
  return bert.forward(batch.input_ids, batch.token_type_ids, batch.attention_mask, nullptr, batch.position_ids,
                      Packing{batch.instance_ids, batch.cls_positions});
}

// The MLM part shared by BertForPreTraining and BertForMaskedLM.
void masked_lm_loss(const BertLMPredictionHead& head, const nn::Tensor& sequence_output,
                    const Batch& batch, MaskedLMOutput& out) {
  NN_CHECK(batch.masked_positions.defined() && batch.masked_labels.defined() &&
               batch.masked_positions.shape() == batch.masked_labels.shape(),
           "masked LM: masked_positions and masked_labels must be given with the same shape");
  out.mlm_logits = head.forward(gather_positions(sequence_output, batch.masked_positions));
  out.mlm_loss = nn::cross_entropy(out.mlm_logits, batch.masked_labels);
}

// The statistics of a masked-LM output: the LM loss summed over the masked tokens, and accuracy.
void add_mlm_stats(const MaskedLMOutput& out, const Batch& batch, Statistics& stats) {
  const auto [correct, counted] = count_correct(out.mlm_logits, batch.masked_labels);
  stats.add("lm_loss", out.mlm_loss.item() * static_cast<double>(counted), counted);
  stats.add("mlm_acc", static_cast<double>(correct), counted);
}

}  // namespace

BertForPreTraining::BertForPreTraining(const BertConfig& c, uint64_t seed)
    : bert(encoder_config(c, false), nn::mix_seed(seed, 1), true),
      cls(c, nn::mix_seed(seed, 2), &bert.embeddings.word_embeddings.weight) {
  register_module("bert", bert);
  register_module("cls", cls);
}

MaskedLMOutput BertForPreTraining::forward(const Batch& batch) const {
  NN_CHECK(!batch.instance_ids.defined() || batch.cls_positions.defined(),
           "BertForPreTraining: a packed batch needs cls_positions (each instance's [CLS] for NSP)");
  BertModelOutput h = encode(bert, batch);
  MaskedLMOutput out;
  masked_lm_loss(cls.predictions, h.sequence_output, batch, out);
  NN_CHECK(batch.next_sentence_labels.defined(), "BertForPreTraining: next_sentence_labels are required");
  out.nsp_logits = cls.seq_relationship.forward(h.pooled_output);
  out.nsp_loss = nn::cross_entropy(out.nsp_logits, batch.next_sentence_labels);
  out.loss = nn::add(out.mlm_loss, out.nsp_loss);
  return out;
}

TaskOutput BertForPreTraining::compute_loss(const Batch& batch) const {
  const MaskedLMOutput out = forward(batch);
  TaskOutput t{out.loss, {}, out.mlm_logits};
  add_mlm_stats(out, batch, t.stats);
  const auto [correct, counted] = count_correct(out.nsp_logits, batch.next_sentence_labels);
  t.stats.add("nsp_acc", static_cast<double>(correct), counted);
  return t;
}

FullOutput BertForPreTraining::forward_all(const nn::Tensor& ids, const nn::Tensor& types,
                                           const nn::Tensor& mask) const {
  BertModelOutput h = bert.forward(ids, types, mask);
  return {h.sequence_output, h.pooled_output, cls.predictions.forward(h.sequence_output),
          cls.seq_relationship.forward(h.pooled_output)};
}

BertForMaskedLM::BertForMaskedLM(const BertConfig& c, uint64_t seed)
    : bert(encoder_config(c, false), nn::mix_seed(seed, 1), false),
      cls(c, nn::mix_seed(seed, 2), &bert.embeddings.word_embeddings.weight) {
  register_module("bert", bert);
  register_module("cls", cls);
}

MaskedLMOutput BertForMaskedLM::forward(const Batch& batch) const {
  BertModelOutput h = encode(bert, batch);
  MaskedLMOutput out;
  masked_lm_loss(cls.predictions, h.sequence_output, batch, out);
  out.loss = out.mlm_loss;
  return out;
}

TaskOutput BertForMaskedLM::compute_loss(const Batch& batch) const {
  const MaskedLMOutput out = forward(batch);
  TaskOutput t{out.loss, {}, out.mlm_logits};
  add_mlm_stats(out, batch, t.stats);
  return t;
}

FullOutput BertForMaskedLM::forward_all(const nn::Tensor& ids, const nn::Tensor& types,
                                        const nn::Tensor& mask) const {
  BertModelOutput h = bert.forward(ids, types, mask);
  return {h.sequence_output, {}, cls.predictions.forward(h.sequence_output), {}};
}

BertLMHeadModel::BertLMHeadModel(const BertConfig& c, uint64_t seed)
    : bert(encoder_config(c, true), nn::mix_seed(seed, 1), false),
      cls(c, nn::mix_seed(seed, 2), &bert.embeddings.word_embeddings.weight) {
  register_module("bert", bert);
  register_module("cls", cls);
}

nn::Tensor BertLMHeadModel::forward(const nn::Tensor& ids, const nn::Tensor& mask, KVCache* cache,
                                    const nn::Tensor& position_ids) const {
  return cls.predictions.forward(bert.forward(ids, nn::Tensor(), mask, cache, position_ids).sequence_output);
}

nn::Tensor BertLMHeadModel::loss(const nn::Tensor& logits, const nn::Tensor& labels) const {
  const int64_t B = logits.size(0), T = logits.size(1), V = logits.size(2);
  NN_CHECK(labels.shape() == nn::Shape({B, T}), "BertLMHeadModel: labels of shape ", labels.shape(),
           " do not match logits ", logits.shape());
  // Position t predicts token t+1: logits[:, :-1] against labels[:, 1:].
  nn::Tensor pred = nn::reshape(nn::slice(logits, 1, 0, T - 1), {B * (T - 1), V});
  nn::Tensor target = nn::reshape(nn::slice(labels, 1, 1, T), {B * (T - 1)});
  return nn::cross_entropy(pred, target);
}

TaskOutput BertLMHeadModel::compute_loss(const Batch& batch) const {
  NN_CHECK(batch.labels.defined(), "BertLMHeadModel: the batch has no labels");
  const nn::Tensor logits = forward(batch.input_ids, batch.attention_mask, nullptr, batch.position_ids);
  TaskOutput t{loss(logits, batch.labels), {}, logits};
  const int64_t B = logits.size(0), T = logits.size(1), V = logits.size(2);
  const auto [correct, counted] = count_correct(nn::reshape(nn::slice(logits, 1, 0, T - 1), {B * (T - 1), V}),
                                                nn::reshape(nn::slice(batch.labels, 1, 1, T), {B * (T - 1)}));
  t.stats.add("lm_loss", t.loss.item() * static_cast<double>(counted), counted);
  t.stats.add("acc", static_cast<double>(correct), counted);
  return t;
}

FullOutput BertLMHeadModel::forward_all(const nn::Tensor& ids, const nn::Tensor& types,
                                        const nn::Tensor& mask) const {
  BertModelOutput h = bert.forward(ids, types, mask);
  return {h.sequence_output, {}, cls.predictions.forward(h.sequence_output), {}};
}

const BertLMHeadModel* as_causal_lm(const TaskModel& model) { return dynamic_cast<const BertLMHeadModel*>(&model); }

const BertLMPredictionHead* masked_lm_head(const TaskModel& model) {
  if (const auto* m = dynamic_cast<const BertForPreTraining*>(&model)) return &m->cls.predictions;
  if (const auto* m = dynamic_cast<const BertForMaskedLM*>(&model)) return &m->cls.predictions;
  return nullptr;
}

}  // namespace bert
