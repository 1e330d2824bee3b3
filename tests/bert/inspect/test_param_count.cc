// test_param_count.cc — the closed-form parameter count against named_parameters() for several
// configs (small with I ≠ 4H, I = H, a 3-label classifier, the tiny preset) and every
// architecture (pretraining, masked LM, causal LM, sequence and token classification), row by
// row; bert-base's published totals; a parameter outside the closed form shows up.
#include <catch2/catch.hpp>

#include "bert/inspect/param_count.h"
#include "bert/model/task_models.h"
#include "tests/bert/inspect/inspect_test_util.h"

using namespace bert;
using bert::testing::small_config;
using bert::testing::small_model;

namespace {

const std::vector<std::string> kArchitectures = {"BertForPreTraining", "BertForMaskedLM", "BertLMHeadModel",
                                                 "BertForSequenceClassification", "BertForTokenClassification"};

// A masked LM with one parameter the closed form does not know.
class WithExtra : public BertForMaskedLM {
 public:
  explicit WithExtra(const BertConfig& c) : BertForMaskedLM(c, 1), extra(nn::Tensor::zeros({3, 5})) {
    register_parameter("extra", extra);
  }
  nn::Tensor extra;
};

}  // namespace

TEST_CASE("closed-form parameter count equals named_parameters(), module by module", "[param_count]") {
  BertConfig square = small_config();
  square.intermediate_size = square.hidden_size;
  BertConfig three_labels = small_config();
  three_labels.id2label = {"a", "b", "c"};
  three_labels.type_vocab_size = 3;
  BertConfig tiny = BertConfig::preset("tiny", 100);
  for (const auto& [name, config] : {std::pair<std::string, BertConfig>{"small (I=24, H=16)", small_config()},
                                     {"I = H", square},
                                     {"3 labels, 3 types", three_labels},
                                     {"tiny preset", tiny}}) {
    for (const std::string& arch : kArchitectures) {
      INFO(name << ", " << arch);
      const auto model = small_model(arch, config);
      const ParameterTable t = parameter_table(*model);
      CHECK(t.counted_total == model->num_parameters());
      CHECK(t.closed_form_total == model->num_parameters());
      int64_t layers = 0;
      for (const ParameterRow& r : t.rows) {
        INFO(r.module << " = " << r.formula);
        CHECK(r.closed_form == r.counted);
        CHECK(r.formula != "not in the closed form");
        layers += r.module.rfind("bert.encoder.layer.", 0) == 0 && !r.part;
      }
      CHECK(layers == config.num_hidden_layers);
    }
  }
}

TEST_CASE("closed form for bert-base: the published totals", "[param_count]") {
  const BertConfig base = BertConfig::preset("base", 30522);
  // DESIGN.md §3 (HF BertForPreTraining, bert-base-uncased): 110,106,428.
  CHECK(closed_form_parameters(base, "BertForPreTraining").closed_form_total == 110106428);
  // HF BertForMaskedLM (no pooler): 109,514,298; the BertModel with pooler alone is 109,482,240.
  CHECK(closed_form_parameters(base, "BertForMaskedLM").closed_form_total == 109514298);
  const ParameterTable seq = closed_form_parameters(base, "BertForSequenceClassification");
  CHECK(seq.closed_form_total == 109482240 + 2 * 768 + 2);
  // 12H² + 13H per layer when I = 4H.
  for (const ParameterRow& r : seq.rows)
    if (r.module == "bert.encoder.layer.0") CHECK(r.closed_form == 12 * 768 * 768 + 13 * 768);
}

TEST_CASE("parameter table: a parameter outside the closed form gets its own row", "[param_count]") {
  const WithExtra model(small_config());
  const ParameterTable t = parameter_table(model);
  CHECK(t.counted_total == model.num_parameters());
  CHECK(t.counted_total == t.closed_form_total + 15);
  const ParameterRow& last = t.rows.back();
  CHECK(last.module == "extra");
  CHECK(last.formula == "not in the closed form");
  CHECK(last.closed_form == 0);
  CHECK(last.counted == 15);
}

TEST_CASE("closed form: an unknown architecture is an error naming it", "[param_count]") {
  CHECK_THROWS_WITH(closed_form_parameters(small_config(), "BertForQuestionAnswering"),
                    Catch::Contains("no closed form for architecture 'BertForQuestionAnswering'"));
}
