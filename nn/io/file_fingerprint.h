// file_fingerprint.h — what a file was when a run started (its size and a hash of its bytes), so a
// resumed run can tell that an input it reads again is still the same file.
#pragma once
#include <cstdint>
#include <string>

namespace nn {

struct FileFingerprint {
  uint64_t bytes = 0;
  std::string fnv1a64;  // FNV-1a 64-bit hash of the content, 16 hex digits
  bool operator==(const FileFingerprint&) const = default;
};

// Reads the whole file once; throws nn::Error "cannot read 'path': reason" on failure.
FileFingerprint fingerprint_file(const std::string& path);

}  // namespace nn
