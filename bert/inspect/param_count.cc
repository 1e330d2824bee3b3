// param_count.cc — the closed-form parameter count of each model class, and the count of a real
// model's parameters by module prefix.
#include "bert/inspect/param_count.h"

#include "core/error.h"

namespace bert {
namespace {

// True when parameter `name` is `module` itself or lies under it ("module.…").
bool under(const std::string& name, const std::string& module) {
  if (name.compare(0, module.size(), module) != 0) return false;
  return name.size() == module.size() || name[module.size()] == '.';
}

}  // namespace

ParameterTable closed_form_parameters(const BertConfig& c, const std::string& architecture) {
  const int64_t V = c.vocab_size, H = c.hidden_size, P = c.max_position_embeddings, N = c.type_vocab_size,
                I = c.intermediate_size, L = c.num_hidden_layers, C = c.num_labels();
  bool pooler = false, mlm = false, nsp = false, classifier = false;
  if (architecture == "BertForPreTraining") pooler = mlm = nsp = true;
  else if (architecture == "BertForMaskedLM" || architecture == "BertLMHeadModel") mlm = true;
  else if (architecture == "BertForSequenceClassification") pooler = classifier = true;
  else if (architecture == "BertForTokenClassification") classifier = true;
  else nn::fail("parameter count: no closed form for architecture '", architecture, "'");

  ParameterTable t;
  t.symbols = {{"V", "vocab_size", V},
               {"H", "hidden_size", H},
               {"P", "max_position_embeddings", P},
               {"N_type", "type_vocab_size", N},
               {"I", "intermediate_size", I},
               {"L", "num_hidden_layers", L}};
  if (classifier) t.symbols.push_back({"C", "num_labels", C});
  auto row = [&](std::string module, std::string formula, int64_t value, bool part = false) {
    t.rows.push_back({std::move(module), std::move(formula), value, 0, part});
  };
  row("bert.embeddings.word_embeddings", "V·H", V * H);
  row("bert.embeddings.position_embeddings", "P·H", P * H);
  row("bert.embeddings.token_type_embeddings", "N_type·H", N * H);
  row("bert.embeddings.LayerNorm", "2H", 2 * H);
  const int64_t layer = 4 * H * H + 2 * H * I + 9 * H + I;
  for (int64_t l = 0; l < L; ++l) {
    const std::string p = "bert.encoder.layer." + std::to_string(l);
    row(p, "4H² + 2H·I + 9H + I", layer);
    if (l > 0) continue;
    row(p + ".attention.self", "3H² + 3H", 3 * H * H + 3 * H, true);
    row(p + ".attention.output.dense", "H² + H", H * H + H, true);
    row(p + ".attention.output.LayerNorm", "2H", 2 * H, true);
    row(p + ".intermediate.dense", "H·I + I", H * I + I, true);
    row(p + ".output.dense", "I·H + H", I * H + H, true);
    row(p + ".output.LayerNorm", "2H", 2 * H, true);
  }
  t.total_formula = "V·H + P·H + N_type·H + 2H + L·(4H² + 2H·I + 9H + I)";
  if (pooler) {
    row("bert.pooler", "H² + H", H * H + H);
    t.total_formula += " + H² + H";
  }
  if (mlm) {
    row("cls.predictions.transform", "H² + 3H", H * H + 3 * H);
    row("cls.predictions.bias", "V", V);
    t.total_formula += " + H² + 3H + V";
  }
  if (nsp) {
    row("cls.seq_relationship", "2H + 2", 2 * H + 2);
    t.total_formula += " + 2H + 2";
  }
  if (classifier) {
    row("classifier", "C·H + C", C * H + C);
    t.total_formula += " + C·H + C";
  }
  for (const ParameterRow& r : t.rows)
    if (!r.part) t.closed_form_total += r.closed_form;
  return t;
}

ParameterTable parameter_table(const TaskModel& model) {
  ParameterTable t = closed_form_parameters(model.config(), model.architecture());
  for (const nn::NamedParameter& p : model.named_parameters()) {
    const int64_t n = p.tensor->numel();
    bool found = false;
    for (ParameterRow& r : t.rows) {
      if (!under(p.name, r.module)) continue;
      r.counted += n;
      found = found || !r.part;
    }
    if (!found) t.rows.push_back({p.name, "not in the closed form", 0, n, false});
    t.counted_total += n;
  }
  return t;
}

}  // namespace bert
