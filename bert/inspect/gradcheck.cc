// gradcheck.cc — analytic gradients by backward(), numeric ones by central differences on the
// parameter entries themselves, and the per-model probe loss.
#include "bert/inspect/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "bert/model/task_models.h"
#include "core/autograd.h"
#include "core/ops.h"

namespace bert {
namespace {

// Coordinates of flat index i in `shape` (row-major).
std::vector<int64_t> coordinates(int64_t i, const nn::Shape& shape) {
  std::vector<int64_t> c(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    c[d] = i % shape[d];
    i /= shape[d];
  }
  return c;
}

// The `n` indices of largest |g| (ties: lower index first).
std::vector<int64_t> largest(const std::vector<float>& g, int n) {
  std::vector<int64_t> order(g.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  const size_t k = std::min(order.size(), static_cast<size_t>(std::max(n, 0)));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), [&](int64_t a, int64_t b) {
    const float x = std::abs(g[static_cast<size_t>(a)]), y = std::abs(g[static_cast<size_t>(b)]);
    return x > y || (x == y && a < b);
  });
  order.resize(k);
  return order;
}

}  // namespace

std::vector<std::string> default_gradcheck_parameters(const TaskModel& model) {
  const std::string last = "bert.encoder.layer." + std::to_string(model.config().num_hidden_layers - 1);
  const std::vector<std::string> wanted = {
      "bert.embeddings.word_embeddings.weight",
      "bert.embeddings.position_embeddings.weight",
      "bert.embeddings.LayerNorm.weight",
      "bert.encoder.layer.0.attention.self.query.weight",
      "bert.encoder.layer.0.attention.self.key.weight",
      "bert.encoder.layer.0.attention.self.value.bias",
      last + ".intermediate.dense.weight",
      last + ".output.LayerNorm.bias",
      "bert.pooler.dense.weight",
      "cls.predictions.transform.dense.weight",
      "cls.predictions.bias",
      "cls.seq_relationship.weight",
      "classifier.weight",
  };
  std::vector<std::string> present;
  const std::vector<nn::NamedParameter> params = model.named_parameters();
  for (const std::string& name : wanted)
    if (std::any_of(params.begin(), params.end(), [&](const nn::NamedParameter& p) { return p.name == name; }))
      present.push_back(name);
  return present;
}

GradCheckReport gradient_check(const TaskModel& model, const std::function<nn::Tensor()>& loss,
                               const GradCheckOptions& options, const std::string& loss_name) {
  NN_CHECK(nn::grad_enabled(), "gradient check: gradients are disabled (a NoGradGuard is alive)");
  NN_CHECK(!model.is_training(), "gradient check: the model is in training mode (dropout makes the loss random); "
           "call eval() first");
  NN_CHECK(options.step > 0, "gradient check: the step must be positive, got ", options.step);
  const std::vector<std::string> names =
      options.parameters.empty() ? default_gradcheck_parameters(model) : options.parameters;
  const std::vector<nn::NamedParameter> params = model.named_parameters();
  std::vector<nn::Tensor*> chosen;
  for (const std::string& name : names) {
    const auto it = std::find_if(params.begin(), params.end(), [&](const nn::NamedParameter& p) { return p.name == name; });
    NN_CHECK(it != params.end(), "gradient check: the model (", model.architecture(), ") has no parameter '", name, "'");
    NN_CHECK(it->tensor->is_contiguous(), "gradient check: parameter '", name, "' is not contiguous");
    chosen.push_back(it->tensor);
  }

  GradCheckReport report;
  report.loss = loss_name;
  report.step = options.step;
  for (nn::Tensor* p : chosen) p->zero_grad();
  const nn::Tensor l = loss();
  NN_CHECK(l.numel() == 1, "gradient check: the loss must be a single number, got shape ", l.shape());
  report.loss_value = l.item();
  const float lf = static_cast<float>(report.loss_value);
  const double ulp = std::nextafter(std::abs(lf), std::numeric_limits<float>::infinity()) - std::abs(lf);
  report.resolution = 4 * ulp / (2 * options.step);
  l.backward();
  for (size_t k = 0; k < chosen.size(); ++k) {
    const nn::Tensor g = chosen[k]->grad();
    const std::vector<float> grad = g.defined() ? g.to_vector() : std::vector<float>(static_cast<size_t>(chosen[k]->numel()), 0.f);
    for (const int64_t i : largest(grad, options.entries_per_parameter))
      report.entries.push_back({names[k], coordinates(i, chosen[k]->shape()), 0, grad[static_cast<size_t>(i)], 0, 0});
  }
  for (nn::Tensor* p : chosen) p->zero_grad();

  nn::NoGradGuard no_grad;
  const float h = static_cast<float>(options.step);
  for (size_t e = 0, k = 0; e < report.entries.size(); ++e) {
    GradCheckEntry& x = report.entries[e];
    while (names[k] != x.parameter) ++k;
    nn::Tensor& p = *chosen[k];
    int64_t flat = 0;
    for (size_t d = 0; d < x.index.size(); ++d) flat = flat * p.shape()[d] + x.index[d];
    float* v = p.data() + flat;
    const float saved = *v;
    // The step actually taken: θ ± h rounded to fp32.
    *v = saved + h;
    const float up = *v;
    const double lp = loss().item();
    *v = saved - h;
    const float down = *v;
    const double lm = loss().item();
    *v = saved;
    x.value = saved;
    x.numeric = (lp - lm) / (static_cast<double>(up) - static_cast<double>(down));
    const double scale = std::max(std::abs(x.analytic), std::abs(x.numeric));
    x.rel_error = scale > 0 ? std::abs(x.analytic - x.numeric) / scale : 0.0;
    x.resolved = scale >= 10 * report.resolution;
    x.agrees = std::abs(x.analytic - x.numeric) <= report.resolution + options.rtol * scale;
    if (x.resolved) report.max_rel_error = std::max(report.max_rel_error, x.rel_error);
    report.agrees = report.agrees && x.agrees;
  }
  return report;
}

std::string probe_loss_description(const TaskModel& model) {
  const std::string a = model.architecture();
  if (as_causal_lm(model)) return "next-token cross-entropy (position t predicts token t+1)";
  if (a == "BertForPreTraining")
    return "cross-entropy of each non-[MASK] token predicted at its own position + NSP cross-entropy against label 0";
  if (masked_lm_head(model)) return "cross-entropy of each non-[MASK] token predicted at its own position";
  if (a == "BertForSequenceClassification")
    return model.config().num_labels() == 1 ? "mean ½y² of the regression output" : "cross-entropy against class 0";
  if (a == "BertForTokenClassification") return "cross-entropy of every token against class 0";
  return "mean ½h² of the sequence output";
}

nn::Tensor probe_loss(const TaskModel& model, const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                      int32_t mask_id) {
  NN_CHECK(input_ids.dim() == 2 && input_ids.dtype() == nn::DType::I64, "probe loss: input_ids must be (B,T) int64, got ",
           input_ids.shape());
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  const FullOutput out = model.forward_all(input_ids, token_type_ids, nn::Tensor());
  if (const BertLMHeadModel* lm = as_causal_lm(model)) {
    NN_CHECK(T >= 2, "probe loss: a causal model needs at least 2 tokens, got ", T);
    return lm->loss(out.prediction_logits, input_ids);
  }
  if (out.prediction_logits.defined()) {
    std::vector<int64_t> labels = input_ids.to_ids();
    for (int64_t& id : labels)
      if (id == mask_id) id = -100;
    const int64_t V = out.prediction_logits.size(2);
    nn::Tensor l = nn::cross_entropy(nn::reshape(out.prediction_logits, {B * T, V}), nn::Tensor::from_ids({B * T}, labels));
    if (out.seq_relationship_logits.defined())
      l = nn::add(l, nn::cross_entropy(out.seq_relationship_logits, nn::Tensor::zeros({B}, nn::DType::I64)));
    return l;
  }
  if (out.logits.defined()) {
    const int64_t C = out.logits.size(-1);
    if (C == 1) return nn::mul(nn::mean(nn::mul(out.logits, out.logits)), 0.5f);
    const int64_t N = out.logits.numel() / C;
    return nn::cross_entropy(nn::reshape(out.logits, {N, C}), nn::Tensor::zeros({N}, nn::DType::I64));
  }
  return nn::mul(nn::mean(nn::mul(out.sequence_output, out.sequence_output)), 0.5f);
}

GradCheckReport gradient_check_input(const TaskModel& model, const nn::Tensor& input_ids,
                                     const nn::Tensor& token_type_ids, int32_t mask_id, const GradCheckOptions& options) {
  return gradient_check(
      model, [&] { return probe_loss(model, input_ids, token_type_ids, mask_id); }, options,
      probe_loss_description(model));
}

}  // namespace bert
