// safetensors.h — reading and writing the safetensors checkpoint format (HuggingFace):
// an 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}, ..., "__metadata__": {..}},
// then the tensors' bytes, row-major and little-endian, at [b, e) of the data section.
//
// The reader memory-maps the file, validates the whole header at open() (DESIGN.md §4: header
// at most 100 MB, known dtypes, sizes that match shape × dtype, offsets that tile the data exactly,
// no duplicate names) and copies tensors out on demand, converting BF16/F16/F64 to fp32. Every
// problem is an nn::Error naming the file and the tensor. The writer writes F32 or BF16 (I64
// tensors stay I64) through atomic_write, so a crash never leaves a half-written checkpoint.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace nn {

// What a safetensors header says about one tensor: its dtype as named in the file ("F32",
// "BF16", "F16", "I64", "U8", ...) and its shape.
struct SafeTensorInfo {
  std::string dtype;
  Shape shape;
};

// A validated, memory-mapped safetensors file. Move-only; the mapping lives as long as it does.
class SafeTensorsFile {
 public:
  // Maps `path` read-only and validates its header; throws nn::Error on any format problem.
  static SafeTensorsFile open(const std::string& path);

  SafeTensorsFile(SafeTensorsFile&&) noexcept;
  SafeTensorsFile& operator=(SafeTensorsFile&&) noexcept;
  ~SafeTensorsFile();

  // The path the file was opened with (used in error messages).
  const std::string& path() const { return path_; }
  // Tensor names in the order of their data in the file.
  const std::vector<std::string>& names() const { return order_; }
  // True when the file holds a tensor of this name.
  bool has(const std::string& name) const;
  // The dtype and shape of a tensor (any dtype); throws if the name is absent.
  SafeTensorInfo info(const std::string& name) const;
  // A new fp32 tensor with the values of an F32, BF16, F16 or F64 tensor.
  Tensor read_f32(const std::string& name) const;
  // Writes the n values of an F32/BF16/F16/F64 tensor to dst as fp32; n must equal its numel.
  void read_f32_into(const std::string& name, float* dst, int64_t n) const;
  // A new I64 tensor with the values of an I64 (or I32, widened) tensor.
  Tensor read_i64(const std::string& name) const;
  // The optional "__metadata__" string map of the header (empty when absent).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  struct Mapping;
  struct Entry {
    std::string dtype;
    Shape shape;
    uint64_t begin = 0;  // byte offsets into the data section
    uint64_t end = 0;
  };

  SafeTensorsFile() = default;
  // The entry of `name`; throws naming the file and the tensor when absent.
  const Entry& entry(const std::string& name) const;
  // Parses and validates the JSON header (bytes [8, 8 + N) of the mapping).
  void parse_header(const char* json, uint64_t size, uint64_t data_size);
  // Checks that the entries' byte ranges tile [0, data_size) with no gap or overlap.
  void check_tiling(uint64_t data_size);

  std::string path_;
  std::unique_ptr<Mapping> map_;
  const unsigned char* data_ = nullptr;  // start of the data section inside the mapping
  std::map<std::string, Entry> entries_;
  std::vector<std::string> order_;
  std::map<std::string, std::string> metadata_;
};

// The dtype floating-point tensors are stored as by write_safetensors.
enum class StoreAs { F32, BF16 };

// Writes tensors (any layout; fp32 ones as `dtype`, I64 ones as I64) in the given order, plus an
// optional metadata map, atomically to `path`. Names must be unique and not "__metadata__".
void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {},
                       StoreAs dtype = StoreAs::F32);

}  // namespace nn
