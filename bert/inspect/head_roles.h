// head_roles.h — a simple classification of attention heads by where their attention mass goes
// (Clark et al. 2019, "What Does BERT Look At?": heads that attend to the previous or next
// token, to [SEP], to [CLS], or broadly).
//
// For each query row i and key j the probability p[i][j] counts toward exactly one kind of key,
// in this order: [CLS] (key j is a [CLS] token), [SEP] (key j is a [SEP]), self (j = i),
// previous (j = i − 1), next (j = i + 1), other. A head's mass of a kind is that kind's share
// averaged over its query rows (each row sums to 1). Its role is the kind with the most mass
// when that mass is at least `threshold`, else "broad".
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace bert {

// Mean share of a row's attention on each kind of key; the six add up to 1 (rows that see
// nothing aside).
struct AttentionMass {
  double cls = 0, sep = 0, self = 0, previous = 0, next = 0, other = 0;
};

enum class HeadRole { cls, sep, self, previous, next, broad };

struct HeadSummary {
  int64_t layer = 0, head = 0;
  AttentionMass mass;
  HeadRole role = HeadRole::broad;
};

// "[CLS]", "[SEP]", "self", "previous", "next", "broad".
const char* head_role_name(HeadRole role);

// The mass of one head's probabilities p (T×T row-major, query rows) over tokens `ids` (T).
AttentionMass attention_mass(const float* p, const std::vector<int32_t>& ids, int32_t cls_id, int32_t sep_id);

// The role of a head with this mass (see the file comment).
HeadRole head_role(const AttentionMass& mass, double threshold = 0.5);

// Every head of every layer, layer by layer: attentions are L × (B, heads, T, T) (as
// EncoderCapture gives them), read at batch row 0, whose tokens are ids (T).
std::vector<HeadSummary> classify_heads(const std::vector<nn::Tensor>& attentions, const std::vector<int32_t>& ids,
                                        int32_t cls_id, int32_t sep_id, double threshold = 0.5);

}  // namespace bert
