// inspection_text.cc — the terminal summary of an Inspection.
#include <cstdio>
#include <map>

#include "bert/inspect/inspection_report.h"
#include "bert/inspect/report_format.h"

namespace bert {

using report::format;
using report::grouped;

std::string inspection_text(const Inspection& r) {
  const BertConfig& c = r.config;
  std::string s;
  s += format("model: %s (%s: %lld layers, %lld heads, hidden %lld, intermediate %lld, vocab %lld)\n", r.model.c_str(),
              r.architecture.c_str(), static_cast<long long>(c.num_hidden_layers),
              static_cast<long long>(c.num_attention_heads), static_cast<long long>(c.hidden_size),
              static_cast<long long>(c.intermediate_size), static_cast<long long>(c.vocab_size));
  s += "text: " + r.text + "\n";
  const std::string head = format("tokens (%zu):", r.input.ids.size());
  s += head;
  size_t width = head.size();
  for (size_t t = 0; t < r.input.ids.size(); ++t) {
    const std::string item = format(" %zu:%s(%d)", t, r.input.tokens[t].c_str(), r.input.ids[t]);
    if (width + item.size() > 100) {
      s += "\n ";
      width = 1;
    }
    s += item;
    width += item.size();
  }
  s += "\n";

  if (r.lens_target.empty()) {
    s += "predictions: none (the model has no language-model head)\n";
  } else if (r.lens.empty()) {
    s += "predictions: none (put [MASK] in the text to see the model's predictions)\n";
  }
  for (const LensPosition& p : r.lens) {
    const std::vector<TokenScore>& last = p.layers.back();
    s += r.causal ? format("next token after position %lld:", static_cast<long long>(p.position))
                  : format("[MASK] at position %lld:", static_cast<long long>(p.position));
    for (const TokenScore& t : last) s += format(" %s %.3f", t.token.c_str(), static_cast<double>(t.prob));
    s += "\n  top-1 through the layers (logit lens):";
    for (size_t l = 0; l < p.layers.size(); ++l)
      s += format(" %s%s", l ? "→ " : "", p.layers[l].empty() ? "?" : p.layers[l][0].token.c_str());
    s += "\n";
  }

  const ParameterTable& pt = r.parameters;
  const bool match = pt.closed_form_total == pt.counted_total;
  s += format("parameters: %s counted, %s by the closed form (%s)%s\n", grouped(pt.counted_total).c_str(),
              grouped(pt.closed_form_total).c_str(), match ? "equal" : "DIFFERENT", match ? "" : " — see the page");
  s += "  " + pt.total_formula + "\n";

  s += "heads (where the attention mass goes; role = kind with ≥ half of it, else broad):\n";
  std::map<std::string, int> roles;
  for (const HeadSummary& h : r.heads) {
    const AttentionMass& m = h.mass;
    roles[head_role_name(h.role)]++;
    s += format("  layer %lld head %lld: %-8s  [CLS] %.2f  [SEP] %.2f  self %.2f  previous %.2f  next %.2f  other %.2f\n",
                static_cast<long long>(h.layer), static_cast<long long>(h.head), head_role_name(h.role), m.cls, m.sep,
                m.self, m.previous, m.next, m.other);
  }
  s += " ";
  for (const auto& [role, n] : roles) s += format(" %s: %d", role.c_str(), n);
  s += "\n";
  if (r.gradcheck) {
    const GradCheckReport& g = *r.gradcheck;
    size_t resolved = 0;
    for (const GradCheckEntry& e : g.entries) resolved += e.resolved;
    s += format("gradient check: %s; %zu entries, %zu above the fp32 resolution %.1e, largest relative error there %.2e\n",
                g.agrees ? "backprop agrees with central differences" : "DISAGREEMENT (see the page)", g.entries.size(),
                resolved, g.resolution, g.max_rel_error);
    s += format("  h = %g; L = %s = %.6f\n", g.step, g.loss.c_str(), g.loss_value);
  }
  return s;
}

}  // namespace bert
