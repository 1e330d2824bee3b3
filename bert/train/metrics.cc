// metrics.cc — JSON lines and a dependency-free SVG plot.
#include "bert/train/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "nn/io/atomic_file.h"

namespace bert {

std::string metrics_json(const MetricsRecord& r) {
  nlohmann::json j = {{"step", r.step}, {"loss", r.loss}, {"lr", r.lr}, {"tokens_per_s", r.tokens_per_s},
                      {"grad_norm", r.grad_norm}, {"elapsed_s", r.elapsed_s}, {"peak_memory_mb", r.peak_memory_mb}};
  if (r.padding_share) j["padding_share"] = *r.padding_share;
  for (const auto& [name, v] : r.train) j[name] = v;
  for (const auto& [name, v] : r.eval) j["eval_" + name] = v;
  return j.dump();
}

namespace {

// Text safe inside an XML element.
std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// A polyline through (step, value) points mapped into the plot rectangle.
std::string polyline(const std::vector<std::pair<int64_t, double>>& pts, double x0, double x1, double y0,
                     double y1, double left, double top, double w, double h, const char* colour) {
  std::ostringstream os;
  os << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"1.5\" points=\"";
  for (const auto& [s, v] : pts) {
    const double x = left + (static_cast<double>(s) - x0) / std::max(x1 - x0, 1e-9) * w;
    const double y = top + h - (v - y0) / std::max(y1 - y0, 1e-9) * h;
    os << x << "," << y << " ";
  }
  os << "\"/>\n";
  return os.str();
}

}  // namespace

std::string loss_svg(const std::vector<std::pair<int64_t, double>>& train,
                     const std::vector<std::pair<int64_t, double>>& eval, const std::string& title) {
  const double W = 720, H = 420, left = 70, top = 40, w = W - left - 30, h = H - top - 60;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  bool any = false;
  for (const auto* series : {&train, &eval})
    for (const auto& [s, v] : *series) {
      if (!std::isfinite(v)) continue;
      if (!any) { x0 = x1 = static_cast<double>(s); y0 = y1 = v; any = true; }
      x0 = std::min(x0, static_cast<double>(s)); x1 = std::max(x1, static_cast<double>(s));
      y0 = std::min(y0, v); y1 = std::max(y1, v);
    }
  y0 = std::min(0.0, y0);
  std::ostringstream os;
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
     << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
     << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
     << "<text x=\"" << W / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" << xml_escape(title) << "</text>\n"
     << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << w << "\" height=\"" << h
     << "\" fill=\"none\" stroke=\"#888\"/>\n";
  for (int i = 0; i <= 4; ++i) {  // axis ticks
    const double yv = y0 + (y1 - y0) * i / 4, y = top + h - h * i / 4;
    const double xv = x0 + (x1 - x0) * i / 4, x = left + w * i / 4;
    os << "<text x=\"" << left - 8 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">" << std::setprecision(3) << yv << "</text>\n"
       << "<line x1=\"" << left << "\" x2=\"" << left + w << "\" y1=\"" << y << "\" y2=\"" << y << "\" stroke=\"#eee\"/>\n"
       << "<text x=\"" << x << "\" y=\"" << top + h + 18 << "\" text-anchor=\"middle\">" << static_cast<int64_t>(xv) << "</text>\n";
  }
  os << "<text x=\"" << left + w / 2 << "\" y=\"" << H - 12 << "\" text-anchor=\"middle\">step</text>\n"
     << "<text x=\"16\" y=\"" << top + h / 2 << "\" transform=\"rotate(-90 16 " << top + h / 2
     << ")\" text-anchor=\"middle\">loss</text>\n";
  os << polyline(train, x0, x1, y0, y1, left, top, w, h, "#1f77b4");
  if (!eval.empty()) os << polyline(eval, x0, x1, y0, y1, left, top, w, h, "#d62728");
  os << "<text x=\"" << left + w - 110 << "\" y=\"" << top + 18 << "\" fill=\"#1f77b4\">— train loss</text>\n";
  if (!eval.empty()) os << "<text x=\"" << left + w - 110 << "\" y=\"" << top + 34 << "\" fill=\"#d62728\">— eval loss</text>\n";
  os << "</svg>\n";
  return os.str();
}

MetricsLog::MetricsLog(const std::string& dir, const std::string& title, int64_t resume_step)
    : dir_(dir), title_(title) {
  const std::string path = dir + "/metrics.jsonl";
  std::vector<std::string> kept;
  if (std::ifstream in(path); in) {
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("step") || j["step"].get<int64_t>() > resume_step) continue;
      kept.push_back(line);
      train_.emplace_back(j["step"].get<int64_t>(), j["loss"].get<double>());
      if (j.contains("eval_loss")) eval_.emplace_back(j["step"].get<int64_t>(), j["eval_loss"].get<double>());
    }
  }
  std::string text;
  for (const std::string& l : kept) text += l + "\n";
  nn::atomic_write(path, text);
}

void MetricsLog::add(const MetricsRecord& r) {
  const std::string path = dir_ + "/metrics.jsonl";
  std::FILE* f = std::fopen(path.c_str(), "a");
  NN_CHECK(f, path, ": cannot append metrics");
  const std::string line = metrics_json(r) + "\n";
  const bool ok = std::fwrite(line.data(), 1, line.size(), f) == line.size();
  NN_CHECK(std::fclose(f) == 0 && ok, path, ": cannot write metrics (disk full?)");
  train_.emplace_back(r.step, r.loss);
  for (const auto& [name, v] : r.eval)
    if (name == "loss") eval_.emplace_back(r.step, v);
  nn::atomic_write(dir_ + "/loss.svg", loss_svg(train_, eval_, title_));
}

}  // namespace bert
