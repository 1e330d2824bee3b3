// fuzz_util.h — what the fuzz targets share: the libFuzzer entry point's declaration, a scratch
// directory for parsers that read files, and the rule that only nnbert's own errors may escape a
// parser (anything else — a crash, a sanitizer report, another exception — is a bug).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// The libFuzzer entry point every target defines (replay_main.cc calls it in the normal build).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fuzz {

// A private directory for this process (made on first use, removed at exit).
const std::string& scratch_dir();

// Writes bytes to scratch_dir()/name (replacing it) and returns the path.
std::string write_file(const std::string& name, std::string_view bytes);

// The input as a string view.
inline std::string_view bytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace fuzz
