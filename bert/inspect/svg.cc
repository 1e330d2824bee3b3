// svg.cc — heatmaps and line charts as SVG text.
#include "bert/inspect/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace bert {
namespace {

// A number for an SVG attribute (two decimals, no trailing zeros to speak of).
std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

// Ten colours that stay apart on white (Tableau 10).
const char* palette(size_t i) {
  static const char* colors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                 "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return colors[i % 10];
}

// A round step for about `n` intervals over `span`: 1, 2 or 5 times a power of ten.
double nice_step(double span, int n) {
  const double raw = span > 0 ? span / n : 1;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string heatmap_svg(const float* values, int64_t rows, int64_t cols, const HeatmapOptions& o) {
  NN_CHECK(o.row_labels.empty() || static_cast<int64_t>(o.row_labels.size()) == rows, "heatmap: ",
           o.row_labels.size(), " row labels for ", rows, " rows");
  NN_CHECK(o.col_labels.empty() || static_cast<int64_t>(o.col_labels.size()) == cols, "heatmap: ",
           o.col_labels.size(), " column labels for ", cols, " columns");
  const double c = o.cell;
  // Room for labels: about 7 px per character at 12 px type; column labels slant at −55°.
  size_t longest_row = 0, longest_col = 0;
  for (const auto& s : o.row_labels) longest_row = std::max(longest_row, s.size());
  for (const auto& s : o.col_labels) longest_col = std::max(longest_col, s.size());
  const double left = o.row_labels.empty() ? 0 : 10 + 7.0 * static_cast<double>(std::min<size_t>(longest_row, 16));
  const double top = o.col_labels.empty() ? 0 : 10 + 6.0 * static_cast<double>(std::min<size_t>(longest_col, 16));
  const double w = left + c * static_cast<double>(cols) + (o.col_labels.empty() ? 0 : 40), h = top + c * static_cast<double>(rows) + 1;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(w) + "\" height=\"" + num(h) +
                  "\" viewBox=\"0 0 " + num(w) + " " + num(h) + "\"";
  if (!o.css_class.empty()) s += " class=\"" + xml_escape(o.css_class) + "\"";
  s += ">";
  s += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(c * static_cast<double>(cols)) +
       "\" height=\"" + num(c * static_cast<double>(rows)) + "\" fill=\"#fff\" stroke=\"#bbb\" stroke-width=\"0.5\"/>";
  auto hl = [](const std::vector<bool>& v, int64_t i) { return i < static_cast<int64_t>(v.size()) && v[static_cast<size_t>(i)]; };
  const double font = std::clamp(c * 0.8, 9.0, 12.0);
  for (int64_t i = 0; i < static_cast<int64_t>(o.row_labels.size()); ++i)
    s += "<text x=\"" + num(left - 4) + "\" y=\"" + num(top + c * (static_cast<double>(i) + 0.5)) +
         "\" font-size=\"" + num(font) + "\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"" +
         (hl(o.highlight_rows, i) ? "#c0392b" : "#333") + "\">" + xml_escape(o.row_labels[static_cast<size_t>(i)]) + "</text>";
  for (int64_t j = 0; j < static_cast<int64_t>(o.col_labels.size()); ++j) {
    const double x = left + c * (static_cast<double>(j) + 0.5), y = top - 4;
    s += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(font) + "\" fill=\"" +
         (hl(o.highlight_cols, j) ? "#c0392b" : "#333") + "\" transform=\"rotate(-55 " + num(x) + " " + num(y) + ")\">" +
         xml_escape(o.col_labels[static_cast<size_t>(j)]) + "</text>";
  }
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      const float v = values[i * cols + j];
      if (!(v >= o.min_value) || v <= 0) continue;
      s += "<rect x=\"" + num(left + c * static_cast<double>(j)) + "\" y=\"" + num(top + c * static_cast<double>(i)) +
           "\" width=\"" + num(c) + "\" height=\"" + num(c) + "\" fill=\"" + o.color + "\" fill-opacity=\"" +
           num(std::min(1.f, v)) + "\"";
      if (o.cell_titles) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(v));
        const std::string from = o.row_labels.empty() ? std::to_string(i) : o.row_labels[static_cast<size_t>(i)];
        const std::string to = o.col_labels.empty() ? std::to_string(j) : o.col_labels[static_cast<size_t>(j)];
        s += "><title>" + xml_escape(from) + " → " + xml_escape(to) + ": " + buf + "</title></rect>";
      } else {
        s += "/>";
      }
    }
  return s + "</svg>";
}

std::string line_chart_svg(const std::vector<LineSeries>& series, const LineChartOptions& o) {
  const size_t n = o.x_labels.size();
  NN_CHECK(n >= 1, "line chart: no x positions");
  double lo = o.from_zero ? 0 : INFINITY, hi = 0;
  for (const LineSeries& l : series) {
    NN_CHECK(l.y.size() == n, "line chart: series '", l.label, "' has ", l.y.size(), " values for ", n, " x positions");
    for (const double y : l.y) lo = std::min(lo, y), hi = std::max(hi, y);
  }
  if (!std::isfinite(lo)) lo = 0;
  if (hi - lo < 1e-9 * std::max(1.0, std::abs(hi))) lo -= 0.5, hi += 0.5;  // flat: a unit around it
  const double step = nice_step(hi - lo, 5);
  const double ymin = std::floor(lo / step) * step, ymax = std::max(std::ceil(hi / step) * step, ymin + step);
  const double left = 56, right = 120, top = 16, bottom = 44;
  const double pw = o.width - left - right, ph = o.height - top - bottom;
  auto X = [&](size_t i) { return left + (n == 1 ? pw / 2 : pw * static_cast<double>(i) / static_cast<double>(n - 1)); };
  auto Y = [&](double y) { return top + ph * (1 - (y - ymin) / (ymax - ymin)); };
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(o.width) + "\" height=\"" +
                  num(o.height) + "\" viewBox=\"0 0 " + num(o.width) + " " + num(o.height) + "\" font-size=\"11\">";
  // Grid and y ticks at every step.
  const int ticks = static_cast<int>(std::lround((ymax - ymin) / step));
  for (int k = 0; k <= ticks; ++k) {
    const double v = ymin + step * k, y = Y(v);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    s += "<line x1=\"" + num(left) + "\" x2=\"" + num(left + pw) + "\" y1=\"" + num(y) + "\" y2=\"" + num(y) +
         "\" stroke=\"#e4e4e4\"/><text x=\"" + num(left - 6) + "\" y=\"" + num(y) +
         "\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"#555\">" + buf + "</text>";
  }
  for (size_t i = 0; i < n; ++i)
    s += "<line x1=\"" + num(X(i)) + "\" x2=\"" + num(X(i)) + "\" y1=\"" + num(top) + "\" y2=\"" + num(top + ph) +
         "\" stroke=\"#f0f0f0\"/><text x=\"" + num(X(i)) + "\" y=\"" + num(top + ph + 16) +
         "\" text-anchor=\"middle\" fill=\"#555\">" + xml_escape(o.x_labels[i]) + "</text>";
  if (!o.y_label.empty())
    s += "<text x=\"14\" y=\"" + num(top + ph / 2) + "\" transform=\"rotate(-90 14 " + num(top + ph / 2) +
         ")\" text-anchor=\"middle\" fill=\"#333\">" + xml_escape(o.y_label) + "</text>";
  s += "<line x1=\"" + num(left) + "\" x2=\"" + num(left) + "\" y1=\"" + num(top) + "\" y2=\"" + num(top + ph) +
       "\" stroke=\"#888\"/><line x1=\"" + num(left) + "\" x2=\"" + num(left + pw) + "\" y1=\"" + num(top + ph) +
       "\" y2=\"" + num(top + ph) + "\" stroke=\"#888\"/>";
  // Lines, emphasised ones last (on top); end labels pushed apart so they do not overlap.
  std::vector<size_t> order(series.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return !series[a].emphasis && series[b].emphasis; });
  std::vector<std::pair<double, size_t>> ends;
  for (const size_t k : order) {
    const LineSeries& l = series[k];
    std::string pts;
    for (size_t i = 0; i < n; ++i) {
      if (i) pts += ' ';
      pts += num(X(i)) + "," + num(Y(l.y[i]));
    }
    std::string title = l.label + ":";
    for (size_t i = 0; i < n; ++i) {
      char buf[32];
      std::snprintf(buf, sizeof buf, " %.2f", l.y[i]);
      title += buf;
    }
    s += "<polyline fill=\"none\" stroke=\"" + std::string(l.emphasis ? "#222" : palette(k)) + "\" stroke-width=\"" +
         (l.emphasis ? "2.2" : "1.4") + "\" stroke-opacity=\"0.85\" points=\"" + pts + "\"><title>" +
         xml_escape(title) + "</title></polyline>";
    ends.push_back({Y(l.y[n - 1]), k});
  }
  std::sort(ends.begin(), ends.end());
  double last = -1e9;
  for (auto& [y, k] : ends) {
    y = std::max(y, last + 11);
    last = y;
    s += "<text x=\"" + num(left + pw + 6) + "\" y=\"" + num(y) + "\" dominant-baseline=\"middle\" fill=\"" +
         std::string(series[k].emphasis ? "#222" : palette(k)) + "\">" + xml_escape(series[k].label) + "</text>";
  }
  return s + "</svg>";
}

}  // namespace bert
