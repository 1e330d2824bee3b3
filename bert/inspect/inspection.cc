// inspection.cc — one traced forward, then every summary the report shows.
#include "bert/inspect/inspection.h"

#include "bert/inspect/norms.h"
#include "bert/inspect/trace.h"
#include "bert/model/task_models.h"
#include "core/autograd.h"
#include "core/ops.h"

namespace bert {

InspectInput inspection_input(const TaskModel& model, const Tokenizer& tokenizer, const std::string& text) {
  InspectInput in;
  if (as_causal_lm(model)) {
    in.ids = {tokenizer.specials().sep};
    tokenizer.encode_into(text, in.ids);
    in.token_type_ids.assign(in.ids.size(), 0);
    NN_CHECK(in.ids.size() > 1, "inspect: the text has no tokens");
  } else {
    const Encoding e = tokenizer.encode_single(text);
    in.ids = e.ids;
    in.token_type_ids = e.token_type_ids;
    NN_CHECK(in.ids.size() > 2, "inspect: the text has no tokens");
  }
  const int64_t T = static_cast<int64_t>(in.ids.size()), P = model.config().max_position_embeddings;
  NN_CHECK(T <= P, "inspect: the text is ", T, " tokens (with the special tokens), but the model takes at most ", P);
  in.tokens = tokenizer.id_to_tokens(in.ids);
  return in;
}

Inspection inspect_text(const TaskModel& model, const Tokenizer& tokenizer, const std::string& text,
                        const InspectOptions& options) {
  Inspection r;
  r.architecture = model.architecture();
  r.config = model.config();
  r.causal = as_causal_lm(model) != nullptr;
  r.text = text;
  r.input = inspection_input(model, tokenizer, text);
  const int64_t T = static_cast<int64_t>(r.input.ids.size());
  const nn::Tensor ids = nn::Tensor::from_ids({1, T}, std::vector<int64_t>(r.input.ids.begin(), r.input.ids.end()));
  const nn::Tensor types = nn::Tensor::from_ids(
      {1, T}, std::vector<int64_t>(r.input.token_type_ids.begin(), r.input.token_type_ids.end()));

  {
    nn::NoGradGuard no_grad;
    const ModelTrace trace = trace_forward(model, ids, types, nn::Tensor());
    for (const nn::Tensor& a : trace.attentions) {
      const std::vector<float> p = a.to_vector();  // (1, heads, T, T)
      std::vector<std::vector<float>> layer;
      for (int64_t h = 0; h < a.size(1); ++h)
        layer.emplace_back(p.begin() + h * T * T, p.begin() + (h + 1) * T * T);
      r.attention.push_back(std::move(layer));
    }
    const SpecialIds& sp = tokenizer.specials();
    r.heads = classify_heads(trace.attentions, r.input.ids, sp.cls, sp.sep, options.role_threshold);
    r.hidden_state_names.push_back("embeddings");
    for (int64_t l = 0; l < r.config.num_hidden_layers; ++l) r.hidden_state_names.push_back("layer " + std::to_string(l));
    r.hidden_norms = hidden_state_norms(trace.hidden_states);

    if (const BertLMPredictionHead* head = language_model_head(model)) {
      std::vector<int64_t> positions;
      if (r.causal) {
        r.lens_target = "next token";
        positions.push_back(T - 1);
      } else {
        r.lens_target = "[MASK]";
        for (int64_t t = 0; t < T; ++t)
          if (r.input.ids[static_cast<size_t>(t)] == sp.mask) positions.push_back(t);
      }
      r.lens = logit_lens(*head, trace.hidden_states, positions, options.top_k, &tokenizer.vocab());
    }
  }
  r.parameters = parameter_table(model);
  if (options.gradcheck)
    r.gradcheck = gradient_check_input(model, ids, types, tokenizer.specials().mask, options.gradcheck_options);
  return r;
}

}  // namespace bert
