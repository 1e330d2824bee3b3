// test_classification_metrics.cc — classification and regression metrics against small examples
// worked by hand (the confusion matrices and sums are in the comments) and against values computed
// independently in plain Python (fractions; MCC from the covariance of one-hot matrices, Gorodkin's
// definition, rather than the count formula the library uses; statistics.correlation for Pearson;
// ranks counted as #smaller + (#equal + 1)/2), plus every degenerate case the header defines.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "bert/eval/classification_metrics.h"
#include "core/error.h"

using namespace bert;
using Catch::Matchers::Contains;

namespace {

// Message of the nn::Error that f throws ("" when it throws none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const nn::Error& e) {
    return e.what();
  }
  return "";
}

const std::vector<int32_t> kBinaryGold{1, 1, 1, 1, 0, 0, 0, 0, 0, 1};
const std::vector<int32_t> kBinaryPred{1, 1, 0, 1, 0, 1, 0, 0, 0, 0};

}  // namespace

TEST_CASE("metrics: binary example by hand", "[eval][metrics]") {
  // Pairs (gold, pred): class 1 has TP 3 (examples 0, 1, 3), FN 2 (2, 9), FP 1 (5); TN 4.
  //                 pred 0  pred 1
  //   gold 0           4       1
  //   gold 1           2       3
  const auto m = classification_metrics(kBinaryPred, kBinaryGold, 2, 1);
  CHECK(m.confusion.counts == std::vector<int64_t>{4, 1, 2, 3});
  CHECK(m.count == 10);
  CHECK(m.accuracy == Approx(0.7));  // 7 of 10
  // class 1: P = 3/4, R = 3/5, F1 = 2·(3/4)(3/5)/(3/4 + 3/5) = 0.9/1.35 = 2/3
  CHECK(m.per_class[1].precision == Approx(0.75));
  CHECK(m.per_class[1].recall == Approx(0.6));
  CHECK(m.per_class[1].f1 == Approx(2.0 / 3));
  CHECK(m.per_class[1].support == 5);
  CHECK(m.per_class[1].predicted == 4);
  // class 0: P = 4/6, R = 4/5, F1 = (16/15)/(22/15) = 8/11
  CHECK(m.per_class[0].precision == Approx(2.0 / 3));
  CHECK(m.per_class[0].recall == Approx(0.8));
  CHECK(m.per_class[0].f1 == Approx(8.0 / 11));
  REQUIRE(m.positive_f1);
  CHECK(*m.positive_f1 == Approx(2.0 / 3));
  CHECK(binary_f1(m.confusion, 0) == Approx(8.0 / 11));  // the other class as positive
  CHECK(m.macro_f1 == Approx(23.0 / 33));                // (2/3 + 8/11)/2; Python: 0.696969696969697
  // MCC = (TP·TN − FP·FN)/sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (12 − 2)/sqrt(4·5·5·6) = 1/sqrt(6)
  CHECK(m.mcc == Approx(1 / std::sqrt(6.0)));  // Python: 0.408248290463863
  CHECK(m.mcc == Approx(0.408248290463863).epsilon(1e-12));
}

TEST_CASE("metrics: three classes by hand", "[eval][metrics]") {
  //            p0 p1 p2 | t_k
  //   g0        2  1  0 |  3
  //   g1        0  2  1 |  3
  //   g2        1  0  3 |  4
  //   p_k       3  3  4
  // correct c = 7, s = 10: accuracy 0.7; F1 = 2/3, 2/3, 3/4 (P = R for each class); macro 25/36.
  // MCC = (c·s − Σ t_k p_k)/sqrt((s² − Σp_k²)(s² − Σt_k²)) = (70 − 34)/sqrt(66·66) = 6/11.
  const std::vector<int32_t> gold{0, 0, 0, 1, 1, 1, 2, 2, 2, 2};
  const std::vector<int32_t> pred{0, 1, 0, 1, 1, 2, 2, 2, 0, 2};
  const auto m = classification_metrics(pred, gold, 3);
  CHECK(m.confusion.counts == std::vector<int64_t>{2, 1, 0, 0, 2, 1, 1, 0, 3});
  CHECK(m.accuracy == Approx(0.7));
  CHECK(m.per_class[0].f1 == Approx(2.0 / 3));
  CHECK(m.per_class[1].f1 == Approx(2.0 / 3));
  CHECK(m.per_class[2].f1 == Approx(0.75));
  CHECK(m.macro_f1 == Approx(25.0 / 36));
  CHECK(m.mcc == Approx(6.0 / 11));  // Python (one-hot covariances): 0.545454545454546
  CHECK_FALSE(m.positive_f1);
}

TEST_CASE("metrics: four classes, 24 examples, against Python", "[eval][metrics]") {
  //            p0 p1 p2 p3 | t_k
  //   g0        4  1  0  1 |  6
  //   g1        0  4  2  0 |  6
  //   g2        1  0  5  0 |  6
  //   g3        1  1  0  4 |  6
  //   p_k       6  6  7  5
  // c = 17, s = 24: accuracy 17/24. MCC = (17·24 − 144)/sqrt((576 − 146)(576 − 144)) = 264/sqrt(430·432).
  const std::vector<int32_t> gold{0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 3, 3, 2, 1, 0, 0, 1, 2, 3, 2, 1, 0};
  const std::vector<int32_t> pred{0, 1, 2, 3, 1, 1, 2, 0, 0, 2, 2, 3, 3, 1, 2, 1, 0, 3, 1, 0, 3, 2, 2, 0};
  const auto m = classification_metrics(pred, gold, 4);
  CHECK(m.confusion.counts == std::vector<int64_t>{4, 1, 0, 1, 0, 4, 2, 0, 1, 0, 5, 0, 1, 1, 0, 4});
  CHECK(m.accuracy == Approx(17.0 / 24));
  CHECK(m.mcc == Approx(264 / std::sqrt(430.0 * 432.0)));
  CHECK(m.mcc == Approx(0.612530651028675).epsilon(1e-12));  // Python
  // class 2: P = 5/7, R = 5/6, F1 = 10/13; class 3: P = 4/5, R = 4/6, F1 = 8/11.
  CHECK(m.per_class[2].precision == Approx(5.0 / 7));
  CHECK(m.per_class[2].recall == Approx(5.0 / 6));
  CHECK(m.per_class[2].f1 == Approx(10.0 / 13));
  CHECK(m.per_class[3].f1 == Approx(8.0 / 11));
  CHECK(m.macro_f1 == Approx(607.0 / 858));  // (2/3 + 2/3 + 10/13 + 8/11)/4; Python: 0.7074592074592074
}

TEST_CASE("metrics: a class never predicted, a class absent from both sides", "[eval][metrics]") {
  // gold 0 1 2 2, pred 0 0 2 2, num_classes 4:
  //            p0 p1 p2 p3
  //   g0        1  0  0  0
  //   g1        1  0  0  0
  //   g2        0  0  2  0
  //   g3        0  0  0  0
  // class 1 is never predicted: precision 0 by convention, recall 0/1 = 0, F1 0. Class 3 occurs in
  // neither side: all zeros, and it is left out of macro-F1 = (2/3 + 0 + 1)/3 = 5/9 (sklearn).
  // MCC: c = 3, s = 4, t = (1,1,2,0), p = (2,0,2,0): (12 − 6)/sqrt((16 − 8)(16 − 6)) = 6/sqrt(80).
  const std::vector<int32_t> gold{0, 1, 2, 2};
  const std::vector<int32_t> pred{0, 0, 2, 2};
  const auto m = classification_metrics(pred, gold, 4);
  CHECK(m.per_class[1].precision == 0.0);
  CHECK(m.per_class[1].recall == 0.0);
  CHECK(m.per_class[1].f1 == 0.0);
  CHECK(m.per_class[1].predicted == 0);
  CHECK(m.per_class[3].support == 0);
  CHECK(m.per_class[3].f1 == 0.0);
  CHECK(m.per_class[0].f1 == Approx(2.0 / 3));
  CHECK(m.macro_f1 == Approx(5.0 / 9));
  CHECK(m.accuracy == Approx(0.75));
  CHECK(m.mcc == Approx(6 / std::sqrt(80.0)));  // Python: 0.670820393249937
  CHECK(m.mcc == Approx(0.670820393249937).epsilon(1e-12));
}

TEST_CASE("metrics: MCC at its extremes and with zero variance", "[eval][metrics]") {
  const std::vector<int32_t> gold{0, 1, 1, 0, 1};
  CHECK(classification_metrics(gold, gold, 2).mcc == Approx(1.0));
  const std::vector<int32_t> flipped{1, 0, 0, 1, 0};
  CHECK(classification_metrics(flipped, gold, 2).mcc == Approx(-1.0));
  // Every prediction 1: Σp_k² = s², the denominator is 0 → MCC 0 (sklearn), accuracy 3/5,
  // class 0 never predicted (precision 0), class 1 P = 3/5, R = 1, F1 = 3/4.
  const std::vector<int32_t> ones{1, 1, 1, 1, 1};
  const auto m = classification_metrics(ones, gold, 2, 1);
  CHECK(m.mcc == 0.0);
  CHECK(m.accuracy == Approx(0.6));
  CHECK(m.per_class[0].precision == 0.0);
  CHECK(*m.positive_f1 == Approx(0.75));
  // Gold all one class, predictions varied: also 0.
  CHECK(classification_metrics(gold, ones, 2).mcc == 0.0);
  // One example, one class: accuracy 1, MCC 0, macro-F1 1.
  const auto one = classification_metrics(std::vector<int32_t>{0}, std::vector<int32_t>{0}, 1);
  CHECK(one.accuracy == 1.0);
  CHECK(one.mcc == 0.0);
  CHECK(one.macro_f1 == 1.0);
}

TEST_CASE("metrics: classification errors", "[eval][metrics]") {
  const std::vector<int32_t> none;
  CHECK_THAT(error_of([&] { classification_metrics(none, none, 2); }), Contains("no examples"));
  const std::vector<int32_t> two{0, 1}, three{0, 1, 1};
  CHECK_THAT(error_of([&] { classification_metrics(two, three, 2); }), Contains("2 predictions but 3 gold labels"));
  const std::vector<int32_t> bad_gold{0, 2};
  CHECK_THAT(error_of([&] { classification_metrics(two, bad_gold, 2); }),
             Contains("gold label of example 1 is 2, outside [0, 2)"));
  const std::vector<int32_t> bad_pred{-1, 0};
  CHECK_THAT(error_of([&] { classification_metrics(bad_pred, two, 2); }),
             Contains("prediction for example 0 is -1, outside [0, 2)"));
  CHECK_THAT(error_of([&] { classification_metrics(two, two, 2, 2); }), Contains("class id 2 is out of range"));
  CHECK_THAT(error_of([&] { classification_metrics(two, two, 0); }), Contains("num_classes must be at least 1"));
}

TEST_CASE("metrics: confusion matrix as text", "[eval][metrics]") {
  const auto m = confusion_matrix(kBinaryPred, kBinaryGold, 2);
  const std::vector<std::string> names{"neg", "positive"};
  CHECK(render_confusion(m, names) ==
        "gold \\ predicted  neg  positive\n"
        "neg                 4         1\n"
        "positive            2         3\n");
  // Widths count code points: "é" is one column, as is each digit.
  const std::vector<std::string> accents{"é", "ü"};
  CHECK(render_confusion(m, accents) ==
        "gold \\ predicted  é  ü\n"
        "é                 4  1\n"
        "ü                 2  3\n");
  const std::vector<std::string> one_name{"x"};
  CHECK_THAT(error_of([&] { render_confusion(m, one_name); }), Contains("1 class names for 2 classes"));
}

TEST_CASE("metrics: regression by hand", "[eval][metrics]") {
  // x = 1..5, y = 2 4 5 4 5: means 3 and 4; dx = −2 −1 0 1 2, dy = −2 0 1 0 1;
  // Σdxdy = 6, Σdx² = 10, Σdy² = 6 → Pearson 6/sqrt(60).
  // Ranks of y (ties averaged): 2 → 1, 4 4 → 2.5, 5 5 → 4.5; Σ over rank deviations: 7, 10, 9 →
  // Spearman 7/sqrt(90). MSE: differences −1 −2 −2 0 0 → 9/5.
  const std::vector<double> x{1, 2, 3, 4, 5}, y{2, 4, 5, 4, 5};
  CHECK(average_ranks(y) == std::vector<double>{1, 2.5, 4.5, 2.5, 4.5});
  const auto r = regression_metrics(x, y);
  CHECK(r.count == 5);
  CHECK(r.pearson == Approx(6 / std::sqrt(60.0)));     // Python: 0.774596669241483
  CHECK(r.spearman == Approx(7 / std::sqrt(90.0)));    // Python: 0.737864787372622
  CHECK(r.mse == Approx(1.8));
}

TEST_CASE("metrics: regression with ties, against Python", "[eval][metrics]") {
  const std::vector<double> x{0.5, 2.25, 1.0, 3.5, 2.25, 4.0, 0.5, 5.0, 3.0, 2.25, 1.5, 4.75};
  const std::vector<double> y{0.8, 1.9, 1.2, 3.1, 2.6, 4.4, 0.2, 4.9, 3.3, 2.0, 1.2, 4.1};
  // Python's ranks (#smaller + (#equal + 1)/2): three 2.25s share (5+6+7)/3 = 6, two 0.5s 1.5.
  CHECK(average_ranks(x) == std::vector<double>{1.5, 6, 3, 9, 6, 10, 1.5, 12, 8, 6, 4, 11});
  CHECK(average_ranks(y) == std::vector<double>{2, 5, 3.5, 8, 7, 11, 1, 12, 9, 6, 3.5, 10});
  const auto r = regression_metrics(x, y);
  CHECK(r.pearson == Approx(0.972830870895249).epsilon(1e-12));
  CHECK(r.spearman == Approx(0.975289373111188).epsilon(1e-12));
  CHECK(r.mse == Approx(0.121666666666667).epsilon(1e-12));
}

TEST_CASE("metrics: regression degenerate cases", "[eval][metrics]") {
  const std::vector<double> x{1, 2, 3}, flat{0.1, 0.1, 0.1};
  // Constant predictions: correlations NaN (scipy), MSE still defined:
  // (0.9² + 1.9² + 2.9²)/3 = (0.81 + 3.61 + 8.41)/3 = 4.2766…
  const auto r = regression_metrics(flat, x);
  CHECK(std::isnan(r.pearson));
  CHECK(std::isnan(r.spearman));
  CHECK(r.mse == Approx(12.83 / 3));
  CHECK(std::isnan(pearson_correlation(x, flat)));
  // One value: NaN, MSE its square difference.
  const std::vector<double> a{2}, b{5};
  const auto one = regression_metrics(a, b);
  CHECK(std::isnan(one.pearson));
  CHECK(one.mse == 9.0);
  // A NaN or infinite prediction (a diverged model): correlations NaN, never a crash.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> with_nan{1, nan, 3}, with_inf{1, 2, std::numeric_limits<double>::infinity()};
  CHECK(std::isnan(spearman_correlation(with_nan, x)));
  CHECK(std::isnan(pearson_correlation(with_inf, x)));
  CHECK(std::isnan(regression_metrics(with_nan, x).mse));
  CHECK_THAT(error_of([&] { average_ranks(with_nan); }), Contains("finite"));
  // Perfectly (anti-)correlated: exactly ±1 after clamping.
  const std::vector<double> down{30, 20, 10};
  CHECK(pearson_correlation(x, x) == Approx(1.0));
  CHECK(pearson_correlation(x, down) == Approx(-1.0));
  CHECK(spearman_correlation(x, down) == Approx(-1.0));
  // Errors: empty, different lengths.
  const std::vector<double> none;
  CHECK_THAT(error_of([&] { regression_metrics(none, none); }), Contains("no examples"));
  CHECK_THAT(error_of([&] { regression_metrics(x, a); }), Contains("3 predictions but 1 gold labels"));
}
