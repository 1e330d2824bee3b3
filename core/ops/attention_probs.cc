// ops/attention_probs.cc — attention probabilities from the fused kernel's `probs` output.
//
// The kernel is run on copies made contiguous (this is an inspection path: clarity over the
// zero-copy layouts of ops/attention.cc) with the keys standing in for the values (the output is
// thrown away; only the probabilities are kept). The kernel writes only the key window each query
// block sees, so the tensor starts at 0 and the keys outside every window stay 0.
#include "core/ops/attention_probs.h"

#include <algorithm>
#include <vector>

#include "core/autograd.h"
#include "core/kernels/attention.h"

namespace nn {
namespace {

// Throws unless every id of each row of segments (B,T) fills one contiguous run (the kernel's
// block windows assume it; nn::attention checks the same).
void check_runs(const Tensor& segments) {
  const int64_t B = segments.size(0), T = segments.size(1);
  const std::vector<int64_t> ids = segments.to_ids();
  for (int64_t b = 0; b < B; ++b) {
    const int64_t* row = ids.data() + b * T;
    for (int64_t i = 1; i < T; ++i)
      NN_CHECK(row[i] == row[i - 1] || std::find(row, row + i - 1, row[i]) == row + i - 1,
               "attention_probs: segment id ", row[i], " of row ", b, " is not one run");
  }
}

}  // namespace

Tensor attention_probs(const Tensor& q, const Tensor& k, const Tensor& key_mask, bool causal, const Tensor& segments) {
  NN_CHECK(q.dim() == 4 && k.dim() == 4, "attention_probs: shapes q ", q.shape(), " and k ", k.shape(),
           " must be (B,H,T,D) and (B,H,S,D)");
  NN_CHECK(q.dtype() == DType::F32 && k.dtype() == DType::F32, "attention_probs: q and k must be F32");
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3), S = k.size(2);
  NN_CHECK(k.shape() == Shape({B, H, S, D}), "attention_probs: shapes q ", q.shape(), " and k ", k.shape(),
           " do not match (need (B,H,T,D) and (B,H,S,D))");
  if (key_mask.defined())
    NN_CHECK(key_mask.dtype() == DType::F32 && key_mask.shape() == Shape({B, S}), "attention_probs: key_mask ",
             key_mask.shape(), " must be F32 (B,S) = ", Shape({B, S}));
  if (segments.defined())
    NN_CHECK(segments.dtype() == DType::I64 && segments.shape() == Shape({B, T}) && S == T,
             "attention_probs: segments ", segments.shape(), " must be int64 (B,T) = ", Shape({B, T}),
             " with S == T");
  NoGradGuard no_grad;
  const Tensor qc = q.detach().contiguous(), kc = k.detach().contiguous();
  const Tensor mask = key_mask.defined() ? key_mask.detach().contiguous() : Tensor();
  const Tensor seg = segments.defined() ? segments.contiguous() : Tensor();
  if (seg.defined()) check_runs(seg);
  const kernels::HeadsLayout lq{H * T * D, T * D, D}, lk{H * S * D, S * D, D};
  const kernels::AttentionDims dims{B, H, T, S, D, mask.defined() ? mask.data() : nullptr, causal, 0.f, 0,
                                    seg.defined() ? seg.ids() : nullptr};
  Tensor out = Tensor::empty({B, H, T, D});
  Tensor lse = Tensor::empty({B, H, T});
  Tensor probs = Tensor::zeros({B, H, T, S});
  kernels::attention_forward(dims, qc.data(), lq, kc.data(), lk, kc.data(), lk, out.data(), lq, lse.data(),
                             probs.data());
  return probs;
}

}  // namespace nn
