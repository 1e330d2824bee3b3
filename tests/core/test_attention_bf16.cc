// test_attention_bf16.cc — the attention kernel's bf16 mode (AttentionDims::bf16) against its fp32
// mode, forward and backward, with padding masks, causal (S ≠ T), segments, dropout, an odd D and
// T not a multiple of the 128-row block, on both backward paths (kept and recomputed
// probabilities). The tolerance is a first-order error bound of bf16 operand rounding, computed
// per element from the inputs (see attention_bounds); the fp32 kernel itself is checked against
// naive references and finite differences in test_attention.cc.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "core/kernels/attention.h"
#include "core/kernels/bf16_tile.h"
#include "core/kernels/gemm.h"
#include "core/ops.h"
#include "core/tensor.h"
#include "tests/support/targets.h"

using namespace nn;
using nn::testing::for_each_target;

namespace {

// bf16's unit roundoff: 8 significant bits, rounding to nearest.
constexpr double kU = 0x1p-8;

struct Case {
  int64_t B, H, T, S, D;
  bool masked, causal;
  float dropout;
  std::vector<std::vector<int64_t>> runs;  // segment run lengths per batch row (empty: none)
};

// Outputs of one kernel run: out, then dq, dk, dv.
struct Results {
  std::vector<float> out, dq, dk, dv;
};

// Per-element error bounds of the bf16 results (same order as Results).
//
// Every product rounds its two operands to bf16 (relative error ≤ u = 2⁻⁸ each) and accumulates in
// fp32, so a product's error is ≤ 2u·(the same product in absolute values). With
// A = max_ij Σ_d |q_id k_jd|/√D, a score moves by ≤ 2uA, and a softmax row by a factor
// exp(Δs_ij − Σ_j P_ij Δs_ij) ∈ 1 ± 4uA (to first order). Writing |X| for the absolute-value
// version of each product (dropout's P_d ≤ P/(1 − p)):
//   out: P perturbed (4uA), P_d and v rounded (2u)              ⇒ (4A + 2)·u·(|P_d|·|v|);
//   dv:  the same for P_dᵀ·dO                                  ⇒ (4A + 2)·u·(|P_d|ᵀ·|dO|);
//   dS = P ⊙ (dP − δ): P (4uA), dP = dO·Vᵀ (2u), δ = Σ dO ⊙ O (O's (4A + 2)u)
//                                                              ⇒ (8A + 2)·u·P ⊙ (|dP| + |δ|);
//   dq = dS·K/√D, dk = dSᵀ·Q/√D: dS's error plus dS and K (Q) rounded (2u)
//                                                              ⇒ (8A + 4)·u·(|dS|·|K|)/√D.
// The tests allow those coefficients plus 10% for the higher-order terms (uA ≤ 0.02 here), and
// 1e-5 relative + 1e-6 absolute for the fp32 reference's own rounding.
Results attention_bounds(const Case& c, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                         const Tensor& dout, const std::vector<int64_t>& seg) {
  const int64_t B = c.B, H = c.H, T = c.T, S = c.S, D = c.D;
  const double rs = 1 / std::sqrt(static_cast<double>(D)), keep = 1 / (1 - static_cast<double>(c.dropout));
  const float *qv = q.data(), *kv = k.data(), *vv = v.data(), *dov = dout.data();
  const float* mv = c.masked ? mask.data() : nullptr;
  double A = 0;
  for (int64_t bh = 0; bh < B * H; ++bh)
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j < S; ++j) {
        double s = 0;
        for (int64_t d = 0; d < D; ++d) s += std::fabs(qv[(bh * T + i) * D + d] * kv[(bh * S + j) * D + d]);
        A = std::max(A, s * rs);
      }
  std::vector<double> oabs(static_cast<size_t>(B * H * T * D)), dqabs(oabs.size()), dkabs(static_cast<size_t>(B * H * S * D)),
      dvabs(dkabs.size());
  for (int64_t bh = 0; bh < B * H; ++bh) {
    const int64_t b = bh / H;
    for (int64_t i = 0; i < T; ++i) {
      std::vector<double> p(static_cast<size_t>(S), 0.0);  // the row's probabilities, in double
      double mx = -INFINITY;
      for (int64_t j = 0; j < S; ++j) {
        const bool visible = !(c.causal && j > i + S - T) && (seg.empty() || seg[b * T + i] == seg[b * T + j]);
        if (!visible) continue;
        double s = 0;
        for (int64_t d = 0; d < D; ++d) s += static_cast<double>(qv[(bh * T + i) * D + d]) * kv[(bh * S + j) * D + d];
        p[j] = s * rs + (mv ? mv[b * S + j] : 0.0);
        mx = std::max(mx, p[j]);
      }
      double sum = 0;
      for (int64_t j = 0; j < S; ++j) {
        const bool visible = !(c.causal && j > i + S - T) && (seg.empty() || seg[b * T + i] == seg[b * T + j]);
        sum += p[j] = visible ? std::exp(p[j] - mx) : 0.0;
      }
      for (double& x : p) x = sum > 0 ? x / sum : 0.0;
      double delta = 0;  // |δ_i| bound: Σ_d |dO_id|·|O_id|
      for (int64_t d = 0; d < D; ++d) {
        double o = 0;
        for (int64_t j = 0; j < S; ++j) o += p[j] * keep * std::fabs(vv[(bh * S + j) * D + d]);
        oabs[(bh * T + i) * D + d] = o;
        delta += std::fabs(dov[(bh * T + i) * D + d]) * o;
      }
      for (int64_t j = 0; j < S; ++j) {
        if (p[j] == 0) continue;
        double dp = 0;
        for (int64_t d = 0; d < D; ++d) dp += std::fabs(dov[(bh * T + i) * D + d] * vv[(bh * S + j) * D + d]);
        const double ds = p[j] * (dp * keep + delta) * rs;
        for (int64_t d = 0; d < D; ++d) {
          dvabs[(bh * S + j) * D + d] += p[j] * keep * std::fabs(dov[(bh * T + i) * D + d]);
          dqabs[(bh * T + i) * D + d] += ds * std::fabs(kv[(bh * S + j) * D + d]);
          dkabs[(bh * S + j) * D + d] += ds * std::fabs(qv[(bh * T + i) * D + d]);
        }
      }
    }
  }
  const auto bound = [](const std::vector<double>& x, double coeff) {
    std::vector<float> b(x.size());
    for (size_t n = 0; n < x.size(); ++n) b[n] = static_cast<float>(1.1 * coeff * kU * x[n] + 1e-5 * x[n] + 1e-6);
    return b;
  };
  return {bound(oabs, 4 * A + 2), bound(dqabs, 8 * A + 4), bound(dkabs, 8 * A + 4), bound(dvabs, 4 * A + 2)};
}

// Segment ids (B,T) from run lengths (each row sums to T).
std::vector<int64_t> segment_ids(const std::vector<std::vector<int64_t>>& runs) {
  std::vector<int64_t> ids;
  for (const auto& row : runs)
    for (size_t r = 0; r < row.size(); ++r) ids.insert(ids.end(), static_cast<size_t>(row[r]), static_cast<int64_t>(r));
  return ids;
}

}  // namespace

TEST_CASE("bf16 attention forward and backward stay within bf16's rounding bound of fp32",
          "[attention][bf16]") {
  if (!kernels::bf16_tiles_supported()) {
    WARN("no AVX512-BF16 on this CPU: attention stays fp32 in bf16 mode");
    return;
  }
  const std::vector<Case> cases{
      {2, 2, 150, 150, 16, true, false, 0.f, {}},    // two query blocks, the second partial
      {2, 2, 150, 170, 16, true, true, 0.f, {}},     // causal, S ≠ T
      {1, 3, 37, 41, 7, true, false, 0.f, {}},       // odd D: a zero-padded pair
      {2, 2, 150, 150, 16, true, true, 0.2f, {}},    // dropout
      {2, 2, 150, 150, 16, false, false, 0.f, {{40, 3, 90, 17}, {1, 1, 148}}},  // segments at odd keys
      {2, 1, 300, 300, 8, true, false, 0.1f, {{130, 21, 149}, {5, 290, 5}}},     // segments over blocks
      {1, 2, 70, 600, 16, true, true, 0.1f, {}},     // five key steps when the probabilities are not kept
  };
  for (const Case& c : cases) {
    INFO("B " << c.B << " H " << c.H << " T " << c.T << " S " << c.S << " D " << c.D << " mask " << c.masked
              << " causal " << c.causal << " dropout " << c.dropout << " segments " << !c.runs.empty());
    const int64_t B = c.B, H = c.H, T = c.T, S = c.S, D = c.D;
    const Tensor q = Tensor::uniform({B, H, T, D}, 1, -1, 1), k = Tensor::uniform({B, H, S, D}, 2, -1, 1);
    const Tensor v = Tensor::uniform({B, H, S, D}, 3, -1, 1), dout = Tensor::uniform({B, H, T, D}, 4, -1, 1);
    std::vector<float> m(static_cast<size_t>(B * S));
    for (int64_t n = 0; n < B * S; ++n) m[static_cast<size_t>(n)] = n % S >= S - 7 * (n / S + 1) ? -10000.f : 0.1f * static_cast<float>(n % 3);
    const Tensor mask = Tensor::from_data({B, S}, m);
    const std::vector<int64_t> seg = segment_ids(c.runs);
    const kernels::HeadsLayout lq{H * T * D, T * D, D}, lk{H * S * D, S * D, D};
    const Results bound = attention_bounds(c, q, k, v, mask, dout, seg);
    for_each_target([&] {
      for (bool keep_probs : {false, true}) {
        INFO("kept probabilities " << keep_probs);
        Results r[2];  // fp32, bf16
        for (int bf16 = 0; bf16 < 2; ++bf16) {
          const kernels::AttentionDims dims{B, H, T, S, D, c.masked ? mask.data() : nullptr, c.causal, c.dropout, 9,
                                            seg.empty() ? nullptr : seg.data(), bf16 == 1};
          Tensor out = Tensor::empty({B, H, T, D}), lse = Tensor::empty({B, H, T}), probs = Tensor::empty({B, H, T, S});
          Tensor dq = Tensor::empty({B, H, T, D}), dk = Tensor::empty({B, H, S, D}), dv = Tensor::empty({B, H, S, D});
          float* p = keep_probs ? probs.data() : nullptr;
          kernels::attention_forward(dims, q.data(), lq, k.data(), lk, v.data(), lk, out.data(), lq, lse.data(), p);
          kernels::attention_backward(dims, q.data(), lq, k.data(), lk, v.data(), lk, out.data(), lq, dout.data(), lq,
                                      lse.data(), p, dq.data(), lq, dk.data(), lk, dv.data(), lk);
          r[bf16] = {out.to_vector(), dq.to_vector(), dk.to_vector(), dv.to_vector()};
        }
        const std::vector<float> Results::*fields[] = {&Results::out, &Results::dq, &Results::dk, &Results::dv};
        const char* names[] = {"out", "dq", "dk", "dv"};
        for (int f = 0; f < 4; ++f) {
          const std::vector<float>&f32 = r[0].*fields[f], &b16 = r[1].*fields[f], &tol = bound.*fields[f];
          double worst = 0, differs = 0;
          size_t at = 0;
          for (size_t n = 0; n < f32.size(); ++n) {
            const double err = std::fabs(static_cast<double>(b16[n]) - f32[n]);
            differs = std::max(differs, err);
            if (err / tol[n] > worst) {
              worst = err / tol[n];
              at = n;
            }
          }
          INFO(names[f] << ": worst error/bound " << worst << " at " << at << " (fp32 " << f32[at] << ", bf16 "
                        << b16[at] << ", bound " << tol[at] << ")");
          CHECK(worst <= 1.0);
          CHECK(differs > 0);  // the bf16 products really ran
        }
      }
    });
  }
}

TEST_CASE("nn::attention follows the gemm precision from 32 queries on", "[attention][bf16]") {
  if (!kernels::bf16_tiles_supported()) {
    WARN("no AVX512-BF16 on this CPU: attention stays fp32 in bf16 mode");
    return;
  }
  for (const int64_t T : {8, 64}) {
    INFO("T " << T);
    const Tensor q = Tensor::uniform({2, 2, T, 16}, 1, -1, 1), k = Tensor::uniform({2, 2, 40, 16}, 2, -1, 1);
    const Tensor v = Tensor::uniform({2, 2, 40, 16}, 3, -1, 1);
    const std::vector<float> f32 = attention(q, k, v, Tensor(), false).to_vector();
    std::vector<float> b16;
    {
      const kernels::GemmPrecisionScope bf16(kernels::GemmPrecision::kBf16);
      b16 = attention(q, k, v, Tensor(), false).to_vector();
    }
    // T = 8 (decoding-like): fp32, bit for bit; T = 64: the bf16 products.
    CHECK((b16 == f32) == (T < 32));
  }
}
