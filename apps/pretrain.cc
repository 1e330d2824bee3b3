// pretrain — the main job: text in, a trained BERT checkpoint out (see README "Pretraining").
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "apps/cli.h"
#include "apps/ranks.h"
#include "apps/train_progress.h"
#include "bert/checkpoint.h"
#include "bert/train/corpus_feed.h"
#include "bert/tokenizer/vocab.h"
#include "bert/task/registry.h"
#include "bert/train/run_dir.h"
#include "bert/train/synthetic.h"
#include "bert/train/trainer.h"
#include "core/kernels/gemm.h"
#include "core/threads.h"
#include "nn/io/read_file.h"

namespace fs = std::filesystem;

namespace {

const char* kUsage =
    "usage: pretrain [--corpus PATH]... [--out DIR] [--model-config tiny|mini|small|medium|base|large|FILE.json]\n"
    "                [--vocab FILE | --vocab-size N] [--objective mlm+nsp|mlm|clm] [--seq-len N]\n"
    "                [--batch-size N] [--grad-accum N] [--steps N | --epochs N | --minutes M] [--lr X]\n"
    "                [--warmup-steps N] [--weight-decay X] [--max-grad-norm X] [--dropout X] [--seed N]\n"
    "                [--threads N] [--eval-every N] [--save-every N] [--log-every N]\n"
    "                [--eval-fraction X | --eval-file FILE] [--keep N] [--resume DIR] [--synthetic]\n"
    "                [--cased] [--whole-word-masking] [--static-masking] [--mask-prob X] [--no-pack]\n"
    "                [--group-by-length N] [--layers N] [--hidden N] [--heads N] [--intermediate N]\n"
    "                [--precision fp32|bf16] [--save-bf16] [--profile] [--zero 0|1] [--recompute]\n"
    "  Trains BERT on text files or directories (default: data/foldoc/foldoc.txt under the current\n"
    "  directory, where scripts/get-corpus.sh puts the FOLDOC corpus).\n"
    "  Without --vocab, a WordPiece vocabulary of --vocab-size tokens is trained on the corpus first.\n"
    "  Checkpoints go to DIR/checkpoint-N (the last --keep), the final model to DIR itself, with\n"
    "  metrics.jsonl and loss.svg. Ctrl-C or SIGTERM stops after the current step and saves; twice quits.\n"
    "  Defaults: the recipe that learned most in 5 minutes on 2 cores (docs/RECIPE.md): tiny model\n"
    "  without dropout, vocabulary of 8000, MLM only (15% masked), batch 32 packed rows of 64 tokens,\n"
    "  lr 2e-3 with linear warmup (10%) and decay to 0, for 5 minutes of training (--minutes 5: the\n"
    "  step count that fills the budget is fixed from the speed of the first steps), eval every 500\n"
    "  steps on 2% held-out documents. --steps N or --epochs N stop after a count instead. A model\n"
    "  learns only the positions it trains on: for fine-tuning on inputs longer than 64 tokens,\n"
    "  pretrain with that --seq-len (scripts/pretrain-large.sh uses 128).\n"
    "  Packing (MLM objectives; --no-pack turns it off) fills each row with several instances, each\n"
    "  attending only to itself, so almost no compute goes to padding. A progress line and a\n"
    "  metrics.jsonl record every --log-every steps (default 10; also step 1 and the last).\n"
    "  --dropout X: dropout of a preset model (default 0; a --model-config FILE keeps its own).\n"
    "  --eval-file FILE: held-out text given explicitly (the whole corpus trains); with --objective clm\n"
    "  the evaluation then also reports bits per character of FILE, as `evaluate` computes them.\n"
    "  --cased: keep case (cased vocabulary; do_lower_case false in tokenizer_config.json).\n"
    "  --mask-prob X: the share of tokens masked (default 0.15). --whole-word-masking /\n"
    "  --static-masking (MLM objectives): mask whole words / cycle 5 fixed maskings instead of new\n"
    "  masks every epoch. --group-by-length N (--no-pack): batches hold instances of\n"
    "  similar length (runs of N batches sorted by length, then shuffled; default 50, 0 = random\n"
    "  batches), so little compute goes to padding. --layers/--hidden/--heads/--intermediate override\n"
    "  the --model-config sizes (heads default hidden/64, intermediate 4×hidden). A clm model gets\n"
    "  max_position_embeddings = --seq-len: it never sees later positions.\n"
    "  --precision bf16: matrix products take bf16 operands with fp32 accumulation; weights, optimizer,\n"
    "  softmax, LayerNorm and loss stay fp32 (about 2x the GEMM rate on AVX512-BF16 CPUs).\n"
    "  --save-bf16 writes the final model's weights in bf16 (half the size; checkpoint-N stay fp32).\n"
    "  --profile prints, at the end, time per op (forward and backward) and GEMM GFLOP/s per step.\n"
    "  --zero 1 (under mpirun): each rank keeps AdamW's moments for its 1/N of the parameters only\n"
    "  (ZeRO-1: the optimizer's memory divided by N; the same result bit for bit).\n"
    "  --recompute keeps only each encoder layer's input from the forward and recomputes the layer\n"
    "  during backward: far less activation memory (long sequences, large batches) for about one more\n"
    "  forward of the encoder per step; the same result bit for bit.\n"
    "  --resume DIR continues a run (DIR or its newest checkpoint-N) with the settings it started with\n"
    "  (options that repeat them are accepted; others are refused), except --steps/--epochs/--minutes,\n"
    "  --eval-every, --save-every, --log-every, --keep, --threads, --precision, --save-bf16, --profile,\n"
    "  --zero, --recompute.\n"
    "  The run owns DIR/vocab.txt; its corpus and held-out files must be unchanged (if they moved,\n"
    "  give their new locations with --corpus / --eval-file).\n";

std::string default_run_name() {
  char buf[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(buf, sizeof buf, "runs/%Y%m%d-%H%M%S", std::localtime(&now));
  return buf;
}

// The --model-config preset or file, with --layers/--hidden/--heads/--intermediate applied.
bert::BertConfig model_config(const cli::Args& args, int64_t vocab_size) {
  const std::string spec = args.get("--model-config", "tiny");
  const bool from_file = spec.size() > 5 && spec.substr(spec.size() - 5) == ".json";
  bert::BertConfig c = from_file ? bert::BertConfig::load(spec) : cli::parse_value(args, "--model-config", "tiny", [&](const std::string& s) {
    return bert::BertConfig::preset(s, vocab_size);
  });
  c.vocab_size = vocab_size;
  c.num_hidden_layers = args.get_int("--layers", c.num_hidden_layers, 1, 1000);
  if (args.has("--hidden")) {
    c.hidden_size = args.get_int("--hidden", 0, 1, 1 << 16);
    c.num_attention_heads = std::max<int64_t>(1, c.hidden_size / 64);
    c.intermediate_size = 4 * c.hidden_size;
  }
  c.num_attention_heads = args.get_int("--heads", c.num_attention_heads, 1, 1 << 12);
  c.intermediate_size = args.get_int("--intermediate", c.intermediate_size, 1, 1 << 20);
  // A preset pretrains without dropout unless asked (docs/RECIPE.md: short runs underfit, and
  // dropout only slows them); a config file keeps its own rate.
  if (args.has("--dropout") || !from_file)
    c.hidden_dropout_prob = c.attention_probs_dropout_prob = static_cast<float>(args.get_double("--dropout", 0.0, 0, 0.99));
  c.validate();
  return c;
}

// The run settings the command line asks for (defaults where an option is absent; warmup −1:
// chosen from the step count later).
bert::TrainConfig train_config_from(const cli::Args& args) {
  bert::TrainConfig cfg;
  cfg.objective = cli::parse_value(args, "--objective", "mlm", [](const std::string& s) { return bert::parse_objective(s); });
  cfg.out_dir = args.get("--out", default_run_name());
  cfg.seq_len = args.get_int("--seq-len", 64, 8, 4096);
  cfg.batch_size = args.get_int("--batch-size", 32, 1, 65536);
  cfg.grad_accum = args.get_int("--grad-accum", 1, 1, 65536);
  cfg.lr = args.get_double("--lr", 2e-3, 0, 10);
  cfg.warmup_steps = args.get_int("--warmup-steps", -1, 0, int64_t{1} << 40);
  cfg.weight_decay = args.get_double("--weight-decay", 0.01, 0, 10);
  cfg.max_grad_norm = args.get_double("--max-grad-norm", 1.0, 1e-6, 1e9);
  cfg.seed = static_cast<uint64_t>(args.get_int("--seed", 42, 0, int64_t{1} << 62));
  cfg.eval_every = args.get_int("--eval-every", 500, 0, int64_t{1} << 40);
  cfg.log_every = args.get_int("--log-every", 10, 1, int64_t{1} << 40);
  cfg.save_every = args.get_int("--save-every", 250, 0, int64_t{1} << 40);
  cfg.keep_checkpoints = args.get_int("--keep", 2, 1, 1000);
  // With no --steps or --epochs, the run stops after --minutes of training (default 5).
  cfg.max_minutes = args.has("--steps") || args.has("--epochs") ? 0 : args.get_double("--minutes", 5, 0.01, 1e7);
  cfg.lower_case = !args.flag("--cased");
  cfg.save_bf16 = args.flag("--save-bf16");
  bert::FeedOptions& o = cfg.data_options;
  o.eval_fraction = args.get_double("--eval-fraction", 0.02, 0, 0.5);
  o.eval_file = args.get("--eval-file");
  o.whole_word_masking = args.flag("--whole-word-masking");
  o.dynamic_masking = !args.flag("--static-masking");
  o.masked_lm_prob = args.get_double("--mask-prob", 0.15, 0.01, 0.9);
  o.pack = cfg.objective != bert::Objective::clm && !args.flag("--no-pack");  // --pack: the default, said explicitly
  o.group_by_length = args.get_int("--group-by-length", 50, 0, 100000);
  return cfg;
}

// With --resume, the command line may repeat the run's own (so `pretrain … --resume DIR` works
// with the command that started the run), but an option that asks for something else than the run
// recorded is refused: the run continues with the settings it started with.
void check_resume_options(const cli::Args& args, const bert::TrainConfig& run, const bert::BertConfig& model) {
  using nlohmann::json;
  const bert::TrainConfig asked = train_config_from(args);
  const bert::BertConfig asked_model = model_config(args, model.vocab_size);
  const auto sizes = [](const bert::BertConfig& c) {
    return json{c.num_hidden_layers, c.hidden_size, c.num_attention_heads, c.intermediate_size,
                c.hidden_dropout_prob, c.attention_probs_dropout_prob};
  };
  struct Setting { const char* option; json asked, recorded; };
  const Setting settings[] = {
      {"--objective", asked.objective, run.objective}, {"--seq-len", asked.seq_len, run.seq_len},
      {"--batch-size", asked.batch_size, run.batch_size}, {"--grad-accum", asked.grad_accum, run.grad_accum},
      {"--lr", asked.lr, run.lr}, {"--warmup-steps", asked.warmup_steps, run.warmup_steps},
      {"--weight-decay", asked.weight_decay, run.weight_decay},
      {"--max-grad-norm", asked.max_grad_norm, run.max_grad_norm}, {"--seed", asked.seed, run.seed},
      {"--cased", !asked.lower_case, !run.lower_case},
      {"--eval-fraction", asked.data_options.eval_fraction, run.data_options.eval_fraction},
      {"--whole-word-masking", asked.data_options.whole_word_masking, run.data_options.whole_word_masking},
      {"--static-masking", !asked.data_options.dynamic_masking, !run.data_options.dynamic_masking},
      {"--mask-prob", asked.data_options.masked_lm_prob, run.data_options.masked_lm_prob},
      {"--pack", asked.data_options.pack, run.data_options.pack},
      {"--no-pack", asked.data_options.pack, run.data_options.pack},
      {"--group-by-length", asked.data_options.group_by_length, run.data_options.group_by_length},
      {"--synthetic", true, run.corpus.empty()},
      {"--model-config", sizes(asked_model), sizes(model)}, {"--layers", sizes(asked_model), sizes(model)},
      {"--hidden", sizes(asked_model), sizes(model)}, {"--heads", sizes(asked_model), sizes(model)},
      {"--intermediate", sizes(asked_model), sizes(model)}, {"--dropout", sizes(asked_model), sizes(model)},
  };
  for (const Setting& s : settings)
    if ((args.has(s.option) || args.flag(s.option)) && s.asked != s.recorded)
      throw cli::UsageError(std::string(s.option) + ": the run was started with " + s.recorded.dump() +
                            " (asked: " + s.asked.dump() + "); a resumed run keeps the settings in its "
                            "trainer_state.json — drop the option, or start a new run");
  if (args.has("--out") && fs::weakly_canonical(args.get("--out")) != fs::weakly_canonical(run.out_dir))
    throw cli::UsageError("--out " + args.get("--out") + ": the run resumed is in " + run.out_dir +
                          " and continues there");
  if (args.has("--vocab") && (run.vocab_path.empty() || nn::read_file(args.get("--vocab")) != nn::read_file(run.vocab_path)))
    throw cli::UsageError("--vocab " + args.get("--vocab") + ": not the run's vocabulary (" + run.vocab_path + ")");
}


int run(int argc, char** argv) {
  const cli::Args args(argc, argv,
                       {"--corpus", "--out", "--model-config", "--vocab", "--vocab-size", "--objective", "--seq-len",
                        "--batch-size", "--grad-accum", "--steps", "--epochs", "--minutes", "--lr", "--warmup-steps",
                        "--weight-decay", "--max-grad-norm", "--dropout", "--seed", "--threads", "--zero", "--eval-every", "--log-every",
                        "--save-every", "--eval-fraction", "--eval-file", "--keep", "--resume", "--layers", "--hidden",
                        "--heads", "--intermediate", "--precision", "--group-by-length", "--mask-prob"},
                       {"--synthetic", "--cased", "--whole-word-masking", "--static-masking", "--profile",
                        "--save-bf16", "--pack", "--no-pack", "--recompute"});
  if (args.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.positional().empty()) throw cli::UsageError("unexpected argument '" + args.positional()[0] + "'");
  const int stop_options = args.has("--steps") + args.has("--epochs") + args.has("--minutes");
  if (stop_options > 1) throw cli::UsageError("give at most one of --steps, --epochs, --minutes");
  if (args.has("--vocab") && args.has("--vocab-size")) throw cli::UsageError("give --vocab or --vocab-size, not both");
  if (args.flag("--pack") && args.flag("--no-pack")) throw cli::UsageError("give --pack or --no-pack, not both");
  if (args.flag("--pack") && args.get("--objective") == "clm")
    throw cli::UsageError("--pack: packing is for the masked objectives (mlm, mlm+nsp); clm blocks are full already");
  if (args.has("--threads")) nn::set_num_threads(static_cast<int>(args.get_int("--threads", 0, 1, 1024)));
  const int zero_stage = static_cast<int>(args.get_int("--zero", 0, 0, 1));
  nn::kernels::set_gemm_precision(cli::training_precision(args));
  cli::stop_on_signals();
  cli::join_ranks(args.has("--threads"));  // under mpirun: rank 0 speaks, each rank its share of the cores

  bert::TrainConfig cfg;
  std::unique_ptr<bert::TaskModel> model;
  std::unique_ptr<bert::CorpusFeed> data;
  std::string resume_from;
  if (args.has("--resume")) {
    resume_from = bert::run_dir::find_checkpoint(args.get("--resume"));
    cfg = bert::run_dir::prepare_resume(resume_from).config;  // the run continues where it is now
    model = bert::load_pretrained(resume_from);
    check_resume_options(args, cfg, model->config());
    // What may change between sessions: the stop, logging and saving, and where the inputs are now.
    if (args.has("--steps")) {
      cfg.total_steps = args.get_int("--steps", 0, 1, int64_t{1} << 40);
      cfg.max_minutes = 0;  // a step count replaces the run's time budget
    }
    if (args.has("--minutes")) cfg.max_minutes = args.get_double("--minutes", 0, 0, 1e7);
    cfg.eval_every = args.get_int("--eval-every", cfg.eval_every, 0, int64_t{1} << 40);
    cfg.save_every = args.get_int("--save-every", cfg.save_every, 0, int64_t{1} << 40);
    cfg.log_every = args.get_int("--log-every", cfg.log_every, 1, int64_t{1} << 40);
    cfg.keep_checkpoints = args.get_int("--keep", cfg.keep_checkpoints, 1, 1000);
    if (args.has("--corpus")) cfg.corpus = args.all("--corpus");
    if (args.has("--eval-file")) cfg.data_options.eval_file = args.get("--eval-file");
    std::fprintf(stderr, "resuming %s from %s\n", cfg.out_dir.c_str(), resume_from.c_str());
  } else {
    cfg = train_config_from(args);
    const bert::FeedOptions feed_options = cfg.data_options;
    if (args.has("--eval-file") && args.has("--eval-fraction"))
      throw cli::UsageError("give --eval-fraction or --eval-file, not both");
    const bool synthetic = args.flag("--synthetic");
    if (synthetic && (args.has("--corpus") || args.has("--vocab") || args.has("--eval-file")))
      throw cli::UsageError("--synthetic trains on random ids: it takes no --corpus, --vocab or --eval-file");
    int64_t vocab_size = args.get_int("--vocab-size", synthetic ? 30522 : 8000, 16, 10000000);
    // Every option value is checked before the corpus is read (minutes of work for a large one).
    model_config(args, vocab_size);
    args.get_int("--steps", 1, 1, int64_t{1} << 40);
    args.get_int("--epochs", 1, 1, 1000000);
    if (!synthetic) {
      data = bert::CorpusFeed::open(args.all("--corpus"), args.get("--vocab"), vocab_size, cfg, feed_options);
      vocab_size = data->vocab_size();
    }
    bert::BertConfig mc = model_config(args, vocab_size);
    // A causal model is trained on blocks of exactly seq_len tokens: positions beyond would stay
    // untrained, so evaluate and generate (which default to the model's positions) stop there.
    mc.max_position_embeddings =
        cfg.objective == bert::Objective::clm ? cfg.seq_len : std::max(mc.max_position_embeddings, cfg.seq_len);
    if (args.has("--epochs")) {
      NN_CHECK(data, "--epochs needs a corpus (not --synthetic)");
      cfg.total_steps = data->steps_for_epochs(args.get_int("--epochs", 1, 1, 1000000));
    } else if (args.has("--steps")) {
      cfg.total_steps = args.get_int("--steps", 500, 1, int64_t{1} << 40);
    } else {
      // A time budget (--minutes, default 5): the steps that fill it are fixed from the speed of the
      // first steps (Trainer), and the schedule decays to 0 at its end.
      cfg.total_steps = 0;
    }
    model = bert::make_task_model(bert::architecture_for(cfg.objective), mc, cfg.seed);
    std::fprintf(stderr, "model: %s, %lld layers, hidden %lld, %.1fM parameters; %s, batch %lld × %lld tokens\n",
                 model->architecture().c_str(), static_cast<long long>(mc.num_hidden_layers),
                 static_cast<long long>(mc.hidden_size), model->num_parameters() / 1e6,
                 bert::objective_name(cfg.objective).c_str(), static_cast<long long>(cfg.batch_size),
                 static_cast<long long>(cfg.seq_len));
  }
  if (args.flag("--save-bf16")) cfg.save_bf16 = true;  // also when resuming
  if (!data && !cfg.corpus.empty()) {  // resuming: the same data, checked unchanged
    data = bert::CorpusFeed::reopen(cfg);
    if (args.has("--epochs")) cfg.total_steps = data->steps_for_epochs(args.get_int("--epochs", 1, 1, 1000000));
  }
  bert::DataFeed feed = data ? data->feed(cfg) : bert::synthetic_feed(model->config().vocab_size, cfg.batch_size, cfg.seq_len, cfg.seed);
  const bert::FrequencyBaselines baselines = feed.baselines;
  cfg.zero_stage = zero_stage;  // a launch setting (also when resuming)
  cfg.recompute = args.flag("--recompute");  // likewise
  bert::Trainer trainer(*model, cfg, std::move(feed));
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
  const bert::EvalReport& ev = summary.last_eval;
  const bool causal = cfg.objective == bert::Objective::clm;
  if (summary.evaluated)
    std::printf("held-out: loss %.4f, perplexity %.2f, %s accuracy %.3f\n", ev.get("loss"), ev.get("perplexity"),
                causal ? "next-token" : "MLM", ev.get(causal ? "acc" : "mlm_acc"));
  if (summary.evaluated && baselines.targets > 0)
    std::printf("baselines on the same held-out tokens: always \"%s\" (the most frequent) accuracy %.3f; "
                "unigram frequencies loss %.4f\n",
                bert::Vocab::load(cfg.vocab_path).token(baselines.top_id).c_str(), baselines.top_accuracy,
                baselines.unigram_loss);
  if (summary.evaluated && ev.has("bits_per_char"))
    std::printf("held-out: %.4f nats per character, %.4f bits per character\n", ev.get("nats_per_char"),
                ev.get("bits_per_char"));
  std::printf("loss curve: %s/loss.svg   metrics: %s/metrics.jsonl\n", cfg.out_dir.c_str(), cfg.out_dir.c_str());
  if (causal)
    std::printf("try it:  generate --model %s --prompt \"The\"\n", summary.final_dir.c_str());
  else
    std::printf("try it:  generate --model %s --prompt \"a [MASK] is a program that translates source code .\"\n",
                summary.final_dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return cli::run(kUsage, [&] { return run(argc, argv); }); }
