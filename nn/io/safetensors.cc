// safetensors.cc — the memory-mapped, validating safetensors reader and the atomic writer.
#include "nn/io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <tuple>

#include "nn/io/atomic_file.h"
#include "nn/io/bf16.h"

namespace nn {
namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit
constexpr std::string_view kMetadataKey = "__metadata__";
constexpr int kMaxDepth = 64;  // JSON nesting accepted in a header

// Bytes per element of a safetensors dtype name; 0 for a name the format does not define.
uint64_t dtype_bytes(std::string_view dtype) {
  struct Known { std::string_view name; uint64_t bytes; };
  static constexpr Known kKnown[] = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},   {"F8_E5M2", 1}, {"F8_E4M3", 1},
      {"I16", 2},  {"U16", 2}, {"F16", 2},  {"BF16", 2},    {"I32", 4},
      {"U32", 4},  {"F32", 4}, {"F64", 8},  {"I64", 8},     {"U64", 8}};
  for (const Known& k : kKnown)
    if (k.name == dtype) return k.bytes;
  return 0;
}

// Throws nn::Error "<path>: tensor '<name>': <parts>".
template <class... A>
[[noreturn]] void tensor_fail(const std::string& path, const std::string& name, const A&... parts) {
  fail(path, ": tensor '", name, "': ", parts...);
}

// Parses the header JSON, rejecting a key repeated within one object (nlohmann would silently
// keep the last): at the top level that is a duplicate tensor name.
json parse_json(const std::string& path, const char* text, uint64_t size) {
  std::vector<std::set<std::string>> keys;  // keys seen, one set per open object
  std::string tensor;                       // the top-level key being parsed
  auto on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    // A header is 3 levels deep; deeper nesting is refused before anything recurses over it
    // (printing a value in an error message does).
    if (depth > kMaxDepth) fail(path, ": header is nested more than ", kMaxDepth, " levels deep");
    if (event == json::parse_event_t::object_start) keys.emplace_back();
    if (event == json::parse_event_t::object_end) keys.pop_back();
    if (event != json::parse_event_t::key) return true;
    const std::string& key = parsed.get_ref<const std::string&>();
    if (depth == 1) tensor = key;
    if (keys.back().insert(key).second) return true;
    if (depth == 1) fail(path, ": duplicate tensor name '", key, "' in the header");
    tensor_fail(path, tensor, "duplicate key '", key, "'");
  };
  try {
    return json::parse(text, text + size, on_event);
  } catch (const json::exception& e) {
    fail(path, ": header is not valid JSON: ", e.what());
  }
}

// The shape of an entry: an array of non-negative integers whose element count fits in int64.
Shape parse_shape(const std::string& path, const std::string& name, const json& j) {
  if (!j.is_array()) tensor_fail(path, name, "shape must be an array of integers");
  Shape shape;
  for (const json& d : j) {
    if (d.is_number_unsigned() && d.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX))
      shape.push_back(d.get<int64_t>());
    else if (d.is_number_integer() && d.get<int64_t>() < 0)
      tensor_fail(path, name, "shape ", j.dump(), " has a negative dimension");
    else
      tensor_fail(path, name, "shape ", j.dump(), " must hold non-negative integers");
  }
  int64_t span = 1;  // Π max(d, 1): what strides and element counts multiply up to
  for (int64_t d : shape)
    if (__builtin_mul_overflow(span, std::max<int64_t>(d, 1), &span))
      tensor_fail(path, name, "shape ", j.dump(), " is too large");
  return shape;
}

// Byte size of shape × dtype; throws if the product overflows.
uint64_t byte_size(const std::string& path, const std::string& name, const Shape& shape,
                   uint64_t element_bytes) {
  uint64_t bytes = element_bytes;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes))
      tensor_fail(path, name, "shape ", shape, " is too large");
  return bytes;
}

// Reads the "__metadata__" object: string keys to string values.
std::map<std::string, std::string> parse_metadata(const std::string& path, const json& j) {
  if (!j.is_object()) fail(path, ": '__metadata__' must be an object of strings");
  std::map<std::string, std::string> metadata;
  for (const auto& [key, value] : j.items()) {
    if (!value.is_string())
      fail(path, ": '__metadata__' value of '", key, "' is not a string: ", value.dump());
    metadata[key] = value.get<std::string>();
  }
  return metadata;
}

// Converts n little-endian values of type From (at any alignment) to To.
template <class From, class To>
void widen(const unsigned char* src, To* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    From v;
    std::memcpy(&v, src + i * static_cast<int64_t>(sizeof(From)), sizeof(From));
    dst[i] = static_cast<To>(v);
  }
}

}  // namespace

// ------------------------------------------------------------------------------------ reader

// The read-only mapping of the whole file (the descriptor is closed once mapped); unmapped
// when the SafeTensorsFile goes away.
struct SafeTensorsFile::Mapping {
  void* addr = nullptr;
  uint64_t size = 0;

  // Maps `path`, which must be a regular file of at least 8 bytes.
  explicit Mapping(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path, ": cannot open: ", std::strerror(errno));
    struct stat st {};
    const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    size = regular ? static_cast<uint64_t>(st.st_size) : 0;
    if (regular && size >= 8) addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int map_errno = errno;
    ::close(fd);
    if (!regular) fail(path, ": not a regular file");
    if (size < 8) fail(path, ": file is ", size, " bytes, too short for a safetensors header");
    if (addr == MAP_FAILED) fail(path, ": cannot map: ", std::strerror(map_errno));
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { ::munmap(addr, size); }
};

SafeTensorsFile::SafeTensorsFile(SafeTensorsFile&&) noexcept = default;
SafeTensorsFile& SafeTensorsFile::operator=(SafeTensorsFile&&) noexcept = default;
SafeTensorsFile::~SafeTensorsFile() = default;

SafeTensorsFile SafeTensorsFile::open(const std::string& path) {
  SafeTensorsFile file;
  file.path_ = path;
  file.map_ = std::make_unique<Mapping>(path);
  const uint64_t size = file.map_->size;
  const auto* bytes = static_cast<const unsigned char*>(file.map_->addr);
  uint64_t header_size;
  std::memcpy(&header_size, bytes, 8);  // little-endian host (bf16.h asserts it)
  if (header_size > kMaxHeaderBytes)
    fail(path, ": header length ", header_size, " exceeds the limit of ", kMaxHeaderBytes,
         " bytes");
  if (header_size > size - 8)
    fail(path, ": header length ", header_size, " runs past the end of the file (", size,
         " bytes; is the file truncated?)");
  file.data_ = bytes + 8 + header_size;
  file.parse_header(reinterpret_cast<const char*>(bytes + 8), header_size,
                    size - 8 - header_size);
  return file;
}

void SafeTensorsFile::parse_header(const char* text, uint64_t size, uint64_t data_size) {
  const json header = parse_json(path_, text, size);
  if (!header.is_object()) fail(path_, ": header is not a JSON object");
  for (const auto& [name, value] : header.items()) {
    if (name == kMetadataKey) {
      metadata_ = parse_metadata(path_, value);
      continue;
    }
    if (!value.is_object()) tensor_fail(path_, name, "entry is not a JSON object");
    const auto dtype = value.find("dtype");
    const auto shape = value.find("shape");
    const auto offsets = value.find("data_offsets");
    if (dtype == value.end() || shape == value.end() || offsets == value.end())
      tensor_fail(path_, name, "entry needs \"dtype\", \"shape\" and \"data_offsets\"");
    Entry e;
    e.dtype = dtype->is_string() ? dtype->get<std::string>() : dtype->dump();
    const uint64_t element_bytes = dtype_bytes(e.dtype);
    if (!dtype->is_string() || element_bytes == 0)
      tensor_fail(path_, name, "unknown dtype ", dtype->dump());
    e.shape = parse_shape(path_, name, *shape);
    if (!offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
        !(*offsets)[1].is_number_unsigned())
      tensor_fail(path_, name, "data_offsets ", offsets->dump(),
                  " must be two non-negative integers [begin, end]");
    e.begin = (*offsets)[0].get<uint64_t>();
    e.end = (*offsets)[1].get<uint64_t>();
    if (e.begin > e.end)
      tensor_fail(path_, name, "data_offsets [", e.begin, ", ", e.end, "] end before they begin");
    const uint64_t bytes = byte_size(path_, name, e.shape, element_bytes);
    if (e.end - e.begin != bytes)
      tensor_fail(path_, name, "data_offsets [", e.begin, ", ", e.end, "] do not match shape ",
                  e.shape, " × ", e.dtype, " (", bytes, " bytes)");
    entries_.emplace(name, std::move(e));
    order_.push_back(name);
  }
  check_tiling(data_size);
}

void SafeTensorsFile::check_tiling(uint64_t data_size) {
  std::sort(order_.begin(), order_.end(), [&](const std::string& a, const std::string& b) {
    const Entry& x = entries_.at(a);
    const Entry& y = entries_.at(b);
    return std::tie(x.begin, x.end, a) < std::tie(y.begin, y.end, b);
  });
  uint64_t covered = 0;  // the data tiled so far is [0, covered)
  const std::string* previous = nullptr;
  for (const std::string& name : order_) {
    const Entry& e = entries_.at(name);
    if (e.begin < covered)
      tensor_fail(path_, name, "data_offsets [", e.begin, ", ", e.end, "] overlap tensor '",
                  *previous, "' (which ends at ", covered, ")");
    if (e.begin > covered)
      tensor_fail(path_, name, "data_offsets [", e.begin, ", ", e.end, "] leave a gap: bytes [",
                  covered, ", ", e.begin, ") of the data belong to no tensor");
    if (e.end > data_size)
      tensor_fail(path_, name, "data_offsets [", e.begin, ", ", e.end,
                  "] run past the end of the data (", data_size,
                  " bytes; is the file truncated?)");
    covered = e.end;
    previous = &name;
  }
  if (covered != data_size)
    fail(path_, ": the data section has ", data_size, " bytes but the tensors cover only ",
         covered, " (trailing bytes)");
}

const SafeTensorsFile::Entry& SafeTensorsFile::entry(const std::string& name) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) fail(path_, ": no tensor named '", name, "'");
  return it->second;
}

bool SafeTensorsFile::has(const std::string& name) const { return entries_.count(name) != 0; }

SafeTensorInfo SafeTensorsFile::info(const std::string& name) const {
  const Entry& e = entry(name);
  return {e.dtype, e.shape};
}

Tensor SafeTensorsFile::read_f32(const std::string& name) const {
  Tensor t = Tensor::empty(entry(name).shape);
  read_f32_into(name, t.data(), t.numel());
  return t;
}

void SafeTensorsFile::read_f32_into(const std::string& name, float* dst, int64_t n) const {
  const Entry& e = entry(name);
  const bool readable = e.dtype == "F32" || e.dtype == "BF16" || e.dtype == "F16" ||
                        e.dtype == "F64";
  if (!readable)
    tensor_fail(path_, name, "dtype ", e.dtype,
                " cannot be read as fp32 (readable: F32, BF16, F16, F64)");
  const int64_t numel = shape_numel(e.shape);
  if (n != numel)
    tensor_fail(path_, name, "shape ", e.shape, " has ", numel,
                " elements but the destination holds ", n);
  if (numel == 0) return;
  const unsigned char* src = data_ + e.begin;
  // One thread: copying from the page cache is bound by memory and page faults, and measured no
  // faster with two OpenMP threads, only slower on a busy machine (see bench_safetensors.cc).
  if (e.dtype == "F32") std::memcpy(dst, src, static_cast<size_t>(numel) * 4);
  else if (e.dtype == "BF16") bf16_to_fp32(src, dst, numel);
  else if (e.dtype == "F16") f16_to_fp32(src, dst, numel);
  else widen<double>(src, dst, numel);
}

Tensor SafeTensorsFile::read_i64(const std::string& name) const {
  const Entry& e = entry(name);
  if (e.dtype != "I64" && e.dtype != "I32")
    tensor_fail(path_, name, "dtype ", e.dtype, " cannot be read as I64 (readable: I64, I32)");
  Tensor t = Tensor::empty(e.shape, DType::I64);
  if (t.numel() == 0) return t;
  if (e.dtype == "I64") std::memcpy(t.ids(), data_ + e.begin, static_cast<size_t>(t.numel()) * 8);
  else widen<int32_t>(data_ + e.begin, t.ids(), t.numel());
  return t;
}

// ------------------------------------------------------------------------------------ writer

namespace {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// The dtype name and element size a tensor is stored with.
std::pair<const char*, uint64_t> stored_dtype(const Tensor& t, StoreAs as) {
  if (t.dtype() == DType::I64) return {"I64", 8};
  return as == StoreAs::BF16 ? std::pair{"BF16", uint64_t{2}} : std::pair{"F32", uint64_t{4}};
}

// The JSON header for `tensors` laid out back to back, padded with spaces to a multiple of 8.
std::string make_header(const std::string& path, const NamedTensors& tensors,
                        const std::map<std::string, std::string>& metadata, StoreAs as) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header[std::string(kMetadataKey)] = metadata;
  std::set<std::string_view> seen;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (!t.defined()) fail(path, ": tensor '", name, "' is undefined");
    if (name == kMetadataKey) fail(path, ": '__metadata__' cannot be a tensor name");
    if (!seen.insert(name).second) fail(path, ": duplicate tensor name '", name, "'");
    const auto [dtype, element_bytes] = stored_dtype(t, as);
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * element_bytes;
    header[name] = {{"dtype", dtype},
                    {"shape", t.shape()},
                    {"data_offsets", nlohmann::ordered_json::array({offset, offset + bytes})}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {  // e.g. a name that is not valid UTF-8
    fail(path, ": cannot encode the header: ", e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

// Writes n fp32 values as bf16, converting one block at a time.
void write_bf16(FileWriter& out, const float* src, int64_t n) {
  constexpr int64_t kBlock = 1 << 16;
  std::vector<uint16_t> block(static_cast<size_t>(std::min(n, kBlock)));
  for (int64_t begin = 0; begin < n; begin += kBlock) {
    const int64_t count = std::min(kBlock, n - begin);
    fp32_to_bf16(src + begin, block.data(), count);
    out.write(block.data(), static_cast<size_t>(count) * 2);
  }
}

// Writes one tensor's elements in row-major order (views are copied out first).
void write_data(FileWriter& out, const Tensor& t, StoreAs as) {
  const auto n = static_cast<size_t>(t.numel());
  if (t.dtype() == DType::I64) {
    if (t.is_contiguous()) return out.write(t.ids(), n * 8);
    const std::vector<int64_t> ids = t.to_ids();
    return out.write(ids.data(), n * 8);
  }
  std::vector<float> copy;
  if (!t.is_contiguous()) copy = t.to_vector();
  const float* values = t.is_contiguous() ? t.data() : copy.data();
  if (as == StoreAs::BF16) return write_bf16(out, values, t.numel());
  out.write(values, n * 4);
}

}  // namespace

void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata, StoreAs dtype) {
  const std::string header = make_header(path, tensors, metadata, dtype);
  atomic_write(path, [&](FileWriter& out) {
    const uint64_t header_size = header.size();
    out.write(&header_size, 8);  // little-endian host (bf16.h asserts it)
    out.write(header);
    for (const auto& [name, t] : tensors) write_data(out, t, dtype);
  });
}

}  // namespace nn
