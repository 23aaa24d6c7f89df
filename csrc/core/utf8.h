// UTF-8 decoding, character classes and simple case mappings (tables
// generated from Python's unicodedata, see tools/gen_unicode_tables.py).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "unicode_tables.h"

namespace csgen::utf8 {

// Decodes one code point at s[i], i < n. Strict: rejects overlong forms,
// surrogates, values past U+10FFFF and truncated sequences. Returns the
// sequence length (1-4) and sets *cp, or 0 for invalid input.
inline int decode(const uint8_t* s, size_t n, size_t i, uint32_t* cp) {
  const uint8_t b0 = s[i];
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  if (b0 < 0xC2) return 0;
  if (b0 < 0xE0) {
    if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return 0;
    *cp = ((b0 & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
    return 2;
  }
  if (b0 < 0xF0) {
    if (i + 2 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80) return 0;
    const uint32_t c = ((b0 & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
    if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return 3;
  }
  if (b0 < 0xF5) {
    if (i + 3 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 ||
        (s[i + 3] & 0xC0) != 0x80)
      return 0;
    const uint32_t c = ((b0 & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) |
                       ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
    if (c < 0x10000 || c > 0x10FFFF) return 0;
    *cp = c;
    return 4;
  }
  return 0;
}

// Writes cp as UTF-8 at dst (room for 4 bytes); returns the byte count.
inline int encode(uint32_t cp, char* dst) {
  if (cp < 0x80) {
    dst[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    dst[0] = static_cast<char>(0xC0 | (cp >> 6));
    dst[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    dst[0] = static_cast<char>(0xE0 | (cp >> 12));
    dst[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    dst[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  dst[0] = static_cast<char>(0xF0 | (cp >> 18));
  dst[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  dst[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  dst[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

inline void append(std::string* out, uint32_t cp) {
  char buf[4];
  out->append(buf, static_cast<size_t>(encode(cp, buf)));
}

inline uint8_t char_class(uint32_t cp) {
  if (cp >= 0x110000) return unicode::kOther;
  return unicode::kStage2[(static_cast<uint32_t>(unicode::kStage1[cp >> unicode::kBlockShift])
                           << unicode::kBlockShift) |
                          (cp & ((1u << unicode::kBlockShift) - 1))];
}
inline uint8_t kind_of(uint32_t cp) { return char_class(cp) & unicode::kKindMask; }

// Classes of the 128 ASCII code points, for the fast paths (English text is
// mostly ASCII); derived from the generated tables so the two cannot differ.
struct AsciiClasses {
  uint8_t cls[128];
  uint8_t lower[128];
  constexpr AsciiClasses() : cls(), lower() {
    for (uint32_t c = 0; c < 128; ++c) {
      cls[c] = unicode::kStage2[(static_cast<uint32_t>(unicode::kStage1[0]) << unicode::kBlockShift) | c];
      lower[c] = static_cast<uint8_t>((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
  }
};
inline constexpr AsciiClasses kAscii{};

uint32_t to_lower(uint32_t cp);
uint32_t to_upper(uint32_t cp);
uint32_t to_title(uint32_t cp);

// Returns false at the first invalid sequence and stores its byte offset.
bool validate(const uint8_t* s, size_t n, size_t* bad_byte);

// Simple lower-case fold of valid UTF-8 s[0, n) written at dst, which must
// have room for 2 * n bytes (a simple case mapping at most grows a character
// from 2 to 3 bytes). Returns the bytes written. Lexicon keys and text are
// folded by this one function, so they always agree.
size_t fold_into(const uint8_t* s, size_t n, char* dst);

// Appends the fold of s[0, n) to *out.
void fold_append(const uint8_t* s, size_t n, std::string* out);

// How a replaced word or phrase was cased, carried over to its translation:
// kAsIs leaves the target as the lexicon has it, kTitle upper-cases (title
// case) its first letter, kUpper every letter, kEachTitle the first letter of
// each white-space separated word.
enum class CasePattern : uint8_t { kAsIs = 0, kTitle = 1, kUpper = 2, kEachTitle = 3 };
inline constexpr int kCasePatterns = 4;

// Writes valid UTF-8 s[0, n) cased by pattern at dst, which must have room
// for 2 * n + 4 bytes (a simple case mapping grows a character by at most half,
// 2 -> 3 bytes). Returns the bytes written. The lexicon pre-cases every target
// with this one function, so a switched word's bytes do not depend on where
// the casing was done.
size_t apply_case(const char* s, size_t n, CasePattern pattern, char* dst);

// A growable byte buffer for building lookup keys without per-key
// allocation or zero-filling.
class KeyBuffer {
 public:
  void clear() { size_ = 0; }
  void push(char c) {
    reserve(1);
    buf_[size_++] = c;
  }
  void append(const char* s, size_t n) {
    reserve(n);
    std::memcpy(buf_.data() + size_, s, n);
    size_ += n;
  }
  void append_folded(const uint8_t* s, size_t n) {
    reserve(2 * n);
    size_ += fold_into(s, n, buf_.data() + size_);
  }
  const char* data() const { return buf_.data(); }
  size_t size() const { return size_; }

 private:
  void reserve(size_t extra) {
    if (size_ + extra > buf_.size()) buf_.resize(2 * (size_ + extra) + 64);
  }
  std::vector<char> buf_ = std::vector<char>(256);
  size_t size_ = 0;
};

}  // namespace csgen::utf8
