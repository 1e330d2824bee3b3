// test_attention_keysteps.cc — the attention kernel without kept probabilities (probs null) at
// key counts that are not multiples of kernels::kAttentionBlockKeys: out and log-sum-exp against a
// double reference with padding masks (finite and −inf), causal (S ≠ T, rows that see no key),
// segments; with dropout, the same outputs and gradients as with kept probabilities (the same
// mask draws); gradients by finite differences where nn::attention keeps no probabilities
// (T·S > 256²). These run fp32, whose blocks span their whole key window; the key-stepped bf16
// path (online softmax) meets the same cases against fp32 in test_attention_bf16.cc.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "core/kernels/attention.h"
#include "core/kernels/attention_blocks.h"
#include "core/ops.h"
#include "tests/support/gradcheck.h"
#include "tests/support/targets.h"

using namespace nn;
using nn::testing::check_close;
using nn::testing::check_gradients;
using nn::testing::for_each_target;
using nn::testing::param;

namespace {

struct Case {
  int64_t B, H, T, S, D;
  bool causal;
  std::vector<int64_t> segments;  // (B,T) ids, empty: none (then S ≠ T is allowed)
};

// out (B,H,T,D) and lse (B,H,T) of softmax(q·kᵀ/√D + mask)·v in double, with the kernel's
// visibility rules (causal: key j ≤ i + S − T; segments: equal ids); a row with no visible finite
// score gives out 0 and lse +inf.
void reference(const Case& c, const Tensor& q, const Tensor& k, const Tensor& v, const std::vector<float>& mask,
               std::vector<float>& out, std::vector<float>& lse) {
  const int64_t H = c.H, T = c.T, S = c.S, D = c.D;
  const float *qv = q.data(), *kv = k.data(), *vv = v.data();
  out.assign(static_cast<size_t>(c.B * H * T * D), 0.f);
  lse.assign(static_cast<size_t>(c.B * H * T), 0.f);
  for (int64_t bh = 0; bh < c.B * H; ++bh)
    for (int64_t i = 0; i < T; ++i) {
      const int64_t b = bh / H;
      std::vector<double> s(static_cast<size_t>(S), -INFINITY);
      double mx = -INFINITY;
      for (int64_t j = 0; j < S; ++j) {
        if (c.causal && j > i + S - T) continue;
        if (!c.segments.empty() && c.segments[b * T + i] != c.segments[b * T + j]) continue;
        double dot = 0;
        for (int64_t d = 0; d < D; ++d) dot += static_cast<double>(qv[(bh * T + i) * D + d]) * kv[(bh * S + j) * D + d];
        s[j] = dot / std::sqrt(static_cast<double>(D)) + mask[b * S + j];
        mx = std::max(mx, s[j]);
      }
      if (mx == -INFINITY) {
        lse[bh * T + i] = std::numeric_limits<float>::infinity();
        continue;
      }
      double sum = 0;
      for (int64_t j = 0; j < S; ++j) sum += s[j] = std::exp(s[j] - mx);
      lse[bh * T + i] = static_cast<float>(mx + std::log(sum));
      for (int64_t d = 0; d < D; ++d) {
        double o = 0;
        for (int64_t j = 0; j < S; ++j) o += s[j] / sum * vv[(bh * S + j) * D + d];
        out[(bh * T + i) * D + d] = static_cast<float>(o);
      }
    }
}

// A (B,S) mask: batch row b pads its last 3 + b keys with −10000, row 1 also hides its first 130
// keys with −inf (a whole first key step of nothing visible), small finite values elsewhere. Every
// row of the cases below that sees a key sees one that is not padded: a row whose scores are all
// near −10000 holds them in fp32 only to ±5e-4, whatever the kernel.
std::vector<float> test_mask(int64_t B, int64_t S) {
  std::vector<float> m(static_cast<size_t>(B * S));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < S; ++j) {
      float x = 0.1f * static_cast<float>(j % 3);
      if (j >= S - 3 - b) x = -10000.f;
      if (b == 1 && j < 130) x = -std::numeric_limits<float>::infinity();
      m[static_cast<size_t>(b * S + j)] = x;
    }
  return m;
}

std::vector<int64_t> ids_of(const std::vector<std::vector<int64_t>>& runs) {
  std::vector<int64_t> ids;
  for (const auto& row : runs)
    for (size_t r = 0; r < row.size(); ++r) ids.insert(ids.end(), static_cast<size_t>(row[r]), static_cast<int64_t>(r));
  return ids;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {2, 2, 130, 300, 8, false, {}},  // three key steps, the last partial
      {2, 2, 130, 300, 8, true, {}},   // causal, S > T: windows of every length
      {2, 1, 300, 140, 5, true, {}},   // causal, S < T: the first rows see no key; odd D
      {2, 2, 37, 257, 4, false, {}},   // one query block, an odd key count
      {2, 1, 300, 300, 4, false, ids_of({{130, 21, 149}, {5, 290, 5}})},  // windows starting at odd keys
      {1, 1, 200, 200, 4, true, ids_of({{3, 129, 68}})},
  };
  return all;
}

}  // namespace

static_assert(kernels::kAttentionBlockKeys == 128, "the cases above are sized for 128-key steps");

TEST_CASE("attention without kept probabilities matches a double reference, out and lse", "[attention][keysteps]") {
  for (const Case& c : cases()) {
    INFO("B " << c.B << " H " << c.H << " T " << c.T << " S " << c.S << " D " << c.D << " causal " << c.causal
              << " segments " << !c.segments.empty());
    const Tensor q = Tensor::uniform({c.B, c.H, c.T, c.D}, 1, -2, 2), k = Tensor::uniform({c.B, c.H, c.S, c.D}, 2, -2, 2);
    const Tensor v = Tensor::uniform({c.B, c.H, c.S, c.D}, 3, -1, 1);
    const std::vector<float> mask = test_mask(c.B, c.S);
    std::vector<float> want_out, want_lse;
    reference(c, q, k, v, mask, want_out, want_lse);
    const kernels::HeadsLayout lq{c.H * c.T * c.D, c.T * c.D, c.D}, lk{c.H * c.S * c.D, c.S * c.D, c.D};
    const kernels::AttentionDims dims{c.B, c.H, c.T, c.S, c.D, mask.data(), c.causal, 0.f, 0,
                                      c.segments.empty() ? nullptr : c.segments.data()};
    for_each_target([&] {
      Tensor out = Tensor::full({c.B, c.H, c.T, c.D}, NAN), lse = Tensor::empty({c.B, c.H, c.T});
      kernels::attention_forward(dims, q.data(), lq, k.data(), lk, v.data(), lk, out.data(), lq, lse.data(), nullptr);
      check_close(out.to_vector(), want_out, 1e-5, 1e-6);
      const std::vector<float> got_lse = lse.to_vector();
      for (size_t n = 0; n < got_lse.size(); ++n) {
        if (std::isinf(want_lse[n])) {
          REQUIRE(got_lse[n] == want_lse[n]);
          continue;
        }
        REQUIRE(std::fabs(got_lse[n] - want_lse[n]) <= 1e-5 * (1 + std::fabs(want_lse[n])));
      }
    });
  }
}

TEST_CASE("attention without kept probabilities: dropout draws the kept path's mask, forward and backward",
          "[attention][keysteps][dropout]") {
  for (const Case& c : cases()) {
    INFO("B " << c.B << " H " << c.H << " T " << c.T << " S " << c.S << " D " << c.D << " causal " << c.causal
              << " segments " << !c.segments.empty());
    const Tensor q = Tensor::uniform({c.B, c.H, c.T, c.D}, 4, -2, 2), k = Tensor::uniform({c.B, c.H, c.S, c.D}, 5, -2, 2);
    const Tensor v = Tensor::uniform({c.B, c.H, c.S, c.D}, 6, -1, 1), dout = Tensor::uniform({c.B, c.H, c.T, c.D}, 7, -1, 1);
    // Finite and moderate: a row whose every key is padded (−10000) would compare the kept P against
    // exp(s − lse) with s and lse near −10000, where fp32 holds lse to ±5e-4 (both paths' recomputed
    // probabilities share that, it is not what this test is about).
    std::vector<float> mask = test_mask(c.B, c.S);
    for (float& x : mask) x = std::isinf(x) ? -5.f : std::max(x, -30.f);
    const kernels::HeadsLayout lq{c.H * c.T * c.D, c.T * c.D, c.D}, lk{c.H * c.S * c.D, c.S * c.D, c.D};
    const kernels::AttentionDims dims{c.B, c.H, c.T, c.S, c.D, mask.data(), c.causal, 0.3f, 11,
                                      c.segments.empty() ? nullptr : c.segments.data()};
    for_each_target([&] {
      std::vector<std::vector<float>> kept, stepped;
      for (bool keep : {true, false}) {
        Tensor out = Tensor::empty({c.B, c.H, c.T, c.D}), lse = Tensor::empty({c.B, c.H, c.T});
        Tensor probs = Tensor::empty({c.B, c.H, c.T, c.S});
        Tensor dq = Tensor::empty(q.shape()), dk = Tensor::empty(k.shape()), dv = Tensor::empty(v.shape());
        float* p = keep ? probs.data() : nullptr;
        kernels::attention_forward(dims, q.data(), lq, k.data(), lk, v.data(), lk, out.data(), lq, lse.data(), p);
        kernels::attention_backward(dims, q.data(), lq, k.data(), lk, v.data(), lk, out.data(), lq, dout.data(), lq,
                                    lse.data(), p, dq.data(), lq, dk.data(), lk, dv.data(), lk);
        std::vector<float> l = lse.to_vector();
        for (float& x : l) x = std::isinf(x) ? 1e30f : x;  // a row that sees no key: +inf in both paths
        (keep ? kept : stepped) = {out.to_vector(), l, dq.to_vector(), dk.to_vector(), dv.to_vector()};
      }
      const char* names[] = {"out", "lse", "dq", "dk", "dv"};
      for (size_t i = 0; i < kept.size(); ++i) {
        INFO(names[i]);
        check_close(stepped[i], kept[i], 1e-4, 1e-6);
      }
    });
  }
}

TEST_CASE("attention gradients by finite differences where the probabilities are recomputed (T·S > 256²)",
          "[attention][keysteps]") {
  // nn::attention keeps the probabilities only up to T·S = 256²: these sizes take the key-stepped
  // forward and backward (three key steps, the last partial).
  const int64_t T = 257, S = 258, D = 2;
  std::vector<float> m(static_cast<size_t>(S));
  for (int64_t j = 0; j < S; ++j) m[static_cast<size_t>(j)] = j >= S - 9 ? -3.f : 0.1f * static_cast<float>(j % 3);
  const Tensor mask = Tensor::from_data({1, S}, m);
  for (bool causal : {false, true})
    for (float p : {0.f, 0.3f}) {
      INFO("causal " << causal << " dropout " << p);
      check_gradients([&](const std::vector<Tensor>& in) { return attention(in[0], in[1], in[2], mask, causal, p, 5); },
                      {param({1, 1, T, D}, 80), param({1, 1, S, D}, 81), param({1, 1, S, D}, 82)});
    }
}
