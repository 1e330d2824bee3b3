// clip.h — global-norm gradient clipping over the flat gradient buffer.
#pragma once
#include "nn/module.h"

namespace nn {

// Returns ‖g‖₂ over every gradient; when it exceeds max_norm, scales all gradients by
// max_norm/‖g‖ (PyTorch's clip_grad_norm_, coefficient max_norm/(‖g‖ + 1e-6)). A non-finite
// norm is returned unchanged and nothing is scaled (the caller decides what to do).
double clip_grad_norm(FlatParameters& params, double max_norm);

// ‖g‖₂ over every gradient (sum of squares in double).
double grad_norm(const FlatParameters& params);
// The factor clip_grad_norm scales gradients by: max_norm/(‖g‖ + 1e-6) when that is below 1,
// else 1 (also for a non-finite norm). A trainer passes it to AdamW::step instead of scaling.
float clip_coefficient(double norm, double max_norm);

}  // namespace nn
