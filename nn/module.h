// module.h — nn::Module, the base of every layer and model: hierarchical parameter names
// ("encoder.layer.0.attention.self.query.weight"), train/eval mode, parameter iteration,
// zero_grad, and the one contiguous parameter buffer.
//
// Like HuggingFace's modules, a member's registered name *is* its checkpoint name, so saving and
// loading is a walk over named_parameters(), not a mapping table. Modules register their
// parameters (Tensor members) and children (Module members) in their constructor; a Module is
// neither copyable nor movable because the registry points at its members.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace nn {

// A parameter's full dotted name and the Tensor member that holds it.
struct NamedParameter {
  std::string name;
  Tensor* tensor;
};

// One contiguous range of the flat parameter buffer with its weight decay.
struct ParameterGroup {
  int64_t offset = 0;
  int64_t size = 0;
  bool decay = true;  // false for biases and LayerNorm weights
};

// All parameters of a model in one buffer (and their gradients in another), grouped so that
// decayed parameters and non-decayed ones each form one contiguous range.
struct FlatParameters {
  Tensor values;  // (total)
  Tensor grads;   // (total)
  std::vector<ParameterGroup> groups;
};

class Module {
 public:
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  virtual ~Module() = default;

  // Every parameter, depth-first in registration order, named with `prefix` + dotted path.
  std::vector<NamedParameter> named_parameters(const std::string& prefix = "") const;
  // Total number of parameter elements.
  int64_t num_parameters() const;
  // Sets training mode on this module and every descendant (dropout is active in training).
  void train(bool on = true);
  // Same as train(false).
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Zeroes every parameter's gradient (keeps the buffers).
  void zero_grad();
  // Moves every parameter into one contiguous buffer (values copied), with gradients in a second
  // buffer; parameters for which `no_decay(name)` is true are placed after the decayed ones.
  // After this, each parameter Tensor is a view into the buffer. Call once, before training.
  FlatParameters& flatten_parameters(const std::function<bool(const std::string&)>& no_decay);
  // The flat buffer, or nullptr before flatten_parameters().
  FlatParameters* flat_parameters() const { return flat_.get(); }

 protected:
  // Registers a Tensor member as parameter `name` and marks it requires_grad.
  void register_parameter(const std::string& name, Tensor& member);
  // Registers a Module member as child `name`.
  void register_module(const std::string& name, Module& child);

 private:
  std::vector<std::pair<std::string, Tensor*>> params_;
  std::vector<std::pair<std::string, Module*>> children_;
  bool training_ = true;
  std::unique_ptr<FlatParameters> flat_;
};

// HF's no-decay rule: biases and LayerNorm weights ("bias", "LayerNorm.weight" in the name).
bool is_no_decay_parameter(const std::string& name);

}  // namespace nn
