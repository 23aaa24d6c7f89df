#include "segment.h"

#include <string>

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

Status invalid_at(size_t i) {
  return Status::Error(Code::kInvalidUtf8, "invalid UTF-8 at byte " + std::to_string(i), -1,
                       static_cast<int64_t>(i));
}

}  // namespace

Status segment(const uint8_t* s, size_t n, std::vector<Token>* out) {
  out->clear();
  size_t i = 0;
  uint32_t cp = 0;
  while (i < n) {
    const size_t start = i;
    int len = utf8::decode(s, n, i, &cp);
    if (len == 0) return invalid_at(i);
    uint8_t cls = utf8::char_class(cp);
    uint8_t kind = cls & kKindMask;
    uint8_t token_kind;
    i += static_cast<size_t>(len);
    if (kind == kSpace) {
      while (i < n) {
        len = utf8::decode(s, n, i, &cp);
        if (len == 0) return invalid_at(i);
        if (utf8::kind_of(cp) != kSpace) break;
        i += static_cast<size_t>(len);
      }
      token_kind = kSpaceToken;
    } else if (kind == kLetter || kind == kDigit) {
      bool has_letter = kind == kLetter;
      uint8_t prev_base = kind;  // last non-mark character of the run
      while (i < n) {
        len = utf8::decode(s, n, i, &cp);
        if (len == 0) return invalid_at(i);
        cls = utf8::char_class(cp);
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
        const int next_len = utf8::decode(s, n, next, &next_cp);
        if (next_len == 0) return invalid_at(next);
        const uint8_t next_kind = utf8::kind_of(next_cp);
        const bool joins = joiner ? (next_kind == kLetter || next_kind == kDigit)
                                  : next_kind == kDigit;
        if (!joins) break;
        has_letter |= next_kind == kLetter;
        prev_base = next_kind;
        i = next + static_cast<size_t>(next_len);
      }
      token_kind = has_letter ? kWordToken : kNumberToken;
    } else {
      // An ideograph is a word by itself; anything else is punctuation. Both
      // keep their trailing combining marks (accents, variation selectors).
      token_kind = kind == kIdeo ? kWordToken : kPunctToken;
      while (i < n) {
        len = utf8::decode(s, n, i, &cp);
        if (len == 0) return invalid_at(i);
        if (utf8::kind_of(cp) != kMark) break;
        i += static_cast<size_t>(len);
      }
    }
    out->push_back(Token{static_cast<uint32_t>(start), static_cast<uint32_t>(i), token_kind});
  }
  return Status::Ok();
}

}  // namespace csgen
