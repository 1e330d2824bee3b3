// test_tensor.cc — Tensor factories, layout, copy-out, RNG and the caching allocator.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/rng.h"
#include "core/storage.h"
#include "core/tensor.h"
#include "tests/support/gradcheck.h"

using namespace nn;

TEST_CASE("factories fill shapes with the right values", "[tensor]") {
  Tensor z = Tensor::zeros({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.numel() == 6);
  CHECK(z.to_vector() == std::vector<float>(6, 0.f));
  CHECK(Tensor::ones({4}).to_vector() == std::vector<float>(4, 1.f));
  CHECK(Tensor::full({2, 2}, 2.5f).to_vector() == std::vector<float>(4, 2.5f));
  CHECK(Tensor::arange(0, 5).to_vector() == std::vector<float>{0, 1, 2, 3, 4});
  CHECK(Tensor::arange(1, 2, 0.25f).to_vector() == std::vector<float>{1, 1.25f, 1.5f, 1.75f});
  Tensor d = Tensor::from_data({2, 2}, {1, 2, 3, 4});
  CHECK(d.to_vector() == std::vector<float>{1, 2, 3, 4});
  Tensor s = Tensor::from_data({}, {7});
  CHECK(s.dim() == 0);
  CHECK(s.item() == 7.f);
  Tensor r4 = Tensor::zeros({2, 1, 3, 2});
  CHECK(r4.strides() == Shape{6, 6, 2, 1});
}

TEST_CASE("storage is 64-byte aligned and empty tensors have no elements", "[tensor]") {
  Tensor t = Tensor::empty({3, 5});
  CHECK(reinterpret_cast<uintptr_t>(t.data()) % 64 == 0);
  Tensor e = Tensor::zeros({0, 4});
  CHECK(e.numel() == 0);
  CHECK(e.to_vector().empty());
}

TEST_CASE("int64 id tensors hold token ids", "[tensor]") {
  Tensor ids = Tensor::from_ids({2, 2}, {101, 7, 102, 0});
  CHECK(ids.dtype() == DType::I64);
  CHECK(ids.to_ids() == std::vector<int64_t>{101, 7, 102, 0});
  REQUIRE_THROWS_WITH(ids.data(), Catch::Contains("data() needs F32"));
  REQUIRE_THROWS_WITH(ids.requires_grad_(), Catch::Contains("only F32"));
}

TEST_CASE("factory errors name the problem", "[tensor]") {
  REQUIRE_THROWS_WITH(Tensor::from_data({2, 2}, {1, 2, 3}), "from_data: 3 values do not fill shape (2,2)");
  REQUIRE_THROWS_WITH(Tensor::from_ids({3}, {1}), "from_ids: 1 ids do not fill shape (3)");
  REQUIRE_THROWS_WITH(Tensor::zeros({2, -1}), Catch::Contains("negative dimension"));
  REQUIRE_THROWS_WITH(Tensor::ones({2}).item(), Catch::Contains("has 2 elements, not 1"));
  REQUIRE_THROWS_WITH(Tensor().shape(), Catch::Contains("undefined tensor"));
  REQUIRE_THROWS_WITH(Tensor::zeros({2, 3}).size(2), Catch::Contains("axis 2 is out of range for shape (2,3)"));
}

TEST_CASE("randn and uniform are seeded, counter-based and have the right moments", "[tensor][rng]") {
  Tensor a = Tensor::randn({100000}, 42);
  Tensor b = Tensor::randn({100000}, 42);
  CHECK(a.to_vector() == b.to_vector());
  CHECK(Tensor::randn({10}, 43).to_vector() != Tensor::randn({10}, 42).to_vector());
  // A prefix of a longer stream is the shorter stream: value i depends only on (seed, i).
  std::vector<float> prefix = Tensor::randn({10}, 42).to_vector();
  std::vector<float> full = a.to_vector();
  CHECK(std::equal(prefix.begin(), prefix.end(), full.begin()));
  double mean = 0, var = 0;
  for (float x : full) mean += x;
  mean /= full.size();
  for (float x : full) var += (x - mean) * (x - mean);
  var /= full.size();
  // Standard error of the mean is 1/√1e5 ≈ 0.003; of the variance ≈ √2/√1e5 ≈ 0.0045.
  CHECK(std::abs(mean) < 0.015);
  CHECK(std::abs(var - 1.0) < 0.025);
  std::vector<float> u = Tensor::uniform({100000}, 7, -2.f, 3.f).to_vector();
  double umean = 0;
  for (float x : u) {
    CHECK((x >= -2.f && x < 3.f));
    umean += x;
  }
  CHECK(std::abs(umean / u.size() - 0.5) < 0.03);  // σ = 5/√12 ≈ 1.44, s.e. ≈ 0.0046
}

TEST_CASE("Philox matches the published known-answer vector", "[rng]") {
  // Random123 kat_vectors: philox4x32_10 with counter (0,0,0,0), key (0,0).
  auto w = philox4x32(0, 0);
  CHECK(w[0] == 0x6627e8d5u);
  CHECK(w[1] == 0xe169c58du);
  CHECK(w[2] == 0xbc57ac4cu);
  CHECK(w[3] == 0x9b00dbd8u);
}

TEST_CASE("Generator draws are reproducible from (seed, counter)", "[rng]") {
  Generator g(5);
  for (int i = 0; i < 7; ++i) g.next_u32();
  Generator resumed(5, g.counter());
  CHECK(g.randint(0, 1000) == resumed.randint(0, 1000));
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 3000; ++i) counts[g.randint(1, 3) - 1]++;
  for (int c : counts) CHECK((c > 850 && c < 1150));
}

TEST_CASE("the caching allocator reuses freed blocks of the same size", "[tensor][allocator]") {
  { Tensor warm = Tensor::empty({1234, 7}); }
  const uint64_t before = allocator_stats().system_allocs;
  for (int i = 0; i < 10; ++i) {
    Tensor t = Tensor::empty({1234, 7});
    t.data()[0] = 1.f;
  }
  CHECK(allocator_stats().system_allocs == before);
}

TEST_CASE("the caching allocator lends a cached block at most 1/4 larger, and takes it back whole",
          "[tensor][allocator]") {
  // Sizes no other test uses, so the cache holds no block of them beforehand.
  const int64_t big = 1000003, fits = 850001, too_small = 700001;  // floats; fits ≥ big·4/5
  { Tensor warm = Tensor::empty({big}); }
  const AllocatorStats before = allocator_stats();
  {
    Tensor t = Tensor::empty({fits});  // reuses the big block
    CHECK(allocator_stats().system_allocs == before.system_allocs);
    CHECK(allocator_stats().live_bytes - before.live_bytes >= static_cast<size_t>(big) * sizeof(float));
  }
  CHECK(allocator_stats().cached_bytes == before.cached_bytes);  // the whole block came back
  {
    Tensor t = Tensor::empty({too_small});  // more than 1/4 smaller: a block of its own
    CHECK(allocator_stats().system_allocs == before.system_allocs + 1);
  }
  { Tensor again = Tensor::empty({big}); }  // the big block is still there for its own size
  CHECK(allocator_stats().system_allocs == before.system_allocs + 1);
}

TEST_CASE("peak_resident_bytes reaches at least the size of a tensor whose every page is written",
          "[tensor][storage]") {
  const size_t before = nn::peak_resident_bytes();
  REQUIRE(before > 0);  // Linux: VmHWM is known
  // A tensor larger than the peak so far: once written, resident memory exceeds the old peak.
  const size_t bytes = before + (64u << 20);
  {
    const nn::Tensor big = nn::Tensor::full({static_cast<int64_t>(bytes / sizeof(float))}, 1.f);
    CHECK(nn::peak_resident_bytes() >= bytes);
  }
  CHECK(nn::peak_resident_bytes() >= bytes);  // a high-water mark never falls
}
