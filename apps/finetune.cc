// finetune — a pretrained BERT checkpoint + a labelled file in, a fine-tuned classifier out
// (README "Fine-tuning"): sequence classification from TSV/CSV/JSON lines, token classification
// from CoNLL files.
#include <cstdio>
#include <filesystem>
#include <map>

#include "apps/cli.h"
#include "apps/ranks.h"
#include "apps/train_progress.h"
#include "bert/checkpoint.h"
#include "bert/config.h"
#include "bert/data/task_data.h"
#include "bert/data/task_data_labels.h"
#include "bert/data/task_dataset.h"
#include "bert/task/registry.h"
#include "bert/tokenizer/tokenizer.h"
#include "bert/train/run_dir.h"
#include "bert/train/task_feed.h"
#include "bert/train/trainer.h"
#include "core/autograd.h"
#include "core/kernels/gemm.h"
#include "core/threads.h"

namespace fs = std::filesystem;

namespace {

const char* kUsage =
    "usage: finetune --model DIR --train FILE [--eval FILE] [--out DIR] [--task sequence|token]\n"
    "                [--text-column NAME] [--text-pair-column NAME] [--label-column NAME]\n"
    "                [--format auto|tsv|csv|jsonl] [--problem-type single|multi|regression]\n"
    "                [--positive-label NAME] [--max-length N] [--batch-size N] [--epochs N | --steps N]\n"
    "                [--lr X] [--warmup-ratio X] [--weight-decay X] [--max-grad-norm X] [--dropout X]\n"
    "                [--metric NAME] [--seed N] [--threads N] [--precision fp32|bf16] [--eval-every N]\n"
    "                [--log-every N] [--keep N] [--random-init] [--resume DIR] [--profile]\n"
    "                [--zero 0|1] [--recompute]\n"
    "  Fine-tunes the checkpoint in --model (any nnbert or HuggingFace BERT directory) on --train:\n"
    "  sequence classification (BertForSequenceClassification) from TSV/CSV with a header row\n"
    "  (columns by name: text/sentence/sentence1, text_pair/sentence2, label by default) or JSON lines\n"
    "  ({\"text\": …, \"label\": …}); token classification (BertForTokenClassification) from CoNLL files\n"
    "  (word<TAB>tag per line, blank line between sentences; chosen for .conll/.iob/.bio files or with\n"
    "  --task token). Labels may be names or numbers; the label map goes into config.json.\n"
    "  --problem-type: single (default), multi (labels separated by commas; binary cross-entropy) or\n"
    "  regression (numeric labels; mean squared error). A binary task's positive class (for f1) is\n"
    "  --positive-label, by default the rarer label of the training file.\n"
    "  Defaults are the published BERT recipe: AdamW lr 3e-5, batch 32, 3 epochs, 10% warmup then\n"
    "  linear decay, weight decay 0.01, dropout 0.1 (whatever the checkpoint was pretrained with; set it\n"
    "  with --dropout), max length 128 (examples cut to it are counted). The eval file\n"
    "  is scored after every epoch (accuracy, macro-F1, F1 of the positive class, MCC and a confusion\n"
    "  matrix; Pearson/Spearman for regression); the model with the best --metric (default: f1 for\n"
    "  binary tasks, accuracy for other classification, pearson for regression, macro_f1 for tokens)\n"
    "  is kept in DIR/best and is the final model in DIR. Checkpoints every epoch (the last --keep);\n"
    "  Ctrl-C saves and stops; --resume DIR continues exactly with the run's own settings (only\n"
    "  --steps or --epochs to extend it, and --keep, --log-every, --threads, --precision, --profile,\n"
    "  --zero, --recompute). --zero 1 (under mpirun): each rank keeps AdamW's moments for its 1/N of the\n"
    "  parameters. --recompute keeps only each encoder layer's input from the forward and recomputes\n"
    "  the layer during backward: far less activation memory for about one more forward of the encoder\n"
    "  per step; the same result bit for bit.\n"
    "  --random-init trains the same architecture from random weights (the baseline that shows what\n"
    "  pretraining brings).\n";

// Reads a --problem-type value.
std::string parse_target(const std::string& s) {
  if (s == "single" || s == "single_label_classification") return "single";
  if (s == "multi" || s == "multi_label_classification") return "multi";
  if (s == "regression") return "regression";
  throw cli::UsageError("--problem-type must be single, multi or regression, got '" + s + "'");
}

// HF's name of a target.
std::string problem_type_name(const std::string& target) {
  return target == "single" ? "single_label_classification"
         : target == "multi" ? "multi_label_classification"
                             : "regression";
}

bert::LabelTarget label_target(const std::string& target) {
  return target == "single" ? bert::LabelTarget::single
         : target == "multi" ? bert::LabelTarget::multi
                             : bert::LabelTarget::regression;
}

// The file read as the run says (sequence tasks).
bert::ExampleFile read_examples(const bert::TaskDataOptions& o, const std::string& path) {
  bert::ExampleOptions eo;
  eo.columns = {o.text_column, o.pair_column, o.label_column, false};
  eo.label_kind = o.target == "regression" ? bert::LabelKind::numeric : bert::LabelKind::categorical;
  eo.format = bert::parse_table_format(o.format);
  return bert::read_classification_file(path, eo);
}

// Every class name of a file (multi-label fields split on commas).
std::vector<std::string> label_names(const bert::ExampleFile& f, bool multi) {
  std::vector<std::string> names;
  for (const bert::TextExample& e : f.examples) {
    if (!multi) {
      names.push_back(e.label);
      continue;
    }
    size_t start = 0;
    while (start <= e.label.size()) {
      const size_t comma = std::min(e.label.find(',', start), e.label.size());
      std::string n = e.label.substr(start, comma - start);
      n.erase(0, n.find_first_not_of(" \t"));
      n.erase(n.find_last_not_of(" \t") + 1);
      if (!n.empty()) names.push_back(n);
      start = comma + 1;
    }
  }
  return names;
}

// The label map of a new run: the reader's stable order, except that a binary task puts its
// positive class (given, or the rarer label) at id 1, as F1 of class 1 is what is reported.
std::vector<std::string> order_labels(const std::vector<std::string>& all, const std::string& positive) {
  const bert::LabelMap map = bert::LabelMap::from_labels(all);
  std::vector<std::string> names = map.names();
  if (!positive.empty() && !map.find(positive))
    throw cli::UsageError("--positive-label '" + positive + "' is not a label of the training file (" + map.describe() + ")");
  if (names.size() != 2) return names;
  std::string pos = positive;
  if (pos.empty()) {
    std::map<std::string, int64_t> count;
    for (const std::string& n : all) ++count[n];
    pos = count[names[0]] < count[names[1]] ? names[0] : names[1];
  }
  if (names[1] != pos) std::swap(names[0], names[1]);
  return names;
}

// The metric a run keeps its best model by, unless --metric says otherwise.
std::string default_metric(const bert::TaskDataOptions& o, size_t num_labels) {
  if (o.task == "token") return "macro_f1";
  if (o.target == "regression") return "pearson";
  if (o.target == "multi") return "f1";
  return num_labels == 2 ? "f1" : "accuracy";
}

// Throws a usage error unless `metric` is one the model's evaluation reports (tried on the first
// held-out batch, without gradients, so a wrong name is caught before any training).
void check_metric(bert::TaskModel& model, const bert::TaskDataset& eval, const std::string& metric) {
  bert::EvalReport report;
  {
    nn::NoGradGuard no_grad;
    model.eval();
    const std::vector<size_t> first = {0};
    const bert::Batch b = eval.batch(first);
    const std::unique_ptr<bert::Evaluator> evaluator = model.make_evaluator();
    evaluator->add(b, model.compute_loss(b));
    report = evaluator->report();
    model.train();
  }
  if (report.has(metric)) return;
  std::string names;
  for (const auto& [name, value] : report.metrics) names += (names.empty() ? "" : ", ") + name;
  throw cli::UsageError("--metric " + metric + ": this task's evaluation reports " + names);
}

struct Data {
  std::shared_ptr<bert::TaskDataset> train;
  std::unique_ptr<bert::TaskDataset> eval;
};

// Reads and encodes the run's files with the labels of `config` (id2label).
Data load_data(const bert::TaskDataOptions& o, const bert::Tokenizer& tok, const bert::BertConfig& config) {
  Data d;
  const bert::LabelMap labels(o.target == "regression" ? std::vector<std::string>{"value"} : config.labels());
  if (o.task == "token") {
    d.train = std::make_shared<bert::TaskDataset>(
        bert::TaskDataset::tokens(bert::read_conll_file(o.train_file), o.train_file, tok, labels, o.max_length));
    if (!o.eval_file.empty())
      d.eval = std::make_unique<bert::TaskDataset>(
          bert::TaskDataset::tokens(bert::read_conll_file(o.eval_file), o.eval_file, tok, labels, o.max_length));
  } else {
    d.train = std::make_shared<bert::TaskDataset>(bert::TaskDataset::sequences(
        read_examples(o, o.train_file), tok, labels, label_target(o.target), o.max_length));
    if (!o.eval_file.empty())
      d.eval = std::make_unique<bert::TaskDataset>(bert::TaskDataset::sequences(
          read_examples(o, o.eval_file), tok, labels, label_target(o.target), o.max_length));
  }
  std::fprintf(stderr, "data: %zu training examples%s, %zu held out; %lld cut to %lld tokens%s\n", d.train->size(),
               "", d.eval ? d.eval->size() : 0,
               static_cast<long long>(d.train->truncated() + (d.eval ? d.eval->truncated() : 0)),
               static_cast<long long>(o.max_length), d.train->truncated() ? " (raise --max-length to keep more)" : "");
  return d;
}

int run(int argc, char** argv) {
  const cli::Args args(argc, argv,
                       {"--model", "--train", "--eval", "--out", "--task", "--text-column", "--text-pair-column",
                        "--label-column", "--format", "--problem-type", "--positive-label", "--max-length",
                        "--batch-size", "--epochs", "--steps", "--lr", "--warmup-ratio", "--weight-decay",
                        "--max-grad-norm", "--dropout", "--metric", "--seed", "--threads", "--zero", "--precision",
                        "--eval-every", "--log-every", "--keep", "--resume"},
                       {"--random-init", "--profile", "--recompute"});
  if (args.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.positional().empty()) throw cli::UsageError("unexpected argument '" + args.positional()[0] + "'");
  if (args.has("--threads")) nn::set_num_threads(static_cast<int>(args.get_int("--threads", 0, 1, 1024)));
  const int zero_stage = static_cast<int>(args.get_int("--zero", 0, 0, 1));
  nn::kernels::set_gemm_precision(cli::training_precision(args));
  cli::stop_on_signals();
  cli::join_ranks(args.has("--threads"));  // under mpirun: rank 0 speaks, each rank its share of the cores

  bert::TrainConfig cfg;
  std::unique_ptr<bert::TaskModel> model;
  std::string resume_from;
  Data data;
  if (args.has("--resume")) {
    for (const char* o : {"--model", "--train", "--eval", "--task", "--text-column", "--text-pair-column",
                          "--label-column", "--format", "--problem-type", "--positive-label", "--max-length",
                          "--batch-size", "--lr", "--warmup-ratio", "--weight-decay", "--max-grad-norm", "--dropout",
                          "--metric", "--seed", "--eval-every", "--out"})
      if (args.has(o)) throw cli::UsageError(std::string(o) + ": a resumed run keeps the settings it started with");
    if (args.flag("--random-init"))
      throw cli::UsageError("--random-init: a resumed run keeps the settings it started with");
    if (args.has("--epochs") && args.has("--steps")) throw cli::UsageError("give --epochs or --steps, not both");
    resume_from = bert::run_dir::find_checkpoint(args.get("--resume"));
    cfg = bert::run_dir::prepare_resume(resume_from).config;
    std::vector<std::string> files = {cfg.task_data.train_file};
    if (!cfg.task_data.eval_file.empty()) files.push_back(cfg.task_data.eval_file);
    bert::check_inputs_unchanged(cfg.task_data.inputs, files);
    model = bert::load_pretrained(resume_from);
    const bert::Tokenizer tok = bert::Tokenizer::load(cfg.vocab_path, cfg.lower_case);
    data = load_data(cfg.task_data, tok, model->config());
    std::fprintf(stderr, "resuming %s from %s\n", cfg.out_dir.c_str(), resume_from.c_str());
  } else {
    if (!args.has("--model")) throw cli::UsageError("give the pretrained checkpoint with --model DIR");
    if (!args.has("--train")) throw cli::UsageError("give the labelled training file with --train FILE");
    if (args.has("--epochs") && args.has("--steps")) throw cli::UsageError("give --epochs or --steps, not both");
    // Every option value is checked before the checkpoint and the data are read (usage errors first).
    cfg.seed = static_cast<uint64_t>(args.get_int("--seed", 42, 0, int64_t{1} << 62));
    cfg.batch_size = args.get_int("--batch-size", 32, 1, 65536);
    cfg.lr = args.get_double("--lr", 3e-5, 0, 10);
    cfg.weight_decay = args.get_double("--weight-decay", 0.01, 0, 10);
    cfg.max_grad_norm = args.get_double("--max-grad-norm", 1.0, 1e-6, 1e9);
    const float dropout = static_cast<float>(args.get_double("--dropout", 0.1, 0, 0.99));
    const double warmup_ratio = args.get_double("--warmup-ratio", 0.1, 0, 1);
    args.get_int("--steps", 1, 1, int64_t{1} << 40);
    args.get_int("--epochs", 3, 1, 100000);
    args.get_int("--eval-every", 1, 1, int64_t{1} << 40);
    args.get_int("--log-every", 1, 1, int64_t{1} << 40);
    args.get_int("--keep", 1, 1, 1000);
    const std::string source = args.get("--model");
    bert::TaskDataOptions& o = cfg.task_data;
    o.train_file = fs::absolute(args.get("--train")).string();
    if (args.has("--eval")) o.eval_file = fs::absolute(args.get("--eval")).string();
    const std::string ext = fs::path(o.train_file).extension().string();
    o.task = args.get("--task", ext == ".conll" || ext == ".iob" || ext == ".bio" ? "token" : "sequence");
    if (o.task != "sequence" && o.task != "token") throw cli::UsageError("--task must be sequence or token");
    o.format = args.get("--format", "auto");
    o.text_column = args.get("--text-column");
    o.pair_column = args.get("--text-pair-column");
    o.label_column = args.get("--label-column");
    o.target = o.task == "token" ? "single" : parse_target(args.get("--problem-type", "single"));
    o.max_length = args.get_int("--max-length", 128, 3, 1 << 20);

    // The checkpoint's config with the task's labels.
    if (!fs::is_directory(source)) throw nn::Error(source + ": no such model directory");
    if (!fs::exists(fs::path(source) / "config.json"))
      throw nn::Error(source + ": not a model directory (config.json is missing)");
    const std::string vocab = (fs::path(source) / "vocab.txt").string();
    if (!fs::exists(vocab)) throw nn::Error(source + ": vocab.txt is missing (the tokenizer of the checkpoint)");
    bert::BertConfig mc = bert::BertConfig::load((fs::path(source) / "config.json").string());
    const bert::Tokenizer tok = bert::Tokenizer::load(vocab, bert::load_lower_case(source));
    if (o.max_length > mc.max_position_embeddings)
      throw cli::UsageError("--max-length " + std::to_string(o.max_length) + " exceeds the model's " +
                            std::to_string(mc.max_position_embeddings) + " positions");
    if (o.task == "token") {
      std::vector<std::string> tags;
      for (const bert::TokenSentence& s : bert::read_conll_file(o.train_file)) tags.insert(tags.end(), s.tags.begin(), s.tags.end());
      mc.id2label = bert::LabelMap::from_labels(tags).names();
    } else if (o.target == "regression") {
      mc.id2label = {"LABEL_0"};
    } else {
      mc.id2label = order_labels(label_names(read_examples(o, o.train_file), o.target == "multi"),
                                 args.get("--positive-label"));
    }
    if ((o.task == "token" || o.target == "single") && mc.id2label.size() == 1) {  // nothing to tell apart
      const bool token = o.task == "token";
      throw nn::Error(o.train_file + (token ? ": every word has the tag '" : ": every example has the label '") +
                      mc.id2label[0] + "'; classification needs at least two " + (token ? "tags" : "labels"));
    }
    mc.problem_type = o.task == "token" ? "" : problem_type_name(o.target);
    mc.architectures = {o.task == "token" ? "BertForTokenClassification" : "BertForSequenceClassification"};
    mc.is_decoder = false;
    {  // BERT's published fine-tuning dropout, whatever the checkpoint was pretrained with (a short
       // pretraining recipe turns dropout off; fine-tuning on a few thousand examples needs it).
      mc.hidden_dropout_prob = mc.attention_probs_dropout_prob = dropout;
      mc.classifier_dropout.reset();
    }
    if (args.flag("--random-init")) {
      model = bert::make_task_model(mc.architectures[0], mc, cfg.seed);
      std::fprintf(stderr, "model: %s from random weights (--random-init), %.1fM parameters\n",
                   mc.architectures[0].c_str(), model->num_parameters() / 1e6);
    } else {
      bert::TaskModelFromCheckpoint loaded = bert::load_pretrained_as(source, mc.architectures[0], mc, cfg.seed);
      model = std::move(loaded.model);
      std::string fresh;
      for (const std::string& n : loaded.initialised) fresh += (fresh.empty() ? "" : ", ") + n;
      std::fprintf(stderr, "model: %s from %s, %.1fM parameters; newly initialised: %s\n", mc.architectures[0].c_str(),
                   source.c_str(), model->num_parameters() / 1e6, fresh.empty() ? "none" : fresh.c_str());
    }
    std::string names;
    for (const std::string& n : mc.labels()) names += (names.empty() ? "" : ", ") + n;
    if (o.target != "regression")
      std::fprintf(stderr, "labels (%zu): %s%s\n", mc.labels().size(), names.c_str(),
                   mc.labels().size() == 2 ? (" — positive class (f1): " + mc.labels()[1]).c_str() : "");
    data = load_data(o, tok, mc);
    if (args.has("--metric")) {
      if (!data.eval)
        throw cli::UsageError("--metric: give the held-out file with --eval (the best model is chosen on it)");
      check_metric(*model, *data.eval, args.get("--metric"));
    }
    std::vector<std::string> files = {o.train_file};
    if (!o.eval_file.empty()) files.push_back(o.eval_file);
    o.inputs = bert::fingerprint_inputs(files);

    cfg.out_dir = args.get("--out", "runs/finetune");
    std::error_code ec;
    fs::create_directories(cfg.out_dir, ec);
    NN_CHECK(!ec, cfg.out_dir, ": cannot create the output directory: ", ec.message());
    cfg.vocab_path = bert::run_dir::adopt_vocab(cfg.out_dir, vocab);
    cfg.lower_case = tok.lower_case();
    const int64_t per_epoch = bert::steps_per_epoch(data.train->size(), static_cast<size_t>(cfg.batch_size));
    cfg.total_steps = args.has("--steps") ? args.get_int("--steps", 0, 1, int64_t{1} << 40)
                                          : per_epoch * args.get_int("--epochs", 3, 1, 100000);
    cfg.warmup_steps = static_cast<int64_t>(warmup_ratio * static_cast<double>(cfg.total_steps));
    cfg.eval_every = o.eval_file.empty() ? 0 : args.get_int("--eval-every", per_epoch, 1, int64_t{1} << 40);
    cfg.save_every = per_epoch;
    cfg.best_metric = o.eval_file.empty() ? "" : args.get("--metric", default_metric(o, mc.labels().size()));
    cfg.greater_is_better = cfg.best_metric != "loss" && cfg.best_metric != "mse";
  }
  cfg.log_every = args.get_int("--log-every", cfg.log_every, 1, int64_t{1} << 40);
  cfg.keep_checkpoints = args.get_int("--keep", cfg.keep_checkpoints, 1, 1000);
  if (args.has("--resume") && args.has("--steps")) cfg.total_steps = args.get_int("--steps", 0, 1, int64_t{1} << 40);
  if (args.has("--resume") && args.has("--epochs"))
    cfg.total_steps = bert::steps_per_epoch(data.train->size(), static_cast<size_t>(cfg.batch_size)) *
                      args.get_int("--epochs", 3, 1, 100000);

  cfg.zero_stage = zero_stage;  // a launch setting (also when resuming)
  cfg.recompute = args.flag("--recompute");  // likewise
  bert::Trainer trainer(*model, cfg, bert::task_feed(data.train, data.eval.get(), static_cast<size_t>(cfg.batch_size), cfg.seed));
  if (!resume_from.empty()) trainer.resume(resume_from);
  const cli::ProgressPrinter printer;
  cli::StepProfiler profiler;
  const bool profile = args.flag("--profile");
  const bert::TrainSummary summary = trainer.run([&](const bert::ProgressEvent& e) {
    if (profile && e.kind == bert::ProgressEvent::Kind::Step) profiler.on_step(e.step);
    printer(e);
  });
  if (profile) profiler.print();
  std::printf("\nmodel saved in %s (%lld steps%s)\n", summary.final_dir.c_str(), static_cast<long long>(summary.steps),
              summary.interrupted ? ", interrupted" : "");
  if (summary.best_step >= 0)
    std::printf("best %s %.4f at step %lld: that model is the one in %s\n", cfg.best_metric.c_str(), summary.best_value,
                static_cast<long long>(summary.best_step), summary.final_dir.c_str());
  std::printf("loss curve: %s/loss.svg   metrics: %s/metrics.jsonl\n", cfg.out_dir.c_str(), cfg.out_dir.c_str());
  std::printf("try it:  classify --model %s FILE   (one text per line; text<TAB>pair for pairs)\n",
              summary.final_dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return cli::run(kUsage, [&] { return run(argc, argv); }); }
