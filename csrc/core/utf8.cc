#include "utf8.h"

#include <algorithm>
#include <iterator>

namespace csgen::utf8 {
namespace {

template <size_t N>
uint32_t map_with(const uint32_t (&from)[N], const uint32_t (&to)[N], uint32_t cp) {
  const uint32_t* it = std::lower_bound(std::begin(from), std::end(from), cp);
  if (it != std::end(from) && *it == cp) return to[it - std::begin(from)];
  return cp;
}

}  // namespace

uint32_t to_lower(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  return map_with(unicode::kLowerFrom, unicode::kLowerTo, cp);
}

uint32_t to_upper(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
  return map_with(unicode::kUpperFrom, unicode::kUpperTo, cp);
}

uint32_t to_title(uint32_t cp) {
  if (cp < 0x80) return to_upper(cp);
  // The title table lists only code points whose title form is not their
  // upper-case form (the digraphs: U+01C6 -> U+01C5, U+01C5 -> U+01C5).
  const uint32_t* from = std::lower_bound(std::begin(unicode::kTitleFrom),
                                          std::end(unicode::kTitleFrom), cp);
  if (from != std::end(unicode::kTitleFrom) && *from == cp)
    return unicode::kTitleTo[from - std::begin(unicode::kTitleFrom)];
  return to_upper(cp);
}

bool validate(const uint8_t* s, size_t n, size_t* bad_byte) {
  size_t i = 0;
  while (i < n) {
    // ASCII fast path, 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      __builtin_memcpy(&w, s + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    uint32_t cp = 0;
    const int len = decode(s, n, i, &cp);
    if (len == 0) {
      *bad_byte = i;
      return false;
    }
    i += static_cast<size_t>(len);
  }
  return true;
}

size_t fold_into(const uint8_t* s, size_t n, char* dst) {
  char* const start = dst;
  size_t i = 0;
  while (i < n) {
    const uint8_t b = s[i];
    if (b < 0x80) {
      *dst++ = static_cast<char>(kAscii.lower[b]);
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const int len = decode(s, n, i, &cp);
    if (len == 0) {  // callers pass validated text; copy defensively
      *dst++ = static_cast<char>(b);
      ++i;
      continue;
    }
    dst += encode(to_lower(cp), dst);
    i += static_cast<size_t>(len);
  }
  return static_cast<size_t>(dst - start);
}

size_t apply_case(const char* target, size_t n, CasePattern pattern, char* dst) {
  if (pattern == CasePattern::kAsIs) {
    if (n) std::memcpy(dst, target, n);
    return n;
  }
  char* const begin = dst;
  const auto* s = reinterpret_cast<const uint8_t*>(target);
  bool want_title = true;  // the next letter starts a word
  for (size_t i = 0; i < n;) {
    uint32_t cp = 0;
    const int len = decode(s, n, i, &cp);
    if (len == 0) {  // targets are validated at build time
      *dst++ = target[i++];
      continue;
    }
    i += static_cast<size_t>(len);
    const uint8_t kind = kind_of(cp);
    if (pattern == CasePattern::kUpper) {
      cp = to_upper(cp);
    } else if (kind == unicode::kLetter && want_title) {
      cp = to_title(cp);
      want_title = false;
    } else if (kind == unicode::kSpace && pattern == CasePattern::kEachTitle) {
      want_title = true;
    }
    dst += encode(cp, dst);
  }
  return static_cast<size_t>(dst - begin);
}

void fold_append(const uint8_t* s, size_t n, std::string* out) {
  const size_t at = out->size();
  out->resize(at + 2 * n);
  out->resize(at + fold_into(s, n, &(*out)[at]));
}

}  // namespace csgen::utf8
