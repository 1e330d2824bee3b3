// gradcheck.h — the model's own gradient checked by central finite differences: for a handful
// of parameter entries θᵢ, the analytic ∂L/∂θᵢ from backward() against
// (L(θ + h·eᵢ) − L(θ − h·eᵢ)) / 2h, with relative error |a − n| / max(|a|, |n|).
//
// The forward runs in fp32, so L is only known to about an ulp: the difference quotient has a
// resolution of a few ulp(L) / 2h (GradCheckReport::resolution), and a gradient not well above
// it cannot be checked this way (an untrained model's query and key weights, whose attention is
// nearly uniform, often have such gradients). Such entries are reported as unresolved and count
// only as far as they stay within the resolution. With h = 1e-2 and the entries of largest
// gradient (the defaults), resolved entries agree to about 1e-5 .. 1e-2; a wrong backward gives
// errors of order 1.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bert/task/task_model.h"

namespace bert {

struct GradCheckOptions {
  std::vector<std::string> parameters;  // parameter names; empty: default_gradcheck_parameters()
  int entries_per_parameter = 2;        // per parameter, the entries of largest |analytic gradient|
  double step = 1e-2;                   // h
  double rtol = 2e-2;                   // an entry agrees when |a − n| ≤ resolution + rtol·max(|a|, |n|)
};

struct GradCheckEntry {
  std::string parameter;  // e.g. "bert.encoder.layer.0.attention.self.query.weight"
  std::vector<int64_t> index;  // the entry's coordinates in the parameter's shape
  double value = 0;       // θᵢ
  double analytic = 0;    // ∂L/∂θᵢ from backward()
  double numeric = 0;     // the central difference
  double rel_error = 0;   // |analytic − numeric| / max(|analytic|, |numeric|) (0 when both are 0)
  bool resolved = false;  // max(|analytic|, |numeric|) ≥ 10 × the report's resolution
  bool agrees = false;    // |analytic − numeric| ≤ resolution + rtol·max(|analytic|, |numeric|)
};

struct GradCheckReport {
  std::string loss;   // what L is
  double loss_value = 0;
  double step = 0;
  double resolution = 0;  // 4·ulp(L) / 2h: how finely the central difference can see a gradient
  std::vector<GradCheckEntry> entries;
  double max_rel_error = 0;  // over the resolved entries
  bool agrees = true;        // every entry agrees
};

// A few parameters spread through the model (embeddings, the first layer's attention, the last
// layer's feed-forward and LayerNorm, the pooler, the head), those the model has.
std::vector<std::string> default_gradcheck_parameters(const TaskModel& model);

// Checks the gradient of loss() (a 0-d tensor built from `model`'s parameters) at the chosen
// entries. The model must be in eval mode (dropout would make L random) and gradients enabled.
// Perturbed entries are restored exactly; every checked parameter's gradient is zeroed before
// and after. Throws nn::Error naming an unknown parameter.
GradCheckReport gradient_check(const TaskModel& model, const std::function<nn::Tensor()>& loss,
                               const GradCheckOptions& options = {}, const std::string& loss_name = "L");

// The loss gradient_check_input() uses for one input (B,T), chosen per model so that every part
// of the model matters:
//  - causal LM: the next-token cross-entropy (position t predicts token t + 1);
//  - masked LM: the cross-entropy of predicting each token that is not [MASK] (mask_id) at its
//    own position (BERT's MLM trains on such unchanged targets too), plus for BertForPreTraining
//    the NSP cross-entropy against label 0 ("B follows A");
//  - sequence classification: cross-entropy against class 0 (regression: mean ½y²);
//  - token classification: cross-entropy of every token against class 0.
nn::Tensor probe_loss(const TaskModel& model, const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                      int32_t mask_id);
// One line saying what probe_loss() is for this model.
std::string probe_loss_description(const TaskModel& model);

// gradient_check() of probe_loss() on this input.
GradCheckReport gradient_check_input(const TaskModel& model, const nn::Tensor& input_ids,
                                     const nn::Tensor& token_type_ids, int32_t mask_id,
                                     const GradCheckOptions& options = {});

}  // namespace bert
