// run_dir.cc — checkpoint naming, rotation and trainer state of a run directory.
#include "bert/train/run_dir.h"

#include <algorithm>
#include <filesystem>
#include <utility>
#include <vector>

#include "core/error.h"
#include "nn/io/atomic_file.h"
#include "nn/io/read_file.h"

namespace bert::run_dir {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr const char* kStateFile = "trainer_state.json";
constexpr const char* kPrefix = "checkpoint-";

// checkpoint-N directories of run_dir (complete or not), by step.
std::vector<std::pair<int64_t, fs::path>> checkpoints(const std::string& run_dir) {
  std::vector<std::pair<int64_t, fs::path>> all;
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) return all;
  for (const auto& e : fs::directory_iterator(run_dir, ec)) {
    const int64_t step = checkpoint_step(e.path().filename().string());
    if (step >= 0 && e.is_directory(ec)) all.emplace_back(step, e.path());
  }
  std::sort(all.begin(), all.end());
  return all;
}

// Throws unless j is what a trainer state can be: nested at most 16 deep (copies and conversions
// of nlohmann values recurse) and with every float within int64's range (nlohmann casts a float
// read into an integer field, undefined behaviour beyond it). Iterative: j may be deep.
void check_state_json(const json& j, const std::string& path) {
  std::vector<std::pair<const json*, int>> todo{{&j, 0}};
  while (!todo.empty()) {
    const auto [v, depth] = todo.back();
    todo.pop_back();
    NN_CHECK(depth <= 16, path, ": invalid trainer state: nested too deeply");
    if (v->is_number_float()) {
      const double d = v->get<double>();
      NN_CHECK(d >= -0x1p63 && d < 0x1p63, path, ": invalid trainer state: number ", d, " out of range");
    }
    if (v->is_structured())
      for (const json& child : *v) todo.emplace_back(&child, depth + 1);
  }
}
}  // namespace

std::string checkpoint_name(int64_t step) { return kPrefix + std::to_string(step); }

int64_t checkpoint_step(const std::string& name) {
  if (name.rfind(kPrefix, 0) != 0) return -1;
  const std::string digits = name.substr(std::char_traits<char>::length(kPrefix));
  if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(digits);
}

std::string latest_checkpoint(const std::string& run_dir) {
  const auto all = checkpoints(run_dir);
  for (auto it = all.rbegin(); it != all.rend(); ++it)
    if (fs::exists(it->second / kStateFile)) return it->second.string();
  return "";
}

std::string find_checkpoint(const std::string& dir) {
  if (fs::exists(fs::path(dir) / kStateFile)) return dir;
  const std::string c = latest_checkpoint(dir);
  NN_CHECK(!c.empty(), dir, ": no checkpoint to resume from (no checkpoint-N with ", kStateFile, ")");
  return c;
}

void rotate(const std::string& run_dir, int64_t keep, int64_t just_saved) {
  auto all = checkpoints(run_dir);
  // The checkpoint just saved counts as the newest whatever its step.
  std::stable_partition(all.begin(), all.end(), [&](const auto& c) { return c.first != just_saved; });
  const size_t kept = static_cast<size_t>(std::max<int64_t>(keep, 1));
  for (size_t i = 0; i + kept < all.size(); ++i) {
    try {
      discard(all[i].second.string());
    } catch (const nn::Error&) {
      // An old checkpoint that cannot be removed stays; the run goes on.
    }
  }
}

void discard(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  fs::path trash(dir);
  if (!trash.has_filename()) trash = trash.parent_path();
  trash += ".discarded.tmp";
  fs::remove_all(trash, ec);
  fs::rename(dir, trash, ec);
  NN_CHECK(!ec, dir, ": cannot move the directory aside to delete it: ", ec.message());
  fs::remove_all(trash, ec);
}

void remove_leftovers(const std::string& run_dir) {
  nn::remove_stale_temp_files(run_dir);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(run_dir))
    if (e.is_directory() && e.path().extension() == ".tmp") fs::remove_all(e.path(), ec);
}

std::string best_dir(const std::string& run_dir) { return (fs::path(run_dir) / "best").string(); }

std::string vocab_file(const std::string& run_dir) { return (fs::path(run_dir) / "vocab.txt").string(); }

std::string adopt_vocab(const std::string& run_dir, const std::string& source) {
  const std::string target = fs::absolute(vocab_file(run_dir)).lexically_normal().string();
  std::error_code ec;
  if (fs::exists(target) && fs::equivalent(source, target, ec)) return target;
  nn::atomic_write(target, nn::read_file(source));
  return target;
}

void write_state(const std::string& checkpoint_dir, const TrainerState& s) {
  TrainConfig stored = s.config;
  stored.out_dir = ".";
  if (!stored.vocab_path.empty()) stored.vocab_path = "vocab.txt";
  const json j = {{"step", s.step}, {"tokens_seen", s.tokens_seen}, {"elapsed_s", s.elapsed_s},
                  {"data_position", s.data_position}, {"best_step", s.best_step}, {"best_value", s.best_value},
                  {"train_config", stored}};
  nn::atomic_write((fs::path(checkpoint_dir) / kStateFile).string(), j.dump(2) + "\n");
}

TrainerState read_state(const std::string& checkpoint_dir) {
  const std::string path = (fs::path(checkpoint_dir) / kStateFile).string();
  const json j = json::parse(nn::read_file(path), nullptr, false);
  NN_CHECK(!j.is_discarded() && j.is_object(), path, ": invalid JSON");
  check_state_json(j, path);
  TrainerState s;
  try {
    j.at("step").get_to(s.step);
    s.tokens_seen = j.value("tokens_seen", int64_t{0});
    s.elapsed_s = j.value("elapsed_s", 0.0);
    s.data_position = j.value("data_position", std::string());
    s.best_step = j.value("best_step", int64_t{-1});
    s.best_value = j.value("best_value", 0.0);
    json config = j.at("train_config");
    // States written before the data options were typed hold them as JSON text, and runs from
    // before length grouping had none (off).
    if (config.contains("data_options") && config["data_options"].is_string()) {
      json options = json::parse(config["data_options"].get<std::string>());
      check_state_json(options, path);
      if (!options.contains("group_by_length")) options["group_by_length"] = 0;
      config["data_options"] = options;
    }
    s.config = config.get<TrainConfig>();
  } catch (const json::exception& e) {
    nn::fail(path, ": invalid trainer state: ", e.what());
  } catch (const nn::Error& e) {
    nn::fail(path, ": invalid trainer state: ", e.what());
  }
  NN_CHECK(s.step >= 0, path, ": invalid trainer state: step ", s.step);
  fs::path dir = fs::absolute(checkpoint_dir).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "…/checkpoint-10/"
  const fs::path run = dir.parent_path();
  s.config.out_dir = run.string();
  if (!s.config.vocab_path.empty()) s.config.vocab_path = vocab_file(run.string());
  return s;
}

TrainerState prepare_resume(const std::string& checkpoint_dir) {
  TrainerState s = read_state(checkpoint_dir);
  if (!s.config.vocab_path.empty()) {
    const fs::path own = fs::path(checkpoint_dir) / "vocab.txt";
    NN_CHECK(fs::exists(own), checkpoint_dir, ": vocab.txt is missing (every checkpoint of a run keeps a copy)");
    if (!fs::exists(s.config.vocab_path) || nn::read_file(s.config.vocab_path) != nn::read_file(own.string()))
      adopt_vocab(s.config.out_dir, own.string());
  }
  return s;
}

}  // namespace bert::run_dir
