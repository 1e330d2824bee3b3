// sentence_embeddings.cc — load a BERT checkpoint directory and turn sentences into vectors
// (mean of the last hidden states over the real tokens), then print their cosine similarities.
//
//   sentence_embeddings MODEL_DIR "first sentence" "second sentence" ...
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bert/checkpoint.h"
#include "bert/tokenizer/tokenizer.h"
#include "core/autograd.h"
#include "core/ops.h"

// Mean of h (T,H) over its T rows.
static std::vector<float> mean_rows(const std::vector<float>& h, int64_t T, int64_t H) {
  std::vector<float> out(static_cast<size_t>(H), 0.f);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t j = 0; j < H; ++j) out[static_cast<size_t>(j)] += h[static_cast<size_t>(t * H + j)] / static_cast<float>(T);
  return out;
}

static double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb + 1e-30);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL_DIR SENTENCE...\n", argv[0]);
    return 2;
  }
  try {
    const std::unique_ptr<bert::TaskModel> model = bert::load_pretrained(argv[1]);
    const bert::Tokenizer tok = bert::Tokenizer::load((std::filesystem::path(argv[1]) / "vocab.txt").string(),
                                                      bert::load_lower_case(argv[1]));
    nn::NoGradGuard no_grad;  // inference: no graph
    std::vector<std::vector<float>> vecs;
    for (int i = 2; i < argc; ++i) {
      const bert::Encoding e = tok.encode_single(argv[i]);
      const int64_t T = static_cast<int64_t>(e.size()), H = model->config().hidden_size;
      const std::vector<int64_t> ids(e.ids.begin(), e.ids.end());
      const nn::Tensor h = model->encoder().forward(nn::Tensor::from_ids({1, T}, ids), nn::Tensor(), nn::Tensor()).sequence_output;
      vecs.push_back(mean_rows(h.to_vector(), T, H));
    }
    for (size_t i = 0; i < vecs.size(); ++i)
      for (size_t j = i + 1; j < vecs.size(); ++j)
        std::printf("cos(%zu, %zu) = %.4f\n", i, j, cosine(vecs[i], vecs[j]));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
