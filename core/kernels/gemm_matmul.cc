// kernels/gemm_matmul.cc — gemm() products through oneDNN's matmul primitive.
//
// Primitives are created once per shape (data type, transposes, M, N, K, leading dimensions,
// alpha, beta, bias) and cached: creating one costs milliseconds (JIT), running a cached one
// microseconds. alpha is the primitive's output scale, beta a "sum" post-op (C = alpha·A·B +
// beta·C), a row bias the matmul's bias input, GELU an eltwise post-op (gelu_erf). bf16: A and B are rounded to bf16 (round to
// nearest even, kernels/convert.h) into per-thread scratch that only grows, unless the caller
// passes them already rounded; the output is fp32. The primitives' scratchpads are ours
// (scratchpad_mode::user, one buffer per thread): with the library's shared scratchpad,
// concurrent products from a parallel region overwrote each other's (test_gemm_bf16.cc).
#include "core/kernels/gemm_matmul.h"

#include <omp.h>

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
// (bf16?, trans_a, trans_b, M, N, K, lda, ldb, ldc, alpha, beta, bias?, gelu?, threads, packed B?);
// packed B: the primitive picks B's layout (format any) and reads a PackedWeight copy. bf16 operands are
// packed, their lda and ldb are their column counts. A primitive splits its work for the OpenMP
// thread count at its creation, so the count is part of the key.
using Key = std::tuple<bool, bool, bool, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, float, float, bool, bool,
                       int, bool>;

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// The (rows, cols) operand over storage that is (rows, cols) with row stride ld or, transposed,
// (cols, rows) with row stride ld.
memory::desc operand_desc(int64_t rows, int64_t cols, bool transposed, int64_t ld, memory::data_type type) {
  const memory::dims strides = transposed ? memory::dims{1, ld} : memory::dims{ld, 1};
  return memory::desc({rows, cols}, type, strides);
}

// A cached primitive and the scratchpad bytes it needs.
struct Cached {
  dnnl::matmul matmul;
  size_t scratchpad_bytes = 0;
  memory::desc weights;  // B's layout as the primitive reads it
};

// The cached primitive for one shape (created on first use, under a lock; the cache is shared).
const Cached& primitive_for(const Key& key) {
  static std::mutex mutex;
  static std::map<Key, std::unique_ptr<Cached>> cache;
  const std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[key];
  if (!slot) {
    const auto [bf16, ta, tb, M, N, K, lda, ldb, ldc, alpha, beta, has_bias, gelu, threads, packed] = key;
    const memory::data_type type = bf16 ? memory::data_type::bf16 : memory::data_type::f32;
    const memory::desc c_md({M, N}, memory::data_type::f32, memory::dims{ldc, 1});
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    if (alpha != 1.f) attr.set_output_scales(0, {alpha});
    dnnl::post_ops ops;
    if (beta != 0.f) ops.append_sum(beta);
    if (gelu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_gelu_erf, 0.f, 0.f);
    attr.set_post_ops(ops);
    const memory::desc bias_md = has_bias ? memory::desc({1, N}, memory::data_type::f32, memory::dims{N, 1})
                                          : memory::desc();
    const memory::desc b_md = packed ? memory::desc({K, N}, type, memory::format_tag::any)
                                     : operand_desc(K, N, tb, ldb, type);
    const dnnl::matmul::desc desc(operand_desc(M, K, ta, lda, type), b_md, bias_md, c_md);
    const dnnl::matmul::primitive_desc pd(desc, attr, cpu_engine());
    slot = std::make_unique<Cached>(Cached{dnnl::matmul(pd), pd.scratchpad_desc().get_size(), pd.weights_desc()});
  }
  return *slot;
}

// Runs the cached primitive of `key` on A, B (of the key's data type), bias and C.
void run(const Key& key, const void* A, const void* B, const float* bias, float* C) {
  thread_local std::vector<uint8_t> scratchpad;
  thread_local dnnl::stream stream(cpu_engine());
  const auto [bf16, ta, tb, M, N, K, lda, ldb, ldc, alpha, beta, has_bias, gelu, threads, packed] = key;
  const memory::data_type type = bf16 ? memory::data_type::bf16 : memory::data_type::f32;
  try {
    const Cached& cached = primitive_for(key);
    const size_t pad_bytes = std::max<size_t>(cached.scratchpad_bytes, 1);  // never a null buffer
    if (scratchpad.size() < pad_bytes) scratchpad.resize(pad_bytes);
    const memory pad(memory::desc({static_cast<int64_t>(pad_bytes)}, memory::data_type::u8, memory::dims{1}),
                     cpu_engine(), scratchpad.data());
    // oneDNN's memory takes a non-const handle; a matmul never writes its sources.
    const memory a(operand_desc(M, K, ta, lda, type), cpu_engine(), const_cast<void*>(A));
    const memory b(cached.weights, cpu_engine(), const_cast<void*>(B));
    const memory c(memory::desc({M, N}, memory::data_type::f32, memory::dims{ldc, 1}), cpu_engine(), C);
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}, {DNNL_ARG_SCRATCHPAD, pad}};
    if (has_bias)
      args.emplace(DNNL_ARG_BIAS, memory(memory::desc({1, N}, memory::data_type::f32, memory::dims{N, 1}),
                                         cpu_engine(), const_cast<float*>(bias)));
    cached.matmul.execute(stream, args);
    stream.wait();
  } catch (const dnnl::error& e) {
    ::nn::fail("gemm (", bf16 ? "bf16" : "fp32", "): oneDNN matmul failed for M=", M, " N=", N, " K=", K, ": ",
               e.what());
  }
}

// B (K, N) in `layout`: the kept copy, made on first use by a reorder of B's plain bf16 copy (b16,
// or B rounded here when b16 is null); null when the weight already has kMaxLayouts other layouts.
const void* packed_copy(PackedWeight& w, const memory::desc& layout, bool trans_b, int64_t K, int64_t N,
                        const float* B, int64_t ldb, const uint16_t* b16) {
  const std::lock_guard<std::mutex> lock(w.mutex);
  for (const auto& [desc, bytes] : w.layouts)
    if (desc == layout) return bytes.data();
  if (w.layouts.size() >= PackedWeight::kMaxLayouts) return nullptr;
  std::vector<uint16_t> rounded;
  if (!b16) {
    rounded.resize(static_cast<size_t>(K * N));
    if (trans_b) fp32_to_bf16_rows(N, K, B, ldb, rounded.data());
    else fp32_to_bf16_rows(K, N, B, ldb, rounded.data());
    b16 = rounded.data();
  }
  std::vector<uint8_t> bytes(layout.get_size());
  thread_local dnnl::stream stream(cpu_engine());
  const memory::desc plain = operand_desc(K, N, trans_b, trans_b ? K : N, memory::data_type::bf16);
  memory src(plain, cpu_engine(), const_cast<uint16_t*>(b16)), dst(layout, cpu_engine(), bytes.data());
  dnnl::reorder(src, dst).execute(stream, src, dst);
  stream.wait();
  w.layouts.emplace_back(layout, std::move(bytes));
  return w.layouts.back().second.data();
}

}  // namespace

void matmul_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                 const float* A, int64_t lda, const uint16_t* a16, const float* B, int64_t ldb,
                 const uint16_t* b16, const float* bias, float beta, float* C, int64_t ldc, bool gelu,
                 PackedWeight* packed_b) {
  thread_local std::vector<uint16_t> a_pack, b_pack;
  // Pack in the stored orientation: op(A) = Aᵀ reads A's (K, M) rows.
  if (!a16) {
    a_pack.resize(static_cast<size_t>(M * K));
    if (trans_a) fp32_to_bf16_rows(K, M, A, lda, a_pack.data());
    else fp32_to_bf16_rows(M, K, A, lda, a_pack.data());
    a16 = a_pack.data();
  }
  const Key plain{true, trans_a, trans_b, M, N, K, trans_a ? M : K, trans_b ? K : N, ldc, alpha, beta, bias != nullptr,
                  gelu, omp_get_max_threads(), false};
  if (packed_b) {
    Key key = plain;
    std::get<14>(key) = true;
    const void* blocked = nullptr;
    try {
      blocked = packed_copy(*packed_b, primitive_for(key).weights, trans_b, K, N, B, ldb, b16);
    } catch (const dnnl::error& e) {
      ::nn::fail("gemm (bf16): packing a weight for M=", M, " N=", N, " K=", K, " failed: ", e.what());
    }
    if (blocked) return run(key, a16, blocked, bias, C);
  }
  if (!b16) {
    b_pack.resize(static_cast<size_t>(K * N));
    if (trans_b) fp32_to_bf16_rows(N, K, B, ldb, b_pack.data());
    else fp32_to_bf16_rows(K, N, B, ldb, b_pack.data());
    b16 = b_pack.data();
  }
  run(plain, a16, b16, bias, C);
}

void matmul_f32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, const float* bias, float beta,
                float* C, int64_t ldc, bool gelu) {
  run(Key{false, trans_a, trans_b, M, N, K, lda, ldb, ldc, alpha, beta, bias != nullptr, gelu, omp_get_max_threads(),
          false},
      A, B, bias, C);
}

}  // namespace nn::kernels
