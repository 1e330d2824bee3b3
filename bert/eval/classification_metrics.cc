// classification_metrics.cc — confusion matrix, accuracy, precision/recall/F1, MCC, correlations
// and MSE (definitions and conventions in classification_metrics.h).
#include "bert/eval/classification_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "bert/tokenizer/utf8.h"
#include "core/error.h"

namespace bert {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Checks a class id of a matrix.
void check_class(const ConfusionMatrix& m, int32_t c, const char* what) {
  NN_CHECK(c >= 0 && c < m.num_classes, what, ": class id ", c, " is out of range (", m.num_classes, " classes)");
}

// Throws unless the two sides are non-empty and of equal length.
void check_sizes(size_t predictions, size_t gold, const char* what) {
  NN_CHECK(predictions > 0, what, ": no examples (empty input)");
  NN_CHECK(predictions == gold, what, ": ", predictions, " predictions but ", gold, " gold labels");
}

// a / b, or 0 when b is 0.
double ratio(double a, double b) { return b == 0 ? 0.0 : a / b; }

// True when every value is finite.
bool all_finite(std::span<const double> x) {
  return std::all_of(x.begin(), x.end(), [](double v) { return std::isfinite(v); });
}

// True when every value equals the first.
bool constant(std::span<const double> x) {
  return std::all_of(x.begin(), x.end(), [&](double v) { return v == x.front(); });
}

}  // namespace

int64_t ConfusionMatrix::at(int32_t gold, int32_t predicted) const {
  check_class(*this, gold, "confusion matrix");
  check_class(*this, predicted, "confusion matrix");
  return counts[static_cast<size_t>(gold) * static_cast<size_t>(num_classes) + static_cast<size_t>(predicted)];
}

int64_t ConfusionMatrix::total() const { return std::accumulate(counts.begin(), counts.end(), int64_t{0}); }

int64_t ConfusionMatrix::gold_count(int32_t c) const {
  int64_t n = 0;
  for (int32_t p = 0; p < num_classes; ++p) n += at(c, p);
  return n;
}

int64_t ConfusionMatrix::predicted_count(int32_t c) const {
  int64_t n = 0;
  for (int32_t g = 0; g < num_classes; ++g) n += at(g, c);
  return n;
}

ConfusionMatrix confusion_matrix(std::span<const int32_t> predictions, std::span<const int32_t> gold,
                                 int32_t num_classes) {
  check_sizes(predictions.size(), gold.size(), "confusion matrix");
  NN_CHECK(num_classes >= 1, "confusion matrix: num_classes must be at least 1, got ", num_classes);
  ConfusionMatrix m;
  m.num_classes = num_classes;
  m.counts.assign(static_cast<size_t>(num_classes) * static_cast<size_t>(num_classes), 0);
  for (size_t i = 0; i < gold.size(); ++i) {
    NN_CHECK(gold[i] >= 0 && gold[i] < num_classes, "confusion matrix: gold label of example ", i, " is ", gold[i],
             ", outside [0, ", num_classes, ")");
    NN_CHECK(predictions[i] >= 0 && predictions[i] < num_classes, "confusion matrix: prediction for example ", i,
             " is ", predictions[i], ", outside [0, ", num_classes, ")");
    ++m.counts[static_cast<size_t>(gold[i]) * static_cast<size_t>(num_classes) + static_cast<size_t>(predictions[i])];
  }
  return m;
}

ClassScores class_scores(const ConfusionMatrix& m, int32_t c) {
  check_class(m, c, "class scores");
  ClassScores s;
  s.support = m.gold_count(c);
  s.predicted = m.predicted_count(c);
  const double tp = static_cast<double>(m.at(c, c));
  s.precision = ratio(tp, static_cast<double>(s.predicted));
  s.recall = ratio(tp, static_cast<double>(s.support));
  s.f1 = ratio(2 * s.precision * s.recall, s.precision + s.recall);
  return s;
}

double accuracy(const ConfusionMatrix& m) {
  int64_t correct = 0;
  for (int32_t c = 0; c < m.num_classes; ++c) correct += m.at(c, c);
  return ratio(static_cast<double>(correct), static_cast<double>(m.total()));
}

double macro_f1(const ConfusionMatrix& m) {
  double sum = 0;
  int present = 0;
  for (int32_t c = 0; c < m.num_classes; ++c) {
    const ClassScores s = class_scores(m, c);
    if (s.support == 0 && s.predicted == 0) continue;
    sum += s.f1;
    ++present;
  }
  return ratio(sum, present);
}

double binary_f1(const ConfusionMatrix& m, int32_t positive) {
  check_class(m, positive, "F1 of the positive class");
  return class_scores(m, positive).f1;
}

double matthews_corrcoef(const ConfusionMatrix& m) {
  // R_K = (c·s − Σ t_k p_k) / sqrt((s² − Σ p_k²)(s² − Σ t_k²)), c correct, s total, t_k gold and
  // p_k predicted counts of class k.
  double c = 0, tp = 0, pp = 0, tt = 0;
  for (int32_t k = 0; k < m.num_classes; ++k) {
    const double t = static_cast<double>(m.gold_count(k)), p = static_cast<double>(m.predicted_count(k));
    c += static_cast<double>(m.at(k, k));
    tp += t * p;
    pp += p * p;
    tt += t * t;
  }
  const double s = static_cast<double>(m.total());
  const double cov_pp = s * s - pp, cov_tt = s * s - tt;
  if (cov_pp == 0 || cov_tt == 0) return 0.0;
  return std::clamp((c * s - tp) / std::sqrt(cov_pp * cov_tt), -1.0, 1.0);
}

ClassificationMetrics classification_metrics(std::span<const int32_t> predictions, std::span<const int32_t> gold,
                                             int32_t num_classes, std::optional<int32_t> positive) {
  ClassificationMetrics r;
  r.confusion = confusion_matrix(predictions, gold, num_classes);
  r.count = r.confusion.total();
  r.accuracy = accuracy(r.confusion);
  r.macro_f1 = macro_f1(r.confusion);
  r.mcc = matthews_corrcoef(r.confusion);
  for (int32_t c = 0; c < num_classes; ++c) r.per_class.push_back(class_scores(r.confusion, c));
  if (positive) r.positive_f1 = binary_f1(r.confusion, *positive);
  return r;
}

std::string render_confusion(const ConfusionMatrix& m, std::span<const std::string> names) {
  NN_CHECK(names.size() == static_cast<size_t>(m.num_classes), "render_confusion: ", names.size(),
           " class names for ", m.num_classes, " classes");
  const std::string corner = "gold \\ predicted";
  const auto width = [](const std::string& s) { return count_code_points(s); };
  size_t first = width(corner);
  for (const auto& n : names) first = std::max(first, width(n));
  std::vector<size_t> col(names.size());
  for (int32_t p = 0; p < m.num_classes; ++p) {
    col[p] = width(names[p]);
    for (int32_t g = 0; g < m.num_classes; ++g) col[p] = std::max(col[p], std::to_string(m.at(g, p)).size());
  }
  // Pads s on the left (right = false) or right to w code points.
  const auto pad = [&](const std::string& s, size_t w, bool left_align) {
    const std::string fill(w - std::min(w, width(s)), ' ');
    return left_align ? s + fill : fill + s;
  };
  std::string out = pad(corner, first, true);
  for (int32_t p = 0; p < m.num_classes; ++p) out += "  " + pad(names[p], col[p], false);
  out += '\n';
  for (int32_t g = 0; g < m.num_classes; ++g) {
    out += pad(names[g], first, true);
    for (int32_t p = 0; p < m.num_classes; ++p) out += "  " + pad(std::to_string(m.at(g, p)), col[p], false);
    out += '\n';
  }
  return out;
}

double pearson_correlation(std::span<const double> x, std::span<const double> y) {
  check_sizes(x.size(), y.size(), "Pearson correlation");
  if (x.size() < 2 || !all_finite(x) || !all_finite(y) || constant(x) || constant(y)) return kNaN;
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx == 0 || syy == 0) return kNaN;  // values that differ by less than rounding can resolve
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

std::vector<double> average_ranks(std::span<const double> x) {
  NN_CHECK(all_finite(x), "average_ranks: the values must be finite");
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> ranks(x.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;  // mean of ranks i+1..j+1
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

double spearman_correlation(std::span<const double> x, std::span<const double> y) {
  check_sizes(x.size(), y.size(), "Spearman correlation");
  if (!all_finite(x) || !all_finite(y)) return kNaN;
  const auto rx = average_ranks(x), ry = average_ranks(y);
  return pearson_correlation(rx, ry);
}

double mean_squared_error(std::span<const double> predictions, std::span<const double> gold) {
  check_sizes(predictions.size(), gold.size(), "mean squared error");
  double sum = 0;
  for (size_t i = 0; i < gold.size(); ++i) sum += (predictions[i] - gold[i]) * (predictions[i] - gold[i]);
  return sum / static_cast<double>(gold.size());
}

RegressionMetrics regression_metrics(std::span<const double> predictions, std::span<const double> gold) {
  check_sizes(predictions.size(), gold.size(), "regression metrics");
  RegressionMetrics r;
  r.count = static_cast<int64_t>(gold.size());
  r.pearson = pearson_correlation(predictions, gold);
  r.spearman = spearman_correlation(predictions, gold);
  r.mse = mean_squared_error(predictions, gold);
  return r;
}

}  // namespace bert
