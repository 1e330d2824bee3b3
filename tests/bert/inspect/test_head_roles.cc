// test_head_roles.cc — attention mass by kind of key on hand-made attention maps: a perfect
// previous-token head, a next-token head, a [SEP] head, a broad head, the precedence of [CLS] /
// [SEP] over positions, the threshold, rows that see nothing; classify_heads over layers.
#include <catch2/catch.hpp>

#include <cmath>

#include "bert/inspect/head_roles.h"

using namespace bert;
using nn::Tensor;

namespace {

// ids: [CLS] a b c d [SEP]
const std::vector<int32_t> kIds = {2, 5, 6, 7, 8, 3};
constexpr int64_t T = 6;

// T×T with row i all on key f(i).
std::vector<float> one_hot(int64_t (*f)(int64_t)) {
  std::vector<float> p(T * T, 0.f);
  for (int64_t i = 0; i < T; ++i) p[static_cast<size_t>(i * T + f(i))] = 1.f;
  return p;
}

}  // namespace

TEST_CASE("attention_mass: a previous-token head", "[head_roles]") {
  // Row 0 ([CLS]) attends to itself; row i to i − 1.
  const std::vector<float> p = one_hot([](int64_t i) { return i == 0 ? int64_t{0} : i - 1; });
  const AttentionMass m = attention_mass(p.data(), kIds, 2, 3);
  // Rows 0 and 1 land on [CLS] (precedence), rows 2..5 on the previous token.
  CHECK(m.cls == Approx(2.0 / 6));
  CHECK(m.previous == Approx(4.0 / 6));
  CHECK(m.sep == 0);
  CHECK(m.other == 0);
  CHECK(head_role(m) == HeadRole::previous);
  CHECK(std::string(head_role_name(head_role(m))) == "previous");
}

TEST_CASE("attention_mass: next-token, [SEP] and broad heads; threshold", "[head_roles]") {
  const std::vector<float> next = one_hot([](int64_t i) { return std::min<int64_t>(i + 1, T - 1); });
  const AttentionMass mn = attention_mass(next.data(), kIds, 2, 3);
  // Rows 0..3 on the next token; rows 4 and 5 on [SEP].
  CHECK(mn.next == Approx(4.0 / 6));
  CHECK(mn.sep == Approx(2.0 / 6));
  CHECK(head_role(mn) == HeadRole::next);
  CHECK(head_role(mn, 0.7) == HeadRole::broad);

  const std::vector<float> sep = one_hot([](int64_t) { return T - 1; });
  const AttentionMass ms = attention_mass(sep.data(), kIds, 2, 3);
  CHECK(ms.sep == Approx(1.0));
  CHECK(head_role(ms) == HeadRole::sep);

  const std::vector<float> uniform(T * T, 1.f / T);
  const AttentionMass mu = attention_mass(uniform.data(), kIds, 2, 3);
  CHECK(mu.cls == Approx(1.0 / 6));
  CHECK(mu.sep == Approx(1.0 / 6));
  // Every entry is 1/6. self: rows 1..4 (rows 0 and 5 are [CLS]/[SEP] themselves); previous:
  // rows 2..5 (row 1's previous is [CLS]); next: rows 0..3 (row 4's next is [SEP]). Per head: the
  // sum over rows divided by the 6 rows.
  CHECK(mu.self == Approx(4.0 / 36));
  CHECK(mu.previous == Approx(4.0 / 36));
  CHECK(mu.next == Approx(4.0 / 36));
  CHECK(mu.other == Approx(12.0 / 36));
  CHECK(mu.cls + mu.sep + mu.self + mu.previous + mu.next + mu.other == Approx(1.0));
  CHECK(head_role(mu) == HeadRole::broad);
}

TEST_CASE("attention_mass: rows that see nothing are left out", "[head_roles]") {
  std::vector<float> p(T * T, 0.f);
  p[2 * T + 2] = 1.f;  // only row 2 sees anything: itself
  const AttentionMass m = attention_mass(p.data(), kIds, 2, 3);
  CHECK(m.self == Approx(1.0));
  CHECK(head_role(m) == HeadRole::self);
}

TEST_CASE("classify_heads: every head of every layer, batch row 0", "[head_roles]") {
  const std::vector<float> prev = one_hot([](int64_t i) { return i == 0 ? int64_t{0} : i - 1; });
  const std::vector<float> sep = one_hot([](int64_t) { return T - 1; });
  // Layer 0: heads (prev, sep); layer 1: (sep, prev); batch row 1 is different and ignored.
  std::vector<float> l0, l1;
  for (const auto* h : {&prev, &sep, &sep, &sep}) l0.insert(l0.end(), h->begin(), h->end());
  for (const auto* h : {&sep, &prev, &prev, &prev}) l1.insert(l1.end(), h->begin(), h->end());
  const std::vector<Tensor> attentions = {Tensor::from_data({2, 2, T, T}, l0), Tensor::from_data({2, 2, T, T}, l1)};
  const std::vector<HeadSummary> heads = classify_heads(attentions, kIds, 2, 3);
  REQUIRE(heads.size() == 4);
  CHECK((heads[0].layer == 0 && heads[0].head == 0 && heads[0].role == HeadRole::previous));
  CHECK((heads[1].layer == 0 && heads[1].head == 1 && heads[1].role == HeadRole::sep));
  CHECK((heads[2].layer == 1 && heads[2].head == 0 && heads[2].role == HeadRole::sep));
  CHECK((heads[3].layer == 1 && heads[3].head == 1 && heads[3].role == HeadRole::previous));
  CHECK_THROWS_WITH(classify_heads({Tensor::zeros({1, 2, 5, 5})}, kIds, 2, 3),
                    Catch::Contains("attention of layer 0 must be (B, heads, 6, 6) for 6 tokens, got (1,2,5,5)"));
}
