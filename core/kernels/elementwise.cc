// kernels/elementwise.cc — Highway SIMD loops for the elementwise kernels (compiled once per
// x86 target and picked at run time), and the plain C++ drivers that split the work over
// OpenMP threads and walk broadcast strides.
//
// Each SIMD loop handles whole vectors and then the last partial vector through a small padded
// buffer (never reading or writing past the arrays). The drivers (under HWY_ONCE) own all the
// threading, so the per-target code stays serial.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/kernels/elementwise.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "core/kernels/elementwise.h"
#include "core/kernels/parallel.h"

HWY_BEFORE_NAMESPACE();
namespace nn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

constexpr size_t kMaxLanes = HWY_MAX_BYTES / sizeof(float);

// out[i] = f(x[i]) for n elements; the tail goes through a zero-padded buffer.
template <class F>
HWY_INLINE void Map1(const float* x, float* out, int64_t n, const F& f) {
  const D d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(f(d, hn::LoadU(d, x + i)), d, out + i);
  if (i == n) return;
  HWY_ALIGN float buf[kMaxLanes] = {};
  const size_t rest = static_cast<size_t>(n - i);
  std::memcpy(buf, x + i, rest * sizeof(float));
  hn::Store(f(d, hn::Load(d, buf)), d, buf);
  std::memcpy(out + i, buf, rest * sizeof(float));
}

// out[i] = f(a[i], b[i]) for n elements; the tail goes through zero-padded buffers.
template <class F>
HWY_INLINE void Map2(const float* a, const float* b, float* out, int64_t n, const F& f) {
  const D d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(f(d, hn::LoadU(d, a + i), hn::LoadU(d, b + i)), d, out + i);
  if (i == n) return;
  HWY_ALIGN float buf_a[kMaxLanes] = {};
  HWY_ALIGN float buf_b[kMaxLanes] = {};
  const size_t rest = static_cast<size_t>(n - i);
  std::memcpy(buf_a, a + i, rest * sizeof(float));
  std::memcpy(buf_b, b + i, rest * sizeof(float));
  hn::Store(f(d, hn::Load(d, buf_a), hn::Load(d, buf_b)), d, buf_a);
  std::memcpy(out + i, buf_a, rest * sizeof(float));
}

template <Binary kOp>
HWY_INLINE V Apply(V a, V b) {
  if constexpr (kOp == Binary::Add) return hn::Add(a, b);
  if constexpr (kOp == Binary::Sub) return hn::Sub(a, b);
  if constexpr (kOp == Binary::Mul) return hn::Mul(a, b);
  if constexpr (kOp == Binary::Div) return hn::Div(a, b);
}

// Calls body(std::integral_constant<Binary, op>) so each op gets its own compiled loop.
template <class Body>
HWY_INLINE void WithBinary(Binary op, const Body& body) {
  switch (op) {
    case Binary::Add: return body(std::integral_constant<Binary, Binary::Add>());
    case Binary::Sub: return body(std::integral_constant<Binary, Binary::Sub>());
    case Binary::Mul: return body(std::integral_constant<Binary, Binary::Mul>());
    case Binary::Div: return body(std::integral_constant<Binary, Binary::Div>());
  }
}

void BinaryImpl(Binary op, const float* a, const float* b, float* out, int64_t n) {
  WithBinary(op, [&](auto k) {
    Map2(a, b, out, n, [](D, V va, V vb) { return Apply<decltype(k)::value>(va, vb); });
  });
}

void BinaryScalarImpl(Binary op, const float* a, float s, float* out, int64_t n) {
  WithBinary(op, [&](auto k) {
    Map1(a, out, n, [s](D d, V va) { return Apply<decltype(k)::value>(va, hn::Set(d, s)); });
  });
}

void ScalarBinaryImpl(Binary op, float s, const float* a, float* out, int64_t n) {
  WithBinary(op, [&](auto k) {
    Map1(a, out, n, [s](D d, V va) { return Apply<decltype(k)::value>(hn::Set(d, s), va); });
  });
}

void AxpyImpl(float* y, float alpha, const float* x, int64_t n) {
  Map2(x, y, y, n, [alpha](D d, V vx, V vy) { return hn::MulAdd(hn::Set(d, alpha), vx, vy); });
}

// e^x, with x > ln(FLT_MAX) → +inf and NaN → NaN (Highway's Exp is defined for x ≤ 104 only).
HWY_INLINE V ExpIeee(D d, V x) {
  const V y = hn::Exp(d, x);
  const V inf = hn::Set(d, std::numeric_limits<float>::infinity());
  const V big = hn::IfThenElse(hn::Gt(x, hn::Set(d, 88.7228394f)), inf, y);
  return hn::IfThenElse(hn::IsNaN(x), x, big);
}

// ln x, with ln 0 = −inf, ln(+inf) = +inf and x < 0 or NaN → NaN (Highway's Log wants x in
// (0, FLT_MAX]).
HWY_INLINE V LogIeee(D d, V x) {
  const V inf = hn::Set(d, std::numeric_limits<float>::infinity());
  V y = hn::Log(d, x);
  y = hn::IfThenElse(hn::Eq(x, hn::Zero(d)), hn::Neg(inf), y);
  y = hn::IfThenElse(hn::Eq(x, inf), inf, y);
  return hn::IfThenElse(hn::Ge(x, hn::Zero(d)), y, hn::Set(d, std::numeric_limits<float>::quiet_NaN()));
}

// tanh x, NaN → NaN.
HWY_INLINE V TanhIeee(D d, V x) { return hn::IfThenElse(hn::IsNaN(x), x, hn::Tanh(d, x)); }

// e^y for y ≤ 0 (GELU's −x²/2), cheaper than the general Exp: e^y = 2^n·p(r) with
// n = round(y/ln 2), r = y − n·ln 2 ∈ [−ln2/2, ln2/2] (ln 2 split in two so n·ln2_hi is exact),
// p our degree-6 fit of e^r (≤ 2e-9 relative), 2^n added straight into the exponent bits.
// y < −86 gives 0 (true values below 4.5e-38, where fp32 turns denormal).
HWY_INLINE V ExpNonPositive(D d, V y) {
  const hn::RebindToSigned<D> di;
  const V kLimit = hn::Set(d, -86.0f);
  const V kRound = hn::Set(d, 12582912.0f);  // 1.5·2^23: y/ln2 + kRound holds round(y/ln2) in its low bits
  const V yc = hn::Max(y, kLimit);
  const V t = hn::MulAdd(yc, hn::Set(d, 1.44269504088896341f), kRound);
  const V n = hn::Sub(t, kRound);
  V r = hn::MulAdd(n, hn::Set(d, -0.693145751953125f), yc);
  r = hn::MulAdd(n, hn::Set(d, -1.42860682030941723e-6f), r);
  V p = hn::Set(d, 0.00138436518f);
  p = hn::MulAdd(p, r, hn::Set(d, 0.00837415572f));
  p = hn::MulAdd(p, r, hn::Set(d, 0.0416680021f));
  p = hn::MulAdd(p, r, hn::Set(d, 0.166664313f));
  p = hn::MulAdd(p, r, hn::Set(d, 0.499999942f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.00000003f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f));
  const auto two_n = hn::ShiftLeft<23>(hn::BitCast(di, t));  // n in the exponent field
  const V e = hn::BitCast(d, hn::Add(hn::BitCast(di, p), two_n));
  return hn::IfThenZeroElse(hn::Lt(y, kLimit), e);
}

// The two pieces GELU forward and backward share, for the standard normal N(0,1):
//   tail  = Φ(−|x|) = erfc(a)/2 with a = |x|/√2, and  gauss = e^{−x²/2} (= √(2π)·φ(x)).
// erfc(a) = e^{−a²}·t·Q(t) with t = 1/(1 + a/2) ∈ (0, 1]; Q is our degree-8 fit (weighted least
// squares in relative error over a ∈ [0, 10]; Q(0) → 1/(2√π) as a → ∞): ≤ 4.3e-8 relative in
// exact arithmetic; GELU as a whole measures ≤ 3.4 ulp in fp32. Unlike erf = 1 − (…) forms
// (e.g. Abramowitz–Stegun 7.1.26, absolute error only), this keeps Φ relatively accurate in the
// negative tail where GELU's output is tiny.
HWY_INLINE V NormalTail(D d, V x, V& gauss) {
  const V one = hn::Set(d, 1.0f);
  const V a = hn::Mul(hn::Abs(x), hn::Set(d, 0.707106781186547524f));
  const V t = hn::Div(one, hn::MulAdd(a, hn::Set(d, 0.5f), one));
  gauss = ExpNonPositive(d, hn::Mul(hn::Mul(x, x), hn::Set(d, -0.5f)));
  V q = hn::Set(d, -0.0590692157f);
  q = hn::MulAdd(q, t, hn::Set(d, 0.284576169f));
  q = hn::MulAdd(q, t, hn::Set(d, -0.4872023f));
  q = hn::MulAdd(q, t, hn::Set(d, 0.278069788f));
  q = hn::MulAdd(q, t, hn::Set(d, -0.026627385f));
  q = hn::MulAdd(q, t, hn::Set(d, 0.202687554f));
  q = hn::MulAdd(q, t, hn::Set(d, 0.243103601f));
  q = hn::MulAdd(q, t, hn::Set(d, 0.282375329f));
  q = hn::MulAdd(q, t, hn::Set(d, 0.282086417f));
  return hn::Mul(hn::Mul(hn::Mul(gauss, hn::Set(d, 0.5f)), t), q);
}

// Φ(x) from tail = Φ(−|x|): Φ(x) = 1 − tail for x > 0.
HWY_INLINE V NormalCdf(D d, V x, V tail) {
  return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), hn::Sub(hn::Set(d, 1.0f), tail), tail);
}

// GELU(x) = x·Φ(x).
HWY_INLINE V Gelu(D d, V x) {
  V gauss;
  const V tail = NormalTail(d, x, gauss);
  return hn::Mul(x, NormalCdf(d, x, tail));
}

void UnaryImpl(Unary op, const float* x, float* y, int64_t n) {
  switch (op) {
    case Unary::Neg: return Map1(x, y, n, [](D, V v) { return hn::Neg(v); });
    case Unary::Exp: return Map1(x, y, n, [](D d, V v) { return ExpIeee(d, v); });
    case Unary::Log: return Map1(x, y, n, [](D d, V v) { return LogIeee(d, v); });
    case Unary::Sqrt: return Map1(x, y, n, [](D, V v) { return hn::Sqrt(v); });
    case Unary::Tanh: return Map1(x, y, n, [](D d, V v) { return TanhIeee(d, v); });
    // x < 0 ? 0 : x keeps NaN (Max(x, 0) would turn it into 0).
    case Unary::Relu: return Map1(x, y, n, [](D d, V v) { return hn::IfThenZeroElse(hn::Lt(v, hn::Zero(d)), v); });
    case Unary::Gelu: return Map1(x, y, n, [](D d, V v) { return Gelu(d, v); });
  }
}

void GeluBackwardImpl(const float* x, const float* gy, float* gx, int64_t n) {
  Map2(x, gy, gx, n, [](D d, V vx, V vg) {
    V gauss;
    const V tail = NormalTail(d, vx, gauss);
    // d/dx x·Φ(x) = Φ(x) + x·φ(x),  φ(x) = e^{−x²/2}/√(2π).
    const V pdf = hn::Mul(gauss, hn::Set(d, 0.398942280401432678f));
    return hn::Mul(vg, hn::MulAdd(vx, pdf, NormalCdf(d, vx, tail)));
  });
}

void TanhBackwardImpl(const float* y, const float* gy, float* gx, int64_t n) {
  Map2(y, gy, gx, n, [](D d, V vy, V vg) {
    return hn::Mul(vg, hn::NegMulAdd(vy, vy, hn::Set(d, 1.0f)));  // gy·(1 − y²)
  });
}

void ReluBackwardImpl(const float* x, const float* gy, float* gx, int64_t n) {
  Map2(x, gy, gx, n, [](D d, V vx, V vg) { return hn::IfThenElseZero(hn::Gt(vx, hn::Zero(d)), vg); });
}

}  // namespace HWY_NAMESPACE
}  // namespace nn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace nn::kernels {

HWY_EXPORT(BinaryImpl);
HWY_EXPORT(BinaryScalarImpl);
HWY_EXPORT(ScalarBinaryImpl);
HWY_EXPORT(AxpyImpl);
HWY_EXPORT(UnaryImpl);
HWY_EXPORT(GeluBackwardImpl);
HWY_EXPORT(TanhBackwardImpl);
HWY_EXPORT(ReluBackwardImpl);

namespace {

// Elements per parallel chunk: 64 KiB of floats, large enough that a chunk amortises its
// dispatch and small enough that two threads split a BERT-sized tensor evenly.
constexpr int64_t kGrain = 1 << 14;

// Runs body(begin, end) over [0, n) in chunks, threaded when n is large enough.
template <class Body>
void for_chunks(int64_t n, const Body& body) {
  parallel_chunks(n, kGrain, n, kMinParallelWork, body);
}

float apply_scalar(Binary op, float a, float b) {
  switch (op) {
    case Binary::Add: return a + b;
    case Binary::Sub: return a - b;
    case Binary::Mul: return a * b;
    case Binary::Div: return a / b;
  }
  return 0.f;
}

// One dim of a broadcast walk: its size and the element strides of a and b along it.
struct BroadcastDim {
  int64_t size, sa, sb;
};

// Drops size-1 dims and merges neighbours that step through both inputs like one longer dim,
// so a same-shape op becomes one flat run and a bias add becomes (rows, cols).
std::vector<BroadcastDim> coalesce(std::span<const int64_t> a_strides,
                                   std::span<const int64_t> b_strides,
                                   std::span<const int64_t> shape) {
  std::vector<BroadcastDim> dims;  // outermost first
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    const BroadcastDim cur{shape[d], a_strides[d], b_strides[d]};
    if (!dims.empty()) {
      BroadcastDim& prev = dims.back();
      if (prev.sa == cur.sa * cur.size && prev.sb == cur.sb * cur.size) {
        prev = BroadcastDim{prev.size * cur.size, cur.sa, cur.sb};
        continue;
      }
    }
    dims.push_back(cur);
  }
  return dims;
}

// out[0..len) = a op b along one innermost run with element strides sa, sb.
void binary_run(Binary op, const float* a, int64_t sa, const float* b, int64_t sb, float* out,
                int64_t len) {
  if (sa == 1 && sb == 1) return HWY_DYNAMIC_DISPATCH(BinaryImpl)(op, a, b, out, len);
  if (sa == 1 && sb == 0) return HWY_DYNAMIC_DISPATCH(BinaryScalarImpl)(op, a, *b, out, len);
  if (sa == 0 && sb == 1) return HWY_DYNAMIC_DISPATCH(ScalarBinaryImpl)(op, *a, b, out, len);
  for (int64_t i = 0; i < len; ++i) out[i] = apply_scalar(op, a[i * sa], b[i * sb]);
}

}  // namespace

void add_inplace(float* y, const float* x, int64_t n) {
  for_chunks(n, [&](int64_t lo, int64_t hi) {
    HWY_DYNAMIC_DISPATCH(BinaryImpl)(Binary::Add, y + lo, x + lo, y + lo, hi - lo);
  });
}

void axpy(float* y, float alpha, const float* x, int64_t n) {
  for_chunks(n, [&](int64_t lo, int64_t hi) { HWY_DYNAMIC_DISPATCH(AxpyImpl)(y + lo, alpha, x + lo, hi - lo); });
}

void binary(Binary op, const float* a, const float* b, float* out, int64_t n) {
  for_chunks(n, [&](int64_t lo, int64_t hi) {
    HWY_DYNAMIC_DISPATCH(BinaryImpl)(op, a + lo, b + lo, out + lo, hi - lo);
  });
}

void binary_scalar(Binary op, const float* a, float s, float* out, int64_t n) {
  for_chunks(n, [&](int64_t lo, int64_t hi) {
    HWY_DYNAMIC_DISPATCH(BinaryScalarImpl)(op, a + lo, s, out + lo, hi - lo);
  });
}

void scalar_binary(Binary op, float s, const float* a, float* out, int64_t n) {
  for_chunks(n, [&](int64_t lo, int64_t hi) {
    HWY_DYNAMIC_DISPATCH(ScalarBinaryImpl)(op, s, a + lo, out + lo, hi - lo);
  });
}

void binary_broadcast(Binary op, const float* a, std::span<const int64_t> a_strides,
                      const float* b, std::span<const int64_t> b_strides, float* out,
                      std::span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  if (n == 0) return;
  const std::vector<BroadcastDim> dims = coalesce(a_strides, b_strides, shape);
  if (dims.empty()) {  // a single element
    out[0] = apply_scalar(op, *a, *b);
    return;
  }
  // Work items: each innermost run (a "row" of the coalesced shape) cut into pieces of kGrain.
  const BroadcastDim inner = dims.back();
  const int64_t pieces = (inner.size + kGrain - 1) / kGrain;
  const int64_t rows = n / inner.size;
  // Items per parallel chunk: about kGrain elements each, so short rows are batched.
  const int64_t items_per_chunk = std::max<int64_t>(1, kGrain / std::min(inner.size, kGrain));
  parallel_chunks(rows * pieces, items_per_chunk, n, kMinParallelWork, [&](int64_t lo, int64_t hi) {
    for (int64_t item = lo; item < hi; ++item) {
      int64_t row = item / pieces;
      const int64_t start = (item % pieces) * kGrain;
      const int64_t len = std::min(kGrain, inner.size - start);
      int64_t oa = start * inner.sa, ob = start * inner.sb;
      for (size_t d = dims.size() - 1; d-- > 0;) {  // row index → offsets, innermost first
        const int64_t idx = row % dims[d].size;
        row /= dims[d].size;
        oa += idx * dims[d].sa;
        ob += idx * dims[d].sb;
      }
      binary_run(op, a + oa, inner.sa, b + ob, inner.sb, out + (item / pieces) * inner.size + start, len);
    }
  });
}

void unary(Unary op, const float* x, float* y, int64_t n) {
  for_chunks(n, [&](int64_t lo, int64_t hi) { HWY_DYNAMIC_DISPATCH(UnaryImpl)(op, x + lo, y + lo, hi - lo); });
}

void gelu_backward(const float* x, const float* gy, float* gx, int64_t n) {
  for_chunks(n, [&](int64_t lo, int64_t hi) {
    HWY_DYNAMIC_DISPATCH(GeluBackwardImpl)(x + lo, gy + lo, gx + lo, hi - lo);
  });
}

void tanh_backward(const float* y, const float* gy, float* gx, int64_t n) {
  for_chunks(n, [&](int64_t lo, int64_t hi) {
    HWY_DYNAMIC_DISPATCH(TanhBackwardImpl)(y + lo, gy + lo, gx + lo, hi - lo);
  });
}

void relu_backward(const float* x, const float* gy, float* gx, int64_t n) {
  for_chunks(n, [&](int64_t lo, int64_t hi) {
    HWY_DYNAMIC_DISPATCH(ReluBackwardImpl)(x + lo, gy + lo, gx + lo, hi - lo);
  });
}

}  // namespace nn::kernels
#endif  // HWY_ONCE
