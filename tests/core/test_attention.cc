// test_attention.cc — fused attention against a naive softmax(QKᵀ/√D + mask)·V in double, on
// every compiled Highway target: padding masks, causal with S ≠ T, query blocks, strided inputs,
// fully masked rows; gradients of q, k, v by central differences; both backward paths (kept
// probabilities and recomputed ones) agree; dropout on the probabilities against the composed
// ops (matmul, softmax, dropout, matmul) with the same seed; segments (packed sequences) against
// the naive reference, each segment run alone, and the composed ops with a block-diagonal mask;
// errors.
#include <catch2/catch.hpp>
#include <hwy/targets.h>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "core/kernels/attention.h"
#include "core/ops.h"
#include "tests/support/gradcheck.h"
#include "tests/support/targets.h"

using namespace nn;
using nn::testing::check_close;
using nn::testing::check_gradients;
using nn::testing::param;

using nn::testing::for_each_target;

namespace {

// softmax(q·kᵀ/√D + mask)·v in double; a row with no visible finite score gives 0. segments
// (B,T), if defined, hides key j from query i unless their ids are equal.
std::vector<float> naive_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                                   bool causal, const Tensor& segments = Tensor()) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3), S = k.size(2);
  const std::vector<float> qv = q.to_vector(), kv = k.to_vector(), vv = v.to_vector();
  const std::vector<float> mv = mask.defined() ? mask.to_vector() : std::vector<float>(B * S, 0.f);
  const std::vector<int64_t> seg = segments.defined() ? segments.to_ids() : std::vector<int64_t>();
  std::vector<float> out;
  for (int64_t bh = 0; bh < B * H; ++bh)
    for (int64_t i = 0; i < T; ++i) {
      std::vector<double> s(S, -INFINITY);
      double mx = -INFINITY;
      for (int64_t j = 0; j < S; ++j) {
        if (causal && j > i + S - T) continue;
        if (!seg.empty() && seg[(bh / H) * T + i] != seg[(bh / H) * S + j]) continue;
        double dot = 0;
        for (int64_t d = 0; d < D; ++d) dot += static_cast<double>(qv[(bh * T + i) * D + d]) * kv[(bh * S + j) * D + d];
        s[j] = dot / std::sqrt(static_cast<double>(D)) + mv[(bh / H) * S + j];
        mx = std::max(mx, s[j]);
      }
      double sum = 0;
      for (int64_t j = 0; j < S; ++j) sum += s[j] = mx == -INFINITY ? 0 : std::exp(s[j] - mx);
      for (int64_t d = 0; d < D; ++d) {
        double o = 0;
        for (int64_t j = 0; j < S; ++j) o += s[j] / (sum > 0 ? sum : 1) * vv[(bh * S + j) * D + d];
        out.push_back(static_cast<float>(o));
      }
    }
  return out;
}

// A padding mask (B, S): key j of batch b is masked (−10000, as HF does) when j ≥ S − b − 1,
// plus small finite values elsewhere so the mask values matter.
Tensor padding_mask(int64_t B, int64_t S, float masked = -10000.f) {
  std::vector<float> m(B * S);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < S; ++j) m[b * S + j] = j >= S - b - 1 && j > 0 ? masked : 0.1f * static_cast<float>(j % 3);
  return Tensor::from_data({B, S}, m);
}

// Probabilities, values and scores of moderate size: fp32 errors stay near 1e-6.
constexpr double kRtol = 1e-5, kAtol = 1e-5;

// dropout(softmax(q·kᵀ/√D + mask), p, seed)·v from the separate ops (matmul, mul, add, softmax,
// dropout, matmul); causal adds the lowest float to future keys (needs S ≥ T: every row keeps a
// visible key); row_masks (B,T,S), if defined, is added too (per query row).
Tensor composed_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, bool causal,
                          float p, uint64_t seed, const Tensor& row_masks = Tensor()) {
  const int64_t B = q.size(0), T = q.size(2), D = q.size(3), S = k.size(2);
  Tensor scores = mul(matmul(q, k, false, true), 1.f / std::sqrt(static_cast<float>(D)));
  if (mask.defined()) scores = add(scores, reshape(mask, {B, 1, 1, S}));
  if (row_masks.defined()) scores = add(scores, reshape(row_masks, {B, 1, T, S}));
  if (causal) {
    std::vector<float> future(static_cast<size_t>(T * S), 0.f);
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = i + S - T + 1; j < S; ++j) future[static_cast<size_t>(i * S + j)] = std::numeric_limits<float>::lowest();
    scores = add(scores, Tensor::from_data({T, S}, future));
  }
  return matmul(dropout(softmax(scores), p, true, seed), v);
}

// Segment ids (B,T) from each row's run lengths (they must sum to T); ids count up from 0 per row.
Tensor segment_ids(const std::vector<std::vector<int64_t>>& runs) {
  std::vector<int64_t> ids;
  for (const auto& row : runs)
    for (size_t r = 0; r < row.size(); ++r) ids.insert(ids.end(), static_cast<size_t>(row[r]), static_cast<int64_t>(r));
  const auto B = static_cast<int64_t>(runs.size());
  return Tensor::from_ids({B, static_cast<int64_t>(ids.size()) / B}, ids);
}

// The additive (B,T,T) block-diagonal mask of segments (B,T): 0 within a segment, the lowest
// float across.
Tensor block_diagonal_mask(const Tensor& segments) {
  const int64_t B = segments.size(0), T = segments.size(1);
  const std::vector<int64_t> ids = segments.to_ids();
  std::vector<float> m(static_cast<size_t>(B * T * T), 0.f);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j < T; ++j)
        if (ids[b * T + i] != ids[b * T + j]) m[(b * T + i) * T + j] = std::numeric_limits<float>::lowest();
  return Tensor::from_data({B, T, T}, m);
}

// Segment layouts of the tests (each row's run lengths): short runs that share a query block,
// runs longer than a block (several blocks of one run), and mixes.
struct SegmentCase {
  int64_t H, D;
  std::vector<std::vector<int64_t>> runs;
};
const std::vector<SegmentCase>& segment_cases() {
  static const std::vector<SegmentCase> cases{
      {2, 4, {{3, 5, 1, 7}, {16}}},                 // short runs; a row of one run
      {1, 8, {{40, 2, 3, 35}, {1, 1, 78}}},          // long and short runs
      {2, 4, {{130, 20, 150}, {5, 290, 5}}},         // runs over several 128-row blocks
  };
  return cases;
}

}  // namespace

TEST_CASE("attention forward matches the naive reference on every target", "[attention]") {
  struct Case { int64_t B, H, T, S, D; bool causal, masked; };
  const std::vector<Case> cases{
      {2, 3, 5, 5, 4, false, false}, {2, 3, 5, 5, 4, false, true}, {2, 2, 5, 7, 3, true, true},
      {1, 2, 7, 4, 5, true, false},   // S < T causal: the first rows see no key (output 0)
      {2, 1, 6, 9, 16, false, true},  // S ≠ T
      {1, 2, 130, 135, 8, true, true}, {1, 1, 260, 20, 4, false, true},  // several query blocks
  };
  for (const Case& c : cases) {
    INFO("B " << c.B << " H " << c.H << " T " << c.T << " S " << c.S << " D " << c.D << " causal " << c.causal
              << " masked " << c.masked);
    const Tensor q = Tensor::uniform({c.B, c.H, c.T, c.D}, 1, -2, 2);
    const Tensor k = Tensor::uniform({c.B, c.H, c.S, c.D}, 2, -2, 2);
    const Tensor v = Tensor::uniform({c.B, c.H, c.S, c.D}, 3);
    const Tensor mask = c.masked ? padding_mask(c.B, c.S) : Tensor();
    const std::vector<float> want = naive_attention(q, k, v, mask, c.causal);
    for_each_target([&] { check_close(attention(q, k, v, mask, c.causal).to_vector(), want, kRtol, kAtol); });
  }
}

TEST_CASE("attention reads strided (B,T,H,D) inputs and keeps their layout", "[attention]") {
  const int64_t B = 2, T = 5, S = 6, H = 3, D = 4;
  // (B,T,H,D) activations permuted to (B,H,T,D), as the BERT layer makes them: no copy.
  const Tensor q = permute(Tensor::uniform({B, T, H, D}, 4), {0, 2, 1, 3});
  // k: a slice of wider rows (row stride > D); v: last dim not contiguous (copied internally).
  const Tensor k = slice(permute(Tensor::uniform({B, S, H, 2 * D}, 5), {0, 2, 1, 3}), 3, 2, 2 + D);
  const Tensor v = transpose(Tensor::uniform({B, H, D, S}, 6), 2, 3);
  const Tensor mask = padding_mask(B, S);
  for (bool causal : {false, true}) {
    const Tensor out = attention(q, k, v, mask, causal);
    CHECK(out.shape() == Shape{B, H, T, D});
    CHECK(out.strides() == q.strides());  // (B,T,H,D) memory: permuting back is free
    check_close(out.to_vector(), naive_attention(q, k, v, mask, causal), kRtol, kAtol);
  }
  CHECK(attention(q.contiguous(), k, v, mask, false).is_contiguous());
}

TEST_CASE("attention: fully masked rows give 0, never NaN", "[attention]") {
  const int64_t B = 2, H = 2, T = 3, S = 4, D = 3;
  const Tensor q = param({B, H, T, D}, 7), k = param({B, H, S, D}, 8), v = param({B, H, S, D}, 9);
  // Batch 0: every key −inf (output 0). Batch 1: every key −10000 (HF style: a uniform softmax).
  std::vector<float> m(B * S, -std::numeric_limits<float>::infinity());
  for (int64_t j = 0; j < S; ++j) m[S + j] = -10000.f;
  const Tensor mask = Tensor::from_data({B, S}, m);
  for_each_target([&] {
    const Tensor out = attention(q, k, v, mask, false);
    const std::vector<float> got = out.to_vector(), want = naive_attention(q, k, v, mask, false);
    const size_t half = got.size() / 2;
    for (size_t i = 0; i < half; ++i) CHECK(got[i] == 0.f);
    // In fp32, a score near −10000 is rounded to a multiple of 2⁻¹⁰ ≈ 1e-3, so batch 1's
    // probabilities (and outputs, |v| ≤ 1) carry errors up to ~1e-3 against the double reference.
    check_close({got.begin() + half, got.end()}, {want.begin() + half, want.end()}, 2e-3, 2e-3);
    out.backward(Tensor::ones(out.shape()));
    for (const Tensor& x : {q, k, v})
      for (float g : x.grad().to_vector()) CHECK(std::isfinite(g));
    for (Tensor x : {q, k, v}) x.zero_grad();
  });
  // No keys at all, no queries, no batch.
  CHECK(attention(Tensor::ones({1, 2, 3, 4}), Tensor::ones({1, 2, 0, 4}), Tensor::ones({1, 2, 0, 4}), Tensor(), false)
            .to_vector() == std::vector<float>(24, 0.f));
  CHECK(attention(Tensor::ones({1, 2, 0, 4}), Tensor::ones({1, 2, 3, 4}), Tensor::ones({1, 2, 3, 4}), Tensor(), true)
            .shape() == Shape{1, 2, 0, 4});
  CHECK(attention(Tensor::ones({0, 2, 3, 4}), Tensor::ones({0, 2, 3, 4}), Tensor::ones({0, 2, 3, 4}), Tensor(), true)
            .shape() == Shape{0, 2, 3, 4});
}

TEST_CASE("attention gradients of q, k, v", "[attention]") {
  auto att = [](const Tensor& mask, bool causal) {
    return [mask, causal](const std::vector<Tensor>& in) { return attention(in[0], in[1], in[2], mask, causal); };
  };
  const int64_t B = 2, H = 2, D = 3;
  for (bool causal : {false, true})
    for (int64_t S : {3, 5}) {
      const int64_t T = 4;
      INFO("causal " << causal << " S " << S);
      const Tensor mask = padding_mask(B, S, -3.f);  // moderate mask: masked keys still get gradient
      for_each_target([&] {
        check_gradients(att(mask, causal), {param({B, H, T, D}, 10), param({B, H, S, D}, 11), param({B, H, S, D}, 12)});
      });
    }
  // Strided inputs (the BERT layout, a slice) and only some inputs requiring grad.
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return attention(permute(in[0], {0, 2, 1, 3}), slice(in[1], 3, 1, 3), in[2], Tensor(), false);
      },
      {param({1, 4, 2, 2}, 13), param({1, 2, 5, 4}, 14), Tensor::uniform({1, 2, 5, 2}, 15)});
  // Several query blocks in one head (the backward accumulates dK, dV over blocks).
  check_gradients(att(padding_mask(1, 131, -3.f), true),
                  {param({1, 1, 130, 2}, 16), param({1, 1, 131, 2}, 17), param({1, 1, 131, 2}, 18)});
}

TEST_CASE("attention backward: recomputed probabilities match kept ones", "[attention]") {
  const int64_t B = 2, H = 2, T = 150, S = 140, D = 16;
  const Tensor q = Tensor::uniform({B, H, T, D}, 20, -2, 2), k = Tensor::uniform({B, H, S, D}, 21, -2, 2);
  const Tensor v = Tensor::uniform({B, H, S, D}, 22), dout = Tensor::uniform({B, H, T, D}, 23);
  const Tensor mask = padding_mask(B, S);
  const kernels::HeadsLayout lq{H * T * D, T * D, D}, lk{H * S * D, S * D, D};
  for (bool causal : {false, true})
    for (float drop : {0.f, 0.2f}) {  // with dropout, both paths must redraw the forward's mask
      INFO("causal " << causal << " dropout " << drop);
      const kernels::AttentionDims dims{B, H, T, S, D, mask.data(), causal, drop, 5};
      Tensor out = Tensor::empty(q.shape()), lse = Tensor::empty({B, H, T}), probs = Tensor::empty({B, H, T, S});
      std::vector<Tensor> kept, recomputed;
      for_each_target([&] {
        kernels::attention_forward(dims, q.data(), lq, k.data(), lk, v.data(), lk, out.data(), lq, lse.data(),
                                   probs.data());
        if (drop == 0.f) check_close(out.to_vector(), naive_attention(q, k, v, mask, causal), kRtol, kAtol);
        for (const float* p : {static_cast<const float*>(probs.data()), static_cast<const float*>(nullptr)}) {
          Tensor dq = Tensor::empty(q.shape()), dk = Tensor::empty(k.shape()), dv = Tensor::empty(v.shape());
          kernels::attention_backward(dims, q.data(), lq, k.data(), lk, v.data(), lk, out.data(), lq, dout.data(),
                                      lq, lse.data(), p, dq.data(), lq, dk.data(), lk, dv.data(), lk);
          (p ? kept : recomputed) = {dq, dk, dv};
        }
        for (size_t i = 0; i < 3; ++i) check_close(recomputed[i].to_vector(), kept[i].to_vector(), 1e-4, 1e-6);
      });
    }
}

TEST_CASE("attention with dropout equals the composed ops with the same seed, forward and gradients",
          "[attention][dropout]") {
  struct Case { int64_t B, H, T, S, D; };
  // Probabilities kept for the backward (T·S ≤ 256²), and recomputed from the log-sum-exp over
  // several query blocks (T·S > 256²).
  for (const Case c : {Case{2, 3, 37, 41, 8}, Case{1, 2, 260, 260, 4}})
    for (bool causal : {false, true}) {
      INFO("B " << c.B << " H " << c.H << " T " << c.T << " S " << c.S << " D " << c.D << " causal " << causal);
      const float p = 0.2f;
      const uint64_t seed = 77;
      const Tensor mask = padding_mask(c.B, c.S);
      const Tensor dout = Tensor::uniform({c.B, c.H, c.T, c.D}, 33, -1, 1);
      for_each_target([&] {
        std::vector<std::vector<float>> fused, composed;
        for (bool fuse : {true, false}) {
          const Tensor q = param({c.B, c.H, c.T, c.D}, 30), k = param({c.B, c.H, c.S, c.D}, 31);
          const Tensor v = param({c.B, c.H, c.S, c.D}, 32);
          const Tensor out =
              fuse ? attention(q, k, v, mask, causal, p, seed) : composed_attention(q, k, v, mask, causal, p, seed);
          out.backward(dout);
          for (const Tensor& t : {out, q.grad(), k.grad(), v.grad()}) (fuse ? fused : composed).push_back(t.to_vector());
        }
        for (size_t i = 0; i < 4; ++i) {
          INFO((i == 0 ? "output" : i == 1 ? "dq" : i == 2 ? "dk" : "dv"));
          check_close(fused[i], composed[i], kRtol, kAtol);
        }
      });
    }
}

TEST_CASE("attention with dropout: gradients of q, k, v by finite differences", "[attention][dropout]") {
  const int64_t B = 2, H = 2, T = 4, S = 5, D = 3;
  const Tensor mask = padding_mask(B, S, -3.f);
  for (bool causal : {false, true}) {
    INFO("causal " << causal);
    for_each_target([&] {
      check_gradients([&](const std::vector<Tensor>& in) { return attention(in[0], in[1], in[2], mask, causal, 0.3f, 5); },
                      {param({B, H, T, D}, 40), param({B, H, S, D}, 41), param({B, H, S, D}, 42)});
    });
  }
}

TEST_CASE("attention errors name the shapes", "[attention]") {
  const Tensor q = Tensor::ones({2, 3, 4, 5}), k = Tensor::ones({2, 3, 6, 5});
  REQUIRE_THROWS_WITH(attention(Tensor::ones({3, 4, 5}), k, k, Tensor(), false),
                      Catch::Contains("attention: shapes q (3,4,5), k (2,3,6,5), v (2,3,6,5) must be (B,H,T,D)"));
  REQUIRE_THROWS_WITH(attention(q, Tensor::ones({2, 3, 6, 4}), Tensor::ones({2, 3, 6, 4}), Tensor(), false),
                      Catch::Contains("attention: shapes q (2,3,4,5), k (2,3,6,4), v (2,3,6,4) do not match"));
  REQUIRE_THROWS_WITH(attention(q, k, Tensor::ones({2, 3, 7, 5}), Tensor(), false),
                      Catch::Contains("do not match"));
  REQUIRE_THROWS_WITH(attention(q, k, k, Tensor::ones({2, 4}), false),
                      Catch::Contains("attention: key_mask (2,4) must be (B,S) = (2,6)"));
  REQUIRE_THROWS_WITH(attention(q, k, k, param({2, 6}, 1), false),
                      Catch::Contains("attention: key_mask (2,6) requires grad"));
  REQUIRE_THROWS_WITH(attention(q, k, k, Tensor(), false, 1.f, 3),
                      Catch::Contains("attention: dropout probability must be in [0, 1), got 1"));
}

TEST_CASE("attention with segments matches the naive reference on every target", "[attention][segments]") {
  for (const SegmentCase& c : segment_cases())
    for (bool causal : {false, true})
      for (bool masked : {false, true}) {
        const Tensor seg = segment_ids(c.runs);
        const int64_t B = seg.size(0), T = seg.size(1);
        INFO("T " << T << " causal " << causal << " masked " << masked);
        const Tensor q = Tensor::uniform({B, c.H, T, c.D}, 1, -2, 2), k = Tensor::uniform({B, c.H, T, c.D}, 2, -2, 2);
        const Tensor v = Tensor::uniform({B, c.H, T, c.D}, 3);
        const Tensor mask = masked ? padding_mask(B, T) : Tensor();
        const std::vector<float> want = naive_attention(q, k, v, mask, causal, seg);
        for_each_target([&] { check_close(attention(q, k, v, mask, causal, 0.f, 0, seg).to_vector(), want, kRtol, kAtol); });
      }
}

TEST_CASE("attention with segments equals each segment attended alone", "[attention][segments]") {
  for (const SegmentCase& c : segment_cases()) {
    const Tensor seg = segment_ids(c.runs);
    const int64_t B = seg.size(0), T = seg.size(1);
    // (B,T,H,D) activations seen as (B,H,T,D), as the BERT layer passes them.
    const Tensor q = permute(Tensor::uniform({B, T, c.H, c.D}, 4, -2, 2), {0, 2, 1, 3});
    const Tensor k = permute(Tensor::uniform({B, T, c.H, c.D}, 5, -2, 2), {0, 2, 1, 3});
    const Tensor v = permute(Tensor::uniform({B, T, c.H, c.D}, 6), {0, 2, 1, 3});
    for (bool causal : {false, true}) {
      const Tensor packed = attention(q, k, v, Tensor(), causal, 0.f, 0, seg);
      for (int64_t b = 0; b < B; ++b) {
        int64_t start = 0;
        for (int64_t len : c.runs[static_cast<size_t>(b)]) {
          INFO("row " << b << " run at " << start << " of length " << len << " causal " << causal);
          const auto part = [&](const Tensor& x) { return slice(slice(x, 0, b, b + 1), 2, start, start + len); };
          const Tensor alone = attention(part(q), part(k), part(v), Tensor(), causal);
          check_close(part(packed).contiguous().to_vector(), alone.contiguous().to_vector(), kRtol, kAtol);
          start += len;
        }
      }
    }
  }
}

TEST_CASE("attention with one segment per row is bit-identical to no segments", "[attention][segments]") {
  const int64_t B = 2, H = 2, T = 140, D = 8;
  const Tensor seg = segment_ids({{T}, {T}});
  const Tensor mask = padding_mask(B, T);
  const Tensor dout = Tensor::uniform({B, H, T, D}, 50, -1, 1);
  for (bool causal : {false, true})
    for (float p : {0.f, 0.25f}) {
      INFO("causal " << causal << " dropout " << p);
      std::vector<std::vector<float>> with, without;
      for (bool segmented : {true, false}) {
        const Tensor q = param({B, H, T, D}, 51), k = param({B, H, T, D}, 52), v = param({B, H, T, D}, 53);
        const Tensor out = attention(q, k, v, mask, causal, p, 9, segmented ? seg : Tensor());
        out.backward(dout);
        for (const Tensor& t : {out, q.grad(), k.grad(), v.grad()}) (segmented ? with : without).push_back(t.to_vector());
      }
      CHECK(with == without);
    }
}

TEST_CASE("attention with segments skips other segments' keys: NaN there leaves a long segment exact",
          "[attention][segments]") {
  // Runs longer than kAttentionMergeRows get blocks of their own, whose GEMMs never read another
  // run's keys or values (a masked GEMM would turn NaN scores into NaN outputs).
  const int64_t H = 2, T = 100, D = 4;
  const Tensor seg = segment_ids({{40, 60}});
  const Tensor q = Tensor::uniform({1, H, T, D}, 60, -2, 2);
  Tensor k = Tensor::uniform({1, H, T, D}, 61, -2, 2), v = Tensor::uniform({1, H, T, D}, 62);
  for (Tensor* x : {&k, &v})
    for (int64_t h = 0; h < H; ++h)
      for (int64_t j = 40; j < T; ++j) std::fill_n(x->data() + (h * T + j) * D, D, std::nanf(""));
  const auto first = [](const Tensor& x) { return slice(x, 2, 0, 40).contiguous(); };
  for (bool causal : {false, true})
    for_each_target([&] {
      const Tensor out = attention(q, k, v, Tensor(), causal, 0.f, 0, seg);
      check_close(first(out).to_vector(), attention(first(q), first(k), first(v), Tensor(), causal).to_vector(),
                  kRtol, kAtol);
    });
}

TEST_CASE("attention with segments: gradients by finite differences", "[attention][segments]") {
  const Tensor seg = segment_ids({{2, 1, 3}, {6}});
  const Tensor mask = padding_mask(2, 6, -3.f);
  for (bool causal : {false, true})
    for (float p : {0.f, 0.3f}) {
      INFO("causal " << causal << " dropout " << p);
      for_each_target([&] {
        check_gradients([&](const std::vector<Tensor>& in) { return attention(in[0], in[1], in[2], mask, causal, p, 5, seg); },
                        {param({2, 2, 6, 3}, 70), param({2, 2, 6, 3}, 71), param({2, 2, 6, 3}, 72)});
      });
    }
  // Two runs of several query blocks each (the backward accumulates dK, dV over a run's blocks).
  check_gradients(
      [&](const std::vector<Tensor>& in) { return attention(in[0], in[1], in[2], Tensor(), false, 0.f, 0, segment_ids({{129, 131}})); },
      {param({1, 1, 260, 2}, 73), param({1, 1, 260, 2}, 74), param({1, 1, 260, 2}, 75)});
}

TEST_CASE("attention with segments and dropout equals the composed ops under a block-diagonal mask",
          "[attention][segments][dropout]") {
  // The dropout stream indexes the full (B,H,T,S) tensor, so skipping keys keeps every kept
  // probability's mask. Probabilities kept for the backward (small T) and recomputed (T·S > 256²).
  for (const std::vector<std::vector<int64_t>>& runs :
       std::vector<std::vector<std::vector<int64_t>>>{{{3, 5, 1, 7}, {16}}, {{100, 3, 157}}}) {
    const Tensor seg = segment_ids(runs);
    const int64_t B = seg.size(0), H = 2, T = seg.size(1), D = 4;
    const float p = 0.2f;
    const Tensor mask = padding_mask(B, T);
    const Tensor dout = Tensor::uniform({B, H, T, D}, 83, -1, 1);
    for (bool causal : {false, true}) {
      INFO("T " << T << " causal " << causal);
      for_each_target([&] {
        std::vector<std::vector<float>> fused, composed;
        for (bool fuse : {true, false}) {
          const Tensor q = param({B, H, T, D}, 80), k = param({B, H, T, D}, 81), v = param({B, H, T, D}, 82);
          const Tensor out = fuse ? attention(q, k, v, mask, causal, p, 77, seg)
                                  : composed_attention(q, k, v, mask, causal, p, 77, block_diagonal_mask(seg));
          out.backward(dout);
          for (const Tensor& t : {out, q.grad(), k.grad(), v.grad()}) (fuse ? fused : composed).push_back(t.to_vector());
        }
        for (size_t i = 0; i < 4; ++i) {
          INFO((i == 0 ? "output" : i == 1 ? "dq" : i == 2 ? "dk" : "dv"));
          check_close(fused[i], composed[i], kRtol, kAtol);
        }
      });
    }
  }
}

TEST_CASE("attention with segments: recomputed probabilities match kept ones", "[attention][segments]") {
  const Tensor seg = segment_ids({{7, 120, 3, 20}, {150}});
  const int64_t B = 2, H = 2, T = 150, D = 16;
  const Tensor q = Tensor::uniform({B, H, T, D}, 90, -2, 2), k = Tensor::uniform({B, H, T, D}, 91, -2, 2);
  const Tensor v = Tensor::uniform({B, H, T, D}, 92), dout = Tensor::uniform({B, H, T, D}, 93);
  const Tensor mask = padding_mask(B, T);
  const kernels::HeadsLayout l{H * T * D, T * D, D};
  for (bool causal : {false, true})
    for (float drop : {0.f, 0.2f}) {
      INFO("causal " << causal << " dropout " << drop);
      const kernels::AttentionDims dims{B, H, T, T, D, mask.data(), causal, drop, 5, seg.ids()};
      Tensor out = Tensor::empty(q.shape()), lse = Tensor::empty({B, H, T}), probs = Tensor::empty({B, H, T, T});
      for_each_target([&] {
        kernels::attention_forward(dims, q.data(), l, k.data(), l, v.data(), l, out.data(), l, lse.data(), probs.data());
        if (drop == 0.f) check_close(out.to_vector(), naive_attention(q, k, v, mask, causal, seg), kRtol, kAtol);
        std::vector<Tensor> kept, recomputed;
        for (const float* p : {static_cast<const float*>(probs.data()), static_cast<const float*>(nullptr)}) {
          Tensor dq = Tensor::empty(q.shape()), dk = Tensor::empty(k.shape()), dv = Tensor::empty(v.shape());
          kernels::attention_backward(dims, q.data(), l, k.data(), l, v.data(), l, out.data(), l, dout.data(), l,
                                      lse.data(), p, dq.data(), l, dk.data(), l, dv.data(), l);
          (p ? kept : recomputed) = {dq, dk, dv};
        }
        for (size_t i = 0; i < 3; ++i) check_close(recomputed[i].to_vector(), kept[i].to_vector(), 1e-4, 1e-6);
      });
    }
}

TEST_CASE("attention segment errors name the tensors", "[attention][segments]") {
  const Tensor q = Tensor::ones({2, 3, 4, 5});
  REQUIRE_THROWS_WITH(attention(q, q, q, Tensor(), false, 0.f, 0, Tensor::zeros({2, 5}, DType::I64)),
                      Catch::Contains("attention: segments (2,5) must be int64 (B,T) = (2,4)"));
  REQUIRE_THROWS_WITH(attention(q, q, q, Tensor(), false, 0.f, 0, Tensor::zeros({2, 4})),
                      Catch::Contains("must be int64"));
  const Tensor k = Tensor::ones({2, 3, 6, 5});
  REQUIRE_THROWS_WITH(attention(q, k, k, Tensor(), false, 0.f, 0, Tensor::zeros({2, 4}, DType::I64)),
                      Catch::Contains("attention: segments need self-attention (S == T)"));
  REQUIRE_THROWS_WITH(attention(q, q, q, Tensor(), false, 0.f, 0, Tensor::from_ids({2, 4}, {0, 0, 1, 1, 0, 1, 0, 2})),
                      Catch::Contains("attention: segment id 0 of row 1 is not one run (at 0 and 2)"));
}
