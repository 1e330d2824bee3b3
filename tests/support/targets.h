// targets.h — runs a test body once per Highway target compiled in and supported here.
#pragma once
#include <catch2/catch.hpp>
#include <hwy/targets.h>

#include <cstdint>
#include <vector>

namespace nn::testing {

// Runs body() once per compiled-and-supported target, forcing dynamic dispatch to it; the
// default choice is restored afterwards, also when body() throws.
template <class Body>
void for_each_target(const Body& body) {
  struct Reset {
    ~Reset() { hwy::SetSupportedTargetsForTest(0); }
  } reset;
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  REQUIRE(!targets.empty());
  for (int64_t t : targets) {
    hwy::SetSupportedTargetsForTest(t);
    INFO("Highway target " << hwy::TargetName(t));
    body();
  }
}

}  // namespace nn::testing
