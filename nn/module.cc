// module.cc — parameter registry, modes and the flat parameter buffer.
#include "nn/module.h"

#include <algorithm>
#include <cstring>

namespace nn {

void Module::register_parameter(const std::string& name, Tensor& member) {
  NN_CHECK(member.defined(), "register_parameter: '", name, "' is undefined");
  member.requires_grad_();
  params_.emplace_back(name, &member);
}

void Module::register_module(const std::string& name, Module& child) {
  children_.emplace_back(name, &child);
}

std::vector<NamedParameter> Module::named_parameters(const std::string& prefix) const {
  std::vector<NamedParameter> out;
  for (const auto& [name, t] : params_) out.push_back({prefix + name, t});
  for (const auto& [name, child] : children_) {
    std::vector<NamedParameter> sub = child->named_parameters(prefix + name + ".");
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const NamedParameter& p : named_parameters()) n += p.tensor->numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::zero_grad() {
  if (flat_) {
    std::memset(flat_->grads.data(), 0, static_cast<size_t>(flat_->grads.numel()) * sizeof(float));
    return;
  }
  for (const NamedParameter& p : named_parameters()) p.tensor->zero_grad();
}

FlatParameters& Module::flatten_parameters(const std::function<bool(const std::string&)>& no_decay) {
  NN_CHECK(!flat_, "flatten_parameters: parameters are already flat");
  std::vector<NamedParameter> params = named_parameters();
  // Decayed parameters first, then the rest; registration order within each group.
  std::stable_partition(params.begin(), params.end(),
                        [&](const NamedParameter& p) { return !no_decay(p.name); });
  int64_t total = 0;
  for (const NamedParameter& p : params) total += p.tensor->numel();
  auto flat = std::make_unique<FlatParameters>();
  flat->values = Tensor::empty({total});
  flat->grads = Tensor::zeros({total});
  int64_t offset = 0;
  for (const NamedParameter& p : params) {
    Tensor& t = *p.tensor;
    const bool decay = !no_decay(p.name);
    if (flat->groups.empty() || flat->groups.back().decay != decay)
      flat->groups.push_back({offset, 0, decay});
    flat->groups.back().size += t.numel();
    const std::vector<float> values = t.to_vector();
    std::copy(values.begin(), values.end(), flat->values.data() + offset);
    const Shape shape = t.shape();
    t = make_view(flat->values, shape, contiguous_strides(shape), offset);
    t.requires_grad_();
    t.set_grad(make_view(flat->grads, shape, contiguous_strides(shape), offset));
    offset += t.numel();
  }
  flat_ = std::move(flat);
  return *flat_;
}

bool is_no_decay_parameter(const std::string& name) {
  return name.find("bias") != std::string::npos || name.find("LayerNorm.weight") != std::string::npos;
}

}  // namespace nn
