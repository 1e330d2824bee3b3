// token_table.h — a compact open-addressing hash table from token strings to ids, the hot look-up
// of WordPiece (one probe sequence per candidate piece, no allocation, keys in one buffer).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace bert {

// Hashes a short byte string (64-bit multiply-xorshift over 8-byte words).
inline uint64_t hash_bytes(const char* p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xFF51AFD7ED558CCDull);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * 0x94D049BB133111EBull;
    h ^= h >> 29;
  }
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 32);
}

class TokenTable {
 public:
  // Prepares for about n keys (the table stays at most half full).
  void reserve(size_t n) {
    size_t cap = 16;
    while (cap < 2 * n) cap <<= 1;
    slots_.assign(cap, Slot{});
    keys_.clear();
    keys_.reserve(n * 8);
    max_len_ = 0;
  }

  // Maps key to id; a key inserted twice keeps the later id (as HuggingFace's vocab dict does).
  void insert(std::string_view key, int32_t id) {
    const uint64_t h = hash_bytes(key.data(), key.size());
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.id < 0) {
        s = Slot{static_cast<uint32_t>(keys_.size()), static_cast<uint32_t>(key.size()),
                 static_cast<uint32_t>(h), id};
        keys_.append(key);
        if (key.size() > max_len_) max_len_ = key.size();
        return;
      }
      if (s.tag == static_cast<uint32_t>(h) && key_of(s) == key) { s.id = id; return; }
    }
  }

  // Id of key, or -1.
  int32_t find(std::string_view key) const {
    if (key.size() > max_len_) return -1;
    const uint64_t h = hash_bytes(key.data(), key.size());
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.tag == static_cast<uint32_t>(h) && s.len == key.size() &&
          std::memcmp(keys_.data() + s.offset, key.data(), key.size()) == 0)
        return s.id;
    }
  }

  // Length in bytes of the longest key.
  size_t max_key_bytes() const { return max_len_; }

 private:
  struct Slot {
    uint32_t offset = 0, len = 0, tag = 0;
    int32_t id = -1;
  };
  std::string_view key_of(const Slot& s) const { return {keys_.data() + s.offset, s.len}; }

  std::vector<Slot> slots_{16};
  std::string keys_;
  size_t max_len_ = 0;
};

}  // namespace bert
