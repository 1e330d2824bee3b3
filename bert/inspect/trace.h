// trace.h — capturing what happens inside the encoder: the attention probabilities of every
// layer and the hidden states between layers, through the observer hooks of BertSelfAttention
// (probs_hook) and BertEncoder (hidden_hook). Capturing changes no number the model computes.
//
// From research code, either hold an EncoderCapture around any forward of your own:
//
//   bert::EncoderCapture capture(model.encoder());
//   model.forward_all(ids, types, mask);
//   capture.attentions()[3];     // layer 3's probabilities (B, heads, T, T)
//   capture.hidden_states()[0];  // the embeddings' output (B, T, H)
//
// or call trace_forward(), which does exactly that around model.forward_all().
#pragma once
#include <vector>

#include "bert/task/task_model.h"

namespace bert {

// While alive, records the attention probabilities and hidden states of every forward of one
// BertModel; hooks already installed keep being called (captures nest), and the destructor puts
// them back. Not thread-safe: do not run the same model on another thread meanwhile.
class EncoderCapture {
 public:
  explicit EncoderCapture(const BertModel& model);
  ~EncoderCapture();
  EncoderCapture(const EncoderCapture&) = delete;
  EncoderCapture& operator=(const EncoderCapture&) = delete;

  // Per layer, the probabilities (B, heads, T, S) of its latest call (undefined before one).
  const std::vector<nn::Tensor>& attentions() const { return attentions_; }
  // The hidden states of the latest forward, L + 1 of them (B,T,H): [0] the embeddings' output,
  // [i] the output of layer i − 1 (the last is the sequence output).
  const std::vector<nn::Tensor>& hidden_states() const { return hidden_states_; }

 private:
  const BertModel& model_;
  std::vector<AttentionProbsHook> saved_probs_hooks_;
  HiddenStateHook saved_hidden_hook_;
  std::vector<nn::Tensor> attentions_;
  std::vector<nn::Tensor> hidden_states_;
};

// Everything one traced forward gives.
struct ModelTrace {
  FullOutput output;                      // what model.forward_all() returns, bit for bit
  std::vector<nn::Tensor> attentions;     // L × (B, heads, T, T)
  std::vector<nn::Tensor> hidden_states;  // (L + 1) × (B, T, H), as EncoderCapture's
};

// model.forward_all(input_ids, token_type_ids, attention_mask) under an EncoderCapture. Runs in
// the caller's grad mode (inside nn::NoGradGuard for inference).
ModelTrace trace_forward(const TaskModel& model, const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                         const nn::Tensor& attention_mask);

}  // namespace bert
