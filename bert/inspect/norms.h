// norms.h — the Euclidean norm of each token's hidden state through the layers: how the
// residual stream grows or is held in check by the post-LN blocks (each LayerNorm output has
// norm ≈ √H·rms(γ) before its bias), and which tokens stand out (often [CLS] and [SEP]).
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace bert {

// norms[s][t] = ‖hidden_states[s][batch_row, t, :]‖₂ for each hidden state s ((B,T,H) each, as
// EncoderCapture gives them) and token t.
std::vector<std::vector<float>> hidden_state_norms(const std::vector<nn::Tensor>& hidden_states, int64_t batch_row = 0);

}  // namespace bert
