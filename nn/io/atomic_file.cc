// atomic_file.cc — temp file + fsync + rename + directory fsync, and cleanup of crash leftovers.
#include "nn/io/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace nn {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTempMarker = ".tmp.";

// Throws nn::Error "<what> '<path>': <strerror(err)>".
[[noreturn]] void fail_errno(const char* what, const std::string& path, int err) {
  fail(what, " '", path, "': ", std::strerror(err));
}

// The directory holding `path` ("." for a bare file name).
std::string parent_dir(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// fsyncs a directory so a rename inside it survives a crash.
void sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail_errno("atomic_write: cannot open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) fail_errno("atomic_write: cannot fsync directory", dir, err);
}

// Runs `fill` on the open temporary file, fsyncs and closes it (the fd is closed in every case).
void fill_and_sync(int fd, const std::string& path,
                   const std::function<void(FileWriter&)>& fill) {
  try {
    FileWriter writer(fd, path);
    fill(writer);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail_errno("atomic_write: cannot fsync", path, err);
  }
  if (::close(fd) != 0) fail_errno("atomic_write: cannot close", path, errno);
}

// The pid of a temporary file name `<name>.tmp.<pid>`, or -1 if the name is not of that form.
long temp_file_pid(const std::string& name) {
  const size_t at = name.rfind(kTempMarker);
  if (at == std::string::npos || at == 0) return -1;
  const char* first = name.data() + at + kTempMarker.size();
  const char* last = name.data() + name.size();
  long pid = -1;
  const auto [end, ec] = std::from_chars(first, last, pid);
  if (ec != std::errc() || end != last || first == last || pid <= 0) return -1;
  return pid;
}

// True when no process with this pid exists.
bool process_gone(long pid) {
  return pid > static_cast<long>(INT32_MAX) ||
         (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
}

}  // namespace

void FileWriter::write(const void* data, size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t k = ::write(fd_, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) fail_errno("atomic_write: cannot write", path_, errno);
    p += k;
    n -= static_cast<size_t>(k);
  }
}

void atomic_write(const std::string& path, const std::function<void(FileWriter&)>& fill) {
  const std::string temp = path + std::string(kTempMarker) + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail_errno("atomic_write: cannot create a temporary file for", path, errno);
  try {
    fill_and_sync(fd, path, fill);
    if (::rename(temp.c_str(), path.c_str()) != 0)
      fail_errno("atomic_write: cannot rename the temporary file over", path, errno);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
  sync_dir(parent_dir(path));
}

void atomic_write(const std::string& path, std::string_view bytes) {
  atomic_write(path, [bytes](FileWriter& w) { w.write(bytes); });
}

std::vector<std::string> remove_stale_temp_files(const std::string& dir) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  std::vector<std::string> removed;
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& file = it->path();
    const long pid = temp_file_pid(file.filename().string());
    std::error_code file_ec;
    if (pid < 0 || !it->is_regular_file(file_ec) || !process_gone(pid)) continue;
    if (fs::remove(file, file_ec)) removed.push_back(file.string());
    if (file_ec)
      fail("remove_stale_temp_files: cannot remove '", file.string(), "': ", file_ec.message());
  }
  if (ec) fail("remove_stale_temp_files: cannot list '", dir, "': ", ec.message());
  return removed;
}

}  // namespace nn
