// trace.cc — EncoderCapture installs recording hooks that chain to the ones it replaces.
#include "bert/inspect/trace.h"

namespace bert {

EncoderCapture::EncoderCapture(const BertModel& model) : model_(model) {
  const auto& layers = model.encoder.layer;
  attentions_.resize(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    const BertSelfAttention& self = layers[i]->attention.self;
    saved_probs_hooks_.push_back(self.probs_hook);
    self.probs_hook = [this, i, previous = self.probs_hook](const nn::Tensor& probs) {
      if (previous) previous(probs);
      attentions_[i] = probs;
    };
  }
  saved_hidden_hook_ = model.encoder.hidden_hook;
  model.encoder.hidden_hook = [this, previous = model.encoder.hidden_hook](size_t index, const nn::Tensor& h) {
    if (previous) previous(index, h);
    if (index == 0) hidden_states_.clear();
    hidden_states_.push_back(h);
  };
}

EncoderCapture::~EncoderCapture() {
  const auto& layers = model_.encoder.layer;
  for (size_t i = 0; i < layers.size(); ++i) layers[i]->attention.self.probs_hook = saved_probs_hooks_[i];
  model_.encoder.hidden_hook = saved_hidden_hook_;
}

ModelTrace trace_forward(const TaskModel& model, const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                         const nn::Tensor& attention_mask) {
  const EncoderCapture capture(model.encoder());
  ModelTrace trace;
  trace.output = model.forward_all(input_ids, token_type_ids, attention_mask);
  trace.attentions = capture.attentions();
  trace.hidden_states = capture.hidden_states();
  return trace;
}

}  // namespace bert
