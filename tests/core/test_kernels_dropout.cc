// test_kernels_dropout.cc — kernels::dropout_rows against the scalar definition of the mask
// (element e dropped iff uniform_at(seed, e) < p, core/rng.cc), element by element and bit for
// bit, on every compiled Highway target: any offset into the stream, lengths that are not
// multiples of the vector or of 4, probabilities on and off the 2⁻²⁴ grid, in place.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/kernels/dropout.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "tests/support/targets.h"

using nn::testing::for_each_target;

namespace {

// The definition: in[j]·(1/(1 − p)), or 0 where uniform_at(seed, first + j) < p.
std::vector<float> reference(const std::vector<float>& in, float p, uint64_t seed, uint64_t first) {
  const float scale = 1.f / (1.f - p);
  std::vector<float> out(in.size());
  for (size_t j = 0; j < in.size(); ++j) out[j] = nn::uniform_at(seed, first + j) < p ? 0.f : in[j] * scale;
  return out;
}

// The first element of stream 42 with a uniform in (0, 0.25): there a float step is finer
// than 2⁻²⁴, so p = the next float above it has p·2²⁴ off the integer grid.
uint64_t boundary_element() {
  uint64_t e = 0;
  while (!(nn::uniform_at(42, e) > 0.f && nn::uniform_at(42, e) < 0.25f)) ++e;
  return e;
}

}  // namespace

TEST_CASE("dropout_rows equals the scalar mask definition bit for bit on every target", "[dropout][kernels]") {
  const std::vector<float> x = nn::Tensor::uniform({1000}, 1, -2.f, 2.f).to_vector();
  const uint64_t seeds[] = {0, 42, 0xFEDCBA9876543210ull};
  // The last offset puts counter 2³² (low word wrapping, carry into the high word) mid-vector.
  const uint64_t firsts[] = {0, 1, 2, 3, 5, 4 * 0xFFFFFFFDull + 1};
  const int64_t lengths[] = {0, 1, 3, 67, 1000};
  // p·2²⁴ an integer (0.5, 0.25, 3·2⁻²⁴) or not (0.1, 0.3, 0.999); 0 drops nothing.
  std::vector<float> ps{0.f, 0.1f, 0.25f, 0.3f, 0.5f, 0.999f, 3.f / 16777216.f};
  // p exactly equal to one element's uniform (kept: u < p is false), and the floats either side.
  const float u = nn::uniform_at(42, boundary_element());
  ps.insert(ps.end(), {u, std::nextafter(u, 0.f), std::nextafter(u, 1.f)});
  for_each_target([&] {
    for (const uint64_t seed : seeds)
      for (const uint64_t first : firsts)
        for (const float p : ps)
          for (const int64_t n : lengths) {
            INFO("seed " << seed << " first " << first << " p " << p << " n " << n);
            const std::vector<float> in(x.begin(), x.begin() + n), want = reference(in, p, seed, first);
            std::vector<float> out(in.size(), -1.f);
            nn::kernels::dropout_rows(in.data(), out.data(), n, p, seed, first);
            CHECK(out == want);
            std::vector<float> inplace = in;
            nn::kernels::dropout_rows(inplace.data(), inplace.data(), n, p, seed, first);
            CHECK(inplace == want);
          }
  });
}

TEST_CASE("dropout_rows at the boundary probability drops exactly the elements below it", "[dropout][kernels]") {
  // With p = u = uniform_at(42, e), element e (first = 0) is kept; with the next float up
  // (p·2²⁴ not an integer) it is dropped. Checked directly, not only through the reference.
  const uint64_t e = boundary_element();
  REQUIRE(e < 64);
  const std::vector<float> ones(64, 1.f);
  const float u = nn::uniform_at(42, e);
  for_each_target([&] {
    std::vector<float> out(64);
    nn::kernels::dropout_rows(ones.data(), out.data(), 64, u, 42, 0);
    CHECK(out[e] == 1.f / (1.f - u));
    nn::kernels::dropout_rows(ones.data(), out.data(), 64, std::nextafter(u, 1.f), 42, 0);
    CHECK(out[e] == 0.f);
  });
}
