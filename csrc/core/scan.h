// The switcher's word scanner: the tokens of segment(keep_spaces = false),
// found 64 bytes at a time from bit masks while the text is ASCII.
//
// In ASCII, a byte belongs to a word (or number) run exactly when it is a
// letter or digit, a joiner (' -) between two of those, or a '.' or ','
// between two digits (segment.h); every other non-space byte is a
// punctuation token of its own. So a window of 64 bytes gives, with a few
// shifts, the mask W of run bytes, and token starts are W's rising edges plus
// the punctuation bytes. A token is committed only when the bytes that decide
// its end are known and ASCII: a run's end depends on the byte after it and,
// for a joiner, the one after that; a punctuation mark takes the combining
// marks (non-ASCII) that follow it. The window stops before its first
// non-ASCII byte, and a token it cannot settle is scanned by scan_token()
// (segment.cc), the general code; tokens are context-free from a token
// boundary, so the two agree wherever they hand over.
#pragma once
#include <cstddef>
#include <cstdint>

#include "segment.h"
#include "simd.h"

namespace csgen {

// Calls on_token(start, end, kind, lower) for each token of s[0, n) that
// segment(s, n, out, keep_spaces = false) gives, in order. lower is null, or,
// for a token known to be pure ASCII, its bytes with upper case folded to
// lower case (its fold), readable 16 bytes past its end and 2 before its start. Bytes [n, readable) of s may be
// read. Returns false on invalid UTF-8, with *bad_byte set.
template <typename OnToken>
inline bool scan_words(const uint8_t* s, size_t n, size_t readable, OnToken&& on_token,
                       size_t* bad_byte) {
  alignas(16) uint8_t lower[16 + 64 + 16] = {};
  uint8_t* const window_lower = lower + 16;
  size_t pos = 0;
  while (pos < n) {
    if (pos + 64 <= readable) {
      const simd::Masks64 m = simd::classify64(s + pos, window_lower);
      const size_t lim = n - pos < 64 ? n - pos : 64;
      const uint64_t valid = lim == 64 ? ~uint64_t{0} : (uint64_t{1} << lim) - 1;
      const uint64_t na = m.nonascii & valid;
      const unsigned k_known = na ? static_cast<unsigned>(__builtin_ctzll(na))
                                  : static_cast<unsigned>(lim);
      if (k_known > 0) {
        const uint64_t known = k_known == 64 ? ~uint64_t{0} : (uint64_t{1} << k_known) - 1;
        const uint64_t alnum = m.alnum & known, letter = m.letter & known;
        const uint64_t digit = alnum & ~letter;
        // Run bytes; the first byte of the window has no run before it (pos is a
        // token boundary), and bits past the known bytes are 0.
        const uint64_t w = alnum | (m.joiner & known & (alnum << 1) & (alnum >> 1)) |
                           (m.numjoin & known & (digit << 1) & (digit >> 1));
        // A token must end by `limit`: at the string's end, anything; else two
        // bytes before the first unknown one (a run's end may hang on a joiner
        // and the byte after it; a mark may follow punctuation).
        const bool at_end = na == 0 && pos + lim == n;
        const unsigned limit = at_end ? k_known : (k_known >= 2 ? k_known - 2 : 0);
        uint64_t starts = (w & ~(w << 1)) | (~w & ~m.space & known);
        unsigned resume = k_known;  // all tokens done: the rest is white space
        while (starts) {
          const unsigned st = static_cast<unsigned>(__builtin_ctzll(starts));
          unsigned end;
          uint8_t kind;
          if ((w >> st) & 1) {
            const uint64_t rest = ~w >> st;
            end = rest ? st + static_cast<unsigned>(__builtin_ctzll(rest)) : 64;
            // A letter among the run's end - st bits (end - st is 1 to 64); most
            // runs start with one.
            kind = ((letter >> st) & 1) || ((letter >> st) << (64 - (end - st)))
                       ? kWordToken
                       : kNumberToken;
          } else {
            end = st + 1;
            kind = kPunctToken;
          }
          if (end > limit) {
            resume = st;
            break;
          }
          on_token(pos + st, pos + end, kind, window_lower + st);
          starts &= starts - 1;
        }
        if (resume > 0) {
          pos += resume;
          continue;
        }
      }
    }
    // The general scanner for one token (non-ASCII, long runs, the end of the buffer).
    uint8_t kind = 0;
    const size_t end = scan_token(s, n, readable, pos, &kind, bad_byte);
    if (end == kScanInvalid) return false;
    if (kind != kSpaceToken) on_token(pos, end, kind, static_cast<const uint8_t*>(nullptr));
    pos = end;
  }
  return true;
}

}  // namespace csgen
