// classification_metrics.h — scores of a fine-tuned model on labelled data: for classification,
// from predicted and gold class ids, the confusion matrix (and a text rendering for logs),
// accuracy, per-class precision/recall/F1, macro-F1, the F1 of a chosen positive class and the
// Matthews correlation coefficient; for regression, Pearson and Spearman correlation and the mean
// squared error. The definitions follow scikit-learn and SciPy (what HuggingFace's run_glue.py
// reports), conventions for the degenerate cases included:
//  - precision of a class never predicted is 0, recall of a class absent from the gold labels is
//    0, and F1 is 0 when precision + recall is 0 (sklearn's zero_division default, without its
//    warning);
//  - macro-F1 averages the classes that occur in the gold labels or the predictions (sklearn's
//    default `labels`); classes in neither are left out, so a small eval set is not penalised for
//    a class it does not contain;
//  - MCC is Gorodkin's R_K (sklearn's matthews_corrcoef, binary and multi-class alike); it is 0
//    when either the gold labels or the predictions are all one class (zero variance, as sklearn);
//  - Pearson and Spearman are NaN when either side is constant (as scipy), or has fewer than two
//    values, or holds a NaN or infinity; std::isnan tells. Spearman is Pearson of the ranks, ties
//    given their average rank. Correlations are clamped to [−1, 1] against rounding.
// Empty input, mismatched lengths, class ids outside [0, num_classes) are errors (nn::Error).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace bert {

// Counts of (gold, predicted) pairs, rows gold and columns predicted (sklearn's layout).
struct ConfusionMatrix {
  int32_t num_classes = 0;
  std::vector<int64_t> counts;  // counts[gold * num_classes + predicted]

  // Examples of class `gold` predicted as `predicted`.
  int64_t at(int32_t gold, int32_t predicted) const;
  // Number of examples.
  int64_t total() const;
  // Examples whose gold class is c (the support of c: its row's sum).
  int64_t gold_count(int32_t c) const;
  // Examples predicted as c (its column's sum).
  int64_t predicted_count(int32_t c) const;
};

// The confusion matrix of predictions against gold ids in [0, num_classes). Throws nn::Error on
// empty input, different lengths, or an id out of range (naming the example and the id).
ConfusionMatrix confusion_matrix(std::span<const int32_t> predictions, std::span<const int32_t> gold,
                                 int32_t num_classes);

struct ClassScores {
  double precision = 0, recall = 0, f1 = 0;
  int64_t support = 0;    // gold examples of the class
  int64_t predicted = 0;  // examples predicted as the class
};

// Precision, recall and F1 of class c (conventions in the header comment).
ClassScores class_scores(const ConfusionMatrix& m, int32_t c);
// Share of examples predicted correctly.
double accuracy(const ConfusionMatrix& m);
// Mean F1 over the classes that occur in the gold labels or the predictions.
double macro_f1(const ConfusionMatrix& m);
// F1 of class `positive` (binary tasks: pass 1, sklearn's default pos_label=1); throws when
// positive is out of range.
double binary_f1(const ConfusionMatrix& m, int32_t positive);
// Matthews correlation coefficient (Gorodkin's R_K; 0 when gold or predictions have one class).
double matthews_corrcoef(const ConfusionMatrix& m);

struct ClassificationMetrics {
  int64_t count = 0;
  double accuracy = 0, macro_f1 = 0, mcc = 0;
  std::optional<double> positive_f1;  // F1 of the positive class, when one was named
  std::vector<ClassScores> per_class;
  ConfusionMatrix confusion;
};

// Every classification metric at once; `positive` (e.g. 1 for a binary task) adds the F1 of that
// class. Throws as confusion_matrix does, and when positive is out of range.
ClassificationMetrics classification_metrics(std::span<const int32_t> predictions, std::span<const int32_t> gold,
                                             int32_t num_classes, std::optional<int32_t> positive = std::nullopt);

// The confusion matrix as a text table with the class names (one line per gold class, a header
// line of predicted classes, counts right-aligned), for logs. Throws when names.size() differs
// from num_classes.
std::string render_confusion(const ConfusionMatrix& m, std::span<const std::string> names);

struct RegressionMetrics {
  int64_t count = 0;
  double pearson = 0, spearman = 0, mse = 0;
};

// Pearson correlation of x and y (NaN when constant, too short or not finite; see the header).
double pearson_correlation(std::span<const double> x, std::span<const double> y);
// Spearman rank correlation: Pearson of average ranks (same NaN rule).
double spearman_correlation(std::span<const double> x, std::span<const double> y);
// Ranks 1..n of finite values, tied values sharing the mean of their ranks ("average" ranking).
std::vector<double> average_ranks(std::span<const double> x);
// Mean of (prediction − gold)².
double mean_squared_error(std::span<const double> predictions, std::span<const double> gold);

// Pearson, Spearman and MSE of predictions against gold values. Throws nn::Error on empty input or
// different lengths.
RegressionMetrics regression_metrics(std::span<const double> predictions, std::span<const double> gold);

}  // namespace bert
