// fuzz_safetensors.cc — fuzz target: arbitrary bytes as a .safetensors file (header length, JSON
// header, data). A file that opens must then give every tensor back in its own dtype family.
#include <string>

#include "core/error.h"
#include "fuzz/fuzz_util.h"
#include "nn/io/safetensors.h"

// Opens the bytes as a safetensors file and reads every tensor; only nn::Error may escape the reader.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::write_file("model.safetensors", fuzz::bytes(data, size));
  try {
    const nn::SafeTensorsFile file = nn::SafeTensorsFile::open(path);
    (void)file.metadata().size();
    for (const std::string& name : file.names()) {
      const nn::SafeTensorInfo info = file.info(name);
      try {
        if (info.dtype == "I64" || info.dtype == "I32") {
          (void)file.read_i64(name);
        } else {
          const nn::Tensor t = file.read_f32(name);
          (void)t.numel();
        }
      } catch (const nn::Error&) {
        // a dtype the reader does not convert: refused by name
      }
    }
    (void)file.has("__metadata__");
  } catch (const nn::Error&) {
  }
  return 0;
}
