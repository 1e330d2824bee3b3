// test_batch_rows.cc — a Batch cut to some rows: per-row tensors sliced, flat positions filtered
// and re-based, packed NSP labels kept beside their [CLS].
#include <catch2/catch.hpp>

#include "bert/data/batch_rows.h"
#include "core/error.h"

using bert::Batch;
using nn::Tensor;

TEST_CASE("batch_rows: rows, masked positions and packed [CLS] lists", "[batch_rows]") {
  const int64_t T = 4;
  Batch b;
  b.input_ids = Tensor::from_ids({3, T}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  b.attention_mask = Tensor::from_ids({3, T}, {1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0});
  b.position_ids = Tensor::from_ids({3, T}, {0, 1, 2, 0, 0, 1, 0, 1, 0, 1, 0, 0});
  b.masked_positions = Tensor::from_ids({4}, {1, 5, 6, 9});  // rows 0, 1, 1, 2
  b.masked_labels = Tensor::from_ids({4}, {21, 22, 23, 24});
  b.cls_positions = Tensor::from_ids({4}, {0, 4, 6, 8});     // rows 0, 1, 1, 2
  b.next_sentence_labels = Tensor::from_ids({4}, {0, 1, 1, 0});
  b.labels = Tensor::from_data({3}, {0.5f, 1.5f, 2.5f});

  const Batch s = bert::batch_rows(b, 1, 3);
  REQUIRE(s.input_ids.shape() == nn::Shape{2, T});
  REQUIRE(s.input_ids.to_ids() == std::vector<int64_t>{5, 6, 7, 8, 9, 10, 11, 12});
  REQUIRE(s.attention_mask.to_ids() == std::vector<int64_t>{1, 1, 1, 1, 1, 1, 0, 0});
  REQUIRE(s.position_ids.to_ids() == std::vector<int64_t>{0, 1, 0, 1, 0, 1, 0, 0});
  REQUIRE(!s.token_type_ids.defined());
  REQUIRE(s.masked_positions.to_ids() == std::vector<int64_t>{1, 2, 5});
  REQUIRE(s.masked_labels.to_ids() == std::vector<int64_t>{22, 23, 24});
  REQUIRE(s.cls_positions.to_ids() == std::vector<int64_t>{0, 2, 4});
  REQUIRE(s.next_sentence_labels.to_ids() == std::vector<int64_t>{1, 1, 0});
  REQUIRE(s.labels.to_vector() == std::vector<float>{1.5f, 2.5f});

  const Batch first = bert::batch_rows(b, 0, 1);
  REQUIRE(first.masked_positions.to_ids() == std::vector<int64_t>{1});
  REQUIRE(first.cls_positions.to_ids() == std::vector<int64_t>{0});
  REQUIRE_THROWS_AS(bert::batch_rows(b, 2, 2), nn::Error);
  REQUIRE_THROWS_AS(bert::batch_rows(b, 0, 4), nn::Error);
}

TEST_CASE("batch_rows: unpacked NSP labels are per row", "[batch_rows]") {
  Batch b;
  b.input_ids = Tensor::from_ids({2, 2}, {1, 2, 3, 4});
  b.next_sentence_labels = Tensor::from_ids({2}, {1, 0});
  const Batch s = bert::batch_rows(b, 1, 2);
  REQUIRE(s.next_sentence_labels.to_ids() == std::vector<int64_t>{0});
  REQUIRE(!s.masked_positions.defined());
}
