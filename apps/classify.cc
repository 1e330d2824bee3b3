// classify — a fine-tuned classifier (finetune's output) applied to text: one JSON line (or text
// line) per input line, in order, written as each batch is done, so it can end a shell pipeline.
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/cli.h"
#include "bert/checkpoint.h"
#include "bert/data/task_data.h"
#include "bert/data/task_dataset.h"
#include "bert/model/classification.h"
#include "bert/task/predict.h"
#include "bert/tokenizer/tokenizer.h"
#include "core/kernels/gemm.h"
#include "core/threads.h"

namespace {

const char* kUsage =
    "usage: classify --model DIR [FILE...] [--format json|text] [--batch-size N] [--max-length N]\n"
    "                [--threads N] [--precision fp32|bf16|int8]\n"
    "  Reads text lines (FILEs, or stdin when none or '-') and classifies each with the fine-tuned\n"
    "  model in DIR. Sequence classification: one text per line, text<TAB>pair for pairs; token\n"
    "  classification: the words of a sentence separated by spaces. Blank lines are skipped.\n"
    "  --format json (default): one JSON object per line — {\"text\", \"label\", \"probability\",\n"
    "  \"probabilities\": {label: p}}; multi-label models give \"labels\" (σ > 0.5); regression models\n"
    "  \"value\"; token models {\"words\", \"labels\"}. --format text: label<TAB>probability<TAB>the input\n"
    "  line (text<TAB>pair for pairs; token models: word/label pairs). Output is flushed after every\n"
    "  batch (default 32 lines). A bad line is an error naming it (file:line:column).\n";

// One output line for example e.
std::string format_prediction(const bert::TextExample& e, const bert::Prediction& p, const bert::BertConfig& c,
                              bool token, bool json_out) {
  const std::vector<std::string> names = c.labels();
  const std::string& type = c.problem_type;
  nlohmann::json j;
  std::string text;
  const std::string line = e.text + (e.text_pair ? "\t" + *e.text_pair : "");  // the input line, for text output
  if (token) {
    std::vector<std::string> words, labels;
    std::istringstream in(e.text);
    for (std::string w; in >> w;) words.push_back(w);
    for (size_t i = 0; i < words.size(); ++i) {
      const int32_t l = i < p.word_labels.size() ? p.word_labels[i] : -1;
      labels.push_back(l >= 0 ? names[static_cast<size_t>(l)] : "");
      text += (i ? " " : "") + words[i] + "/" + (l >= 0 ? names[static_cast<size_t>(l)] : "-");
    }
    j = {{"words", words}, {"labels", labels}};
  } else if (type == "regression" || (type.empty() && c.num_labels() == 1)) {
    j = {{"text", e.text}, {"value", p.value}};
    text = std::to_string(p.value) + "\t" + line;
  } else {
    nlohmann::json probs = nlohmann::json::object();
    for (size_t k = 0; k < names.size(); ++k) probs[names[k]] = p.probabilities[k];
    j["text"] = e.text;
    if (e.text_pair) j["text_pair"] = *e.text_pair;
    if (type == "multi_label_classification") {
      std::vector<std::string> on;
      for (size_t k = 0; k < names.size(); ++k)
        if (p.probabilities[k] > 0.5f) on.push_back(names[k]);
      j["labels"] = on;
      std::string joined;
      for (const std::string& n : on) joined += (joined.empty() ? "" : ",") + n;
      text = joined + "\t" + line;
    } else {
      const size_t best = static_cast<size_t>(std::max_element(p.probabilities.begin(), p.probabilities.end()) -
                                              p.probabilities.begin());
      j["label"] = names[best];
      j["probability"] = p.probabilities[best];
      char prob[32];
      std::snprintf(prob, sizeof prob, "%.4f", p.probabilities[best]);
      text = names[best] + "\t" + prob + "\t" + line;
    }
    j["probabilities"] = probs;
  }
  return json_out ? j.dump() : text;
}

// The examples of `chunk`, lines that follow `offset` lines of the input `name`: their line numbers,
// and those an error names ("name:line:…"), count from the start of the input.
std::vector<bert::TextExample> read_chunk(const std::string& chunk, const std::string& name, size_t offset) {
  std::istringstream in(chunk);
  try {
    std::vector<bert::TextExample> examples = bert::read_text_lines(in, name);
    for (bert::TextExample& e : examples) e.line += offset;
    return examples;
  } catch (const nn::Error& e) {
    const std::string message = e.what(), prefix = name + ":";
    if (message.compare(0, prefix.size(), prefix) != 0) throw;
    size_t end = prefix.size();
    while (end < message.size() && std::isdigit(static_cast<unsigned char>(message[end]))) ++end;
    if (end == prefix.size()) throw;
    const size_t line = std::stoull(message.substr(prefix.size(), end - prefix.size())) + offset;
    throw nn::Error(prefix + std::to_string(line) + message.substr(end));
  }
}

// Classifies the lines of `in` (named `name` in errors) batch by batch, printing as it goes.
void classify_stream(std::istream& in, const std::string& name, const bert::TaskModel& model,
                     const bert::Tokenizer& tok, size_t batch, int64_t max_length, bool json_out) {
  const bool token = dynamic_cast<const bert::BertForTokenClassification*>(&model) != nullptr;
  size_t line_offset = 0;
  for (bool more = true; more;) {
    std::string chunk;
    size_t lines = 0, nonblank = 0;
    for (std::string line; nonblank < batch && std::getline(in, line); ++lines) {
      chunk += line + "\n";
      nonblank += line.find_first_not_of(" \t\r") != std::string::npos;
    }
    more = nonblank == batch;
    if (nonblank == 0) break;
    std::vector<bert::TextExample> examples = read_chunk(chunk, name, line_offset);
    line_offset += lines;
    bert::TaskDataset data;
    if (token) {
      std::vector<std::vector<std::string>> sentences;
      for (const bert::TextExample& e : examples) {
        std::istringstream words(e.text);
        sentences.emplace_back();
        for (std::string w; words >> w;) sentences.back().push_back(w);
      }
      data = bert::TaskDataset::unlabelled_words(sentences, tok, max_length);
    } else {
      data = bert::TaskDataset::unlabelled(examples, tok, max_length);
    }
    const std::vector<bert::Prediction> preds = bert::predict(model, data, batch);
    for (size_t i = 0; i < examples.size(); ++i)
      std::printf("%s\n", format_prediction(examples[i], preds[i], model.config(), token, json_out).c_str());
    std::fflush(stdout);
  }
}

int run(int argc, char** argv) {
  const cli::Args args(argc, argv, {"--model", "--format", "--batch-size", "--max-length", "--threads", "--precision"}, {});
  if (args.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.has("--model")) throw cli::UsageError("give the fine-tuned model with --model DIR");
  const std::string format = args.get("--format", "json");
  if (format != "json" && format != "text") throw cli::UsageError("--format must be json or text");
  if (args.has("--threads")) nn::set_num_threads(static_cast<int>(args.get_int("--threads", 0, 1, 1024)));
  nn::kernels::set_gemm_precision(
      cli::parse_value(args, "--precision", "fp32", [](const std::string& s) { return nn::kernels::parse_gemm_precision(s); }));
  const size_t batch = static_cast<size_t>(args.get_int("--batch-size", 32, 1, 65536));
  const std::string dir = args.get("--model");
  const std::unique_ptr<bert::TaskModel> model = bert::load_pretrained(dir);
  if (!dynamic_cast<const bert::BertForSequenceClassification*>(model.get()) &&
      !dynamic_cast<const bert::BertForTokenClassification*>(model.get()))
    throw nn::Error(dir + ": the model is a " + model->architecture() +
                    "; classify needs a fine-tuned BertForSequenceClassification or BertForTokenClassification");
  const int64_t max_length = args.get_int("--max-length", std::min<int64_t>(128, model->config().max_position_embeddings),
                                          3, model->config().max_position_embeddings);
  const bert::Tokenizer tok = bert::Tokenizer::load(dir + "/vocab.txt", bert::load_lower_case(dir));
  std::vector<std::string> files = args.positional();
  if (files.empty()) files = {"-"};
  for (const std::string& f : files) {
    if (f == "-") {
      classify_stream(std::cin, "stdin", *model, tok, batch, max_length, format == "json");
      continue;
    }
    std::ifstream in(f, std::ios::binary);
    if (!in) throw nn::Error(f + ": cannot read the file");
    classify_stream(in, f, *model, tok, batch, max_length, format == "json");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return cli::run(kUsage, [&] { return run(argc, argv); }); }
