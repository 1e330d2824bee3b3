// kernels/gemm_bf16.cc — bf16 GEMM through oneDNN's matmul primitive.
//
// Each call packs A and B into bf16 (round to nearest even, kernels/convert.h) in per-thread
// scratch that only grows (unless the caller passes them already rounded), then runs a matmul primitive with fp32 destination. Primitives are
// created once per shape (M, N, K, transposes, ldc, alpha, beta) and cached: creating one costs
// milliseconds (JIT), running a cached one costs microseconds. alpha is the primitive's output
// scale, beta a "sum" post-op (C = alpha·A·B + beta·C), a row bias the matmul's bias input. The primitives' scratchpads are ours
// (scratchpad_mode::user, one buffer per thread): with the library's shared scratchpad, the
// attention kernel's concurrent per-head products overwrote each other's (test_gemm_bf16.cc).
#include "core/kernels/gemm_bf16.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "core/error.h"
#include "core/kernels/convert.h"

namespace nn::kernels {
namespace {

using dnnl::memory;
using Key = std::tuple<bool, bool, int64_t, int64_t, int64_t, int64_t, float, float, bool>;

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// bf16 operand descriptors: A as (M,K) over packed storage that is (M,K) or, transposed, (K,M).
memory::desc operand_desc(int64_t rows, int64_t cols, bool transposed) {
  const memory::dims strides = transposed ? memory::dims{1, rows} : memory::dims{cols, 1};
  return memory::desc({rows, cols}, memory::data_type::bf16, strides);
}

// A cached primitive and the scratchpad bytes it needs.
struct Cached {
  dnnl::matmul matmul;
  size_t scratchpad_bytes = 0;
};

// The cached primitive for one shape (created on first use, under a lock; the cache is shared).
const Cached& primitive_for(const Key& key) {
  static std::mutex mutex;
  static std::map<Key, std::unique_ptr<Cached>> cache;
  const std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[key];
  if (!slot) {
    const auto [ta, tb, M, N, K, ldc, alpha, beta, has_bias] = key;
    const memory::desc c_md({M, N}, memory::data_type::f32, memory::dims{ldc, 1});
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    if (alpha != 1.f) attr.set_output_scales(0, {alpha});
    if (beta != 0.f) {
      dnnl::post_ops ops;
      ops.append_sum(beta);
      attr.set_post_ops(ops);
    }
    const memory::desc bias_md = has_bias ? memory::desc({1, N}, memory::data_type::f32, memory::dims{N, 1})
                                          : memory::desc();
    const dnnl::matmul::desc desc(operand_desc(M, K, ta), operand_desc(K, N, tb), bias_md, c_md);
    const dnnl::matmul::primitive_desc pd(desc, attr, cpu_engine());
    slot = std::make_unique<Cached>(Cached{dnnl::matmul(pd), pd.scratchpad_desc().get_size()});
  }
  return *slot;
}

}  // namespace

void gemm_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, int64_t lda, const uint16_t* a16, const float* B, int64_t ldb,
               const uint16_t* b16, const float* bias, float beta, float* C, int64_t ldc) {
  thread_local std::vector<uint16_t> a_pack, b_pack;
  thread_local std::vector<uint8_t> scratchpad;
  thread_local dnnl::stream stream(cpu_engine());
  // Pack in the stored orientation: op(A) = Aᵀ reads A's (K, M) rows.
  if (!a16) {
    a_pack.resize(static_cast<size_t>(M * K));
    if (trans_a) fp32_to_bf16_rows(K, M, A, lda, a_pack.data());
    else fp32_to_bf16_rows(M, K, A, lda, a_pack.data());
    a16 = a_pack.data();
  }
  if (!b16) {
    b_pack.resize(static_cast<size_t>(K * N));
    if (trans_b) fp32_to_bf16_rows(N, K, B, ldb, b_pack.data());
    else fp32_to_bf16_rows(K, N, B, ldb, b_pack.data());
    b16 = b_pack.data();
  }
  try {
    const Cached& cached = primitive_for(Key{trans_a, trans_b, M, N, K, ldc, alpha, beta, bias != nullptr});
    const size_t pad_bytes = std::max<size_t>(cached.scratchpad_bytes, 1);  // never a null buffer
    if (scratchpad.size() < pad_bytes) scratchpad.resize(pad_bytes);
    const memory pad(memory::desc({static_cast<int64_t>(pad_bytes)}, memory::data_type::u8, memory::dims{1}),
                     cpu_engine(), scratchpad.data());
    // oneDNN's memory takes a non-const handle; a matmul never writes its sources.
    const memory a(operand_desc(M, K, trans_a), cpu_engine(), const_cast<uint16_t*>(a16));
    const memory b(operand_desc(K, N, trans_b), cpu_engine(), const_cast<uint16_t*>(b16));
    const memory c(memory::desc({M, N}, memory::data_type::f32, memory::dims{ldc, 1}), cpu_engine(), C);
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}, {DNNL_ARG_SCRATCHPAD, pad}};
    if (bias)
      args.emplace(DNNL_ARG_BIAS, memory(memory::desc({1, N}, memory::data_type::f32, memory::dims{N, 1}),
                                         cpu_engine(), const_cast<float*>(bias)));
    cached.matmul.execute(stream, args);
    stream.wait();
  } catch (const dnnl::error& e) {
    ::nn::fail("gemm (bf16): oneDNN matmul failed for M=", M, " N=", N, " K=", K, ": ", e.what());
  }
}

}  // namespace nn::kernels
