// test_inspection.cc — inspect_text on a masked LM, a causal LM and a classifier: the input
// layout, lens positions, every head classified, norms through every hidden state, the parameter
// table; the JSON holds exactly the Inspection's numbers and the page's data block is exactly the
// JSON; the page escapes text and tokens; bad input is one clear nn::Error.
#include <catch2/catch.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

#include "bert/inspect/inspection_report.h"
#include "bert/inspect/svg.h"
#include "bert/inspect/trace.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "tests/bert/inspect/inspect_test_util.h"

using namespace bert;
using bert::testing::small_model;
using bert::testing::small_tokenizer;
using nlohmann::json;

namespace {

// The JSON in the page's data block, with the page's "<" escapes undone by the JSON parser.
json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"inspection-data\">";
  const size_t a = html.find(open);
  REQUIRE(a != std::string::npos);
  const size_t b = html.find("</script>", a);
  REQUIRE(b != std::string::npos);
  return json::parse(html.substr(a + open.size(), b - a - open.size()));
}

}  // namespace

TEST_CASE("inspect_text on a masked LM", "[inspection]") {
  const auto model = small_model("BertForMaskedLM");
  const Tokenizer tok = small_tokenizer();
  InspectOptions o;
  o.top_k = 3;
  o.gradcheck = true;
  const Inspection r = inspect_text(*model, tok, "the [MASK] sat on the [MASK] .", o);
  CHECK(r.input.tokens == std::vector<std::string>{"[CLS]", "the", "[MASK]", "sat", "on", "the", "[MASK]", ".", "[SEP]"});
  CHECK(r.input.ids == std::vector<int32_t>{2, 5, 4, 7, 8, 5, 4, 19, 3});
  CHECK_FALSE(r.causal);
  REQUIRE(r.attention.size() == 2);
  REQUIRE(r.attention[0].size() == 2);
  CHECK(r.attention[1][1].size() == 81);
  CHECK(r.heads.size() == 4);
  CHECK(r.hidden_state_names == std::vector<std::string>{"embeddings", "layer 0", "layer 1"});
  REQUIRE(r.hidden_norms.size() == 3);
  CHECK(r.hidden_norms[2].size() == 9);
  CHECK(r.lens_target == "[MASK]");
  REQUIRE(r.lens.size() == 2);
  CHECK(r.lens[0].position == 2);
  CHECK(r.lens[1].position == 6);
  CHECK(r.lens[1].layers.size() == 3);
  CHECK(r.lens[1].layers[2].size() == 3);
  CHECK(r.parameters.counted_total == model->num_parameters());
  REQUIRE(r.gradcheck);
  CHECK(r.gradcheck->agrees);
  CHECK(r.gradcheck->max_rel_error < 2e-2);

  // The norms are those of the traced hidden states; the final lens is the model's prediction.
  nn::NoGradGuard no_grad;
  const nn::Tensor ids = nn::Tensor::from_ids({1, 9}, {2, 5, 4, 7, 8, 5, 4, 19, 3});
  const ModelTrace t = trace_forward(*model, ids, nn::Tensor::zeros({1, 9}, nn::DType::I64), nn::Tensor());
  const std::vector<float> h1 = t.hidden_states[1].to_vector();
  double sq = 0;
  for (int d = 0; d < 16; ++d) sq += static_cast<double>(h1[3 * 16 + d]) * h1[3 * 16 + d];
  CHECK(r.hidden_norms[1][3] == Approx(std::sqrt(sq)).epsilon(1e-6));
  const std::vector<float> logits = t.output.prediction_logits.to_vector();
  const float* row = logits.data() + 6 * 24;
  CHECK(r.lens[1].layers[2][0].id == std::max_element(row, row + 24) - row);
  CHECK(r.lens[1].layers[2][0].token == tok.vocab().token(r.lens[1].layers[2][0].id));
  const std::vector<float> a = t.attentions[1].to_vector();
  CHECK(std::equal(r.attention[1][0].begin(), r.attention[1][0].end(), a.begin()));
}

TEST_CASE("inspect_text on a causal LM and on a classifier", "[inspection]") {
  const Tokenizer tok = small_tokenizer();
  const Inspection c = inspect_text(*small_model("BertLMHeadModel"), tok, "the cat sat");
  CHECK(c.causal);
  CHECK(c.input.tokens == std::vector<std::string>{"[SEP]", "the", "cat", "sat"});
  CHECK(c.lens_target == "next token");
  REQUIRE(c.lens.size() == 1);
  CHECK(c.lens[0].position == 3);
  // Causal: no attention to the future.
  for (const auto& layer : c.attention)
    for (const auto& p : layer)
      for (int i = 0; i < 4; ++i)
        for (int j = i + 1; j < 4; ++j) CHECK(p[static_cast<size_t>(i * 4 + j)] == 0.f);

  InspectOptions o;
  o.gradcheck = true;
  const Inspection k = inspect_text(*small_model("BertForSequenceClassification"), tok, "a dog ate a bone", o);
  CHECK(k.lens_target.empty());
  CHECK(k.lens.empty());
  CHECK(k.heads.size() == 4);
  CHECK(k.gradcheck->entries.size() > 0);
  CHECK(inspection_text(k).find("predictions: none (the model has no language-model head)") != std::string::npos);
}

TEST_CASE("the JSON holds the Inspection's numbers; the page's data block is the JSON", "[inspection]") {
  const auto model = small_model("BertForPreTraining");
  InspectOptions o;
  o.gradcheck = true;
  Inspection r = inspect_text(*model, small_tokenizer(), "the <b>cat</b> & [MASK] \"sat\"", o);
  r.model = "runs/<model>";
  const json j = json::parse(inspection_json(r));
  CHECK(j["text"] == r.text);
  CHECK(j["model"] == "runs/<model>");
  CHECK(j["tokens"].size() == r.input.ids.size());
  CHECK(j["tokens"][2]["id"] == r.input.ids[2]);
  // Every attention probability reads back as the same fp32 value.
  for (size_t l = 0; l < r.attention.size(); ++l)
    for (size_t h = 0; h < r.attention[l].size(); ++h)
      for (size_t i = 0; i < r.input.ids.size(); ++i)
        for (size_t k = 0; k < r.input.ids.size(); ++k)
          CHECK(j["attention"][l][h][i][k].get<float>() == r.attention[l][h][i * r.input.ids.size() + k]);
  CHECK(j["hidden_norms"][2][1].get<float>() == r.hidden_norms[2][1]);
  CHECK(j["heads"][3]["role"] == head_role_name(r.heads[3].role));
  CHECK(j["heads"][3]["mass"]["other"].get<double>() == r.heads[3].mass.other);
  CHECK(j["lens"]["positions"][0]["layers"][2][0]["prob"].get<float>() == r.lens[0].layers[2][0].prob);
  CHECK(j["parameters"]["counted_total"] == model->num_parameters());
  CHECK(j["gradcheck"]["max_rel_error"].get<double>() == r.gradcheck->max_rel_error);
  CHECK(j["gradcheck"]["agrees"] == r.gradcheck->agrees);
  CHECK(j["gradcheck"]["entries"].size() == r.gradcheck->entries.size());

  const std::string html = inspection_html(r);
  CHECK(page_data(html) == j);
  // Text and tokens are escaped wherever they are shown; no raw markup from the text.
  CHECK(html.find("<b>cat</b>") == std::string::npos);
  CHECK(html.find("the &lt;b&gt;cat&lt;/b&gt; &amp; [MASK] &quot;sat&quot;") != std::string::npos);
  CHECK(html.find("runs/&lt;model&gt;") != std::string::npos);
  // One thumbnail per head; no external resource.
  size_t thumbs = 0;
  for (size_t p = html.find("class=\"thumb\""); p != std::string::npos; p = html.find("class=\"thumb\"", p + 1)) ++thumbs;
  CHECK(thumbs == 4);
  CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
}

TEST_CASE("inspect_text: bad input is one clear error", "[inspection]") {
  const Tokenizer tok = small_tokenizer();
  const auto mlm = small_model("BertForMaskedLM");
  CHECK_THROWS_WITH(inspect_text(*mlm, tok, ""), "inspect: the text has no tokens");
  CHECK_THROWS_WITH(inspect_text(*small_model("BertLMHeadModel"), tok, "  "), "inspect: the text has no tokens");
  // 15 words + [CLS] + [SEP] = 17 > 16 positions.
  CHECK_THROWS_WITH(inspect_text(*mlm, tok, "the cat sat on the mat the cat sat on the mat the cat sat"),
                    "inspect: the text is 17 tokens (with the special tokens), but the model takes at most 16");
  CHECK_NOTHROW(inspect_text(*mlm, tok, "the cat sat on the mat the cat sat on the mat the cat"));
}

TEST_CASE("svg: escaping, heatmap cells, line chart", "[inspection]") {
  CHECK(xml_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
  const float v[4] = {0.5f, 0.f, 0.01f, 1.f};
  HeatmapOptions o;
  o.cell = 10;
  o.min_value = 0.02f;
  o.row_labels = {"<r0>", "r1"};
  o.col_labels = {"c0", "c1"};
  const std::string s = heatmap_svg(v, 2, 2, o);
  size_t cells = 0;
  for (size_t p = s.find("fill-opacity"); p != std::string::npos; p = s.find("fill-opacity", p + 1)) ++cells;
  CHECK(cells == 2);  // 0 and 0.01 (below min_value) are not drawn
  CHECK(s.find("&lt;r0&gt;") != std::string::npos);
  o.row_labels = {"only one"};
  CHECK_THROWS_WITH(heatmap_svg(v, 2, 2, o), Catch::Contains("1 row labels for 2 rows"));
  const std::string chart = line_chart_svg({{"a", {1, 2, 3}, false}, {"[CLS]", {3, 2, 1}, true}}, {300, 200, {"x", "y", "z"}, "norm"});
  CHECK(chart.find("<polyline") != std::string::npos);
  CHECK_THROWS_WITH(line_chart_svg({{"a", {1, 2}, false}}, {300, 200, {"x", "y", "z"}, ""}),
                    Catch::Contains("series 'a' has 2 values for 3 x positions"));
}
