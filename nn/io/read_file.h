// read_file.h — whole-file reads with errors that name the file.
#pragma once
#include <string>

namespace nn {

// Reads the whole file; throws nn::Error "cannot read 'path': reason" on failure.
std::string read_file(const std::string& path);

}  // namespace nn
