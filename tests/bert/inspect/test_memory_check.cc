// test_memory_check.cc — the memory check that refuses a model too large for the machine before
// allocating it: its parameter count (in double) equals the closed form of param_count.h for every
// architecture; the refusal comes exactly when bytes × parameters exceed the memory given, and says
// what it would need and what there is; make_task_model refuses an absurd config with that message
// (without the check it would fail to allocate instead: a different message).
#include <catch2/catch.hpp>

#include "bert/inspect/param_count.h"
#include "bert/task/memory_check.h"
#include "bert/task/registry.h"
#include "core/memory_info.h"
#include "tests/bert/inspect/inspect_test_util.h"

using namespace bert;

TEST_CASE("memory check: the parameter estimate is the closed form", "[inspect][memory]") {
  BertConfig base = BertConfig::preset("base", 30522);
  base.id2label = {"a", "b", "c"};
  BertConfig odd = testing::small_config();
  odd.intermediate_size = odd.hidden_size + 3;
  for (const BertConfig& c : {base, odd, testing::small_config()})
    for (const std::string& arch : registered_architectures())
      CHECK(estimated_parameters(c, arch) == static_cast<double>(closed_form_parameters(c, arch).closed_form_total));
  CHECK(estimated_parameters(BertConfig::preset("base", 30522), "BertForPreTraining") == 110106428.0);
}

TEST_CASE("memory check: refused exactly when the bytes exceed the memory", "[inspect][memory]") {
  const BertConfig c = testing::small_config();
  const double params = estimated_parameters(c, "BertForMaskedLM");
  const auto need = static_cast<int64_t>(params * kTrainingBytesPerParameter);
  CHECK(memory_shortfall(c, "BertForMaskedLM", kTrainingBytesPerParameter, need).empty());
  CHECK(memory_shortfall(c, "BertForMaskedLM", kTrainingBytesPerParameter, 0).empty());  // unknown memory
  const std::string refusal = memory_shortfall(c, "BertForMaskedLM", kTrainingBytesPerParameter, need - 1);
  CHECK_THAT(refusal, Catch::StartsWith("model too large for this machine: BertForMaskedLM with " +
                                        std::to_string(c.num_hidden_layers) + " layers of hidden size " +
                                        std::to_string(c.hidden_size)));
  CHECK_THAT(refusal, Catch::Contains("training it needs " + nn::format_bytes(static_cast<double>(need)) +
                                      " (16 bytes per parameter: weights, gradients, two AdamW moments)"));
  CHECK_THAT(refusal, Catch::EndsWith("this machine has " + nn::format_bytes(static_cast<double>(need - 1)) +
                                      " of memory"));
  CHECK_THAT(memory_shortfall(c, "BertForMaskedLM", kInferenceBytesPerParameter, 1000),
             Catch::Contains("its weights need"));
}

TEST_CASE("memory check: byte counts and the machine's memory", "[inspect][memory]") {
  CHECK(nn::format_bytes(512) == "512 B");
  CHECK(nn::format_bytes(1536) == "1.5 KiB");
  CHECK(nn::format_bytes(23.5 * 1024 * 1024 * 1024) == "23.5 GiB");
  CHECK(nn::physical_memory_bytes() > (int64_t{64} << 20));
}

TEST_CASE("memory check: make_task_model refuses an absurd model before allocating", "[inspect][memory]") {
  BertConfig c = testing::small_config();
  c.hidden_size = int64_t{1} << 40;  // the word embeddings alone would be 2^40 × V floats
  c.num_attention_heads = int64_t{1} << 34;
  c.intermediate_size = 4 * c.hidden_size;
  CHECK_THROWS_WITH(make_task_model("BertForMaskedLM", c, 1), Catch::StartsWith("model too large for this machine"));
}
