// Status codes and small shared types of the csgen core. No Python here.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

namespace csgen {

// One table of error kinds; the binding maps each to a Python exception
// (csgen/errors.py). Keep the numbers stable: they cross the binding.
enum class Code : int {
  kOk = 0,
  kInvalidArgument = 1,   // caller passed inconsistent arguments
  kInvalidUtf8 = 2,       // text bytes are not valid UTF-8 (row + byte set)
  kBadOffsets = 3,        // Arrow offsets not monotonic / outside the data
  kTooLarge = 4,          // a row or a result exceeds what offsets can hold
  kLexiconFormat = 5,     // malformed lexicon input (line set)
  kEmptyLexicon = 6,      // no usable entry
};

struct Status {
  Code code = Code::kOk;
  std::string message;
  int64_t row = -1;   // row (or lexicon entry / line) the error is about
  int64_t byte = -1;  // byte offset inside that row or line

  static Status Ok() { return {}; }
  static Status Error(Code c, std::string msg, int64_t row = -1, int64_t byte = -1) {
    Status s;
    s.code = c;
    s.message = std::move(msg);
    s.row = row;
    s.byte = byte;
    return s;
  }
  bool ok() const { return code == Code::kOk; }
};

#define CSGEN_RETURN_IF_ERROR(expr)      \
  do {                                   \
    ::csgen::Status _st = (expr);        \
    if (!_st.ok()) return _st;           \
  } while (0)

// A borrowed Arrow string / large_string array: the three buffers plus the
// array's logical offset and length. Nothing is owned.
struct StringColumnView {
  const uint8_t* validity = nullptr;  // may be null: all valid
  const void* offsets = nullptr;      // int32 or int64 [offset + length + 1]
  const uint8_t* data = nullptr;      // may be null when all strings are empty
  int64_t data_size = 0;
  int64_t offset = 0;
  int64_t length = 0;
  bool large = false;  // int64 offsets

  bool is_valid(int64_t i) const {
    if (validity == nullptr) return true;
    const int64_t bit = offset + i;
    return (validity[bit >> 3] >> (bit & 7)) & 1;
  }
  int64_t value_offset(int64_t i) const {
    return large ? static_cast<const int64_t*>(offsets)[offset + i]
                 : static_cast<const int32_t*>(offsets)[offset + i];
  }
};

// Checks what the kernels rely on: offsets monotonic and inside the data
// buffer for every valid row. O(n), done once per column before any thread.
Status validate_offsets(const StringColumnView& col);

}  // namespace csgen
