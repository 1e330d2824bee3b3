// test_shape.cc — reshape, transpose, permute, slice, concat, contiguous: values, views, gradients.
#include <catch2/catch.hpp>

#include "core/ops.h"
#include "tests/support/gradcheck.h"

using namespace nn;
using nn::testing::check_gradients;
using nn::testing::param;

TEST_CASE("reshape is a view of contiguous data and infers -1", "[shape]") {
  Tensor x = Tensor::arange(0, 12);
  Tensor y = reshape(x, {3, -1});
  CHECK(y.shape() == Shape{3, 4});
  CHECK(y.data() == x.data());
  CHECK(y.to_vector() == x.to_vector());
  REQUIRE_THROWS_WITH(reshape(x, {5, -1}), "reshape: cannot reshape (12) to (5,-1)");
  REQUIRE_THROWS_WITH(reshape(x, {-1, -1}), Catch::Contains("more than one -1"));
  REQUIRE_THROWS_WITH(reshape(x, {2, 5}), Catch::Contains("cannot reshape (12) (12 elements) to (2,5)"));
}

TEST_CASE("transpose and permute are strided views with the right element order", "[shape]") {
  Tensor x = reshape(Tensor::arange(0, 24), {2, 3, 4});
  Tensor t = transpose(x, 0, 2);  // (4,3,2): t[i][j][k] = x[k][j][i]
  CHECK(t.shape() == Shape{4, 3, 2});
  CHECK_FALSE(t.is_contiguous());
  std::vector<float> v = t.to_vector();
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k) CHECK(v[(i * 3 + j) * 2 + k] == float(k * 12 + j * 4 + i));
  Tensor p = permute(x, {1, 2, 0});  // p[j][k][i] = x[i][j][k]
  CHECK(p.shape() == Shape{3, 4, 2});
  CHECK(p.contiguous().to_vector() == p.to_vector());
  CHECK(p.contiguous().is_contiguous());
  CHECK(p.to_vector()[1] == 12.f);  // p[0][0][1] = x[1][0][0]
  REQUIRE_THROWS_WITH(permute(x, {0, 0, 1}), Catch::Contains("permute: axis 0 repeated"));
  REQUIRE_THROWS_WITH(permute(x, {0, 1}), Catch::Contains("2 axes given for shape (2,3,4)"));
  REQUIRE_THROWS_WITH(transpose(x, 0, 3), Catch::Contains("transpose: axis 3 is out of range for shape (2,3,4)"));
}

TEST_CASE("slice takes a window, negative bounds count from the end", "[shape]") {
  Tensor x = reshape(Tensor::arange(0, 12), {3, 4});
  CHECK(slice(x, 1, 1, 3).to_vector() == std::vector<float>{1, 2, 5, 6, 9, 10});
  CHECK(slice(x, 0, -1, 3).to_vector() == std::vector<float>{8, 9, 10, 11});
  CHECK(slice(x, 0, 1, 1).numel() == 0);
  REQUIRE_THROWS_WITH(slice(x, 1, 2, 5), "slice: range [2, 5) is out of bounds for axis 1 of shape (3,4)");
}

TEST_CASE("concat joins along any axis", "[shape]") {
  Tensor a = reshape(Tensor::arange(0, 4), {2, 2});
  Tensor b = reshape(Tensor::arange(4, 10), {2, 3});
  CHECK(concat({a, b}, 1).to_vector() == std::vector<float>{0, 1, 4, 5, 6, 2, 3, 7, 8, 9});
  CHECK(concat({a, a}, 0).to_vector() == std::vector<float>{0, 1, 2, 3, 0, 1, 2, 3});
  CHECK(concat({a, Tensor::zeros({2, 0})}, -1).to_vector() == a.to_vector());
  REQUIRE_THROWS_WITH(concat({a, b}, 0), "concat: shapes (2,2) and (2,3) differ outside axis 0");
  Tensor ids = concat({Tensor::from_ids({1}, {3}), Tensor::from_ids({2}, {4, 5})}, 0);
  CHECK(ids.to_ids() == std::vector<int64_t>{3, 4, 5});
}

TEST_CASE("shape ops backpropagate correctly", "[shape][gradcheck]") {
  Tensor x = param({2, 3, 4}, 11);
  check_gradients([](const std::vector<Tensor>& in) { return reshape(in[0], {4, 6}); }, {x});
  check_gradients([](const std::vector<Tensor>& in) { return transpose(in[0], 0, 2); }, {x});
  check_gradients([](const std::vector<Tensor>& in) { return permute(in[0], {2, 0, 1}); }, {x});
  check_gradients([](const std::vector<Tensor>& in) { return slice(in[0], 2, 1, 3); }, {x});
  // A reshape of a non-contiguous view copies, and the copy's gradient flows back.
  check_gradients([](const std::vector<Tensor>& in) { return reshape(transpose(in[0], 1, 2), {2, 12}); }, {x});
  Tensor y = param({2, 1, 4}, 12);
  check_gradients([](const std::vector<Tensor>& in) { return concat({in[0], in[1], in[0]}, 1); }, {x, y});
  // Non-contiguous input to concat.
  Tensor z = param({4, 2}, 13);
  check_gradients([](const std::vector<Tensor>& in) { return concat({transpose(in[0], 0, 1), Tensor::ones({1, 4})}, 0); }, {z});
}
