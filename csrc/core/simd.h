// 16-byte classification of ASCII text for the hot loops (segmenting, key
// folding). SSE2 is part of x86-64, so it needs no runtime dispatch; other
// targets get the same results from a portable loop. Every function reads
// exactly 16 bytes at p: callers check that they may (see segment.h's
// `readable`), and mask off what lies past their token or row.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace csgen::simd {

// Bit k describes byte p[k].
struct Masks16 {
  uint32_t letter;    // A-Z a-z
  uint32_t digit;     // 0-9
  uint32_t upper;     // A-Z
  uint32_t nonascii;  // >= 0x80
};

inline Masks16 classify16(const uint8_t* p) {
  Masks16 m;
#if defined(__SSE2__)
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // Signed compares: bytes >= 0x80 are negative, so never in an ASCII range.
  const __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
  const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(folded, _mm_set1_epi8('a' - 1)),
                                       _mm_cmplt_epi8(folded, _mm_set1_epi8('z' + 1)));
  const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
  const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
  m.letter = static_cast<uint32_t>(_mm_movemask_epi8(letter));
  m.digit = static_cast<uint32_t>(_mm_movemask_epi8(digit));
  m.upper = static_cast<uint32_t>(_mm_movemask_epi8(upper));
  m.nonascii = static_cast<uint32_t>(_mm_movemask_epi8(v));
#else
  m = Masks16{0, 0, 0, 0};
  for (int k = 0; k < 16; ++k) {
    const uint8_t b = p[k];
    const uint8_t f = b | 0x20;
    m.letter |= static_cast<uint32_t>(f >= 'a' && f <= 'z') << k;
    m.digit |= static_cast<uint32_t>(b >= '0' && b <= '9') << k;
    m.upper |= static_cast<uint32_t>(b >= 'A' && b <= 'Z') << k;
    m.nonascii |= static_cast<uint32_t>(b >= 0x80) << k;
  }
#endif
  return m;
}

// Bit k set when p[k] is ASCII white space (what utf8::kAscii classes as
// SPACE: \t \n \v \f \r, 0x1C-0x1F and ' ').
inline uint32_t space16(const uint8_t* p) {
#if defined(__SSE2__)
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i ctl = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x08)),
                                    _mm_cmplt_epi8(v, _mm_set1_epi8(0x0E)));
  const __m128i sep = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x1B)),
                                    _mm_cmplt_epi8(v, _mm_set1_epi8(0x21)));
  return static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(ctl, sep)));
#else
  uint32_t m = 0;
  for (int k = 0; k < 16; ++k) {
    const uint8_t b = p[k];
    m |= static_cast<uint32_t>((b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20)) << k;
  }
  return m;
#endif
}

// Bit k describes byte p[k] of 64 bytes: what the word scanner (scan.h) needs.
struct Masks64 {
  uint64_t alnum;     // A-Z a-z 0-9
  uint64_t letter;    // A-Z a-z
  uint64_t space;     // ASCII white space (see space16)
  uint64_t joiner;    // ' and -, which join two word characters
  uint64_t numjoin;   // . and , which join two digits
  uint64_t nonascii;  // >= 0x80
};

// Classifies the 64 bytes at p and writes them, ASCII upper case folded to
// lower case, to lower[0, 64).
inline Masks64 classify64(const uint8_t* p, uint8_t* lower) {
  Masks64 m{0, 0, 0, 0, 0, 0};
#if defined(__SSE2__)
  for (int q = 0; q < 4; ++q) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * q));
    // Signed compares: bytes >= 0x80 are negative, so never in an ASCII range.
    const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                        _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
    const __m128i low = _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(lower + 16 * q), low);
    const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(low, _mm_set1_epi8('a' - 1)),
                                         _mm_cmplt_epi8(low, _mm_set1_epi8('z' + 1)));
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                        _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    // White space: 0x09-0x0D and 0x1C-0x20.
    const __m128i ctl = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x08)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8(0x0E)));
    const __m128i sep = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x1B)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8(0x21)));
    const __m128i joiner = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')),
                                        _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
    const __m128i numjoin = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')),
                                         _mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
    const int sh = 16 * q;
    auto bits = [](__m128i x) {
      return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(x)));
    };
    m.letter |= bits(letter) << sh;
    m.alnum |= bits(_mm_or_si128(letter, digit)) << sh;
    m.space |= bits(_mm_or_si128(ctl, sep)) << sh;
    m.joiner |= bits(joiner) << sh;
    m.numjoin |= bits(numjoin) << sh;
    m.nonascii |= bits(v) << sh;
  }
#else
  for (int k = 0; k < 64; ++k) {
    const uint8_t b = p[k];
    const uint64_t bit = uint64_t{1} << k;
    const bool up = b >= 'A' && b <= 'Z';
    const uint8_t low = up ? static_cast<uint8_t>(b + 32) : b;
    lower[k] = low;
    const bool letter = low >= 'a' && low <= 'z', digit = b >= '0' && b <= '9';
    if (letter) m.letter |= bit;
    if (letter || digit) m.alnum |= bit;
    if ((b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20)) m.space |= bit;
    if (b == '\'' || b == '-') m.joiner |= bit;
    if (b == '.' || b == ',') m.numjoin |= bit;
    if (b >= 0x80) m.nonascii |= bit;
  }
#endif
  return m;
}

// Two words holding the first len (<= 16) bytes at p, the rest zero (p may be
// read 16 bytes far). The same words as pack16 and fold16 make.
inline void keep16(const uint8_t* p, size_t len, uint64_t* k0, uint64_t* k1) {
  alignas(16) static constexpr uint8_t kKeep[32] = {
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
#if defined(__SSE2__)
  const __m128i v = _mm_and_si128(
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(kKeep + 16 - len)));
  *k0 = static_cast<uint64_t>(_mm_cvtsi128_si64(v));
  *k1 = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)));
#else
  uint8_t out[16];
  for (size_t k = 0; k < 16; ++k) out[k] = p[k] & kKeep[16 - len + k];
  std::memcpy(k0, out, 8);
  std::memcpy(k1, out + 8, 8);
#endif
}

// The first len (<= 16) bytes at p, ASCII upper case folded to lower case,
// the rest zero, as two words (native byte order: only ever compared with
// words made by this function or by pack16 below).
inline void fold16(const uint8_t* p, size_t len, uint64_t* k0, uint64_t* k1) {
  alignas(16) static constexpr uint8_t kKeep[32] = {
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
#if defined(__SSE2__)
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
  __m128i lower = _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
  lower = _mm_and_si128(lower,
                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(kKeep + 16 - len)));
  alignas(16) uint8_t out[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(out), lower);
  std::memcpy(k0, out, 8);
  std::memcpy(k1, out + 8, 8);
#else
  uint8_t out[16];
  for (size_t k = 0; k < 16; ++k) {
    const uint8_t b = p[k];
    out[k] = static_cast<uint8_t>((b >= 'A' && b <= 'Z' ? b + 32 : b) & kKeep[16 - len + k]);
  }
  std::memcpy(k0, out, 8);
  std::memcpy(k1, out + 8, 8);
#endif
}

// The first min(len, 16) bytes at p (any bytes, no folding), zero-padded.
inline void pack16(const char* p, size_t len, uint64_t* k0, uint64_t* k1) {
  uint8_t out[16] = {0};
  std::memcpy(out, p, len < 16 ? len : 16);
  std::memcpy(k0, out, 8);
  std::memcpy(k1, out + 8, 8);
}

}  // namespace csgen::simd
