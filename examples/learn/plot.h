// plot.h — the figures of the learning path as SVG text: a line chart over a numeric x axis, a
// grouped bar chart, a grid of numbers, and a small canvas for drawings of our own (the autodiff
// graph, packed rows). Header-only so that every examples/learn program builds from its own
// source, in the tree and against an installed nnbert. Attention heatmaps use the library's
// bert::heatmap_svg (bert/inspect/svg.h) instead.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace learn {

// A number for an SVG attribute or label: at most `digits` significant digits.
inline std::string fmt(double x, int digits = 4) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", digits, x);
  return std::string(buf) == "-0" ? "0" : buf;
}

// Text with the five XML special characters escaped.
inline std::string escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else if (c == '\'') out += "&#39;";
    else out += c;
  }
  return out;
}

// Ten colours that stay apart on white.
inline const char* color(size_t i) {
  static const char* colors[] = {"#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1",
                                 "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac"};
  return colors[i % 10];
}

// An SVG document built element by element.
class Canvas {
 public:
  Canvas(double width, double height) : w_(width), h_(height) {}
  void rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke = "none") {
    s_ += "<rect x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" width=\"" + fmt(w) + "\" height=\"" + fmt(h) +
          "\" fill=\"" + fill + "\" stroke=\"" + stroke + "\"/>\n";
  }
  void line(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1,
            bool arrow = false, bool dashed = false) {
    s_ += "<line x1=\"" + fmt(x1) + "\" y1=\"" + fmt(y1) + "\" x2=\"" + fmt(x2) + "\" y2=\"" + fmt(y2) +
          "\" stroke=\"" + stroke + "\" stroke-width=\"" + fmt(width) + "\"" +
          (dashed ? " stroke-dasharray=\"5 3\"" : "") + (arrow ? " marker-end=\"url(#arrow)\"" : "") + "/>\n";
  }
  void polyline(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& stroke,
                double width = 1.5, bool dashed = false) {
    std::string pts;
    for (size_t i = 0; i < xs.size(); ++i) pts += fmt(xs[i], 6) + "," + fmt(ys[i], 6) + " ";
    s_ += "<polyline fill=\"none\" stroke=\"" + stroke + "\" stroke-width=\"" + fmt(width) + "\"" +
          (dashed ? " stroke-dasharray=\"5 3\"" : "") + " points=\"" + pts + "\"/>\n";
  }
  // anchor: "start", "middle" or "end".
  void text(double x, double y, std::string_view t, const std::string& anchor = "start", double size = 12,
            const std::string& fill = "#222") {
    s_ += "<text x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" text-anchor=\"" + anchor + "\" font-size=\"" +
          fmt(size) + "\" fill=\"" + fill + "\">" + escape(t) + "</text>\n";
  }
  // Places a complete <svg> document (e.g. bert::heatmap_svg's) with its top left corner at (x, y).
  void embed(double x, double y, const std::string& svg) {
    const size_t at = svg.find("<svg ");
    s_ += svg.substr(0, at + 5) + "x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" " + svg.substr(at + 5) + "\n";
  }
  std::string svg() const {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt(w_) + "\" height=\"" + fmt(h_) +
           "\" viewBox=\"0 0 " + fmt(w_) + " " + fmt(h_) + "\" font-family=\"sans-serif\">\n"
           "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
           "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/>"
           "</marker></defs>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + s_ + "</svg>\n";
  }

 private:
  double w_, h_;
  std::string s_;
};

// A round step for about n intervals over span: 1, 2 or 5 times a power of ten.
inline double nice_step(double span, int n) {
  const double raw = span > 0 ? span / n : 1;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0})
    if (m * p >= raw * (1 - 1e-9)) return m * p;
  return 10 * p;
}

struct Series {
  std::string label;
  std::vector<double> x, y;
  bool dashed = false;
  bool points = false;  // a dot at every point
};

struct Axes {
  std::string title, x_label, y_label;
  double width = 600, height = 340;
  bool log_x = false, log_y = false;  // base-10 axes (all values must be > 0)
  bool y_from_zero = false;
};

// The plotting frame shared by the charts: data ranges → pixels, ticks, labels, title.
struct Frame {
  double left = 64, right = 170, top = 46, bottom = 46;
  double x0, x1, y0, y1;  // data range (log10 of it on log axes)
  const Axes& a;
  Frame(const Axes& axes, double xmin, double xmax, double ymin, double ymax) : a(axes) {
    auto t = [](bool lg, double v) { return lg ? std::log10(v) : v; };
    x0 = t(a.log_x, xmin), x1 = t(a.log_x, xmax), y0 = t(a.log_y, ymin), y1 = t(a.log_y, ymax);
    if (x1 - x0 < 1e-12) x0 -= 0.5, x1 += 0.5;
    if (y1 - y0 < 1e-12) y0 -= 0.5, y1 += 0.5;
    if (!a.log_y) {  // round the y range to ticks
      const double st = nice_step(y1 - y0, 5);
      y0 = std::floor(y0 / st + 1e-9) * st, y1 = std::ceil(y1 / st - 1e-9) * st;
    } else {
      y0 = std::floor(y0), y1 = std::ceil(y1);
    }
    if (a.log_x) x0 = std::floor(x0), x1 = std::ceil(x1);
  }
  double pw() const { return a.width - left - right; }
  double ph() const { return a.height - top - bottom; }
  double X(double x) const { return left + pw() * ((a.log_x ? std::log10(x) : x) - x0) / (x1 - x0); }
  double Y(double y) const { return top + ph() * (1 - ((a.log_y ? std::log10(y) : y) - y0) / (y1 - y0)); }
  void draw(Canvas& c, bool x_ticks = true) const {
    c.text(a.width / 2, 20, a.title, "middle", 14);
    // y ticks and grid
    const double sy = a.log_y ? 1 : nice_step(y1 - y0, 5);
    for (double v = y0; v <= y1 + 1e-9 * (y1 - y0); v += sy) {
      const double value = a.log_y ? std::pow(10.0, v) : v;
      const double py = Y(value);
      c.line(left, py, left + pw(), py, "#e6e6e6");
      c.text(left - 6, py + 4, fmt(std::abs(value) < 1e-12 * (y1 - y0) ? 0 : value), "end", 11, "#555");
    }
    if (x_ticks) {
      const double sx = a.log_x ? 1 : nice_step(x1 - x0, 6);
      for (double v = std::ceil(x0 / sx - 1e-9) * sx; v <= x1 + 1e-9 * (x1 - x0); v += sx) {
        const double value = a.log_x ? std::pow(10.0, v) : v;
        const double px = X(value);
        c.line(px, top, px, top + ph(), "#f0f0f0");
        c.text(px, top + ph() + 16, fmt(value, 6), "middle", 11, "#555");
      }
    }
    c.line(left, top + ph(), left + pw(), top + ph(), "#888");
    c.line(left, top, left, top + ph(), "#888");
    c.text(left + pw() / 2, a.height - 8, a.x_label, "middle", 12);
    c.text(14, top - 12, a.y_label, "start", 12);
  }
};

// Lines over a numeric x axis, each labelled at its right end.
inline std::string line_chart(const std::vector<Series>& series, const Axes& axes) {
  double xmin = INFINITY, xmax = -INFINITY, ymin = axes.y_from_zero ? 0 : INFINITY, ymax = -INFINITY;
  for (const Series& s : series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      xmin = std::min(xmin, s.x[i]), xmax = std::max(xmax, s.x[i]);
      ymin = std::min(ymin, s.y[i]), ymax = std::max(ymax, s.y[i]);
    }
  const Frame f(axes, xmin, xmax, ymin, ymax);
  Canvas c(axes.width, axes.height);
  f.draw(c);
  std::vector<std::pair<double, size_t>> ends;  // (y of the last point, series)
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    std::vector<double> px, py;
    for (size_t i = 0; i < s.x.size(); ++i) px.push_back(f.X(s.x[i])), py.push_back(f.Y(s.y[i]));
    c.polyline(px, py, color(k), 1.8, s.dashed);
    if (s.points)
      for (size_t i = 0; i < px.size(); ++i) c.rect(px[i] - 2.5, py[i] - 2.5, 5, 5, color(k));
    if (!py.empty()) ends.push_back({py.back(), k});
  }
  // Labels at the lines' right ends, pushed apart so that they never overlap.
  std::sort(ends.begin(), ends.end());
  for (size_t i = 1; i < ends.size(); ++i) ends[i].first = std::max(ends[i].first, ends[i - 1].first + 13);
  for (const auto& [y, k] : ends) c.text(f.left + f.pw() + 14, y + 4, series[k].label, "start", 11, color(k));
  return c.svg();
}

struct BarGroup {
  std::string label;           // legend entry
  std::vector<double> values;  // one per category
};

// Grouped bars: one group of bars per category, one colour per BarGroup (may be negative).
inline std::string bar_chart(const std::vector<std::string>& categories, const std::vector<BarGroup>& groups,
                             const Axes& axes) {
  double ymin = 0, ymax = 0;
  for (const BarGroup& g : groups)
    for (const double v : g.values) ymin = std::min(ymin, v), ymax = std::max(ymax, v);
  const double n = static_cast<double>(categories.size());
  Axes a = axes;
  a.log_x = a.log_y = false;
  const Frame f(a, 0, n, ymin, ymax);
  Canvas c(a.width, a.height);
  f.draw(c, false);
  const double slot = f.pw() / n, bw = slot * 0.8 / static_cast<double>(groups.size());
  for (size_t i = 0; i < categories.size(); ++i) {
    const double cx = f.left + slot * (static_cast<double>(i) + 0.5);
    c.text(cx, f.top + f.ph() + 16, categories[i], "middle", 11, "#333");
    for (size_t g = 0; g < groups.size(); ++g) {
      const double v = groups[g].values[i];
      const double x = cx - slot * 0.4 + bw * static_cast<double>(g);
      const double y_top = f.Y(std::max(v, 0.0)), y_bottom = f.Y(std::min(v, 0.0));
      c.rect(x, y_top, bw * 0.92, std::max(y_bottom - y_top, 0.5), color(g));
    }
  }
  if (ymin < 0) c.line(f.left, f.Y(0), f.left + f.pw(), f.Y(0), "#444");
  for (size_t g = 0; g < groups.size(); ++g) {
    const double y = f.top + 14 + 16.0 * static_cast<double>(g);
    c.rect(f.left + f.pw() + 8, y - 9, 10, 10, color(g));
    c.text(f.left + f.pw() + 22, y, groups[g].label, "start", 11);
  }
  return c.svg();
}

// Draws a rows × cols grid of numbers at (x, y), each cell shaded by |value| / max |value| and
// printed; a caption above it. Returns the grid's width.
inline double number_grid(Canvas& c, double x, double y, const std::vector<float>& values, int rows, int cols,
                          const std::string& caption, double cell = 34) {
  double m = 1e-30;
  for (const float v : values) m = std::max(m, static_cast<double>(std::abs(v)));
  c.text(x + cell * cols / 2, y - 8, caption, "middle", 12);
  for (int r = 0; r < rows; ++r)
    for (int k = 0; k < cols; ++k) {
      const double v = values[static_cast<size_t>(r * cols + k)];
      const double a = 0.12 + 0.6 * std::abs(v) / m;
      c.rect(x + k * cell, y + r * cell, cell, cell, "rgba(78,121,167," + fmt(a, 3) + ")", "#fff");
      c.text(x + (k + 0.5) * cell, y + (r + 0.5) * cell + 4, fmt(v, 3), "middle", 11);
    }
  return cols * cell;
}

// The value of a numeric attribute ("width", "height") of an <svg> document's root element.
inline double svg_size(const std::string& svg, const std::string& attribute) {
  const size_t at = svg.find(" " + attribute + "=\"");
  return at == std::string::npos ? 0 : std::atof(svg.c_str() + at + attribute.size() + 3);
}

// Writes svg to dir/name when dir is not empty and says so; does nothing otherwise.
inline void save_figure(const std::string& dir, const std::string& name, const std::string& svg) {
  if (dir.empty()) return;
  std::filesystem::create_directories(dir);
  const std::string path = (std::filesystem::path(dir) / name).string();
  std::ofstream out(path, std::ios::binary);
  out << svg;
  if (!out) {
    std::fprintf(stderr, "error: cannot write %s\n", path.c_str());
    std::exit(1);
  }
  std::printf("figure: %s\n", path.c_str());
}

}  // namespace learn
