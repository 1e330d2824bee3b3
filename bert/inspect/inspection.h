// inspection.h — everything apps/inspect shows about one model on one text, gathered in one
// structure by inspect_text(); the JSON, the text summary and the HTML page are all rendered
// from it (inspection_report.h), so they always agree.
//
// One traced forward (trace.h) gives the attention probabilities of every head and the hidden
// states; from them: each head's role (head_roles.h), the norm of each token through the layers
// (norms.h), and the logit lens (logit_lens.h) at each [MASK] of a masked LM or at the last
// position of a causal LM (its next-token prediction). The parameter table (param_count.h) and,
// when asked, a finite-difference gradient check (gradcheck.h) complete it.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "bert/inspect/gradcheck.h"
#include "bert/inspect/head_roles.h"
#include "bert/inspect/logit_lens.h"
#include "bert/inspect/param_count.h"
#include "bert/tokenizer/tokenizer.h"

namespace bert {

// The model input inspect_text() builds for a text: [CLS] text [SEP] for masked LMs and
// classifiers; [SEP] text for causal LMs ([SEP] opens each document of the stream they are
// pretrained on: documents joined by [SEP], bert/eval/eval_text.h).
struct InspectInput {
  std::vector<int32_t> ids, token_type_ids;
  std::vector<std::string> tokens;
};

// The input for `text`; throws nn::Error when the text has no tokens or more than the model's
// max_position_embeddings.
InspectInput inspection_input(const TaskModel& model, const Tokenizer& tokenizer, const std::string& text);

struct InspectOptions {
  int top_k = 5;                       // tokens per layer in the logit lens
  double role_threshold = 0.5;         // head_role()'s threshold
  bool gradcheck = false;              // run gradient_check_input()
  GradCheckOptions gradcheck_options;
};

struct Inspection {
  std::string model;         // where the model came from (e.g. its directory), for titles
  std::string architecture;  // e.g. "BertForMaskedLM"
  BertConfig config;
  bool causal = false;
  std::string text;
  InspectInput input;
  // attention[l][h] is head h of layer l: T×T row-major, row i the query at position i, column j
  // the key at position j.
  std::vector<std::vector<std::vector<float>>> attention;
  std::vector<HeadSummary> heads;               // every head, layer by layer
  std::vector<std::string> hidden_state_names;  // "embeddings", "layer 0", …, "layer L−1"
  std::vector<std::vector<float>> hidden_norms;  // [state][token]
  std::string lens_target;                      // "[MASK]", "next token", or "" (no LM head)
  std::vector<LensPosition> lens;               // per [MASK] / the last position; tokens filled
  ParameterTable parameters;
  std::optional<GradCheckReport> gradcheck;
};

// Inspects `model` on `text` (see the file comment). The forward runs without gradients; the
// gradient check, if asked, runs with them.
Inspection inspect_text(const TaskModel& model, const Tokenizer& tokenizer, const std::string& text,
                        const InspectOptions& options = {});

}  // namespace bert
