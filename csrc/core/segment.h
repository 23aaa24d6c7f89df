// Word segmentation of one UTF-8 string into tokens with byte offsets.
//
// Every byte belongs to exactly one token, so tokens tile the input and
// untouched bytes can be copied through unchanged.
//   WORD    a run of letters, marks and digits holding at least one letter,
//           with word-internal apostrophes (' U+2019) and hyphens (- U+2010
//           U+2011) between two word characters; each CJK ideograph or kana
//           is a word of its own (those scripts are written without spaces).
//   NUMBER  the same run without any letter; '.' and ',' join two digits
//           ("3.14", "1,000").
//   SPACE   a run of white space, kept exactly.
//   PUNCT   any other code point with its trailing combining marks.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common.h"

namespace csgen {

enum TokenKind : uint8_t { kSpaceToken = 0, kWordToken = 1, kNumberToken = 2, kPunctToken = 3 };

struct Token {
  uint32_t start;  // byte offsets into the string, half-open
  uint32_t end;
  uint8_t kind;
};

// Clears *out and fills it. Invalid UTF-8 gives kInvalidUtf8 with .byte set.
// With keep_spaces false, SPACE tokens are left out (the kernels' mode): the
// gap between two consecutive tokens is then exactly a run of white space.
// Strings must be shorter than 4 GiB (callers check).
Status segment(const uint8_t* s, size_t n, std::vector<Token>* out, bool keep_spaces = true);

// One token starting at s[i], i < n: returns its end and sets *kind
// (kSpaceToken for white space), or returns kScanInvalid and sets *bad_byte.
// Bytes [n, readable) of s may be read (their values play no part), which lets
// runs of ASCII letters be scanned 16 bytes at a time; readable >= n. Tokens
// are context-free from a token boundary: scanning from any token's start
// gives the same tokens as segment() from the string's start.
inline constexpr size_t kScanInvalid = ~size_t{0};
size_t scan_token(const uint8_t* s, size_t n, size_t readable, size_t i, uint8_t* kind,
                  size_t* bad_byte);

}  // namespace csgen
