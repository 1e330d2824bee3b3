// test_atomic_file.cc — atomic_write replaces files whole or not at all, and crash leftovers are
// cleaned up by remove_stale_temp_files.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "core/error.h"
#include "nn/io/atomic_file.h"

using namespace nn;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("nnbert_atomic_" + std::to_string(::getpid()) + "_" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Number of entries in a directory.
size_t entry_count(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

// A pid no process can have (above the kernel's pid_max limit of 2^22).
constexpr long kDeadPid = 99999999;

}  // namespace

TEST_CASE("atomic_write creates and replaces a file", "[atomic]") {
  TempDir dir;
  const std::string path = dir.file("config.json");
  atomic_write(path, std::string_view("first"));
  CHECK(read_all(path) == "first");
  atomic_write(path, [](FileWriter& w) {
    w.write("sec");
    w.write("ond", 3);
  });
  CHECK(read_all(path) == "second");
  CHECK(entry_count(dir.path) == 1);  // no temporary file left
}

TEST_CASE("atomic_write with a bare file name writes in the current directory", "[atomic]") {
  TempDir dir;
  const fs::path previous = fs::current_path();
  fs::current_path(dir.path);
  atomic_write("bare.txt", std::string_view("x"));
  fs::current_path(previous);
  CHECK(read_all(dir.file("bare.txt")) == "x");
}

TEST_CASE("a failing callback leaves the old file intact and no temporary file", "[atomic]") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  atomic_write(path, std::string_view("old contents"));
  CHECK_THROWS_WITH(atomic_write(path,
                                 [](FileWriter& w) {
                                   w.write("half written");
                                   fail("disk full (simulated)");
                                 }),
                    Catch::Contains("disk full (simulated)"));
  CHECK(read_all(path) == "old contents");
  CHECK(entry_count(dir.path) == 1);
}

TEST_CASE("atomic_write into a missing directory names the path and the reason", "[atomic]") {
  TempDir dir;
  const std::string path = dir.file("missing/model.safetensors");
  REQUIRE_THROWS_AS(atomic_write(path, std::string_view("x")), Error);
  REQUIRE_THROWS_WITH(atomic_write(path, std::string_view("x")),
                      Catch::Contains(path) && Catch::Contains("No such file or directory"));
  CHECK(entry_count(dir.path) == 0);
}

TEST_CASE("atomic_write into an unwritable directory keeps the old file", "[atomic]") {
  if (::geteuid() == 0) {
    // root ignores directory permissions; /proc refuses new files even to root.
    REQUIRE_THROWS_WITH(atomic_write("/proc/nnbert_atomic_test", std::string_view("x")),
                        Catch::Contains("/proc/nnbert_atomic_test"));
    WARN("running as root: directory permission case checked on /proc only");
    return;
  }
  TempDir dir;
  const std::string path = dir.file("config.json");
  atomic_write(path, std::string_view("old"));
  fs::permissions(dir.path, fs::perms::owner_write, fs::perm_options::remove);
  REQUIRE_THROWS_WITH(atomic_write(path, std::string_view("new")),
                      Catch::Contains(path) && Catch::Contains("Permission denied"));
  fs::permissions(dir.path, fs::perms::owner_write, fs::perm_options::add);
  CHECK(read_all(path) == "old");
  CHECK(entry_count(dir.path) == 1);
}

TEST_CASE("remove_stale_temp_files removes only dead writers' temporary files", "[atomic]") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  atomic_write(path, std::string_view("good"));
  // A crash during a write leaves `<path>.tmp.<pid>` behind; simulate one of a dead process.
  const std::string stale = path + ".tmp." + std::to_string(kDeadPid);
  std::ofstream(stale) << "torn";
  // A live writer's temporary file (this process) and unrelated names must stay.
  const std::string live = path + ".tmp." + std::to_string(::getpid());
  std::ofstream(live) << "in progress";
  std::ofstream(dir.file("notes.tmp.txt")) << "keep";
  std::ofstream(dir.file("x.tmp.")) << "keep";

  const std::vector<std::string> removed = remove_stale_temp_files(dir.path.string());
  CHECK(removed == std::vector<std::string>{stale});
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(live));
  CHECK(fs::exists(dir.file("notes.tmp.txt")));
  CHECK(fs::exists(dir.file("x.tmp.")));
  CHECK(read_all(path) == "good");
  CHECK(remove_stale_temp_files(dir.path.string()).empty());
}

TEST_CASE("remove_stale_temp_files on a missing directory is an error", "[atomic]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(remove_stale_temp_files(dir.file("nope")),
                      Catch::Contains("nope") && Catch::Contains("cannot list"));
}
