// test_safetensors.cc — safetensors round trips (F32, BF16, I64, 0-d, empty, views, metadata),
// every header validation rule on hand-built files, dtype conversions, and interchange with
// PyTorch (when /usr/bin/python3 has torch).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "core/error.h"
#include "core/tensor.h"
#include "nn/io/bf16.h"
#include "nn/io/safetensors.h"

using namespace nn;
namespace fs = std::filesystem;
using Catch::Contains;

namespace {

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("nnbert_st_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The bytes of a safetensors file: 8-byte little-endian length (the header's by default), header,
// data.
std::string raw_file(const std::string& header, const std::string& data, uint64_t length) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &length, 8);
  return out + header + data;
}
std::string raw_file(const std::string& header, const std::string& data) {
  return raw_file(header, data, header.size());
}

// Writes a hand-built file and opens it (the error of a bad file is what the tests look at).
SafeTensorsFile open_raw(const TempDir& dir, const std::string& header, const std::string& data) {
  const std::string path = dir.file("model.safetensors");
  write_bytes(path, raw_file(header, data));
  return SafeTensorsFile::open(path);
}

// n bytes of zeros.
std::string zeros(size_t n) { return std::string(n, '\0'); }

// Values rounded through bf16, as a BF16 file stores them.
std::vector<float> bf16_rounded(std::vector<float> v) {
  for (float& x : v) x = bf16_to_fp32(fp32_to_bf16(x));
  return v;
}

}  // namespace

TEST_CASE("F32 and I64 tensors round trip with metadata", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  const Tensor w = Tensor::randn({3, 5}, 7);
  const Tensor scalar = Tensor::from_data({}, {2.5f});
  const Tensor empty = Tensor::zeros({0, 4});
  const Tensor ids = Tensor::from_ids({2, 2}, {101, -7, 102, int64_t{1} << 40});
  const Tensor transposed = make_view(w, {5, 3}, {1, 5}, 0);  // a non-contiguous view
  write_safetensors(path,
                    {{"w", w}, {"scalar", scalar}, {"empty", empty}, {"ids", ids}, {"wt", transposed}},
                    {{"format", "pt"}, {"note", "héllo"}});

  const SafeTensorsFile f = SafeTensorsFile::open(path);
  CHECK(f.names() == std::vector<std::string>{"w", "scalar", "empty", "ids", "wt"});
  CHECK(f.metadata() == std::map<std::string, std::string>{{"format", "pt"}, {"note", "héllo"}});
  CHECK(f.has("w"));
  CHECK_FALSE(f.has("v"));
  CHECK(f.info("w").dtype == "F32");
  CHECK(f.info("w").shape == Shape{3, 5});
  CHECK(f.info("ids").dtype == "I64");
  CHECK(f.read_f32("w").to_vector() == w.to_vector());
  CHECK(f.read_f32("wt").shape() == Shape{5, 3});
  CHECK(f.read_f32("wt").to_vector() == transposed.to_vector());
  const Tensor s = f.read_f32("scalar");
  CHECK(s.dim() == 0);
  CHECK(s.item() == 2.5f);
  CHECK(f.read_f32("empty").shape() == Shape{0, 4});
  CHECK(f.read_f32("empty").numel() == 0);
  const Tensor back = f.read_i64("ids");
  CHECK(back.dtype() == DType::I64);
  CHECK(back.to_ids() == ids.to_ids());
}

TEST_CASE("BF16 files store rounded fp32 and keep I64 as I64", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  const Tensor w = Tensor::randn({4, 3}, 3);
  const Tensor ids = Tensor::from_ids({3}, {1, 2, 3});
  write_safetensors(path, {{"w", w}, {"ids", ids}, {"s", Tensor::from_data({}, {1.f / 3})}}, {},
                    StoreAs::BF16);
  const SafeTensorsFile f = SafeTensorsFile::open(path);
  CHECK(f.info("w").dtype == "BF16");
  CHECK(f.info("ids").dtype == "I64");
  CHECK(f.read_f32("w").to_vector() == bf16_rounded(w.to_vector()));
  CHECK(f.read_f32("s").item() == bf16_to_fp32(fp32_to_bf16(1.f / 3)));
  CHECK(f.read_i64("ids").to_ids() == std::vector<int64_t>{1, 2, 3});
}

TEST_CASE("the written header is padded with spaces to a multiple of 8", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.file("a.safetensors");
  write_safetensors(path, {{"a", Tensor::from_data({2}, {1.f, 2.f})}});
  const std::string bytes = read_all(path);
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  const std::string header = bytes.substr(8, n);
  CHECK(n % 8 == 0);
  CHECK(header.rfind("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 0) == 0);
  CHECK(header.find_first_not_of(' ', header.find('}') + 2) == std::string::npos);
  CHECK(bytes.size() == 8 + n + 8);
  float values[2];
  std::memcpy(values, bytes.data() + 8 + n, 8);
  CHECK(values[0] == 1.f);
  CHECK(values[1] == 2.f);
}

TEST_CASE("a rewrite replaces the file atomically", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  write_safetensors(path, {{"a", Tensor::ones({2})}});
  write_safetensors(path, {{"b", Tensor::zeros({3})}});
  const SafeTensorsFile f = SafeTensorsFile::open(path);
  CHECK(f.names() == std::vector<std::string>{"b"});
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

TEST_CASE("the writer refuses names it cannot store", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  REQUIRE_THROWS_WITH(write_safetensors(path, {{"a", Tensor::ones({1})}, {"a", Tensor::ones({1})}}),
                      Contains("duplicate tensor name 'a'"));
  REQUIRE_THROWS_WITH(write_safetensors(path, {{"__metadata__", Tensor::ones({1})}}),
                      Contains("'__metadata__' cannot be a tensor name"));
  REQUIRE_THROWS_WITH(write_safetensors(path, {{"u", Tensor()}}), Contains("'u' is undefined"));
  REQUIRE_THROWS_WITH(write_safetensors(path, {{"bad\xff", Tensor::ones({1})}}),
                      Contains("cannot encode the header"));
  CHECK_FALSE(fs::exists(path));
  REQUIRE_THROWS_WITH(write_safetensors(dir.file("no/such/dir.safetensors"), {}),
                      Contains("no/such/dir.safetensors") && Contains("No such file"));
}

TEST_CASE("F16, F64 and I32 tensors are converted; other dtypes are refused", "[safetensors]") {
  TempDir dir;
  const uint16_t halves[] = {0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00, 0x8000};
  const double doubles[] = {0.1, -3.0};
  const int32_t ints[] = {-5, 7, 2147483647};
  std::string data(reinterpret_cast<const char*>(halves), sizeof halves);
  data.append(reinterpret_cast<const char*>(doubles), sizeof doubles);
  data.append(reinterpret_cast<const char*>(ints), sizeof ints);
  data.append("\x01\x02\x03", 3);
  const std::string header =
      R"({"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},)"
      R"("d":{"dtype":"F64","shape":[2],"data_offsets":[12,28]},)"
      R"("i":{"dtype":"I32","shape":[3],"data_offsets":[28,40]},)"
      R"("u":{"dtype":"U8","shape":[3],"data_offsets":[40,43]}})";
  const SafeTensorsFile f = open_raw(dir, header, data);

  CHECK(f.names() == std::vector<std::string>{"h", "d", "i", "u"});
  CHECK(f.read_f32("h").shape() == Shape{2, 3});
  const std::vector<float> h = f.read_f32("h").to_vector();
  CHECK(h[0] == 1.f);
  CHECK(h[1] == -2.f);
  CHECK(h[2] == 0x1.554p-2f);  // f16 nearest to 1/3
  CHECK(h[3] == 0x1p-24f);
  CHECK(std::isinf(h[4]));
  CHECK((h[5] == 0.f && std::signbit(h[5])));
  CHECK(f.read_f32("d").to_vector() == std::vector<float>{0.1f, -3.f});
  CHECK(f.read_i64("i").to_ids() == std::vector<int64_t>{-5, 7, 2147483647});

  CHECK(f.info("u").dtype == "U8");
  CHECK(f.info("u").shape == Shape{3});
  REQUIRE_THROWS_WITH(f.read_f32("u"),
                      Contains("model.safetensors: tensor 'u': dtype U8 cannot be read as fp32"));
  REQUIRE_THROWS_WITH(f.read_i64("h"), Contains("tensor 'h': dtype F16 cannot be read as I64"));
  REQUIRE_THROWS_WITH(f.read_f32("nope"), Contains("model.safetensors: no tensor named 'nope'"));
  REQUIRE_THROWS_WITH(f.info("nope"), Contains("no tensor named 'nope'"));
}

TEST_CASE("read_f32_into fills a preallocated buffer and checks the count", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  const Tensor w = Tensor::randn({2, 3}, 11);
  write_safetensors(path, {{"w", w}});
  const SafeTensorsFile f = SafeTensorsFile::open(path);
  std::vector<float> buffer(8, -1.f);
  f.read_f32_into("w", buffer.data() + 1, 6);
  const std::vector<float> values = w.to_vector();
  CHECK(std::equal(values.begin(), values.end(), buffer.begin() + 1));
  CHECK(buffer[0] == -1.f);
  CHECK(buffer[7] == -1.f);
  REQUIRE_THROWS_WITH(f.read_f32_into("w", buffer.data(), 8),
                      Contains("tensor 'w': shape (2,3) has 6 elements but the destination holds 8"));
}

TEST_CASE("a large tensor reads back exactly in F32 and BF16", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.file("big.safetensors");
  const Tensor big = Tensor::randn({1000, 1001}, 5);
  write_safetensors(path, {{"big", big}});
  write_safetensors(dir.file("big16.safetensors"), {{"big", big}}, {}, StoreAs::BF16);
  CHECK(SafeTensorsFile::open(path).read_f32("big").to_vector() == big.to_vector());
  CHECK(SafeTensorsFile::open(dir.file("big16.safetensors")).read_f32("big").to_vector() ==
        bf16_rounded(big.to_vector()));
}

TEST_CASE("moving a file keeps its mapping valid", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.file("m.safetensors");
  write_safetensors(path, {{"a", Tensor::from_data({2}, {3.f, 4.f})}});
  SafeTensorsFile f = SafeTensorsFile::open(path);
  SafeTensorsFile g = std::move(f);
  CHECK(g.read_f32("a").to_vector() == std::vector<float>{3.f, 4.f});
}

// ------------------------------------------------------------------ validation of bad files

TEST_CASE("bad header lengths and short files are rejected", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  write_bytes(path, raw_file("{}", "", 100'000'001));
  REQUIRE_THROWS_WITH(SafeTensorsFile::open(path),
                      Contains("model.safetensors: header length 100000001 exceeds the limit"));
  write_bytes(path, raw_file("{}", "", 1000));
  REQUIRE_THROWS_WITH(SafeTensorsFile::open(path),
                      Contains("header length 1000 runs past the end of the file (10 bytes"));
  write_bytes(path, "abc");
  REQUIRE_THROWS_WITH(SafeTensorsFile::open(path), Contains("file is 3 bytes, too short"));
  write_bytes(path, "");
  REQUIRE_THROWS_WITH(SafeTensorsFile::open(path), Contains("file is 0 bytes"));
  REQUIRE_THROWS_WITH(SafeTensorsFile::open(dir.file("missing.safetensors")),
                      Contains("missing.safetensors: cannot open: No such file or directory"));
  REQUIRE_THROWS_WITH(SafeTensorsFile::open(dir.path.string()), Contains("not a regular file"));
}

TEST_CASE("a truncated file is rejected naming the last tensor", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  write_safetensors(path, {{"a", Tensor::ones({4})}, {"b", Tensor::ones({4})}});
  fs::resize_file(path, fs::file_size(path) - 3);
  REQUIRE_THROWS_WITH(SafeTensorsFile::open(path),
                      Contains("tensor 'b': data_offsets [16, 32] run past the end of the data "
                               "(29 bytes; is the file truncated?)"));
  fs::resize_file(path, 20);  // cut inside the header
  REQUIRE_THROWS_WITH(SafeTensorsFile::open(path), Contains("runs past the end of the file"));
}

TEST_CASE("malformed JSON headers are rejected", "[safetensors]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(open_raw(dir, "[1, 2]", ""),
                      Contains("model.safetensors: header is not a JSON object"));
  REQUIRE_THROWS_WITH(open_raw(dir, R"({"a": )", ""), Contains("header is not valid JSON"));
  REQUIRE_THROWS_WITH(open_raw(dir, R"({"a": 3})", ""),
                      Contains("tensor 'a': entry is not a JSON object"));
  REQUIRE_THROWS_WITH(open_raw(dir, R"({"a": {"dtype": "F32", "shape": [1]}})", zeros(4)),
                      Contains("tensor 'a': entry needs \"dtype\", \"shape\" and \"data_offsets\""));
  // Padding with spaces after the object is fine; an empty file of tensors too.
  CHECK(open_raw(dir, "{}      ", "").names().empty());
}

TEST_CASE("a header nested deeper than 64 levels is refused before anything recurses", "[safetensors]") {
  TempDir dir;
  // Found by fuzzing: printing a shape nested a million deep in the error message overflowed the stack.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  REQUIRE_THROWS_WITH(open_raw(dir, R"({"a": {"dtype": "F32", "shape": )" + deep + R"(, "data_offsets": [0, 0]}})", ""),
                      Contains("header is nested more than 64 levels deep"));
  const std::string ok = std::string(60, '[') + std::string(60, ']');
  REQUIRE_THROWS_WITH(open_raw(dir, R"({"__metadata__": {"k": )" + ok + "}}", ""),
                      Contains("'__metadata__' value of 'k' is not a string"));
}

TEST_CASE("entries with bad dtype, shape or offsets are rejected", "[safetensors]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(
      open_raw(dir, R"({"x":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}})", zeros(1)),
      Contains("model.safetensors: tensor 'x': unknown dtype \"Q7\""));
  REQUIRE_THROWS_WITH(
      open_raw(dir, R"({"x":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", zeros(4)),
      Contains("tensor 'x': unknown dtype 4"));
  REQUIRE_THROWS_WITH(
      open_raw(dir, R"({"x":{"dtype":"F32","shape":[2,-3],"data_offsets":[0,0]}})", ""),
      Contains("tensor 'x': shape [2,-3] has a negative dimension"));
  REQUIRE_THROWS_WITH(
      open_raw(dir, R"({"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", zeros(4)),
      Contains("tensor 'x': shape [1.5] must hold non-negative integers"));
  REQUIRE_THROWS_WITH(
      open_raw(dir, R"({"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})",
               ""),
      Contains("tensor 'x': shape [4294967296,4294967296] is too large"));
  REQUIRE_THROWS_WITH(
      open_raw(dir, R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", zeros(4)),
      Contains("tensor 'x': data_offsets [0] must be two non-negative integers"));
  REQUIRE_THROWS_WITH(
      open_raw(dir, R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", zeros(4)),
      Contains("must be two non-negative integers"));
  REQUIRE_THROWS_WITH(
      open_raw(dir, R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}})", zeros(4)),
      Contains("tensor 'x': data_offsets [4, 0] end before they begin"));
  REQUIRE_THROWS_WITH(
      open_raw(dir,
               R"({"bert.pooler.dense.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,12]}})",
               zeros(12)),
      Contains("model.safetensors: tensor 'bert.pooler.dense.weight': data_offsets [0, 12] do not "
               "match shape (2,3) × F32 (24 bytes)"));
}

TEST_CASE("offsets must tile the data with no overlap, gap or trailing bytes", "[safetensors]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(open_raw(dir,
                               R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                               zeros(12)),
                      Contains("tensor 'b': data_offsets [4, 12] overlap tensor 'a' (which ends at 8)"));
  REQUIRE_THROWS_WITH(open_raw(dir,
                               R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})",
                               zeros(20)),
                      Contains("tensor 'b': data_offsets [12, 20] leave a gap: bytes [8, 12)"));
  REQUIRE_THROWS_WITH(open_raw(dir, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                               zeros(12)),
                      Contains("tensor 'a': data_offsets [4, 12] leave a gap: bytes [0, 4)"));
  REQUIRE_THROWS_WITH(open_raw(dir, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                               zeros(10)),
                      Contains("the data section has 10 bytes but the tensors cover only 8"));
  // Empty tensors may share an offset with a neighbour's boundary.
  const SafeTensorsFile f = open_raw(dir,
                                     R"({"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
                                     R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                     R"("z":{"dtype":"I64","shape":[0,3],"data_offsets":[4,4]}})",
                                     zeros(4));
  CHECK(f.names() == std::vector<std::string>{"a", "e", "z"});
}

TEST_CASE("duplicate names and keys are rejected", "[safetensors]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(open_raw(dir,
                               R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                               R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                               zeros(8)),
                      Contains("model.safetensors: duplicate tensor name 'a'"));
  REQUIRE_THROWS_WITH(
      open_raw(dir, R"({"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}})",
               zeros(4)),
      Contains("tensor 'a': duplicate key 'dtype'"));
  REQUIRE_THROWS_WITH(open_raw(dir, R"({"__metadata__":{"k":"1","k":"2"}})", ""),
                      Contains("tensor '__metadata__': duplicate key 'k'"));
}

TEST_CASE("metadata must map strings to strings", "[safetensors]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(open_raw(dir, R"({"__metadata__":{"step":3}})", ""),
                      Contains("'__metadata__' value of 'step' is not a string: 3"));
  REQUIRE_THROWS_WITH(open_raw(dir, R"({"__metadata__":[1]})", ""),
                      Contains("'__metadata__' must be an object of strings"));
  CHECK(open_raw(dir, R"({"__metadata__":{"format":"pt"}})", "").metadata().at("format") == "pt");
}

// ------------------------------------------------------------------ interchange with PyTorch

namespace {

// Reads a safetensors file with plain Python + torch (torch 1.13 has no safetensors module),
// prints "name dtype shape v0 v1 ..." per tensor, then writes tensors made by torch to argv[2].
constexpr const char* kTorchScript = R"PY(
import json, struct, sys, torch
DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16, "I64": torch.int64}
buf = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", buf[:8])[0]
header = json.loads(buf[8:8 + n])
print("META", json.dumps(header.pop("__metadata__", {}), sort_keys=True))
for name, e in header.items():
    b, end = e["data_offsets"]
    dt = DTYPES[e["dtype"]]
    if end > b:
        t = torch.frombuffer(bytearray(buf[8 + n + b:8 + n + end]), dtype=dt).reshape(e["shape"])
    else:
        t = torch.empty(e["shape"], dtype=dt)
    vals = t.flatten().tolist() if dt == torch.int64 else t.double().flatten().tolist()
    print(name, e["dtype"], list(t.shape), *[repr(v) for v in vals])

out = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 7,
       "h": torch.tensor([1.5, -0.25, 65504.0], dtype=torch.float16),
       "b": torch.tensor([[3.140625, -1e-3]], dtype=torch.bfloat16),
       "ids": torch.tensor([5, -1, 2**40])}
names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}
hdr, data = {"__metadata__": {"format": "pt"}}, b""
for name, t in out.items():
    raw = t.contiguous().view(torch.uint8).numpy().tobytes()
    hdr[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
h = json.dumps(hdr).encode()
h += b" " * ((8 - len(h) % 8) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(h)) + h + data)
)PY";

bool torch_available() { return std::system("/usr/bin/python3 -c 'import torch' 2>/dev/null") == 0; }

// Runs a command and returns its standard output.
std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char chunk[4096];
  size_t k;
  while ((k = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) out.append(chunk, k);
  REQUIRE(::pclose(pipe) == 0);
  return out;
}

// The printed line of tensor `name`: "name dtype [shape] values...".
std::string torch_line(const std::string& output, const std::string& name) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(name + " ", 0) == 0) return line;
  FAIL("python printed no line for " << name);
  return {};
}

// The values at the end of a printed line (after the shape's closing bracket).
std::vector<double> values_of(const std::string& line) {
  std::istringstream in(line.substr(line.find(']') + 1));
  std::vector<double> v;
  for (double x; in >> x;) v.push_back(x);
  return v;
}

std::vector<double> as_doubles(const std::vector<float>& v) { return {v.begin(), v.end()}; }

}  // namespace

TEST_CASE("PyTorch reads our files and we read PyTorch's", "[safetensors]") {
  if (!torch_available()) {
    WARN("skipped: /usr/bin/python3 cannot import torch");
    return;
  }
  TempDir dir;
  const std::string ours = dir.file("ours.safetensors");
  const std::string theirs = dir.file("theirs.safetensors");
  const std::string script = dir.file("check.py");
  std::ofstream(script) << kTorchScript;
  const Tensor w = Tensor::randn({2, 3}, 1);
  const Tensor ids = Tensor::from_ids({3}, {7, -2, int64_t{1} << 40});
  const Tensor scalar = Tensor::from_data({}, {0.5f});
  write_safetensors(ours, {{"w", w}, {"ids", ids}, {"s", scalar}, {"e", Tensor::zeros({0, 2})}},
                    {{"format", "pt"}});
  const std::string ours16 = dir.file("ours16.safetensors");
  write_safetensors(ours16, {{"w", w}}, {}, StoreAs::BF16);

  const std::string out = run("/usr/bin/python3 " + script + " " + ours + " " + theirs);
  CHECK(out.rfind("META {\"format\": \"pt\"}", 0) == 0);
  CHECK(torch_line(out, "w").rfind("w F32 [2, 3] ", 0) == 0);
  CHECK(values_of(torch_line(out, "w")) == as_doubles(w.to_vector()));
  CHECK(torch_line(out, "ids") == "ids I64 [3] 7 -2 1099511627776");
  CHECK(torch_line(out, "s") == "s F32 [] 0.5");
  CHECK(torch_line(out, "e") == "e F32 [0, 2]");
  const std::string out16 = run("/usr/bin/python3 " + script + " " + ours16 + " " + theirs);
  CHECK(torch_line(out16, "w").rfind("w BF16 [2, 3] ", 0) == 0);
  CHECK(values_of(torch_line(out16, "w")) == as_doubles(bf16_rounded(w.to_vector())));

  const SafeTensorsFile f = SafeTensorsFile::open(theirs);
  CHECK(f.metadata().at("format") == "pt");
  std::vector<float> expected_w;
  for (int i = 0; i < 6; ++i) expected_w.push_back(static_cast<float>(i) / 7.f);
  CHECK(f.read_f32("w").to_vector() == expected_w);
  CHECK(f.read_f32("h").to_vector() == std::vector<float>{1.5f, -0.25f, 65504.f});
  CHECK(f.read_f32("b").shape() == Shape{1, 2});
  CHECK(f.read_f32("b").to_vector() == bf16_rounded({3.140625f, -1e-3f}));
  CHECK(f.read_i64("ids").to_ids() == std::vector<int64_t>{5, -1, int64_t{1} << 40});
}
