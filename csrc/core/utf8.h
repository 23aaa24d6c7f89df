// UTF-8 decoding, character classes and simple case mappings (tables
// generated from Python's unicodedata, see tools/gen_unicode_tables.py).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

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

inline void append(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

inline uint8_t char_class(uint32_t cp) {
  if (cp >= 0x110000) return unicode::kOther;
  return unicode::kStage2[(static_cast<uint32_t>(unicode::kStage1[cp >> unicode::kBlockShift])
                           << unicode::kBlockShift) |
                          (cp & ((1u << unicode::kBlockShift) - 1))];
}
inline uint8_t kind_of(uint32_t cp) { return char_class(cp) & unicode::kKindMask; }

uint32_t to_lower(uint32_t cp);
uint32_t to_upper(uint32_t cp);
uint32_t to_title(uint32_t cp);

// Returns false at the first invalid sequence and stores its byte offset.
bool validate(const uint8_t* s, size_t n, size_t* bad_byte);

// Appends the simple lower-case fold of valid UTF-8 s[0, n) to *out.
void fold_append(const uint8_t* s, size_t n, std::string* out);

}  // namespace csgen::utf8
