// A small check library for the core's test programs (no test framework):
// CHECK / CHECK_EQ count passes and report failures with their values, and
// finish() prints the summary line tests/unit/test_core_cpp.py reads. Each
// test program is one translation unit including this once.
#pragma once
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "common.h"

namespace csgen::testing {

inline int g_passed = 0;
inline int g_failed = 0;

#define CHECK(expr)                                                        \
  do {                                                                     \
    if (expr) {                                                            \
      ++g_passed;                                                          \
    } else {                                                               \
      ++g_failed;                                                          \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                   #expr);                                                 \
    }                                                                      \
  } while (0)

#define CHECK_EQ(a, b)                                                            \
  do {                                                                            \
    const auto& _va = (a);                                                        \
    const auto& _vb = (b);                                                        \
    if (_va == _vb) {                                                             \
      ++g_passed;                                                                 \
    } else {                                                                      \
      ++g_failed;                                                                 \
      std::fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s\n    left:  %s\n    right: %s\n", \
                   __FILE__, __LINE__, #a, #b, show(_va).c_str(), show(_vb).c_str()); \
    }                                                                             \
  } while (0)

// Printing of compared values.
inline std::string show(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out + "\"";
}
inline std::string show(const char* s) { return show(std::string(s)); }
inline std::string show(bool v) { return v ? "true" : "false"; }
inline std::string show(Code c) { return "Code(" + std::to_string(static_cast<int>(c)) + ")"; }
template <typename T>
inline auto show(const T& v) -> decltype(std::to_string(v)) {
  return std::to_string(v);
}
template <typename A, typename B>
inline std::string show(const std::pair<A, B>& p) {
  return "(" + show(p.first) + ", " + show(p.second) + ")";
}
template <typename T>
inline std::string show(const std::vector<T>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + show(v[i]);
  return out + "]";
}


// Prints "<name>: P passed, F failed"; the exit status: 1 if any check failed.
inline int finish(const char* name) {
  std::printf("%s: %d passed, %d failed\n", name, g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}

}  // namespace csgen::testing
