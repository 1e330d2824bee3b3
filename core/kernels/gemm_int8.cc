// kernels/gemm_int8.cc — the int8 matmul of kernels/gemm_int8.h on oneDNN.
//
// Primitives are created once per shape (M, N, K, ldy, bias?, GELU?, threads, blocked weight?)
// and cached, as in gemm_matmul.cc; what changes per call — the activation scale and zero
// point — are runtime attributes: output scales (N floats, x_scale·w_scale[n]) and the source
// zero point. The primitive reads the weight in the blocked layout it prefers (format any): the
// Int8Weight keeps that copy, made by one reorder of q. Scratchpads are ours (one per thread).
#include "core/kernels/gemm_int8.h"

#include <omp.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "core/error.h"
#include "core/kernels/quantize.h"
#include "core/profile.h"

namespace nn::kernels {
namespace {

using dnnl::memory;
// (M, N, K, ldy, bias?, gelu?, threads, blocked weight?)
using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, bool, bool, int, bool>;

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// q (N, K) row-major read as the matmul's B (K, N).
memory::desc plain_weight_desc(int64_t N, int64_t K) {
  return memory::desc({K, N}, memory::data_type::s8, memory::dims{1, K});
}

memory::desc bias_desc(int64_t N) { return memory::desc({1, N}, memory::data_type::f32, memory::dims{N, 1}); }

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
    const auto [M, N, K, ldy, has_bias, gelu, threads, blocked] = key;
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    attr.set_output_scales(1 << 1, {DNNL_RUNTIME_F32_VAL});  // one scale per output column
    attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
    dnnl::post_ops ops;
    if (has_bias) ops.append_binary(dnnl::algorithm::binary_add, bias_desc(N));
    if (gelu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_gelu_erf, 0.f, 0.f);
    attr.set_post_ops(ops);
    const memory::desc x_md({M, K}, memory::data_type::u8, memory::dims{K, 1});
    const memory::desc w_md = blocked ? memory::desc({K, N}, memory::data_type::s8, memory::format_tag::any)
                                      : plain_weight_desc(N, K);
    const memory::desc y_md({M, N}, memory::data_type::f32, memory::dims{ldy, 1});
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(x_md, w_md, y_md), attr, cpu_engine());
    slot = std::make_unique<Cached>(Cached{dnnl::matmul(pd), pd.scratchpad_desc().get_size(), pd.weights_desc()});
  }
  return *slot;
}

// w.q in `layout`: the kept copy, made on first use by a reorder; null when w already keeps
// kMaxLayouts other layouts.
const void* blocked_copy(Int8Weight& w, const memory::desc& layout) {
  const std::lock_guard<std::mutex> lock(w.mutex);
  for (const auto& [desc, bytes] : w.layouts)
    if (desc == layout) return bytes.data();
  if (w.layouts.size() >= Int8Weight::kMaxLayouts) return nullptr;
  std::vector<uint8_t> bytes(layout.get_size());
  thread_local dnnl::stream stream(cpu_engine());
  memory src(plain_weight_desc(w.rows, w.cols), cpu_engine(), w.q.data()), dst(layout, cpu_engine(), bytes.data());
  dnnl::reorder(src, dst).execute(stream, src, dst);
  stream.wait();
  w.layouts.emplace_back(layout, std::move(bytes));
  return w.layouts.back().second.data();
}

}  // namespace

std::unique_ptr<Int8Weight> quantize_weight(int64_t N, int64_t K, const float* W, int64_t ldw) {
  NN_CHECK(N > 0 && K > 0 && ldw >= K, "quantize_weight: bad shape (", N, ", ", K, ") with row stride ", ldw);
  auto w = std::make_unique<Int8Weight>();
  w->rows = N;
  w->cols = K;
  w->q.resize(static_cast<size_t>(N * K));
  w->scales.resize(static_cast<size_t>(N));
  quantize_s8_rows(N, K, W, ldw, w->q.data(), w->scales.data());
  return w;
}

void gemm_int8(int64_t M, const float* x, int64_t ldx, Int8Weight& w, const float* bias, float* y, int64_t ldy,
               bool gelu) {
  const int64_t N = w.rows, K = w.cols;
  NN_CHECK(M > 0 && N > 0 && K > 0 && ldx >= K && ldy >= N, "gemm_int8: bad shape M=", M, " N=", N, " K=", K,
           " ldx=", ldx, " ldy=", ldy);
  thread_local std::vector<uint8_t> qx, scratchpad;
  thread_local std::vector<float> out_scales;
  thread_local dnnl::stream stream(cpu_engine());
  qx.resize(static_cast<size_t>(M * K));
  const U8Quant xq = quantize_u8(M, K, x, ldx, qx.data());
  out_scales.resize(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) out_scales[n] = xq.scale * w.scales[n];
  int32_t zero_point = xq.zero_point;
  profile::add_flops(2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K));
  try {
    Key key{M, N, K, ldy, bias != nullptr, gelu, omp_get_max_threads(), true};
    const void* weights = blocked_copy(w, primitive_for(key).weights);
    if (!weights) {
      std::get<7>(key) = false;
      weights = w.q.data();
    }
    const Cached& cached = primitive_for(key);
    const size_t pad_bytes = std::max<size_t>(cached.scratchpad_bytes, 1);  // never a null buffer
    if (scratchpad.size() < pad_bytes) scratchpad.resize(pad_bytes);
    const auto& eng = cpu_engine();
    // oneDNN's memory takes a non-const handle; a matmul never writes its inputs.
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, memory(memory::desc({M, K}, memory::data_type::u8, memory::dims{K, 1}), eng, qx.data())},
        {DNNL_ARG_WEIGHTS, memory(cached.weights, eng, const_cast<void*>(weights))},
        {DNNL_ARG_DST, memory(memory::desc({M, N}, memory::data_type::f32, memory::dims{ldy, 1}), eng, y)},
        {DNNL_ARG_SCRATCHPAD,
         memory(memory::desc({static_cast<int64_t>(pad_bytes)}, memory::data_type::u8, memory::dims{1}), eng,
                scratchpad.data())},
        {DNNL_ARG_ATTR_OUTPUT_SCALES,
         memory(memory::desc({N}, memory::data_type::f32, memory::dims{1}), eng, out_scales.data())},
        {DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC,
         memory(memory::desc({1}, memory::data_type::s32, memory::dims{1}), eng, &zero_point)}};
    if (bias)
      args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1,
                   memory(bias_desc(N), eng, const_cast<float*>(bias)));
    cached.matmul.execute(stream, args);
    stream.wait();
  } catch (const dnnl::error& e) {
    ::nn::fail("gemm (int8): oneDNN matmul failed for M=", M, " N=", N, " K=", K, ": ", e.what());
  }
}

}  // namespace nn::kernels
