// inspection_html.cc — the Inspection as one self-contained HTML page.
//
// Everything is inline: CSS, SVG drawn here (attention thumbnails, the norm chart), and a short
// script that draws the chosen head large from the page's data block — the inspection_json()
// text itself, so the page and `inspect --format json` carry the same numbers. Opening the page
// at #layer=L&head=H clicks that head's thumbnail on load.
#include <cmath>
#include <cstdio>
#include <map>

#include "bert/inspect/inspection_report.h"
#include "bert/inspect/report_format.h"
#include "bert/inspect/svg.h"

namespace bert {
namespace {

using report::format;
using report::grouped;

std::string esc(const std::string& s) { return xml_escape(s); }

bool is_special(const std::string& token) {
  return token == "[CLS]" || token == "[SEP]" || token == "[MASK]" || token == "[PAD]" || token == "[UNK]";
}

// The short label of a role for badges.
std::string role_class(HeadRole role) {
  switch (role) {
    case HeadRole::cls: return "cls";
    case HeadRole::sep: return "sep";
    case HeadRole::self: return "self";
    case HeadRole::previous: return "prev";
    case HeadRole::next: return "next";
    case HeadRole::broad: return "broad";
  }
  return "broad";
}

const char* kStyle = R"CSS(
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Roboto,"DejaVu Sans",Helvetica,Arial,sans-serif;color:#222;background:#f4f5f7}
main{max-width:1360px;margin:0 auto;padding:18px 24px 40px}
header h1{font-size:22px;margin:0 0 2px}
header .sub{color:#555;margin:0}
header .text{font-size:17px;margin:10px 0 0;padding:8px 12px;background:#fff;border-left:4px solid #4e79a7;border-radius:4px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:14px 18px;margin:16px 0}
h2{font-size:17px;margin:0 0 8px}
h3{font-size:15px;margin:14px 0 6px}
.note{color:#555;margin:4px 0 10px;max-width:980px}
.tokens{display:flex;flex-wrap:wrap;gap:6px}
.tok{display:inline-flex;flex-direction:column;align-items:center;border:1px solid #d5d8dd;border-radius:6px;padding:3px 8px;background:#fafbfc;min-width:34px}
.tok .t{font-weight:600;font-size:14px}
.tok .p,.tok .i{font-size:11px;color:#777}
.tok.special{background:#fdecea;border-color:#e6b0aa}
.tok.special .t{color:#c0392b}
.attn{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.overview{display:grid;gap:6px;align-items:center}
.overview .lh{font-size:12px;color:#555;text-align:center}
.overview .ll{font-size:12px;color:#555;text-align:right;padding-right:4px;white-space:nowrap}
.thumb{border:2px solid transparent;border-radius:6px;background:#fff;padding:3px;cursor:pointer;display:flex;flex-direction:column;align-items:center;gap:2px;font:inherit}
.thumb:hover{border-color:#9ab}
.thumb.selected{border-color:#e15759;background:#fff6f5}
.thumb svg{display:block;border:1px solid #ddd}
.badge{font-size:11px;border-radius:8px;padding:0 6px;color:#fff;white-space:nowrap}
.b-prev{background:#4e79a7}.b-next{background:#59a14f}.b-self{background:#b07aa1}.b-cls{background:#f28e2b}.b-sep{background:#e15759}.b-broad{background:#9a9a9a}
.big{flex:1;min-width:420px}
.scale{display:flex;align-items:center;gap:6px;font-size:12px;color:#555;margin:4px 0}
.scale i{display:inline-block;width:120px;height:10px;background:linear-gradient(90deg,#fff,#08306b);border:1px solid #ccc}
.scale label{margin-left:18px}
.big h3{margin-top:0}
.bars{display:grid;grid-template-columns:70px 220px 50px;gap:2px 8px;font-size:12px;align-items:center;margin:6px 0}
.bar{height:11px;background:#e9ecef;border-radius:3px;overflow:hidden}
.bar i{display:block;height:100%;background:#4e79a7}
table{border-collapse:collapse;font-size:13px}
th,td{padding:3px 9px;border-bottom:1px solid #eceef1;text-align:left;vertical-align:top}
th{background:#f7f8fa;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.part td{color:#666;font-size:12px}
tr.part td:first-child{padding-left:26px}
tr.total td{font-weight:700;border-top:2px solid #ccc}
.ok{color:#2e7d32;font-weight:700}.bad{color:#c62828;font-weight:700}
.lens td.c{min-width:96px}
.lens td.c span{color:#555;font-size:11px;margin-left:4px}
.lens tr.final td{font-weight:700;border-top:2px solid #ccc}
.roles td.m{position:relative;min-width:64px;text-align:right;font-variant-numeric:tabular-nums}
code{font-size:12.5px;background:#f1f3f5;padding:0 4px;border-radius:3px}
.legend{font-size:12px;color:#555}
)CSS";

const char* kScript = R"JS(
(function () {
  var D = JSON.parse(document.getElementById('inspection-data').textContent);
  var T = D.tokens.length;
  var sqrt = false;  // shade cells by √p instead of p
  var labels = D.tokens.map(function (t) { return t.token; });
  var special = labels.map(function (s) { return /^\[(CLS|SEP|MASK|PAD|UNK)\]$/.test(s); });
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function heatmap(p) {
    var c = Math.max(9, Math.min(30, Math.floor(560 / T)));
    var longest = Math.min(16, Math.max.apply(null, labels.map(function (s) { return s.length; })));
    var left = 10 + 7 * longest, top = 10 + 6 * longest, w = left + c * T + 40, h = top + c * T + 1;
    var f = Math.max(9, Math.min(12, c * 0.8));
    var s = '<svg xmlns="http://www.w3.org/2000/svg" width="' + w + '" height="' + h + '">';
    s += '<rect x="' + left + '" y="' + top + '" width="' + c * T + '" height="' + c * T + '" fill="#fff" stroke="#bbb" stroke-width="0.5"/>';
    for (var i = 0; i < T; i++) {
      s += '<text x="' + (left - 4) + '" y="' + (top + c * (i + 0.5)) + '" font-size="' + f + '" text-anchor="end" dominant-baseline="middle" fill="' + (special[i] ? '#c0392b' : '#333') + '">' + esc(labels[i]) + '</text>';
      var x = left + c * (i + 0.5), y = top - 4;
      s += '<text x="' + x + '" y="' + y + '" font-size="' + f + '" fill="' + (special[i] ? '#c0392b' : '#333') + '" transform="rotate(-55 ' + x + ' ' + y + ')">' + esc(labels[i]) + '</text>';
    }
    for (i = 0; i < T; i++) for (var j = 0; j < T; j++) {
      var v = p[i][j];
      if (!(v > 0)) continue;
      var shade = Math.min(1, sqrt ? Math.sqrt(v) : v);
      s += '<rect x="' + (left + c * j) + '" y="' + (top + c * i) + '" width="' + c + '" height="' + c + '" fill="#08306b" fill-opacity="' + shade.toFixed(3) + '"><title>' + i + ' ' + esc(labels[i]) + ' → ' + j + ' ' + esc(labels[j]) + ': ' + v.toFixed(3) + '</title></rect>';
    }
    return s + '</svg>';
  }
  var kinds = [['cls', '[CLS]'], ['sep', '[SEP]'], ['self', 'self'], ['previous', 'previous'], ['next', 'next'], ['other', 'other']];
  function show(l, h) {
    var info = D.heads.filter(function (x) { return x.layer === l && x.head === h; })[0];
    var bars = kinds.map(function (k) {
      var m = info.mass[k[0]];
      return '<span>' + k[1] + '</span><span class="bar"><i style="width:' + (100 * m).toFixed(1) + '%"></i></span><span>' + (100 * m).toFixed(1) + '%</span>';
    }).join('');
    document.getElementById('big').innerHTML =
      '<h3 id="big-title">Layer ' + l + ' · head ' + h + ' — role: ' + esc(info.role) + '</h3>' +
      '<p class="legend">Rows: the query token (whose new state is being computed); columns: the key token it reads from. Darker = more attention; each row sums to 1. Hover a cell for its value.</p>' +
      heatmap(D.attention[l][h]) +
      '<div class="scale"><span>0</span><i></i><span>1</span><label><input type="checkbox" id="sqrt"' +
      (sqrt ? ' checked' : '') + '> shade by √p (shows small probabilities)</label></div>' +
      '<div class="bars">' + bars + '</div>';
    document.getElementById('sqrt').addEventListener('change', function (e) { sqrt = e.target.checked; show(l, h); });
    document.querySelectorAll('.thumb').forEach(function (b) {
      b.classList.toggle('selected', +b.dataset.layer === l && +b.dataset.head === h);
    });
    document.getElementById('big').dataset.layer = l;
    document.getElementById('big').dataset.head = h;
  }
  document.querySelectorAll('.thumb').forEach(function (b) {
    b.addEventListener('click', function () {
      var l = +b.dataset.layer, h = +b.dataset.head;
      show(l, h);
      if (history.replaceState) history.replaceState(null, '', '#layer=' + l + '&head=' + h);
    });
  });
  function fromHash() {
    var m = /layer=(\d+)&head=(\d+)/.exec(location.hash);
    var b = m && document.querySelector('.thumb[data-layer="' + m[1] + '"][data-head="' + m[2] + '"]');
    if (b) b.click(); else show(0, 0);
  }
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();
)JS";

std::string header(const Inspection& r) {
  const BertConfig& c = r.config;
  return "<header><h1>nnbert inspect</h1><p class=\"sub\">" + esc(r.model) + " · <b>" + esc(r.architecture) + "</b> · " +
         format("%lld layers · %lld heads · hidden %lld · intermediate %lld · vocab %lld · %lld positions",
                static_cast<long long>(c.num_hidden_layers), static_cast<long long>(c.num_attention_heads),
                static_cast<long long>(c.hidden_size), static_cast<long long>(c.intermediate_size),
                static_cast<long long>(c.vocab_size), static_cast<long long>(c.max_position_embeddings)) +
         "</p><p class=\"text\">" + esc(r.text) + "</p></header>\n";
}

std::string tokens_section(const Inspection& r) {
  std::string s = "<section id=\"tokens\"><h2>Tokens</h2><p class=\"note\">";
  s += r.causal ? "A causal model reads <code>[SEP]</code> then the text: [SEP] opens every document of its training stream."
                : "The tokenizer's WordPiece tokens with <code>[CLS]</code> before and <code>[SEP]</code> after; "
                  "<code>##</code> marks a piece that continues a word.";
  s += " Above each token its position, below it its vocabulary id.</p><div class=\"tokens\">";
  for (size_t t = 0; t < r.input.ids.size(); ++t)
    s += std::string("<div class=\"tok") + (is_special(r.input.tokens[t]) ? " special" : "") + "\"><span class=\"p\">" +
         std::to_string(t) + "</span><span class=\"t\">" + esc(r.input.tokens[t]) + "</span><span class=\"i\">" +
         std::to_string(r.input.ids[t]) + "</span></div>";
  return s + "</div></section>\n";
}

std::string attention_section(const Inspection& r) {
  const int64_t L = static_cast<int64_t>(r.attention.size());
  const int64_t A = L ? static_cast<int64_t>(r.attention[0].size()) : 0;
  const int64_t T = static_cast<int64_t>(r.input.ids.size());
  const double thumb = std::max(64.0, std::min(120.0, 960.0 / static_cast<double>(std::max<int64_t>(A, 1)) - 14));
  HeatmapOptions o;
  o.cell = thumb / static_cast<double>(T);
  o.min_value = T <= 32 ? 0.02f : 0.05f;  // faint cells are left out: long texts keep the page small
  std::string s =
      "<section id=\"attention\"><h2>Attention</h2><p class=\"note\">Each small map is one head of one layer: row i is "
      "the query at position i, column j the key at position j, and the darker the cell the more of row i's attention "
      "goes to token j (softmax(QKᵀ/√d), each row sums to 1). Click a map to see it large with its tokens, or open this "
      "page at <code>#layer=L&amp;head=H</code>. Badges give each head's role: where most of its attention goes.</p>"
      "<div class=\"attn\"><div class=\"overview\" style=\"grid-template-columns:auto repeat(" +
      std::to_string(A) + ",auto)\"><span></span>";
  for (int64_t h = 0; h < A; ++h) s += "<span class=\"lh\">head " + std::to_string(h) + "</span>";
  for (int64_t l = 0; l < L; ++l) {
    s += "<span class=\"ll\">layer " + std::to_string(l) + "</span>";
    for (int64_t h = 0; h < A; ++h) {
      const HeadSummary& info = r.heads[static_cast<size_t>(l * A + h)];
      s += "<button class=\"thumb\" data-layer=\"" + std::to_string(l) + "\" data-head=\"" + std::to_string(h) +
           "\" title=\"layer " + std::to_string(l) + ", head " + std::to_string(h) + ": " + esc(head_role_name(info.role)) +
           "\">" + heatmap_svg(r.attention[static_cast<size_t>(l)][static_cast<size_t>(h)].data(), T, T, o) +
           "<span class=\"badge b-" + role_class(info.role) + "\">" + esc(head_role_name(info.role)) + "</span></button>";
    }
  }
  s += "</div><div class=\"big\" id=\"big\"><p class=\"note\">(The large view needs JavaScript.)</p></div></div>";

  // Role summary and the table of every head's attention mass.
  std::map<std::string, std::vector<std::string>> by_role;
  for (const HeadSummary& h : r.heads)
    by_role[head_role_name(h.role)].push_back(format("L%lld·H%lld", static_cast<long long>(h.layer), static_cast<long long>(h.head)));
  s += "<h3>Head roles</h3><p class=\"note\">The share of each head's attention (averaged over its query rows) that goes "
       "to <code>[CLS]</code>, to <code>[SEP]</code>, to the token itself, to the previous token, to the next token, or "
       "elsewhere; a head's role is the kind that gets at least half, else <i>broad</i>. Heads that park their attention "
       "on <code>[SEP]</code> or <code>[CLS]</code> are common in trained BERTs (Clark et al. 2019).</p><p>";
  for (const auto& [role, list] : by_role) {
    s += "<b>" + esc(role) + "</b>: " + std::to_string(list.size()) + " (";
    for (size_t i = 0; i < list.size(); ++i) s += (i ? ", " : "") + list[i];
    s += ") &nbsp; ";
  }
  s += "</p>";
  s += r.heads.size() > 24 ? "<details><summary>every head</summary>" : "";
  s += "<table class=\"roles\"><tr><th>layer</th><th>head</th><th>role</th><th>[CLS]</th><th>[SEP]</th><th>self</th>"
       "<th>previous</th><th>next</th><th>other</th></tr>";
  for (const HeadSummary& h : r.heads) {
    s += "<tr><td>" + std::to_string(h.layer) + "</td><td>" + std::to_string(h.head) + "</td><td><span class=\"badge b-" +
         role_class(h.role) + "\">" + esc(head_role_name(h.role)) + "</span></td>";
    for (const double m : {h.mass.cls, h.mass.sep, h.mass.self, h.mass.previous, h.mass.next, h.mass.other})
      s += format("<td class=\"m\" style=\"background:linear-gradient(90deg,#dbe6f3 %.1f%%,transparent %.1f%%)\">%.2f</td>",
                  100 * m, 100 * m, m);
    s += "</tr>";
  }
  s += "</table>";
  s += r.heads.size() > 24 ? "</details>" : "";
  return s + "</section>\n";
}

std::string lens_section(const Inspection& r) {
  std::string s = "<section id=\"lens\"><h2>Predictions through the layers (logit lens)</h2>";
  if (r.lens_target.empty())
    return s + "<p class=\"note\">This model has no language-model head (" + esc(r.architecture) + ").</p></section>\n";
  s += "<p class=\"note\">The model's own vocabulary head (dense → GELU → LayerNorm → the word-embedding matrix) applied "
       "to the hidden state after each layer, not only the last: how the prediction forms with depth. The last row is "
       "the model's prediction. Shading: probability.</p>";
  if (r.lens.empty()) return s + "<p>Put <code>[MASK]</code> in the text to see predictions.</p></section>\n";
  for (const LensPosition& p : r.lens) {
    const std::string& tok = r.input.tokens[static_cast<size_t>(p.position)];
    s += r.causal ? "<h3>Next token after position " + std::to_string(p.position) + " (" + esc(tok) + ")</h3>"
                  : "<h3>" + esc(tok) + " at position " + std::to_string(p.position) + "</h3>";
    s += "<table class=\"lens\"><tr><th>hidden state</th>";
    const size_t k = p.layers.empty() ? 0 : p.layers[0].size();
    for (size_t i = 0; i < k; ++i) s += "<th>" + std::to_string(i + 1) + "</th>";
    s += "</tr>";
    for (size_t l = 0; l < p.layers.size(); ++l) {
      const bool last = l + 1 == p.layers.size();
      s += std::string("<tr") + (last ? " class=\"final\"" : "") + "><td>" + esc(r.hidden_state_names[l]) +
           (last ? " (prediction)" : "") + "</td>";
      for (const TokenScore& t : p.layers[l])
        s += format("<td class=\"c\" style=\"background:rgba(78,121,167,%.3f)\">", std::min(0.85, 0.85 * std::sqrt(static_cast<double>(t.prob)))) +
             esc(t.token) + format("<span>%.3f</span></td>", static_cast<double>(t.prob));
      s += "</tr>";
    }
    s += "</table>";
  }
  return s + "</section>\n";
}

std::string norms_section(const Inspection& r) {
  std::vector<LineSeries> series;
  for (size_t t = 0; t < r.input.ids.size(); ++t) {
    LineSeries l{std::to_string(t) + " " + r.input.tokens[t], {}, is_special(r.input.tokens[t])};
    for (const auto& norms : r.hidden_norms) l.y.push_back(norms[t]);
    series.push_back(std::move(l));
  }
  LineChartOptions o;
  o.width = 900;
  o.height = 360;
  o.x_labels = r.hidden_state_names;
  o.y_label = "‖h‖₂";
  o.from_zero = false;
  return "<section id=\"norms\"><h2>Hidden-state norms</h2><p class=\"note\">The length ‖h‖₂ of each token's hidden "
         "state after the embeddings and after each layer (one line per token; special tokens dark). Every post-LN "
         "block ends in a LayerNorm, so the norms stay near √H·rms(γ) (√H = " +
         format("%.1f", std::sqrt(static_cast<double>(r.config.hidden_size))) +
         " for γ = 1), and the axis is zoomed to their range; tokens that stand out are often ones many heads attend "
         "to. Hover a line for its values.</p>" + line_chart_svg(series, o) +
         "</section>\n";
}

std::string parameters_section(const Inspection& r) {
  const ParameterTable& t = r.parameters;
  std::string s = "<section id=\"parameters\"><h2>Parameters</h2><p class=\"note\">Each module's parameter count from "
                  "the closed form next to the count of the model's own tensors. ";
  for (size_t i = 0; i < t.symbols.size(); ++i)
    s += (i ? ", " : "") + std::string("<code>") + esc(t.symbols[i].symbol) + " = " + grouped(t.symbols[i].value) +
         "</code> (" + esc(t.symbols[i].meaning) + ")";
  s += ". The decoder of the MLM head is the word-embedding matrix itself (tied), so it adds no parameters.</p>";
  s += "<table><tr><th>module</th><th>formula</th><th>closed form</th><th>counted</th><th></th></tr>";
  for (const ParameterRow& row : t.rows)
    s += std::string("<tr") + (row.part ? " class=\"part\"" : "") + "><td><code>" + esc(row.module) + "</code></td><td>" +
         esc(row.formula) + "</td><td class=\"n\">" + grouped(row.closed_form) + "</td><td class=\"n\">" +
         grouped(row.counted) + "</td><td>" +
         (row.closed_form == row.counted ? "<span class=\"ok\">✓</span>" : "<span class=\"bad\">✗</span>") + "</td></tr>";
  const bool ok = t.closed_form_total == t.counted_total;
  s += "<tr class=\"total\"><td>total</td><td>" + esc(t.total_formula) + "</td><td class=\"n\">" +
       grouped(t.closed_form_total) + "</td><td class=\"n\">" + grouped(t.counted_total) + "</td><td>" +
       (ok ? "<span class=\"ok\">✓</span>" : "<span class=\"bad\">✗</span>") + "</td></tr></table>";
  return s + "</section>\n";
}

std::string gradcheck_section(const Inspection& r) {
  if (!r.gradcheck) return "";
  const GradCheckReport& g = *r.gradcheck;
  std::string s = "<section id=\"gradcheck\"><h2>Gradient check</h2><p class=\"note\">For a few entries θ of the "
                  "parameters (in each tensor, those with the largest gradient): ∂L/∂θ from backpropagation (analytic) "
                  "against the central difference (L(θ+h) − L(θ−h)) / 2h (numeric), with L = " +
                  esc(g.loss) + format(" (here %.6f) and h = %g. ", g.loss_value, g.step) +
                  "The forward runs in fp32, so L is known only to about one ulp and the difference quotient cannot see "
                  "a gradient much smaller than " +
                  format("4·ulp(L)/2h = %.1e", g.resolution) +
                  "; such entries are marked <i>below resolution</i> and only have to stay within it. "
                  "Relative error |a − n| / max(|a|, |n|); a wrong gradient gives errors of order 1.</p>";
  s += "<table><tr><th>parameter</th><th>entry</th><th>θ</th><th>analytic</th><th>numeric</th><th>rel. error</th>"
       "<th></th></tr>";
  for (const GradCheckEntry& e : g.entries) {
    std::string idx = "[";
    for (size_t i = 0; i < e.index.size(); ++i) idx += (i ? ", " : "") + std::to_string(e.index[i]);
    idx += "]";
    const char* verdict = !e.agrees ? "<span class=\"bad\">disagrees</span>"
                          : e.resolved ? "<span class=\"ok\">✓</span>"
                                       : "<span class=\"legend\">below resolution</span>";
    s += "<tr><td><code>" + esc(e.parameter) + "</code></td><td>" + idx + "</td>" +
         format("<td class=\"n\">%.5f</td><td class=\"n\">%.6e</td><td class=\"n\">%.6e</td><td class=\"n\">%.2e</td>",
                e.value, e.analytic, e.numeric, e.rel_error) +
         "<td>" + verdict + "</td></tr>";
  }
  s += format("</table><p>%s Largest relative error over the resolved entries: <b>%.2e</b>.</p>",
              g.agrees ? "Backpropagation agrees with the central differences." : "<b class=\"bad\">Disagreement.</b>",
              g.max_rel_error);
  return s + "</section>\n";
}

// The JSON made safe inside <script>: "<" as \u003c, so no "</script>" can close the element.
std::string data_block(const Inspection& r) {
  const std::string json = inspection_json(r);
  std::string s;
  s.reserve(json.size() + 64);
  for (const char c : json) {
    if (c == '<') s += "\\u003c";
    else s += c;
  }
  return s;
}

}  // namespace

std::string inspection_html(const Inspection& r) {
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>nnbert inspect — " +
                  esc(r.model) + "</title><style>" + kStyle + "</style></head><body><main>\n";
  s += header(r) + tokens_section(r) + attention_section(r) + lens_section(r) + norms_section(r) +
       parameters_section(r) + gradcheck_section(r);
  s += "<p class=\"legend\">Made by <code>nnbert inspect</code>. Every number on this page is in the data block below "
       "(the same JSON as <code>inspect --format json</code>).</p></main>\n";
  s += "<script type=\"application/json\" id=\"inspection-data\">" + data_block(r) + "</script>\n";
  s += "<script>" + std::string(kScript) + "</script>\n</body></html>\n";
  return s;
}

}  // namespace bert
