// corpus_feed.cc — placeholder until the data pipeline lands.
#include "bert/train/corpus_feed.h"

namespace bert {

std::unique_ptr<CorpusFeed> CorpusFeed::open(const std::vector<std::string>&, const std::string&, int64_t,
                                             TrainConfig&, double) {
  nn::fail("pretrain: corpus training is not wired yet; use --synthetic");
}

std::unique_ptr<CorpusFeed> CorpusFeed::reopen(const TrainConfig&) { nn::fail("pretrain: corpus resume not wired yet"); }

std::string default_corpus_path() { return ""; }

}  // namespace bert
