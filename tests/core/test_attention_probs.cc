// test_attention_probs.cc — nn::attention_probs against a naive softmax(q·kᵀ/√D + mask) in
// double on every compiled Highway target: a padding mask (masked keys exactly 0), causal with
// S ≠ T (future keys exactly 0), segments (keys of other segments exactly 0), a row that sees no
// key (all 0), several query blocks; rows sum to 1; probs·v equals nn::attention's output; errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "core/ops.h"
#include "core/ops/attention_probs.h"
#include "tests/support/gradcheck.h"
#include "tests/support/targets.h"

using namespace nn;
using nn::testing::check_close;
using nn::testing::for_each_target;

namespace {

// softmax over the visible keys in double; invisible keys (causal future, other segment, a mask
// of −inf or the lowest float) and rows without visible keys give 0.
std::vector<float> naive_probs(const Tensor& q, const Tensor& k, const Tensor& mask, bool causal,
                               const Tensor& segments = Tensor()) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3), S = k.size(2);
  const std::vector<float> qv = q.to_vector(), kv = k.to_vector();
  const std::vector<float> mv = mask.defined() ? mask.to_vector() : std::vector<float>(B * S, 0.f);
  const std::vector<int64_t> seg = segments.defined() ? segments.to_ids() : std::vector<int64_t>();
  std::vector<float> out;
  for (int64_t bh = 0; bh < B * H; ++bh)
    for (int64_t i = 0; i < T; ++i) {
      const int64_t b = bh / H;
      std::vector<double> s(S, 0);
      std::vector<bool> visible(S, false);
      double mx = -INFINITY;
      for (int64_t j = 0; j < S; ++j) {
        if (causal && j > i + S - T) continue;
        if (!seg.empty() && seg[b * T + i] != seg[b * S + j]) continue;
        if (mv[b * S + j] < -1e30f) continue;
        double dot = 0;
        for (int64_t d = 0; d < D; ++d) dot += static_cast<double>(qv[(bh * T + i) * D + d]) * kv[(bh * S + j) * D + d];
        s[j] = dot / std::sqrt(static_cast<double>(D)) + mv[b * S + j];
        visible[j] = true;
        mx = std::max(mx, s[j]);
      }
      double sum = 0;
      for (int64_t j = 0; j < S; ++j) sum += s[j] = visible[j] ? std::exp(s[j] - mx) : 0;
      for (int64_t j = 0; j < S; ++j) out.push_back(static_cast<float>(sum > 0 ? s[j] / sum : 0));
    }
  return out;
}

// Checks every row of p (rows × S) sums to 1 (or is all 0 when `empty_rows` allows it).
void check_rows(const std::vector<float>& p, int64_t S, bool allow_empty = false) {
  for (size_t r = 0; r * S < p.size(); ++r) {
    double sum = 0;
    for (int64_t j = 0; j < S; ++j) sum += p[r * S + j];
    INFO("row " << r << " sums to " << sum);
    CHECK((std::abs(sum - 1) <= 1e-5 || (allow_empty && sum == 0)));
  }
}

}  // namespace

TEST_CASE("attention_probs: padding mask, masked keys exactly 0", "[attention_probs]") {
  const int64_t B = 2, H = 3, T = 5, D = 8;
  const Tensor q = Tensor::randn({B, H, T, D}, 1), k = Tensor::randn({B, H, T, D}, 2);
  // Row 1 of the batch masks its last two keys with the lowest float (what BertModel uses).
  std::vector<float> m(B * T, 0.f);
  m[1 * T + 3] = m[1 * T + 4] = std::numeric_limits<float>::lowest();
  const Tensor mask = Tensor::from_data({B, T}, m);
  const std::vector<float> want = naive_probs(q, k, mask, false);
  for_each_target([&] {
    const Tensor p = attention_probs(q, k, mask, false);
    REQUIRE(p.shape() == Shape({B, H, T, T}));
    const std::vector<float> got = p.to_vector();
    check_close(got, want, 1e-5, 1e-6);
    check_rows(got, T);
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < T; ++i)
        for (int64_t j = 3; j < T; ++j) CHECK(got[((1 * H + h) * T + i) * T + j] == 0.f);
  });
}

TEST_CASE("attention_probs: causal with S != T and several query blocks", "[attention_probs]") {
  for (const auto& [T, S] : {std::pair<int64_t, int64_t>{3, 7}, {70, 70}}) {
    const int64_t B = 1, H = 2, D = 4;
    const Tensor q = Tensor::randn({B, H, T, D}, 3), k = Tensor::randn({B, H, S, D}, 4);
    const std::vector<float> want = naive_probs(q, k, Tensor(), true);
    for_each_target([&] {
      const std::vector<float> got = attention_probs(q, k, Tensor(), true).to_vector();
      check_close(got, want, 1e-5, 1e-6);
      check_rows(got, S);
      for (int64_t bh = 0; bh < B * H; ++bh)
        for (int64_t i = 0; i < T; ++i)
          for (int64_t j = i + S - T + 1; j < S; ++j) {
            INFO("T " << T << " S " << S << " query " << i << " key " << j);
            CHECK(got[(bh * T + i) * S + j] == 0.f);
          }
    });
  }
}

TEST_CASE("attention_probs: segments see only their own run", "[attention_probs]") {
  const int64_t B = 2, H = 2, T = 6, D = 4;
  const Tensor q = Tensor::randn({B, H, T, D}, 5), k = Tensor::randn({B, H, T, D}, 6);
  const Tensor seg = Tensor::from_ids({B, T}, {0, 0, 0, 1, 1, 2, 7, 7, 7, 7, 7, 7});
  const std::vector<float> want = naive_probs(q, k, Tensor(), false, seg);
  for_each_target([&] {
    const std::vector<float> got = attention_probs(q, k, Tensor(), false, seg).to_vector();
    check_close(got, want, 1e-5, 1e-6);
    check_rows(got, T);
    CHECK(got[(0 * T + 0) * T + 3] == 0.f);  // batch 0, head 0: query 0 (segment 0) → key 3 (segment 1)
    CHECK(got[(0 * T + 5) * T + 4] == 0.f);  // query 5 (segment 2) → key 4
  });
  CHECK_THROWS_WITH(attention_probs(q, k, Tensor(), false, Tensor::from_ids({B, T}, {0, 1, 0, 1, 1, 2, 7, 7, 7, 7, 7, 7})),
                    Catch::Contains("segment id 0 of row 0 is not one run"));
}

TEST_CASE("attention_probs: a row that sees no key is all 0", "[attention_probs]") {
  const int64_t B = 1, H = 1, T = 2, D = 4;
  const Tensor q = Tensor::randn({B, H, T, D}, 7), k = Tensor::randn({B, H, T, D}, 8);
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> got = attention_probs(q, k, Tensor::from_data({B, T}, {-inf, -inf}), false).to_vector();
  check_close(got, std::vector<float>(4, 0.f), 0, 0);
}

TEST_CASE("attention_probs: probs·v is nn::attention's output; strided inputs", "[attention_probs]") {
  const int64_t B = 2, H = 2, T = 5, D = 4;
  // (B,T,H,D) memory seen as (B,H,T,D), as the BERT layer passes it.
  const Tensor q = permute(Tensor::randn({B, T, H, D}, 9), {0, 2, 1, 3});
  const Tensor k = permute(Tensor::randn({B, T, H, D}, 10), {0, 2, 1, 3});
  const Tensor v = Tensor::randn({B, H, T, D}, 11);
  const Tensor mask = Tensor::from_data({B, T}, {0, 0, 0, 0, 0, 0, 0, 0, -10000, -10000});
  const Tensor via_probs = matmul(attention_probs(q, k, mask, false), v);
  check_close(via_probs.to_vector(), attention(q, k, v, mask, false).contiguous().to_vector(), 1e-5, 1e-6);
}

TEST_CASE("attention_probs: no graph, and errors name the shapes", "[attention_probs]") {
  Tensor q = Tensor::randn({1, 1, 3, 4}, 12), k = Tensor::randn({1, 1, 3, 4}, 13);
  q.requires_grad_();
  CHECK_FALSE(attention_probs(q, k, Tensor(), false).requires_grad());
  CHECK_THROWS_WITH(attention_probs(Tensor::randn({1, 3, 4}, 1), k, Tensor(), false),
                    Catch::Contains("attention_probs: shapes q (1,3,4) and k (1,1,3,4) must be (B,H,T,D) and (B,H,S,D)"));
  CHECK_THROWS_WITH(attention_probs(q, Tensor::randn({1, 1, 3, 5}, 1), Tensor(), false),
                    Catch::Contains("do not match"));
  CHECK_THROWS_WITH(attention_probs(q, k, Tensor::zeros({1, 4}), false),
                    Catch::Contains("attention_probs: key_mask (1,4) must be F32 (B,S) = (1,3)"));
}
