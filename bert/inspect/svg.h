// svg.h — small self-contained SVG figures (no scripts, no external fonts or styles) for
// inspection pages and for figures written to files: a heatmap of a matrix in [0, 1] (attention
// probabilities) and a line chart of a few series over labelled points (norms through layers).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bert {

// Text with &, <, >, " and ' escaped for XML/HTML.
std::string xml_escape(std::string_view text);

struct HeatmapOptions {
  double cell = 12;                     // cell size in px
  std::vector<std::string> row_labels;  // one per row, drawn left of the rows (empty: none)
  std::vector<std::string> col_labels;  // one per column, drawn above, slanted (empty: none)
  std::vector<bool> highlight_rows;     // labels drawn in the highlight colour (e.g. [CLS]/[SEP])
  std::vector<bool> highlight_cols;
  float min_value = 0;                  // cells below are not drawn (thumbnails stay small)
  bool cell_titles = false;             // a <title> per cell: "row → col: value" (hover text)
  std::string color = "#08306b";        // value v is this colour at opacity v over white
  std::string css_class;                // class attribute of the <svg>
};

// An SVG heatmap of values (rows × cols, row-major, each in [0, 1]).
std::string heatmap_svg(const float* values, int64_t rows, int64_t cols, const HeatmapOptions& options);

struct LineSeries {
  std::string label;      // drawn at the line's right end and in its hover title
  std::vector<double> y;  // one value per x position
  bool emphasis = false;  // drawn thicker and darker
};

struct LineChartOptions {
  double width = 640, height = 320;
  std::vector<std::string> x_labels;  // one per x position
  std::string y_label;
  bool from_zero = true;              // y axis from 0; false: around the values' range
};

// An SVG line chart of the series over their x positions; the y axis runs from 0 (or, without
// from_zero, from just below the smallest value) to just above the largest, in round steps.
std::string line_chart_svg(const std::vector<LineSeries>& series, const LineChartOptions& options);

}  // namespace bert
