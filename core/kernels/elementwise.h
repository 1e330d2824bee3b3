// kernels/elementwise.h — SIMD (Highway, dynamic dispatch) + OpenMP elementwise kernels on
// dense float arrays: binary ops (equal length, with a scalar, or numpy-broadcast through
// strides), unary forward ops, and the fused backward kernels of the activations.
//
// Every array of "n elements" is dense. Outputs may alias an input of the same layout (in-place).
// Results never depend on the thread count (each element is computed independently).
#pragma once
#include <cstdint>
#include <span>

namespace nn::kernels {

enum class Binary { Add, Sub, Mul, Div };
enum class Unary { Neg, Exp, Log, Sqrt, Tanh, Relu, Gelu };

// y[i] += x[i] (n elements; the autograd engine's gradient accumulation).
void add_inplace(float* y, const float* x, int64_t n);
// y[i] += alpha·x[i] (n elements).
void axpy(float* y, float alpha, const float* x, int64_t n);

// out[i] = a[i] op b[i] (n elements).
void binary(Binary op, const float* a, const float* b, float* out, int64_t n);
// out[i] = a[i] op s (n elements).
void binary_scalar(Binary op, const float* a, float s, float* out, int64_t n);
// out[i] = s op a[i] (n elements).
void scalar_binary(Binary op, float s, const float* a, float* out, int64_t n);
// out = a op b with numpy broadcasting: out is dense with `shape`; a and b are read through
// per-dim element strides of that shape (0 on a dim they are broadcast along; any stride, so
// transposed views need no copy). Dims are coalesced; the innermost run goes to the SIMD loop
// of its strides (both dense: bias add; one stride 0: a row or column scalar), else to a
// scalar strided loop.
void binary_broadcast(Binary op, const float* a, std::span<const int64_t> a_strides,
                      const float* b, std::span<const int64_t> b_strides, float* out,
                      std::span<const int64_t> shape);

// y[i] = f(x[i]) (n elements). Exp/Log/Tanh follow std:: at the edges (overflow to inf,
// log(0) = −inf, log(<0) = NaN, NaN in → NaN out). Gelu is the erf form x·Φ(x), Φ the standard
// normal CDF: within 4 ulp relative everywhere, the negative tail included (plus the rounding
// of −x²/2 there: 2e-6 relative at x = −8, where GELU is −5e-15); below x ≈ −13.1, where
// |GELU| < 1e-36, it returns 0.
void unary(Unary op, const float* x, float* y, int64_t n);

// gx[i] = gy[i]·(Φ(x) + x·φ(x)) with φ the standard normal density (d gelu / dx).
void gelu_backward(const float* x, const float* gy, float* gx, int64_t n);
// gx[i] = gy[i]·(1 − y[i]²) with y = tanh(x) the forward output.
void tanh_backward(const float* y, const float* gy, float* gx, int64_t n);
// gx[i] = gy[i] where x[i] > 0, else 0.
void relu_backward(const float* x, const float* gy, float* gx, int64_t n);

}  // namespace nn::kernels
