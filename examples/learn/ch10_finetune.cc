// ch10_finetune.cc — chapter 10 of docs/learn: fine-tuning — a classifier head on a pretrained
// encoder, trained by the same loop as pretraining, as apps/finetune does it.
//
// Loads a pretrained checkpoint (--model DIR, or a tiny MLM trained here) as a
// BertForSequenceClassification with three labels (bert::load_pretrained_as: the encoder from the
// checkpoint, a new head), checks the head's gradient against (p − y)·pooledᵀ worked out by hand,
// then fine-tunes on a handful of labelled sentences (bert::TaskDataset, bert::task_feed,
// bert::Trainer) and compares with the same model trained from random weights (checked for the tiny
// model, whose pretraining corpus the task is drawn from; shown for a --model of your own). Draws
// finetune_accuracy.svg. The labelled data is generated: sentences of the tiny corpus's three
// topics (animals, cooking, computers), 8 per topic to train on, 30 per topic held out.
//
//   ch10_finetune [--model DIR] [FIGURE_DIR]
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "bert/checkpoint.h"
#include "bert/data/task_data.h"
#include "bert/data/task_data_labels.h"
#include "bert/data/task_dataset.h"
#include "bert/model/classification.h"
#include "bert/task/registry.h"
#include "bert/tokenizer/tokenizer.h"
#include "bert/train/task_feed.h"
#include "bert/train/trainer.h"
#include "check.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "plot.h"
#include "tiny_model.h"

using nn::Tensor;

// n sentences per topic, labelled by topic name, drawn with seed.
static bert::ExampleFile topic_examples(int n, uint64_t seed, const std::string& name) {
  bert::ExampleFile f;
  f.path = name;
  f.text_column = "text", f.label_column = "label";
  nn::Generator gen(seed);
  for (int i = 0; i < n; ++i)
    for (const learn::Topic& t : learn::topics()) {
      bert::TextExample e;
      e.text = learn::topic_sentence(t, gen);
      e.label = t.name;
      e.line = f.examples.size() + 2;
      f.examples.push_back(e);
    }
  return f;
}

struct Run {
  std::vector<double> steps, accuracy;
  double final_accuracy = 0;
};

// Fine-tunes `model` for `steps` steps (AdamW, lr 1e-3 with 10% warmup then decay, batch 8),
// evaluating every 3 steps.
static Run finetune(bert::TaskModel& model, const std::shared_ptr<bert::TaskDataset>& train, const bert::TaskDataset& eval,
                    const std::string& out_dir, int steps) {
  bert::TrainConfig cfg;
  cfg.batch_size = 8;
  cfg.total_steps = steps;
  cfg.lr = 1e-3;
  cfg.warmup_steps = steps / 10;
  cfg.eval_every = 3;
  cfg.save_every = 0;
  cfg.log_every = 3;
  cfg.out_dir = out_dir;
  bert::Trainer trainer(model, cfg, bert::task_feed(train, &eval, 8, 1));
  Run run;
  const bert::TrainSummary summary = trainer.run([&](const bert::ProgressEvent& e) {
    if (e.kind != bert::ProgressEvent::Kind::Eval) return;
    run.steps.push_back(static_cast<double>(e.step));
    run.accuracy.push_back(e.eval.get("accuracy"));
  });
  run.final_accuracy = summary.last_eval.get("accuracy");
  return run;
}

int main(int argc, char** argv) {
  const learn::Args args = learn::parse_args(argc, argv, true);
  try {
    const learn::TempDir tmp;
    const std::string dir = learn::model_or_tiny(args.model, tmp);
    const bert::Tokenizer tok = bert::Tokenizer::load(dir + "/vocab.txt", bert::load_lower_case(dir));
    const bert::LabelMap labels({"animals", "cooking", "computers"});
    bert::BertConfig config = bert::BertConfig::load(dir + "/config.json");
    config.id2label = labels.names();
    config.architectures = {"BertForSequenceClassification"};
    config.hidden_dropout_prob = 0.1f;  // BERT's fine-tuning dropout, whatever pretraining used

    // --- The head on the pretrained encoder: what load_pretrained_as keeps and what it makes new.
    bert::TaskModelFromCheckpoint pre = bert::load_pretrained_as(dir, "BertForSequenceClassification", config, 1);
    std::string fresh;
    for (const std::string& name : pre.initialised) fresh += " " + name;
    std::printf("from the checkpoint: every encoder weight; initialised fresh:%s\n", fresh.c_str());

    const auto train = std::make_shared<bert::TaskDataset>(
        bert::TaskDataset::sequences(topic_examples(8, 11, "train"), tok, labels, bert::LabelTarget::single, 32));
    const bert::TaskDataset eval = bert::TaskDataset::sequences(topic_examples(30, 12, "eval"), tok, labels, bert::LabelTarget::single, 32);
    std::printf("%zu training sentences, %zu held out\n", train->size(), eval.size());

    // --- The head's gradient by hand. logits = W·pooled + b, L = mean CE  ⇒
    // dL/dW = (1/B) Σ_b (softmax(logits_b) − onehot(y_b))·pooled_bᵀ,  dL/db = (1/B) Σ_b (p_b − y_b).
    {
      auto& model = static_cast<bert::BertForSequenceClassification&>(*pre.model);
      model.eval();  // no dropout: the gradient is a function of the weights
      const bert::Batch batch = train->batch(std::vector<size_t>{0, 1, 2, 3, 4, 5});
      model.zero_grad();
      model.compute_loss(batch).loss.backward();
      const bert::FullOutput out = model.forward_all(batch.input_ids, batch.token_type_ids, batch.attention_mask);
      const std::vector<float> pooled = out.pooled_output.to_vector(), p = nn::softmax(out.logits).to_vector();
      const std::vector<int64_t> y = batch.labels.to_ids();
      const int64_t B = static_cast<int64_t>(y.size()), C = 3, H = config.hidden_size;
      std::vector<float> dW(static_cast<size_t>(C * H), 0.f);
      for (int64_t b = 0; b < B; ++b)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t h = 0; h < H; ++h)
            dW[c * H + h] += static_cast<float>((p[b * C + c] - (c == y[b] ? 1.0 : 0.0)) * pooled[b * H + h] / B);
      learn::check_below("classifier dL/dW = mean (p - y) pooled^T (max rel diff)",
                         learn::max_rel_diff(model.classifier.weight.grad().to_vector(), dW), 1e-5);
      model.zero_grad();
      model.train();
    }

    // --- Fine-tuning, and the same from random weights (the same architecture, nothing pretrained).
    const int steps = 60;
    std::unique_ptr<bert::TaskModel> scratch = bert::make_task_model("BertForSequenceClassification", config, 1);
    const Run tuned = finetune(*pre.model, train, eval, tmp.path() + "/finetuned", steps);
    const Run baseline = finetune(*scratch, train, eval, tmp.path() + "/scratch", steps);
    std::printf("held-out accuracy after %d steps on %zu sentences: pretrained %.3f, from random weights %.3f\n", steps,
                train->size(), tuned.final_accuracy, baseline.final_accuracy);
    double area_tuned = 0, area_scratch = 0;  // mean accuracy over the run: how fast it got there
    for (const double a : tuned.accuracy) area_tuned += a / static_cast<double>(tuned.accuracy.size());
    for (const double a : baseline.accuracy) area_scratch += a / static_cast<double>(baseline.accuracy.size());
    std::printf("mean held-out accuracy over the run: pretrained %.3f, from random weights %.3f\n", area_tuned, area_scratch);
    // The task is made from the tiny corpus, so the tiny model's pretraining is on the task's own
    // distribution: that is the claim checked. A model given with --model was pretrained on other
    // text (and its size may want other settings): its numbers are shown, not judged.
    if (args.model.empty()) {
      learn::check_below("fine-tuned classifier's held-out error (1 - accuracy)", 1 - tuned.final_accuracy, 0.1);
      learn::check_below("mean accuracy over the run, random weights minus pretrained", area_scratch - area_tuned, 0);
    } else {
      std::printf("(a model of your own was pretrained on other text than these generated sentences: no check on the comparison)\n");
    }

    learn::Axes ax{"held-out accuracy while fine-tuning on 24 sentences", "step", "accuracy", 640, 320};
    ax.y_from_zero = true;
    learn::save_figure(args.figures, "finetune_accuracy.svg",
                       learn::line_chart({{"pretrained encoder", tuned.steps, tuned.accuracy, false, true},
                                          {"random weights", baseline.steps, baseline.accuracy, false, true}},
                                         ax));
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "error: %s\n", ex.what());
    return 1;
  }
  return learn::finish();
}
