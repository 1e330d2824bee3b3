// inspect — look inside a checkpoint on one text: attention of every head, the logit lens,
// hidden-state norms, parameter counts against the closed form and, with --gradcheck, a
// finite-difference check of the gradient. Writes one self-contained HTML page and prints a
// summary (or the same numbers as JSON). The work is bert/inspect/ (libbert); this lays it out.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "apps/cli.h"
#include "bert/checkpoint.h"
#include "bert/inspect/inspection_report.h"
#include "core/threads.h"

namespace {

const char* kUsage =
    "usage: inspect --model DIR --text TEXT [--out PAGE.html] [--format text|json] [--top-k K]\n"
    "               [--gradcheck] [--threads N]\n"
    "  Runs the model (masked LM, causal LM or classifier) on TEXT and writes PAGE.html (default\n"
    "  inspect.html): the tokens and ids; every head's attention map (layer x head overview, click one\n"
    "  to see it large; open the page at #layer=L&head=H to start there) and its role (where its\n"
    "  attention goes: previous/next token, self, [CLS], [SEP], or broad); for each [MASK] (or a\n"
    "  causal model's next token) the top K predictions (default 5) after each layer (logit lens);\n"
    "  each token's hidden-state norm through the layers; parameter counts against the closed form;\n"
    "  and with --gradcheck, backpropagated gradients of a few parameters against central differences.\n"
    "  Prints a summary to stdout; --format json prints the page's numbers as JSON instead.\n"
    "  --out - writes no page.\n";

int run(int argc, char** argv) {
  const cli::Args args(argc, argv, {"--model", "--text", "--out", "--format", "--top-k", "--threads"}, {"--gradcheck"});
  if (args.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.has("--model")) throw cli::UsageError("--model is required");
  if (!args.has("--text")) throw cli::UsageError("--text is required");
  if (!args.positional().empty()) throw cli::UsageError("unexpected argument '" + args.positional()[0] + "'");
  const std::string format = args.get("--format", "text");
  if (format != "text" && format != "json") throw cli::UsageError("--format must be text or json");
  bert::InspectOptions options;
  options.top_k = static_cast<int>(args.get_int("--top-k", 5, 1, 1000));
  options.gradcheck = args.flag("--gradcheck");
  if (args.has("--threads")) nn::set_num_threads(static_cast<int>(args.get_int("--threads", 0, 1, 1024)));
  const std::string text = args.get("--text");
  NN_CHECK(text.find_first_not_of(" \t\r\n") != std::string::npos, "inspect: --text is empty");

  const std::string dir = args.get("--model");
  NN_CHECK(std::filesystem::is_directory(dir), dir, ": no such model directory");
  const std::unique_ptr<bert::TaskModel> model = bert::load_pretrained(dir);
  const std::string vocab = (std::filesystem::path(dir) / "vocab.txt").string();
  NN_CHECK(std::filesystem::exists(vocab), dir, ": vocab.txt is missing");
  const bert::Tokenizer tokenizer = bert::Tokenizer::load(vocab, bert::load_lower_case(dir));

  bert::Inspection inspection = bert::inspect_text(*model, tokenizer, text, options);
  inspection.model = dir;
  const std::string out = args.get("--out", "inspect.html");
  if (out != "-") {
    std::ofstream page(out, std::ios::binary);
    NN_CHECK(page, out, ": cannot write the page");
    page << bert::inspection_html(inspection);
    page.close();
    NN_CHECK(page, out, ": writing the page failed");
  }
  if (format == "json") {
    std::printf("%s\n", bert::inspection_json(inspection).c_str());
  } else {
    std::fputs(bert::inspection_text(inspection).c_str(), stdout);
    if (out != "-") std::printf("page: %s\n", out.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return cli::run(kUsage, [&] { return run(argc, argv); }); }
