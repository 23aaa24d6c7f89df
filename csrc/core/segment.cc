#include "segment.h"

#include <string>

#include "simd.h"
#include "utf8.h"

namespace csgen {
namespace {

using unicode::kDigit;
using unicode::kIdeo;
using unicode::kJoiner;
using unicode::kKindMask;
using unicode::kLetter;
using unicode::kMark;
using unicode::kSpace;

constexpr uint8_t kInvalid = 0xFF;

Status invalid_at(size_t i) {
  return Status::Error(Code::kInvalidUtf8, "invalid UTF-8 at byte " + std::to_string(i), -1,
                       static_cast<int64_t>(i));
}

// Class of the code point at s[i] (kInvalid for bad UTF-8); sets cp and len.
inline uint8_t class_at(const uint8_t* s, size_t n, size_t i, uint32_t* cp, int* len) {
  const uint8_t b = s[i];
  if (b < 0x80) {
    *cp = b;
    *len = 1;
    return utf8::kAscii.cls[b];
  }
  *len = utf8::decode(s, n, i, cp);
  return *len ? utf8::char_class(*cp) : kInvalid;
}

// Per byte: 1 = ASCII letter, 2 = ASCII digit, 4 = ASCII white space.
struct ByteFlags {
  uint8_t f[256];
  constexpr ByteFlags() : f() {
    for (uint32_t b = 0; b < 128; ++b) {
      const uint8_t kind = utf8::kAscii.cls[b] & kKindMask;
      f[b] = kind == kLetter ? 1 : kind == kDigit ? 2 : kind == kSpace ? 4 : 0;
    }
  }
};
inline constexpr ByteFlags kByte{};

}  // namespace

size_t scan_token(const uint8_t* s, size_t n, size_t readable, size_t i, uint8_t* token_kind,
                  size_t* bad_byte) {
  uint32_t cp = 0;
  int len = 0;
  uint8_t cls = class_at(s, n, i, &cp, &len);
  if (cls == kInvalid) {
    *bad_byte = i;
    return kScanInvalid;
  }
  uint8_t kind = cls & kKindMask;
  i += static_cast<size_t>(len);
  if (kind == kSpace) {
    while (i < n) {
      if (kByte.f[s[i]] & 4) {  // ASCII white space, the common case
        ++i;
        continue;
      }
      cls = class_at(s, n, i, &cp, &len);
      if (cls == kInvalid) {
        *bad_byte = i;
        return kScanInvalid;
      }
      if ((cls & kKindMask) != kSpace) break;
      i += static_cast<size_t>(len);
    }
    *token_kind = kSpaceToken;
    return i;
  }
  if (kind == kLetter || kind == kDigit) {
    bool has_letter = kind == kLetter;
    uint8_t prev_base = kind;  // last non-mark character of the run
    while (i < n) {
      // Fast path: a run of ASCII letters and digits, 16 bytes at a time
      // while the buffer allows, then byte by byte.
      const size_t run = i;
      uint32_t letters = 0;
      while (i + 16 <= readable) {
        const simd::Masks16 m = simd::classify16(s + i);
        const uint32_t stop = ~(m.letter | m.digit) & 0xFFFFu;
        size_t k = stop ? static_cast<size_t>(__builtin_ctz(stop)) : 16;
        if (k > n - i) k = n - i;  // the bytes past the string are not ours
        letters |= m.letter & ((uint32_t{1} << k) - 1);
        i += k;
        if (k < 16 || i >= n) break;
      }
      uint8_t seen = letters ? 1 : 0;
      while (i < n && (kByte.f[s[i]] & 3)) seen |= kByte.f[s[i++]];
      if (i > run) {
        has_letter |= (seen & 1) != 0;
        prev_base = (kByte.f[s[i - 1]] & 1) ? kLetter : kDigit;
        if (i >= n) break;
      }
      cls = class_at(s, n, i, &cp, &len);
      if (cls == kInvalid) {
        *bad_byte = i;
        return kScanInvalid;
      }
      kind = cls & kKindMask;
      if (kind == kLetter || kind == kDigit || kind == kMark) {
        has_letter |= kind == kLetter;
        if (kind != kMark) prev_base = kind;
        i += static_cast<size_t>(len);
        continue;
      }
      const bool joiner = (cls & kJoiner) != 0;
      const bool number_joiner = (cp == '.' || cp == ',') && prev_base == kDigit;
      if (!joiner && !number_joiner) break;
      const size_t next = i + static_cast<size_t>(len);
      if (next >= n) break;
      uint32_t next_cp = 0;
      int next_len = 0;
      const uint8_t next_cls = class_at(s, n, next, &next_cp, &next_len);
      if (next_cls == kInvalid) {
        *bad_byte = next;
        return kScanInvalid;
      }
      const uint8_t next_kind = next_cls & kKindMask;
      const bool joins = joiner ? (next_kind == kLetter || next_kind == kDigit)
                                : next_kind == kDigit;
      if (!joins) break;
      has_letter |= next_kind == kLetter;
      prev_base = next_kind;
      i = next + static_cast<size_t>(next_len);
    }
    *token_kind = has_letter ? kWordToken : kNumberToken;
    return i;
  }
  // An ideograph is a word by itself; anything else is punctuation. Both
  // keep their trailing combining marks (accents, variation selectors).
  *token_kind = kind == kIdeo ? kWordToken : kPunctToken;
  while (i < n && s[i] >= 0x80) {
    cls = class_at(s, n, i, &cp, &len);
    if (cls == kInvalid) {
      *bad_byte = i;
      return kScanInvalid;
    }
    if ((cls & kKindMask) != kMark) break;
    i += static_cast<size_t>(len);
  }
  return i;
}

Status segment(const uint8_t* s, size_t n, std::vector<Token>* out, bool keep_spaces) {
  out->clear();
  size_t i = 0;
  while (i < n) {
    uint8_t kind = 0;
    size_t bad = 0;
    const size_t end = scan_token(s, n, n, i, &kind, &bad);
    if (end == kScanInvalid) return invalid_at(bad);
    if (kind != kSpaceToken || keep_spaces)
      out->push_back(Token{static_cast<uint32_t>(i), static_cast<uint32_t>(end), kind});
    i = end;
  }
  return Status::Ok();
}

}  // namespace csgen
