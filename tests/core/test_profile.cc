// test_profile.cc — the op profiler: call counts, GEMM flops credited to the op that ran the
// GEMM (forward and backward), exclusive time of nested scopes, nothing recorded when disabled.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "core/ops.h"
#include "core/profile.h"

using namespace nn;

namespace {

// The entry named `op` (calls == 0 when absent).
profile::Entry find(const std::string& op) {
  for (const profile::Entry& e : profile::entries())
    if (e.op == op) return e;
  return {};
}

// Turns profiling on for a test and off (and cleared) after it.
struct Recording {
  Recording() {
    profile::reset();
    profile::set_enabled(true);
  }
  ~Recording() {
    profile::set_enabled(false);
    profile::reset();
  }
};

}  // namespace

TEST_CASE("profile: matmul forward and backward flops and calls", "[profile]") {
  const int64_t M = 5, K = 7, N = 3;
  Tensor a = Tensor::uniform({M, K}, 1), b = Tensor::uniform({K, N}, 2);
  a.requires_grad_();
  b.requires_grad_();
  const Recording rec;
  const Tensor c = matmul(a, b);
  sum(c).backward();
  const profile::Entry fwd = find("matmul"), bwd = find("matmul backward");
  CHECK(fwd.calls == 1);
  CHECK(fwd.flops == 2.0 * M * N * K);  // one product
  CHECK(bwd.calls == 1);
  CHECK(bwd.flops == 4.0 * M * N * K);  // dA = dC·Bᵀ and dB = Aᵀ·dC
  CHECK(find("sum").calls == 1);
}

TEST_CASE("profile: nested scopes are exclusive, disabled records nothing", "[profile]") {
  {
    const Recording rec;
    {
      const profile::Scope outer("outer");
      {
        const profile::Scope inner("inner");
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
      }
    }
    const profile::Entry outer = find("outer"), inner = find("inner");
    CHECK(inner.seconds >= 0.025);
    CHECK(outer.seconds < 0.02);  // the inner 30 ms are not counted twice
    CHECK(outer.calls == 1);
    const std::string table = profile::report(1, outer.seconds + inner.seconds);
    CHECK(table.find("inner") != std::string::npos);
  }
  const Tensor x = Tensor::uniform({4, 4}, 3);
  (void)softmax(x);
  CHECK(profile::entries().empty());
}
