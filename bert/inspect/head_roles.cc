// head_roles.cc — attention mass by kind of key, and the role of each head.
#include "bert/inspect/head_roles.h"

#include "core/error.h"
#include "core/ops.h"

namespace bert {

const char* head_role_name(HeadRole role) {
  switch (role) {
    case HeadRole::cls: return "[CLS]";
    case HeadRole::sep: return "[SEP]";
    case HeadRole::self: return "self";
    case HeadRole::previous: return "previous";
    case HeadRole::next: return "next";
    case HeadRole::broad: return "broad";
  }
  return "broad";
}

AttentionMass attention_mass(const float* p, const std::vector<int32_t>& ids, int32_t cls_id, int32_t sep_id) {
  const int64_t T = static_cast<int64_t>(ids.size());
  AttentionMass m;
  int64_t rows = 0;
  for (int64_t i = 0; i < T; ++i) {
    const float* row = p + i * T;
    double total = 0;
    for (int64_t j = 0; j < T; ++j) total += row[j];
    if (total <= 0) continue;  // a row that sees no key
    ++rows;
    for (int64_t j = 0; j < T; ++j) {
      const double x = row[j] / total;
      const int32_t id = ids[static_cast<size_t>(j)];
      if (id == cls_id) m.cls += x;
      else if (id == sep_id) m.sep += x;
      else if (j == i) m.self += x;
      else if (j == i - 1) m.previous += x;
      else if (j == i + 1) m.next += x;
      else m.other += x;
    }
  }
  if (rows > 0)
    for (double* x : {&m.cls, &m.sep, &m.self, &m.previous, &m.next, &m.other}) *x /= static_cast<double>(rows);
  return m;
}

HeadRole head_role(const AttentionMass& m, double threshold) {
  HeadRole best = HeadRole::cls;
  double most = m.cls;
  const std::pair<HeadRole, double> kinds[] = {
      {HeadRole::sep, m.sep}, {HeadRole::self, m.self}, {HeadRole::previous, m.previous}, {HeadRole::next, m.next}};
  for (const auto& [role, mass] : kinds)
    if (mass > most) best = role, most = mass;
  return most >= threshold ? best : HeadRole::broad;
}

std::vector<HeadSummary> classify_heads(const std::vector<nn::Tensor>& attentions, const std::vector<int32_t>& ids,
                                        int32_t cls_id, int32_t sep_id, double threshold) {
  const int64_t T = static_cast<int64_t>(ids.size());
  std::vector<HeadSummary> heads;
  for (size_t l = 0; l < attentions.size(); ++l) {
    const nn::Tensor& a = attentions[l];
    NN_CHECK(a.defined() && a.dim() == 4 && a.size(2) == T && a.size(3) == T, "classify_heads: attention of layer ",
             l, " must be (B, heads, ", T, ", ", T, ") for ", T, " tokens, got ",
             a.defined() ? a.shape() : nn::Shape{});
    const nn::Tensor row0 = nn::slice(a, 0, 0, 1).contiguous();
    const float* p = row0.data();
    for (int64_t h = 0; h < a.size(1); ++h) {
      HeadSummary s{static_cast<int64_t>(l), h, attention_mass(p + h * T * T, ids, cls_id, sep_id), HeadRole::broad};
      s.role = head_role(s.mass, threshold);
      heads.push_back(s);
    }
  }
  return heads;
}

}  // namespace bert
