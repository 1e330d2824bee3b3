// cli.h — the small command-line parser shared by the apps: --name value options, --flags,
// positional arguments, usage errors, and the common "error: …" exit path.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/kernels/gemm.h"
#include "nn/dist/communicator.h"

namespace cli {

// Thrown for a usage mistake; main() prints the message and the usage, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // Parses argv against the known value options and flags (names with leading "--").
  Args(int argc, char** argv, const std::set<std::string>& value_options, const std::set<std::string>& flags) {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--help" || a == "-h") { help_ = true; continue; }
      if (a.rfind("--", 0) == 0 && a.size() > 2) {
        std::string value;
        const size_t eq = a.find('=');
        const bool inline_value = eq != std::string::npos;
        if (inline_value) { value = a.substr(eq + 1); a = a.substr(0, eq); }
        if (flags.count(a)) {
          if (inline_value) throw UsageError(a + " takes no value");
          flags_.insert(a);
        } else if (value_options.count(a)) {
          if (!inline_value) {
            if (i + 1 >= argc) throw UsageError(a + " needs a value");
            value = argv[++i];
          }
          values_[a].push_back(value);
        } else {
          throw UsageError("unknown option " + a);
        }
      } else {
        positional_.push_back(a);
      }
    }
  }
  bool help() const { return help_; }
  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  // The last value given for an option, or `fallback`.
  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second.back();
  }
  // Every value given for a repeatable option.
  std::vector<std::string> all(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
  }
  // An integer option in [lo, hi].
  long long get_int(const std::string& name, long long fallback, long long lo, long long hi) const {
    if (!has(name)) return fallback;
    const std::string s = get(name);
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || v < lo || v > hi)
      throw UsageError(name + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + s + "'");
    return v;
  }
  // A floating-point option in [lo, hi].
  double get_double(const std::string& name, double fallback, double lo, double hi) const {
    if (!has(name)) return fallback;
    const std::string s = get(name);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !(v >= lo && v <= hi))
      throw UsageError(name + " must be a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + s + "'");
    return v;
  }
  const std::vector<std::string>& positional() const { return positional_; }
  // The names of every option and flag given, sorted.
  std::vector<std::string> given() const {
    std::set<std::string> names(flags_);
    for (const auto& [name, values] : values_) names.insert(name);
    return {names.begin(), names.end()};
  }

 private:
  bool help_ = false;
  std::set<std::string> flags_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// The value of option `name` (or `fallback`) read by `parse`; an error `parse` throws for it (an
// unknown name, say) is a usage error naming the option.
template <class F>
auto parse_value(const Args& args, const std::string& name, const std::string& fallback, F&& parse) {
  const std::string value = args.get(name, fallback);
  try {
    return parse(value);
  } catch (const std::exception& e) {
    throw UsageError(name + ": " + e.what());
  }
}

// --precision of a training app: fp32 or bf16; int8 (inference only) is a usage error.
inline nn::kernels::GemmPrecision training_precision(const Args& args) {
  return parse_value(args, "--precision", "fp32", [](const std::string& s) {
    const nn::kernels::GemmPrecision precision = nn::kernels::parse_gemm_precision(s);
    if (precision == nn::kernels::GemmPrecision::kInt8)
      throw std::runtime_error("int8 is for inference only (generate, evaluate, classify); train in fp32 or bf16");
    return precision;
  });
}

// Runs body(), mapping a UsageError to "error: … + usage" (exit 2) and any other exception to
// "error: …" (exit 1). One rank of several that fails ends them all (nn::dist::abort_if_distributed),
// so the others do not wait for it until their collective timeout.
template <class F>
int run(const char* usage, F&& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "error: %s\n%s", e.what(), usage);
    nn::dist::abort_if_distributed(e.what(), 2);
    return 2;
  } catch (const std::exception& e) {
    nn::dist::abort_if_distributed(e.what(), 1);
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

}  // namespace cli
