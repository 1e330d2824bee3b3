// error.h — the one exception type of nnbert and helpers to raise it with a readable message.
#pragma once
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace nn {

// Every error nnbert raises derives from nn::Error; the message names the op and the shapes.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Formats a shape as "(2,3,4)".
std::string shape_str(const std::vector<int64_t>& shape);

namespace detail {
inline void append(std::ostringstream&) {}
template <class T, class... R>
void append(std::ostringstream& os, const T& v, const R&... rest) {
  if constexpr (std::is_same_v<T, std::vector<int64_t>>) os << shape_str(v);
  else os << v;
  append(os, rest...);
}
}  // namespace detail

// Throws nn::Error whose message is the concatenation of the arguments (shapes print as "(a,b)").
template <class... A>
[[noreturn]] void fail(const A&... parts) {
  std::ostringstream os;
  detail::append(os, parts...);
  throw Error(os.str());
}

// NN_CHECK(cond, parts...) throws nn::Error(parts...) when cond is false.
#define NN_CHECK(cond, ...) \
  do { if (!(cond)) ::nn::fail(__VA_ARGS__); } while (0)

}  // namespace nn
