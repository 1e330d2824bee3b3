// ch04_attention.cc — chapter 4 of docs/learn: scaled dot-product attention, its masks and its
// backward, then the attention of a trained model.
//
// Checks nn::attention (the fused kernel) against attention composed from plain ops, its gradients
// against the backward derived by hand and against finite differences, that masked keys get
// probability exactly 0 and every row sums to 1; measures why scores are divided by √d; and draws
// the attention of every layer and head of a model on a sentence (bert::trace_forward). The
// model is --model DIR, or a tiny one trained here in a second or two.
//
//   ch04_attention [--model DIR] [FIGURE_DIR]
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "args.h"
#include "bert/checkpoint.h"
#include "bert/inspect/head_roles.h"
#include "bert/inspect/svg.h"
#include "bert/inspect/trace.h"
#include "bert/tokenizer/tokenizer.h"
#include "check.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "core/ops/attention_probs.h"
#include "plot.h"
#include "text.h"
#include "tiny_model.h"

using nn::Tensor;

constexpr int64_t B = 2, H = 2, T = 5, D = 4;

// softmax(Q·Kᵀ/√D + mask)·V from plain ops; key_mask (B,S) additive, causal adds −1e9 above the
// diagonal (exp of it is exactly 0 in float).
static Tensor composed_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask, bool causal) {
  Tensor s = nn::mul(nn::matmul(q, k, false, true), 1.f / std::sqrt(static_cast<float>(D)));  // (B,H,T,S)
  s = nn::add(s, nn::reshape(key_mask, {B, 1, 1, T}));
  if (causal) {
    std::vector<float> upper(static_cast<size_t>(T * T), 0.f);
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = i + 1; j < T; ++j) upper[static_cast<size_t>(i * T + j)] = -1e9f;
    s = nn::add(s, Tensor::from_data({T, T}, upper));
  }
  return nn::matmul(nn::softmax(s), v);
}

// The backward derived in the chapter, in double, for every (b, h): with P the probabilities and
// dO the upstream gradient, dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)),
// dQ = dS·K/√D, dK = dSᵀ·Q/√D. Returns dQ, dK, dV concatenated.
static std::vector<float> derived_backward(const std::vector<float>& P, const std::vector<float>& q,
                                           const std::vector<float>& k, const std::vector<float>& v,
                                           const std::vector<float>& dO) {
  const double scale = 1 / std::sqrt(static_cast<double>(D));
  std::vector<float> dq(q.size()), dk(k.size()), dv(v.size());
  for (int64_t bh = 0; bh < B * H; ++bh) {
    const auto at = [&](const std::vector<float>& x, int64_t t, int64_t d) { return static_cast<double>(x[(bh * T + t) * D + d]); };
    const auto p = [&](int64_t i, int64_t j) { return static_cast<double>(P[(bh * T + i) * T + j]); };
    std::vector<double> dS(static_cast<size_t>(T * T));
    for (int64_t i = 0; i < T; ++i) {
      std::vector<double> dP(static_cast<size_t>(T));
      double row = 0;
      for (int64_t j = 0; j < T; ++j) {
        for (int64_t d = 0; d < D; ++d) dP[j] += at(dO, i, d) * at(v, j, d);
        row += dP[j] * p(i, j);
      }
      for (int64_t j = 0; j < T; ++j) dS[i * T + j] = p(i, j) * (dP[j] - row);
    }
    for (int64_t t = 0; t < T; ++t)
      for (int64_t d = 0; d < D; ++d) {
        double gq = 0, gk = 0, gv = 0;
        for (int64_t j = 0; j < T; ++j) {
          gq += dS[t * T + j] * at(k, j, d) * scale;
          gk += dS[j * T + t] * at(q, j, d) * scale;
          gv += p(j, t) * at(dO, j, d);
        }
        const size_t o = static_cast<size_t>((bh * T + t) * D + d);
        dq[o] = static_cast<float>(gq), dk[o] = static_cast<float>(gk), dv[o] = static_cast<float>(gv);
      }
  }
  dq.insert(dq.end(), dk.begin(), dk.end());
  dq.insert(dq.end(), dv.begin(), dv.end());
  return dq;
}

int main(int argc, char** argv) {
  const learn::Args args = learn::parse_args(argc, argv, true);
  try {
    // --- 1. The fused kernel against the definition, with padding (row 1's last two keys) and causal.
    Tensor q = Tensor::randn({B, H, T, D}, 1), k = Tensor::randn({B, H, T, D}, 2), v = Tensor::randn({B, H, T, D}, 3);
    for (Tensor* x : {&q, &k, &v}) x->requires_grad_();
    const Tensor key_mask = Tensor::from_data({B, T}, {0, 0, 0, 0, 0, 0, 0, 0, -10000, -10000});  // (1 − m)·(−10000)
    const Tensor dO = Tensor::randn({B, H, T, D}, 4);
    for (const bool causal : {false, true}) {
      const std::string what = causal ? "causal" : "padding";
      const Tensor fused = nn::attention(q, k, v, key_mask, causal);
      const Tensor composed = composed_attention(q, k, v, key_mask, causal);
      learn::check_below("fused attention = composed ops, " + what + " (max abs diff)",
                         learn::max_abs_diff(fused.to_vector(), composed.to_vector()), 1e-5);
      for (Tensor* x : {&q, &k, &v}) x->zero_grad();
      fused.backward(dO);
      std::vector<float> grads = q.grad().to_vector();
      for (const Tensor* x : {&k, &v}) {
        const std::vector<float> g = x->grad().to_vector();
        grads.insert(grads.end(), g.begin(), g.end());
      }
      const Tensor P = nn::attention_probs(q.detach(), k.detach(), key_mask, causal);
      const std::vector<float> derived = derived_backward(P.to_vector(), q.to_vector(), k.to_vector(), v.to_vector(), dO.to_vector());
      learn::check_below("dQ, dK, dV = derived backward, " + what + " (max abs diff)", learn::max_abs_diff(grads, derived), 1e-5);
      learn::check_below("attention backward against finite differences, " + what + " (max rel error)",
                         learn::gradient_check([&] { return nn::sum(nn::mul(nn::attention(q, k, v, key_mask, causal), dO)); },
                                               {q, k, v}),
                         1e-3);
      // Masked keys (padding; the future when causal) get exactly 0; each row sums to 1.
      const std::vector<float> p = P.to_vector();
      double masked = 0, row_err = 0;
      for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t i = 0; i < T; ++i) {
            double sum = 0;
            for (int64_t j = 0; j < T; ++j) {
              const double pij = p[static_cast<size_t>(((b * H + h) * T + i) * T + j)];
              sum += pij;
              if ((b == 1 && j >= 3) || (causal && j > i)) masked = std::max(masked, pij);
            }
            row_err = std::max(row_err, std::abs(sum - 1));
          }
      learn::check_below("largest probability on a masked key, " + what, masked, 1e-30);
      learn::check_below("rows of probabilities sum to 1, " + what + " (max |sum - 1|)", row_err, 1e-5);
    }

    // --- 2. Why 1/√d: q·k of unit-variance vectors has variance d, and softmax saturates.
    std::printf("\n%6s %s %s %18s %18s\n", "d", learn::pad("      var(q·k)", 14).c_str(), learn::pad("   var(q·k/√d)", 14).c_str(),
                "max p unscaled", "max p scaled");
    learn::Series unscaled{"max p, scores q·k", {}, {}, false, true}, scaled{"max p, scores q·k/√d", {}, {}, false, true};
    double var_err = 0;
    for (const int64_t d : {4, 16, 64, 256, 1024}) {
      const Tensor qs = Tensor::randn({64, d}, 10 + static_cast<uint64_t>(d)), ks = Tensor::randn({32, d}, 20 + static_cast<uint64_t>(d));
      const Tensor s = nn::matmul(qs, ks, false, true);  // (64, 32) scores
      const auto stats = [](const Tensor& scores) {
        double var = 0, maxp = 0;
        for (const float x : scores.to_vector()) var += static_cast<double>(x) * x / static_cast<double>(scores.numel());
        const std::vector<float> pr = nn::softmax(scores).to_vector();
        for (int64_t r = 0; r < scores.size(0); ++r) {
          float m = 0;
          for (int64_t c = 0; c < scores.size(1); ++c) m = std::max(m, pr[static_cast<size_t>(r * scores.size(1) + c)]);
          maxp += m / static_cast<double>(scores.size(0));
        }
        return std::pair<double, double>{var, maxp};
      };
      const auto [v0, p0] = stats(s);
      const auto [v1, p1] = stats(nn::mul(s, 1.f / std::sqrt(static_cast<float>(d))));
      std::printf("%6lld %14.2f %14.3f %18.3f %18.3f\n", static_cast<long long>(d), v0, v1, p0, p1);
      unscaled.x.push_back(static_cast<double>(d)), unscaled.y.push_back(p0);
      scaled.x.push_back(static_cast<double>(d)), scaled.y.push_back(p1);
      var_err = std::max(var_err, std::abs(v1 - 1));
    }
    learn::check_below("var(q·k/√d) stays near 1 for every d (max |var - 1|)", var_err, 0.25);
    learn::Axes sc{"without 1/√d, softmax over 32 keys saturates as d grows", "head dimension d", "mean of each row's largest probability", 640, 340};
    sc.log_x = true;
    sc.y_from_zero = true;
    learn::save_figure(args.figures, "attention_scale.svg", learn::line_chart({unscaled, scaled}, sc));

    // --- 3. The attention of a trained model, every layer and head, on one sentence.
    std::printf("\n");
    const learn::TempDir tmp;
    const std::string dir = learn::model_or_tiny(args.model, tmp);
    const std::unique_ptr<bert::TaskModel> model = bert::load_pretrained(dir);
    const bert::Tokenizer tok = bert::Tokenizer::load(dir + "/vocab.txt", bert::load_lower_case(dir));
    const bool tiny = args.model.empty();
    const bert::Encoding e = tok.encode_single(tiny ? "the quick fox jumps in the barn ." : "a compiler translates the source code of a program .");
    const int64_t n = static_cast<int64_t>(e.size());
    const Tensor ids = Tensor::from_ids({1, n}, std::vector<int64_t>(e.ids.begin(), e.ids.end()));
    nn::NoGradGuard no_grad;
    const bert::ModelTrace trace = bert::trace_forward(*model, ids, Tensor(), Tensor());
    std::vector<std::string> tokens;
    std::vector<bool> special;
    for (const int32_t id : e.ids) {
      tokens.push_back(tok.vocab().token(id));
      special.push_back(id == tok.specials().cls || id == tok.specials().sep);
    }
    std::string line;
    for (const std::string& t : tokens) line += t + " ";
    std::printf("tokens (%lld): %s\n", static_cast<long long>(n), line.c_str());
    double row_err = 0;
    for (const Tensor& a : trace.attentions) {
      const std::vector<float> p = a.to_vector();
      for (size_t r = 0; r < p.size() / static_cast<size_t>(n); ++r) {
        double sum = 0;
        for (int64_t j = 0; j < n; ++j) sum += p[r * static_cast<size_t>(n) + static_cast<size_t>(j)];
        row_err = std::max(row_err, std::abs(sum - 1));
      }
    }
    learn::check_below("trained model: every attention row sums to 1 (max |sum - 1|)", row_err, 1e-5);
    const std::vector<bert::HeadSummary> heads =
        bert::classify_heads(trace.attentions, e.ids, tok.specials().cls, tok.specials().sep);
    std::printf("%-6s %-5s %-9s %6s %6s %6s %6s %6s %6s\n", "layer", "head", "role", "[CLS]", "[SEP]", "self", "prev", "next", "other");
    for (const bert::HeadSummary& h : heads)
      std::printf("%-6lld %-5lld %-9s %6.2f %6.2f %6.2f %6.2f %6.2f %6.2f\n", static_cast<long long>(h.layer),
                  static_cast<long long>(h.head), bert::head_role_name(h.role), h.mass.cls, h.mass.sep, h.mass.self,
                  h.mass.previous, h.mass.next, h.mass.other);

    // One heatmap per head (rows: queries, columns: keys), layers down, heads across; at most
    // 4 layers × 4 heads of a larger model.
    const int64_t layers = std::min<int64_t>(static_cast<int64_t>(trace.attentions.size()), 4);
    const int64_t heads_shown = std::min<int64_t>(trace.attentions[0].size(1), 4);
    bert::HeatmapOptions ho;
    ho.cell = std::max(8.0, std::min(16.0, 220.0 / static_cast<double>(n)));
    ho.row_labels = ho.col_labels = tokens;
    ho.highlight_rows = ho.highlight_cols = special;
    const std::string probe = bert::heatmap_svg(trace.attentions[0].to_vector().data(), n, n, ho);
    const double hw = learn::svg_size(probe, "width"), hh = learn::svg_size(probe, "height");
    learn::Canvas fig(40 + (hw + 20) * static_cast<double>(heads_shown), 60 + (hh + 30) * static_cast<double>(layers));
    fig.text(20, 24, std::string("attention of ") + (tiny ? "the tiny model trained by ch04_attention" : "the model in " + args.model) +
                         " (rows: queries, columns: keys)", "start", 13);
    for (int64_t l = 0; l < layers; ++l)
      for (int64_t h = 0; h < heads_shown; ++h) {
        const Tensor head = nn::slice(nn::slice(trace.attentions[static_cast<size_t>(l)], 1, h, h + 1), 0, 0, 1);
        const double x = 20 + (hw + 20) * static_cast<double>(h), y = 50 + (hh + 30) * static_cast<double>(l);
        fig.text(x + hw / 2, y + 10, "layer " + std::to_string(l) + ", head " + std::to_string(h) + ": " +
                     bert::head_role_name(heads[static_cast<size_t>(l * trace.attentions[0].size(1) + h)].role), "middle", 12);
        fig.embed(x, y + 16, bert::heatmap_svg(head.contiguous().to_vector().data(), n, n, ho));
      }
    learn::save_figure(args.figures, "attention_heads.svg", fig.svg());
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "error: %s\n", ex.what());
    return 1;
  }
  return learn::finish();
}
