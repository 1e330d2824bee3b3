// ch06_encoder.cc — chapter 6 of docs/learn: the BERT encoder end to end, with every shape.
//
// Builds a small BertForPreTraining and recomputes its forward pass from the parameters with plain
// ops, printing the shape of every intermediate; checks the result against the model's own
// forward_all() and every layer's output against bert::EncoderCapture; prints the parameter
// count of each module beside its closed form (bert::parameter_table) and checks bert-base's
// 110,106,428; checks GELU's derivative. Then runs the logit lens (bert::logit_lens) of a trained
// model on a masked sentence: what the MLM head reads from the hidden state after each layer. The
// model is --model DIR, or a tiny one trained here. Draws encoder_shapes.svg and gelu.svg.
//
//   ch06_encoder [--model DIR] [FIGURE_DIR]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "args.h"
#include "bert/checkpoint.h"
#include "bert/inspect/logit_lens.h"
#include "bert/inspect/norms.h"
#include "bert/inspect/param_count.h"
#include "bert/inspect/trace.h"
#include "bert/model/task_models.h"
#include "bert/tokenizer/tokenizer.h"
#include "check.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "plot.h"
#include "text.h"
#include "tiny_model.h"

using nn::Tensor;

// One row of the shape table: what was computed, its shape, and where nnbert computes it.
struct Step {
  std::string what, shape, where;
};

int main(int argc, char** argv) {
  const learn::Args args = learn::parse_args(argc, argv, true);
  try {
    // --- A small model: V 100, H 32, L 2, A 4 heads of D 8, I 128, P 16 positions; B 2 rows of T 8
    // tokens, row 1 padded after 5 tokens.
    bert::BertConfig c = bert::BertConfig::preset("tiny", 100);
    c.hidden_size = 32, c.num_hidden_layers = 2, c.num_attention_heads = 4, c.intermediate_size = 128;
    c.max_position_embeddings = 16;
    const int64_t B = 2, T = 8, H = c.hidden_size, A = c.num_attention_heads, D = H / A;
    bert::BertForPreTraining model(c, 42);
    model.eval();  // no dropout: the forward is a function
    std::vector<Step> steps;
    {
    nn::NoGradGuard no_grad;
    const Tensor ids = Tensor::from_ids({B, T}, {2, 17, 33, 45, 8, 61, 3, 0, 2, 70, 12, 91, 3, 0, 0, 0});
    const Tensor types = Tensor::from_ids({B, T}, {0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    const Tensor mask = Tensor::from_ids({B, T}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0});

    const auto note = [&](const std::string& what, const Tensor& t, const std::string& where) {
      steps.push_back({what, learn::shape_str(t.shape()), where});
      return t;
    };
    const auto ln = [&](const Tensor& x, const nn::LayerNorm& m) { return nn::layer_norm(x, m.weight, m.bias, c.layer_norm_eps); };
    const auto& emb = model.bert.embeddings;
    note("input_ids", ids, "bert/data/batch.h");
    const Tensor word = note("word embeddings E[ids]", nn::embedding(emb.word_embeddings.weight, ids), "core/ops/indexing.cc embedding");
    const Tensor pos = note("position embeddings P[0..T-1]", nn::embedding(emb.position_embeddings.weight, Tensor::from_ids({T}, {0, 1, 2, 3, 4, 5, 6, 7})),
                            "bert/model/embeddings.cc");
    const Tensor typ = note("token type embeddings", nn::embedding(emb.token_type_embeddings.weight, types), "bert/model/embeddings.cc");
    Tensor x = note("h0 = LN(word + position + type)", ln(nn::add(nn::add(word, pos), typ), emb.LayerNorm), "bert/model/embeddings.cc");
    const Tensor key_mask = note("additive key mask (1 - m)·lowest", bert::additive_key_mask(mask), "bert/model/bert_model.cc");
    std::vector<Tensor> hidden = {x};
    for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
      const bert::BertLayer& layer = *model.bert.encoder.layer[static_cast<size_t>(l)];
      const auto& self = layer.attention.self;
      const std::string L = "layer " + std::to_string(l) + ": ";
      const auto heads = [&](const nn::Linear& m, const std::string& name) {
        const Tensor y = nn::linear(x, m.weight, m.bias);  // (B,T,H)
        return note(L + name + " split into heads", nn::permute(nn::reshape(y, {B, T, A, D}), {0, 2, 1, 3}),
                    "bert/model/attention.cc split_heads");
      };
      const Tensor q = heads(self.query, "Q = x·Wqᵀ + bq"), k = heads(self.key, "K"), v = heads(self.value, "V");
      const Tensor ctx = note(L + "softmax(QKᵀ/√D + mask)·V", nn::attention(q, k, v, key_mask, false), "core/ops/attention.cc attention");
      const Tensor merged = note(L + "heads merged", nn::reshape(nn::permute(ctx, {0, 2, 1, 3}), {B, T, H}), "bert/model/attention.cc merge_heads");
      const Tensor attn = nn::linear(merged, layer.attention.output.dense.weight, layer.attention.output.dense.bias);
      const Tensor h = note(L + "h = LN(x + Wo·ctx + bo)", ln(nn::add(x, attn), layer.attention.output.LayerNorm),
                            "bert/model/attention.cc BertSelfOutput");
      const Tensor inner = note(L + "gelu(h·W1ᵀ + b1)", nn::gelu(nn::linear(h, layer.intermediate.dense.weight, layer.intermediate.dense.bias)),
                                "bert/model/layer.cc BertIntermediate");
      const Tensor out = nn::linear(inner, layer.output.dense.weight, layer.output.dense.bias);
      x = note(L + "LN(h + W2·inner + b2)", ln(nn::add(h, out), layer.output.LayerNorm), "bert/model/layer.cc BertOutput");
      hidden.push_back(x);
    }
    const Tensor pooled = note("pooler tanh(W·h[:,0] + b)",
                               nn::tanh(nn::linear(nn::reshape(nn::slice(x, 1, 0, 1), {B, H}), model.bert.pooler->dense.weight,
                                                   model.bert.pooler->dense.bias)),
                               "bert/model/bert_model.cc BertPooler");
    const auto& head = model.cls.predictions;
    const Tensor t = note("MLM transform LN(gelu(W·h + b))",
                          ln(nn::gelu(nn::linear(x, head.transform.dense.weight, head.transform.dense.bias)), head.transform.LayerNorm),
                          "bert/model/heads.cc");
    const Tensor logits = note("MLM logits t·Eᵀ + bias (E tied)", nn::linear(t, *head.decoder_weight, head.bias), "bert/model/heads.cc");
    const Tensor nsp = note("NSP logits W·pooled + b", nn::linear(pooled, model.cls.seq_relationship.weight, model.cls.seq_relationship.bias),
                            "bert/model/heads.cc");

    std::printf("%s %s %s\n", learn::pad("step", 40).c_str(), learn::pad("shape", 14).c_str(), "computed in");
    for (const Step& s : steps)
      std::printf("%s %s %s\n", learn::pad(s.what, 40).c_str(), learn::pad(s.shape, 14).c_str(), s.where.c_str());

    // The same numbers from the model itself, and each layer's output from the capture hooks.
    bert::EncoderCapture capture(model.bert);
    const bert::FullOutput full = model.forward_all(ids, types, mask);
    std::printf("\n");
    learn::check_below("by-hand sequence output = forward_all (max abs diff)", learn::max_abs_diff(x.to_vector(), full.sequence_output.to_vector()), 1e-5);
    learn::check_below("by-hand MLM logits = forward_all (max abs diff)", learn::max_abs_diff(logits.to_vector(), full.prediction_logits.to_vector()), 1e-5);
    learn::check_below("by-hand NSP logits = forward_all (max abs diff)", learn::max_abs_diff(nsp.to_vector(), full.seq_relationship_logits.to_vector()), 1e-5);
    double layer_diff = 0;
    for (size_t i = 0; i < hidden.size(); ++i)
      layer_diff = std::max(layer_diff, learn::max_abs_diff(hidden[i].to_vector(), capture.hidden_states()[i].to_vector()));
    learn::check_below("by-hand hidden state of every layer = EncoderCapture (max abs diff)", layer_diff, 1e-5);

    // --- Parameters: every module's count beside its closed form.
    const bert::ParameterTable table = bert::parameter_table(model);
    std::printf("\n%s %s %11s %10s\n", learn::pad("module", 50).c_str(), learn::pad("formula", 22).c_str(), "closed form", "counted");
    for (const bert::ParameterRow& r : table.rows)
      std::printf("%s %s %11lld %10lld\n", learn::pad((r.part ? "  " : "") + r.module, 50).c_str(), learn::pad(r.formula, 22).c_str(),
                  static_cast<long long>(r.closed_form), static_cast<long long>(r.counted));
    std::printf("%s %s %11lld %10lld\n", learn::pad("total", 50).c_str(), learn::pad("", 22).c_str(),
                static_cast<long long>(table.closed_form_total), static_cast<long long>(table.counted_total));
    learn::check_below("closed form - counted parameters, this model", std::abs(static_cast<double>(table.closed_form_total - table.counted_total)), 0.5);
    learn::check_below("counted - model.num_parameters()", std::abs(static_cast<double>(table.counted_total - model.num_parameters())), 0.5);
    const bert::ParameterTable base = bert::closed_form_parameters(bert::BertConfig::preset("base", 30522), "BertForPreTraining");
    std::printf("bert-base with pretraining heads, closed form: %lld\n", static_cast<long long>(base.closed_form_total));
    learn::check_below("bert-base closed form - 110,106,428", std::abs(static_cast<double>(base.closed_form_total - 110106428)), 0.5);

    }  // no-grad

    // --- GELU(x) = x·Φ(x)  ⇒  GELU'(x) = Φ(x) + x·φ(x), Φ the normal CDF, φ its density.
    std::vector<float> grid;
    for (int i = 0; i <= 160; ++i) grid.push_back(-4.f + 0.05f * static_cast<float>(i));
    Tensor gx = Tensor::from_data({static_cast<int64_t>(grid.size())}, grid);
    gx.requires_grad_();
    const Tensor gy = nn::gelu(gx);
    nn::sum(gy).backward();
    std::vector<float> derived, tanh_gap;
    learn::Series s_gelu{"GELU(x) = x·Φ(x)", {}, {}}, s_grad{"GELU'(x) = Φ(x) + x·φ(x)", {}, {}}, s_relu{"ReLU(x)", {}, {}, true};
    for (size_t i = 0; i < grid.size(); ++i) {
      const double z = grid[i];
      const double Phi = 0.5 * (1 + std::erf(z / std::sqrt(2.0))), phi = std::exp(-z * z / 2) / std::sqrt(2 * M_PI);
      derived.push_back(static_cast<float>(Phi + z * phi));
      // The tanh approximation ("gelu_new") BERT's original code used, for comparison.
      const double approx = 0.5 * z * (1 + std::tanh(std::sqrt(2 / M_PI) * (z + 0.044715 * z * z * z)));
      tanh_gap.push_back(static_cast<float>(std::abs(approx - z * Phi)));
      s_gelu.x.push_back(z), s_gelu.y.push_back(gy.to_vector()[i]);
      s_grad.x.push_back(z), s_grad.y.push_back(gx.grad().to_vector()[i]);
      s_relu.x.push_back(z), s_relu.y.push_back(std::max(z, 0.0));
    }
    learn::check_below("gelu backward = Phi(x) + x*phi(x) on [-4, 4] (max abs diff)", learn::max_abs_diff(gx.grad().to_vector(), derived), 1e-5);
    // Finite differences on 17 points with random weights, so that the loss stays near 1 and fp32
    // rounding of a large sum does not blur the difference quotient.
    Tensor few = Tensor::arange(-4.f, 4.01f, 0.5f);
    few.requires_grad_();
    const Tensor weights = Tensor::randn({few.numel()}, 8, 0.f, 0.3f);
    learn::check_below("gelu backward against finite differences (max rel error)",
                       learn::gradient_check([&] { return nn::sum(nn::mul(nn::gelu(few), weights)); }, {few}), 1e-3);
    std::printf("largest gap between erf GELU and its tanh approximation on [-4, 4]: %.2g\n",
                static_cast<double>(*std::max_element(tanh_gap.begin(), tanh_gap.end())));
    learn::Axes ga{"GELU, the activation of BERT's feed-forward blocks, and its derivative", "x", "", 640, 340};
    learn::save_figure(args.figures, "gelu.svg", learn::line_chart({s_gelu, s_grad, s_relu}, ga));

    // --- Figure: the shape table as a column of boxes.
    learn::Canvas fig(720, 40 + 26.0 * static_cast<double>(steps.size()));
    fig.text(360, 22, "BertForPreTraining forward, B = 2, T = 8, H = 32, A = 4 heads of D = 8, I = 128, V = 100", "middle", 13);
    for (size_t i = 0; i < steps.size(); ++i) {
      const double y = 36 + 26.0 * static_cast<double>(i);
      const bool layer = steps[i].what.rfind("layer", 0) == 0;
      fig.rect(20, y, 420, 22, layer ? "#fbeee0" : "#e8f0f8", layer ? "#f28e2b" : "#4e79a7");
      fig.text(28, y + 15, steps[i].what, "start", 12);
      fig.text(450, y + 15, steps[i].shape, "start", 12, "#222");
      fig.text(560, y + 15, steps[i].where.substr(0, steps[i].where.find(' ')), "start", 10, "#777");
    }
    learn::save_figure(args.figures, "encoder_shapes.svg", fig.svg());

    // --- The logit lens of a trained model: the MLM head applied after every layer at [MASK].
    std::printf("\n");
    const learn::TempDir tmp;
    const std::string dir = learn::model_or_tiny(args.model, tmp);
    const std::unique_ptr<bert::TaskModel> trained = bert::load_pretrained(dir);
    const bert::Tokenizer tok = bert::Tokenizer::load(dir + "/vocab.txt", bert::load_lower_case(dir));
    const bert::BertLMPredictionHead* lm = bert::language_model_head(*trained);
    NN_CHECK(lm, dir, ": not a language model (no vocabulary head to read the layers with)");
    const std::string text = args.model.empty() ? "the fresh [MASK] bakes in the oven ." : "the [MASK] of a function is its value .";
    const bert::Encoding e = tok.encode_single(text);
    const int64_t n = static_cast<int64_t>(e.size());
    nn::NoGradGuard no_grad;
    const bert::ModelTrace trace = bert::trace_forward(*trained, Tensor::from_ids({1, n}, std::vector<int64_t>(e.ids.begin(), e.ids.end())),
                                                       Tensor(), Tensor());
    std::vector<int64_t> masked;
    for (int64_t i = 0; i < n; ++i)
      if (e.ids[static_cast<size_t>(i)] == tok.specials().mask) masked.push_back(i);
    std::printf("logit lens on \"%s\": top 3 at [MASK] read from each hidden state\n", text.c_str());
    const std::vector<bert::LensPosition> lens = bert::logit_lens(*lm, trace.hidden_states, masked, 3, &tok.vocab());
    const std::vector<std::vector<float>> norms = bert::hidden_state_norms(trace.hidden_states);
    for (size_t s = 0; s < lens[0].layers.size(); ++s) {
      std::printf("  %-12s |h| %6.2f  ", s == 0 ? "embeddings" : ("layer " + std::to_string(s - 1)).c_str(),
                  static_cast<double>(norms[s][static_cast<size_t>(masked[0])]));
      for (const bert::TokenScore& t : lens[0].layers[s]) std::printf(" %-12s %.3f", t.token.c_str(), static_cast<double>(t.prob));
      std::printf("\n");
    }
    // The lens at the last hidden state is the model's own prediction.
    const std::vector<float> final_logits = trace.output.prediction_logits.to_vector();
    const std::vector<bert::TokenScore> own = bert::top_tokens(final_logits.data() + masked[0] * trained->config().vocab_size,
                                                               trained->config().vocab_size, 1);
    learn::check_below("lens at the last layer picks the model's own prediction (id difference)",
                       std::abs(static_cast<double>(own[0].id - lens[0].layers.back()[0].id)), 0.5);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "error: %s\n", ex.what());
    return 1;
  }
  return learn::finish();
}
