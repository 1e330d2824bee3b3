// ch07_pretraining_data.cc — chapter 7 of docs/learn: what BERT is trained to predict — masked
// tokens (the 80/10/10 rule), the next sentence, and sequences packed several to a row.
//
// Makes pretraining instances from a generated corpus with the library's own rules
// (bert::create_instances, Google's create_pretraining_data.py) and counts: how many tokens each
// sequence masks, what became of each masked token ([MASK], unchanged, random), that [CLS]/[SEP]
// are never masked, how often B is a random sentence; then packs MLM sequences into rows by
// first-fit-decreasing (bert::pack_rows) and measures the padding saved. Draws masking.svg and
// packing.svg.
//
//   ch07_pretraining_data [FIGURE_DIR]
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "args.h"
#include "bert/data/corpus.h"
#include "bert/data/instances.h"
#include "bert/data/packing.h"
#include "bert/tokenizer/tokenizer.h"
#include "bert/tokenizer/trainer.h"
#include "check.h"
#include "plot.h"
#include "tiny_model.h"

int main(int argc, char** argv) {
  const learn::Args args = learn::parse_args(argc, argv, false);
  try {
    // --- A corpus: 300 generated documents of 3–6 sentences, a WordPiece vocabulary trained on it.
    std::vector<std::vector<std::string>> documents;
    std::vector<std::string> all_text;
    nn::Generator gen(7);
    for (int d = 0; d < 300; ++d) {
      const learn::Topic& topic = learn::topics()[static_cast<size_t>(d) % learn::topics().size()];
      documents.emplace_back();
      for (int64_t s = 0, n = gen.randint(3, 6); s < n; ++s) {
        documents.back().push_back(learn::topic_sentence(topic, gen));
        all_text.push_back(documents.back().back());
      }
    }
    bert::TrainerOptions topt;
    topt.vocab_size = 320;
    const bert::Tokenizer tok(bert::Vocab(bert::train_wordpiece(bert::count_words_in_texts(all_text, topt), topt)));
    bert::Corpus corpus;
    for (const auto& doc : documents) {
      std::vector<std::vector<int32_t>> sentences;
      for (const std::string& s : doc) sentences.push_back(tok.encode(s));
      corpus.add_document(sentences);
    }
    const bert::MaskingVocab mv = bert::MaskingVocab::from_vocab(tok.vocab());
    std::printf("corpus: %zu documents, %zu sentences, %zu tokens; vocabulary %zu\n", corpus.num_documents(),
                corpus.num_sentences(), corpus.num_tokens(), tok.vocab().size());

    // --- MLM + NSP instances, ten passes (each pass draws new pairs and masks: dynamic masking).
    bert::InstanceOptions io;
    io.objective = bert::Objective::mlm_nsp;
    io.max_seq_length = 64;
    std::vector<bert::Instance> instances;
    for (uint64_t pass = 0; pass < 10; ++pass) {
      std::vector<bert::Instance> p = bert::create_instances(corpus, io, mv, pass);
      instances.insert(instances.end(), p.begin(), p.end());
    }
    // One instance as the model sees it, with the originals of its masked tokens.
    const bert::Instance& first = instances.front();
    std::string shown;
    for (size_t i = 0, m = 0; i < first.tokens.size(); ++i) {
      shown += tok.vocab().token(first.tokens[i]);
      if (m < first.masked_positions.size() && first.masked_positions[m] == static_cast<int32_t>(i))
        shown += "{" + tok.vocab().token(first.masked_labels[m++]) + "}";
      shown += " ";
    }
    std::printf("an instance (masked originals in braces), next_sentence_label %d:\n  %s\n", first.next_sentence_label, shown.c_str());

    int64_t wrong_count = 0, masked_special = 0, to_mask = 0, unchanged = 0, random = 0, random_next = 0;
    for (const bert::Instance& inst : instances) {
      wrong_count += static_cast<int64_t>(inst.masked_positions.size()) != bert::num_to_predict(inst.tokens.size(), io);
      random_next += inst.next_sentence_label == 1;
      for (size_t m = 0; m < inst.masked_positions.size(); ++m) {
        const int32_t now = inst.tokens[static_cast<size_t>(inst.masked_positions[m])], was = inst.masked_labels[m];
        masked_special += was == mv.cls || was == mv.sep;
        if (now == mv.mask) ++to_mask;
        else if (now == was) ++unchanged;
        else ++random;
      }
    }
    const double total = static_cast<double>(to_mask + unchanged + random);
    std::printf("\n%zu instances, %.0f masked positions: [MASK] %.4f, unchanged %.4f, random token %.4f; B random in %.3f\n",
                instances.size(), total, to_mask / total, unchanged / total, random / total,
                static_cast<double>(random_next) / static_cast<double>(instances.size()));
    learn::check_below("instances whose mask count is not min(20, max(1, round(0.15 n)))", static_cast<double>(wrong_count), 0.5);
    learn::check_below("[CLS]/[SEP] positions masked", static_cast<double>(masked_special), 0.5);
    learn::check_below("share replaced by [MASK] (|share - 0.8|)", std::abs(to_mask / total - 0.8), 0.02);
    learn::check_below("share left unchanged (|share - 0.1|)", std::abs(unchanged / total - 0.1), 0.02);
    learn::check_below("share replaced by a random token (|share - 0.1|)", std::abs(random / total - 0.1), 0.02);
    // Half of the pairs take a random B — plus every chunk of a single sentence, which has no B of its
    // own: so a little over one half.
    const double random_share = static_cast<double>(random_next) / static_cast<double>(instances.size());
    learn::check_below("pairs whose B is random: at least half (0.5 - share)", 0.5 - random_share, 0.01);
    learn::check_below("pairs whose B is random: not far over half (share)", random_share, 0.75);
    learn::Axes ma{"what became of the masked tokens, measured over " + learn::fmt(total, 6) + " of them", "", "share", 560, 300};
    learn::save_figure(args.figures, "masking.svg",
                       learn::bar_chart({"[MASK]", "unchanged", "random token"},
                                        {{"rule", {0.8, 0.1, 0.1}}, {"measured", {to_mask / total, unchanged / total, random / total}}}, ma));

    // --- Packing: MLM sequences (one pass) into rows of 64 tokens, first-fit-decreasing.
    bert::InstanceOptions mo = io;
    mo.objective = bert::Objective::mlm;
    const std::vector<bert::Instance> seqs = bert::create_instances(corpus, mo, mv, 0);
    std::vector<uint32_t> order(seqs.size());
    std::iota(order.begin(), order.end(), 0u);
    const size_t cap = static_cast<size_t>(mo.max_seq_length);
    const std::vector<std::vector<uint32_t>> rows = bert::pack_rows(seqs, order, cap, 0, 1);
    size_t tokens = 0, longest = 0;
    for (const bert::Instance& s : seqs) tokens += s.tokens.size(), longest = std::max(longest, s.tokens.size());
    std::vector<int> seen(seqs.size(), 0);
    size_t overfull = 0;
    for (const auto& row : rows) {
      size_t used = 0;
      for (const uint32_t i : row) ++seen[i], used += seqs[i].tokens.size();
      overfull += used > cap;
    }
    size_t not_once = 0;
    for (const int s : seen) not_once += s != 1;
    const double pad_one_per_row = 1 - static_cast<double>(tokens) / static_cast<double>(seqs.size() * cap);
    const double pad_packed = 1 - static_cast<double>(tokens) / static_cast<double>(rows.size() * cap);
    std::printf("\npacking %zu sequences (%zu tokens, longest %zu) into rows of %zu: %zu rows instead of %zu; "
                "padding %.1f%% → %.1f%%\n", seqs.size(), tokens, longest, cap, rows.size(), seqs.size(),
                100 * pad_one_per_row, 100 * pad_packed);
    learn::check_below("sequences not in exactly one packed row", static_cast<double>(not_once), 0.5);
    learn::check_below("packed rows longer than 64 tokens", static_cast<double>(overfull), 0.5);
    learn::check_below("padding share packed / one sequence per row", pad_packed / pad_one_per_row, 0.5);

    // Figure: the sequences of the first packed rows, one per row (left) and packed (right).
    const size_t shown_rows = std::min<size_t>(rows.size(), 8);
    std::vector<uint32_t> members;
    for (size_t r = 0; r < shown_rows; ++r) members.insert(members.end(), rows[r].begin(), rows[r].end());
    const double unit = 4, rh = 14, top = 56, panel = unit * static_cast<double>(cap);
    const double width = 40 + 2 * panel + 60;
    learn::Canvas fig(width, top + 30 + rh * static_cast<double>(members.size()));
    fig.text(width / 2, 20, "the sequences of the first " + std::to_string(shown_rows) + " packed rows (rows of " +
                                std::to_string(cap) + " tokens; grey: padding)", "middle", 13);
    fig.text(20, top - 10, "one sequence per row: " + std::to_string(members.size()) + " rows", "start", 12);
    fig.text(80 + panel, top - 10, "packed: " + std::to_string(shown_rows) + " rows", "start", 12);
    for (size_t k = 0; k < members.size(); ++k) {
      const double len = static_cast<double>(seqs[members[k]].tokens.size()), y = top + rh * static_cast<double>(k);
      fig.rect(20, y, unit * len, rh - 2, learn::color(k));
      fig.rect(20 + unit * len, y, panel - unit * len, rh - 2, "#e4e4e4");
    }
    size_t k = 0;
    for (size_t r = 0; r < shown_rows; ++r) {
      double x = 80 + panel;
      const double y = top + rh * static_cast<double>(r);
      for (size_t j = 0; j < rows[r].size(); ++j, ++k) {
        const double len = static_cast<double>(seqs[rows[r][j]].tokens.size());
        fig.rect(x, y, unit * len, rh - 2, learn::color(k), "#fff");
        x += unit * len;
      }
      fig.rect(x, y, 80 + 2 * panel - x, rh - 2, "#e4e4e4");
    }
    learn::save_figure(args.figures, "packing.svg", fig.svg());
    return learn::finish();
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "error: %s\n", ex.what());
    return 1;
  }
}
