// atomic_file.h — crash-safe file replacement for checkpoints and configs: write a temporary
// file `<path>.tmp.<pid>` in the target's directory, fsync it, rename it over the target, fsync
// the directory. A reader sees either the old file or the complete new one, never a torn write.
// Temporary files left by a crash are removed by remove_stale_temp_files().
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace nn {

// The open temporary file handed to an atomic_write callback; write() appends bytes to it.
class FileWriter {
 public:
  FileWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  // Appends n bytes (retrying short writes); throws nn::Error naming the file and strerror.
  void write(const void* data, size_t n);
  // Appends a byte string.
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }

 private:
  int fd_;
  std::string path_;  // the target path, for error messages
};

// Replaces `path` atomically with what `fill` writes. On any failure (the callback throwing,
// ENOSPC, EACCES, a missing directory) the temporary file is removed, the previous file is left
// intact, and the error propagates (system failures as nn::Error naming the path and strerror).
void atomic_write(const std::string& path, const std::function<void(FileWriter&)>& fill);

// Replaces `path` atomically with `bytes`.
void atomic_write(const std::string& path, std::string_view bytes);

// Removes the files `<name>.tmp.<pid>` in `dir` whose writer process no longer exists (left by a
// crash during atomic_write); returns the removed paths. Throws nn::Error if `dir` cannot be
// listed or a stale file cannot be removed.
std::vector<std::string> remove_stale_temp_files(const std::string& dir);

}  // namespace nn
