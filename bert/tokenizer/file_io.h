// file_io.h — whole-file reads and atomic writes with errors that name the file.
#pragma once
#include <string>
#include <string_view>

namespace bert {

// Reads the whole file; throws nn::Error "cannot read 'path': reason" on failure.
std::string read_file(const std::string& path);

// Writes data to path atomically (temporary file in the same directory, fsync, rename).
void write_file_atomic(const std::string& path, std::string_view data);

}  // namespace bert
