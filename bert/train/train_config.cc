// train_config.cc — JSON of objectives, and the input-file checks of a resumed run.
#include "bert/train/train_config.h"

#include <filesystem>

#include "core/error.h"
#include "nn/io/file_fingerprint.h"

namespace bert {
namespace fs = std::filesystem;

void to_json(nlohmann::json& j, const Objective& o) { j = objective_name(o); }

void from_json(const nlohmann::json& j, Objective& o) { o = parse_objective(j.get<std::string>()); }

std::string architecture_for(Objective objective) {
  static const char* const names[] = {"BertForPreTraining", "BertForMaskedLM", "BertLMHeadModel"};
  return names[static_cast<int>(objective)];
}

std::vector<InputFile> fingerprint_inputs(const std::vector<std::string>& files) {
  std::vector<InputFile> out;
  for (const std::string& f : files) {
    const nn::FileFingerprint p = nn::fingerprint_file(f);
    out.push_back({fs::absolute(f).string(), p.bytes, p.fnv1a64});
  }
  return out;
}

void check_inputs_unchanged(const std::vector<InputFile>& recorded, const std::vector<std::string>& files) {
  NN_CHECK(recorded.size() == files.size(), "resume: the run read ", recorded.size(), " input file(s), ",
           files.size(), " are given now; the data stream can only continue on the same files");
  for (size_t i = 0; i < files.size(); ++i) {
    const InputFile& r = recorded[i];
    const std::string moved = files[i] == r.path ? "" : " (recorded as '" + r.path + "')";
    NN_CHECK(fs::is_regular_file(files[i]), "resume: input file '", files[i], "'", moved,
             " no longer exists; restore it, or give its new location with --corpus / --eval-file");
    const nn::FileFingerprint now = nn::fingerprint_file(files[i]);
    NN_CHECK(now.bytes == r.bytes && now.fnv1a64 == r.fnv1a64, "resume: input file '", files[i], "'", moved,
             " has changed since the run started (", r.bytes, " bytes, hash ", r.fnv1a64, "; now ", now.bytes,
             " bytes, hash ", now.fnv1a64, "), so the data stream cannot continue where it stopped; restore the "
             "original file, or start a new run");
  }
}

}  // namespace bert
