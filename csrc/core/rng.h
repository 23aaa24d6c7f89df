// Counter-based randomness: every draw is a pure function of
// (seed, row key, column key, token index, stream), or in consistent mode of
// (seed, row key, unit key, stream), so results do not depend on thread
// count, batch size or processing order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace csgen {

// SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijection on 64 bits with
// full avalanche, enough to turn distinct counters into independent uniforms.
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

// Stable 64-bit hash of bytes (little-endian loads, so identical on every
// platform); used for row ids, column names and lexicon keys.
inline uint64_t load_le64(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  w = __builtin_bswap64(w);
#endif
  return w;
}

inline uint64_t load_le32(const uint8_t* p) {
  uint32_t w;
  std::memcpy(&w, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  w = __builtin_bswap32(w);
#endif
  return w;
}

inline uint64_t hash_bytes(const uint8_t* s, size_t n, uint64_t seed = 0) {
  uint64_t h = seed ^ (0x9e3779b97f4a7c15ull * (n + 1));
  uint64_t w;
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 < n; i += 8) h = (h ^ load_le64(s + i)) * 0xbf58476d1ce4e5b9ull;
    w = load_le64(s + n - 8);  // overlaps the previous word when n % 8 != 0
  } else if (n >= 4) {
    w = load_le32(s) | (load_le32(s + n - 4) << 32);
  } else if (n > 0) {
    w = (uint64_t{s[0]} << 16) | (uint64_t{s[n >> 1]} << 8) | s[n - 1];
  } else {
    w = 0;
  }
  return mix64(h ^ w);
}

// Streams keep the draws made at one token independent of each other.
enum RngStream : uint64_t { kStreamSwitch = 0, kStreamLanguage = 1, kStreamCandidate = 2 };

// Key for one (seed, row, column); derive per-token draws from it.
inline uint64_t row_stream_key(uint64_t seed, uint64_t row_key, uint64_t column_key) {
  return mix64(mix64(mix64(seed ^ 0x243f6a8885a308d3ull) ^ row_key) ^ column_key);
}

// Consistent mode: seeds the hash of a unit's folded lexicon key, so a unit
// key never equals the hash of a column name of the same bytes.
inline constexpr uint64_t kUnitKeySeed = 0x636f6e7369737401ull;

// Key for one (seed, row, unit) in consistent mode: the unit key stands in
// for the column key and the draws use token index 0.
inline uint64_t unit_stream_key(uint64_t seed, uint64_t row_key, const char* unit_key,
                                size_t unit_key_len) {
  return row_stream_key(
      seed, row_key,
      hash_bytes(reinterpret_cast<const uint8_t*>(unit_key), unit_key_len, kUnitKeySeed));
}

// The 53 random bits behind uniform01.
inline uint64_t draw53(uint64_t row_key_hash, uint64_t token_index, RngStream stream) {
  return mix64(mix64(row_key_hash ^ ((token_index << 3) | stream))) >> 11;
}

inline double uniform01(uint64_t row_key_hash, uint64_t token_index, RngStream stream) {
  return static_cast<double>(draw53(row_key_hash, token_index, stream)) * 0x1.0p-53;
}

// The integer T with   uniform01(...) < ratio  <=>  draw53(...) < T,  for
// ratio in [0, 1]: uniform01 is m * 2^-53 for the integer m = draw53 (exact,
// m < 2^53), and ratio * 2^53 is exact too (a power-of-two scaling), so
// m * 2^-53 < ratio <=> m < x with x = ratio * 2^53, and for an integer m,
// m < x <=> m < ceil(x). T is at most 2^53. The switch decision then needs
// no conversion to double and compiles without a branch.
inline uint64_t ratio_threshold(double ratio) {
  const double x = ratio * 0x1.0p53;
  const uint64_t t = static_cast<uint64_t>(x);  // floor, x >= 0
  return t + (static_cast<double>(t) < x);        // ceil, exactly
}

}  // namespace csgen
