// inspection_json.cc — the Inspection as JSON (nlohmann::json).
#include <charconv>
#include <nlohmann/json.hpp>

#include "bert/inspect/inspection_report.h"

namespace bert {
namespace {

using nlohmann::json;

// x as the double with the shortest decimal form that reads back as x (0.1f → 0.1, not
// 0.10000000149011612), so the JSON is compact and exact.
double shortest(float x) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, x).ptr;
  double d = 0;
  std::from_chars(buf, end, d);
  return d;
}

json floats(const std::vector<float>& v) {
  json a = json::array();
  for (const float x : v) a.push_back(shortest(x));
  return a;
}

json mass_json(const AttentionMass& m) {
  return {{"cls", m.cls}, {"sep", m.sep}, {"self", m.self}, {"previous", m.previous}, {"next", m.next}, {"other", m.other}};
}

json parameters_json(const ParameterTable& t) {
  json rows = json::array(), symbols = json::array();
  for (const ParameterRow& r : t.rows)
    rows.push_back({{"module", r.module}, {"formula", r.formula}, {"closed_form", r.closed_form},
                    {"counted", r.counted}, {"part", r.part}});
  for (const ParameterSymbol& s : t.symbols) symbols.push_back({{"symbol", s.symbol}, {"meaning", s.meaning}, {"value", s.value}});
  return {{"rows", rows}, {"symbols", symbols}, {"total_formula", t.total_formula},
          {"closed_form_total", t.closed_form_total}, {"counted_total", t.counted_total}};
}

json gradcheck_json(const GradCheckReport& g) {
  json entries = json::array();
  for (const GradCheckEntry& e : g.entries)
    entries.push_back({{"parameter", e.parameter}, {"index", e.index}, {"value", e.value}, {"analytic", e.analytic},
                       {"numeric", e.numeric}, {"rel_error", e.rel_error}, {"resolved", e.resolved},
                       {"agrees", e.agrees}});
  return {{"loss", g.loss}, {"loss_value", g.loss_value}, {"step", g.step}, {"resolution", g.resolution},
          {"entries", entries}, {"max_rel_error", g.max_rel_error}, {"agrees", g.agrees}};
}

}  // namespace

std::string inspection_json(const Inspection& r) {
  const BertConfig& c = r.config;
  json tokens = json::array();
  for (size_t t = 0; t < r.input.ids.size(); ++t)
    tokens.push_back({{"position", t}, {"token", r.input.tokens[t]}, {"id", r.input.ids[t]},
                      {"type", r.input.token_type_ids[t]}});
  json attention = json::array();
  const size_t T = r.input.ids.size();
  for (const auto& layer : r.attention) {
    json heads = json::array();
    for (const std::vector<float>& p : layer) {
      json rows = json::array();
      for (size_t i = 0; i < T; ++i) rows.push_back(floats(std::vector<float>(p.begin() + i * T, p.begin() + (i + 1) * T)));
      heads.push_back(rows);
    }
    attention.push_back(heads);
  }
  json heads = json::array();
  for (const HeadSummary& h : r.heads)
    heads.push_back({{"layer", h.layer}, {"head", h.head}, {"role", head_role_name(h.role)}, {"mass", mass_json(h.mass)}});
  json norms = json::array();
  for (const auto& n : r.hidden_norms) norms.push_back(floats(n));
  json lens = json::array();
  for (const LensPosition& p : r.lens) {
    json layers = json::array();
    for (const auto& top : p.layers) {
      json l = json::array();
      for (const TokenScore& s : top)
        l.push_back({{"token", s.token}, {"id", s.id}, {"prob", shortest(s.prob)}, {"logit", shortest(s.logit)}});
      layers.push_back(l);
    }
    lens.push_back({{"position", p.position}, {"token", r.input.tokens[static_cast<size_t>(p.position)]}, {"layers", layers}});
  }
  json out = {
      {"model", r.model},
      {"architecture", r.architecture},
      {"causal", r.causal},
      {"config",
       {{"vocab_size", c.vocab_size}, {"hidden_size", c.hidden_size}, {"num_hidden_layers", c.num_hidden_layers},
        {"num_attention_heads", c.num_attention_heads}, {"intermediate_size", c.intermediate_size},
        {"max_position_embeddings", c.max_position_embeddings}, {"type_vocab_size", c.type_vocab_size}}},
      {"text", r.text},
      {"tokens", tokens},
      {"attention", attention},
      {"heads", heads},
      {"hidden_states", r.hidden_state_names},
      {"hidden_norms", norms},
      {"lens", {{"target", r.lens_target}, {"positions", lens}}},
      {"parameters", parameters_json(r.parameters)},
      {"gradcheck", r.gradcheck ? gradcheck_json(*r.gradcheck) : json(nullptr)},
  };
  return out.dump(-1, ' ', false, json::error_handler_t::replace);  // invalid UTF-8 in the text: U+FFFD
}

}  // namespace bert
