// The switching kernel: rows of a string column in, switched rows plus an
// alignment record of every switch out.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <memory>
#include <vector>

#include "common.h"
#include "lexicon.h"

namespace csgen {

// Version of the switching engine's output: the same input, lexicon, seed and
// options give byte-identical output within one version. A run resumed or
// extended with another version would mix outputs, so callers record it.
//   1  the first engine.
//   2  English possessives ("dog's", "cat’s", "New York's") switch their stem
//      and keep the suffix (switcher.cc, "Possessives"); punctuation at the
//      ends of lexicon entries is stripped or the entry left out (lexicon.h).
inline constexpr int kEngineVersion = 2;

enum class CandidateChoice : int { kFirst = 0, kUniform = 1, kWeighted = 2 };
// kUniform: draw the language first (among all, by weight), then look the
// word up in that language's lexicon (CoSDA-ML / the seed method: realised
// share = ratio x coverage). kCoverage: draw only among languages that have
// the word.
enum class LangSampling : int { kUniform = 0, kCoverage = 1 };

struct SwitchOptions {
  double ratio = 0.0;  // per-unit probability of attempting a switch
  uint64_t seed = 0;
  uint64_t column_key = 0;  // hash of the column name
  CandidateChoice choice = CandidateChoice::kFirst;
  LangSampling sampling = LangSampling::kUniform;
  // n_langs entries, >= 0, empty = all 1; all 0 (say, a column whose language
  // set has no weight left) is kInvalidArgument.
  std::vector<double> lang_weights;
  bool keep_identity = false;
  const KeySet* stopwords = nullptr;  // single-word keys never switched
  int threads = 1;
  // Consistent switching: a unit's draws are keyed by (seed, row key, hash of
  // the unit's folded lexicon key) instead of (column key, token index), so
  // every occurrence of a word or phrase in a row, in any column switched with
  // the same options, gets the same decision and the same translation. With
  // several lexicon entries starting at a token, the longest decides whether
  // the unit is switched and draws its language first; when that language
  // lacks it, the next shorter entry draws its own (so a language and a
  // candidate are functions of the entry that is finally replaced).
  bool consistent = false;
  // Possessives split into stem and suffix (engine version 2); false gives
  // version 1's matching, for comparing the two engines.
  bool possessives = true;
  // Rows are cut into at most `threads` ranges of at least this many input
  // bytes each, so small batches run on one thread. Tests lower it to make
  // small inputs run on several.
  int64_t min_bytes_per_thread = 64 * 1024;
};

// A malloc'ed byte buffer without value-initialisation; ownership passes to
// the binding, which frees it when the Arrow buffer dies.
struct RawBuffer {
  void* data = nullptr;
  size_t size = 0;
  RawBuffer() = default;
  RawBuffer(const RawBuffer&) = delete;
  RawBuffer& operator=(const RawBuffer&) = delete;
  RawBuffer(RawBuffer&& o) noexcept : data(o.data), size(o.size) { o.data = nullptr; o.size = 0; }
  RawBuffer& operator=(RawBuffer&& o) noexcept {
    std::swap(data, o.data);
    std::swap(size, o.size);
    return *this;
  }
  ~RawBuffer() { std::free(data); }
  bool allocate(size_t n) {
    std::free(data);
    data = std::malloc(n == 0 ? 1 : n);
    size = data ? n : 0;
    return data != nullptr;
  }
  void* release() {
    void* p = data;
    data = nullptr;
    size = 0;
    return p;
  }
  template <typename T>
  T* as() { return static_cast<T*>(data); }
};

// A malloc/realloc-grown array that can hand its memory to a RawBuffer
// without copying (large reallocs move pages instead of bytes).
template <typename T>
class GrowBuffer {
 public:
  GrowBuffer() = default;
  GrowBuffer(const GrowBuffer&) = delete;
  GrowBuffer& operator=(const GrowBuffer&) = delete;
  GrowBuffer(GrowBuffer&& o) noexcept : data_(o.data_), size_(o.size_), cap_(o.cap_) {
    o.data_ = nullptr;
    o.size_ = o.cap_ = 0;
  }
  ~GrowBuffer() { std::free(data_); }

  void reserve(size_t n) {
    if (n > cap_) grow(n);
  }
  void push_back(T v) {
    if (size_ == cap_) grow(size_ + 1);
    data_[size_++] = v;
  }
  void append(const T* p, size_t n) {
    if (size_ + n > cap_) grow(size_ + n);
    if (n) std::memcpy(data_ + size_, p, n * sizeof(T));
    size_ += n;
  }
  // Room for n more elements; commit the ones written with resize().
  T* tail(size_t n) {
    if (size_ + n > cap_) grow(size_ + n);
    return data_ + size_;
  }
  void resize(size_t n) { size_ = n; }
  size_t size() const { return size_; }
  const T* data() const { return data_; }
  bool empty() const { return size_ == 0; }
  RawBuffer release() {
    RawBuffer r;
    r.data = data_ ? data_ : std::malloc(1);
    r.size = size_ * sizeof(T);
    data_ = nullptr;
    size_ = cap_ = 0;
    if (!r.data) throw std::bad_alloc();
    return r;
  }

 private:
  void grow(size_t need) {
    size_t cap = cap_ ? cap_ * 2 : 64;
    if (cap < need) cap = need;
    void* p = std::realloc(data_, cap * sizeof(T));
    if (!p) throw std::bad_alloc();
    data_ = static_cast<T*>(p);
    cap_ = cap;
  }
  T* data_ = nullptr;
  size_t size_ = 0, cap_ = 0;
};

struct SwitchResult {
  int64_t length = 0;
  bool large_offsets = false;  // offsets are int64 (else int32)
  RawBuffer offsets;           // [length + 1]
  RawBuffer data;              // UTF-8 bytes
  RawBuffer validity;          // bitmap, offset 0; empty when no nulls
  int64_t null_count = 0;
  // Alignment record: list<struct> with int32 list offsets [length + 1] and,
  // per switch, byte spans in the input row and in the output row, and the
  // language id.
  RawBuffer switch_offsets;                // int32
  RawBuffer src_start, src_end, dst_start, dst_end;  // int32 each
  RawBuffer lang;                          // int16
  int64_t n_switches = 0;
  // Per-row counts, int32 [length]: word tokens, eligible units, switches.
  RawBuffer n_words, n_eligible, n_switched;
  // Per language: switches and source words replaced.
  std::vector<int64_t> lang_switches, lang_words;
  int n_chunks = 0;  // row ranges the column was cut into (threads that ran)
};

// Protected byte ranges: row r owns entries [offsets[r], offsets[r + 1]) of
// starts/ends, each a half-open UTF-8 byte range [start, end) into that row's
// text (unsorted and overlapping allowed; an empty range protects nothing).
// A unit (the word or lexicon phrase that would be replaced) overlapping any
// range of its row is left as it is: its draws are made as usual (they are
// keyed by token index or unit key, so nothing else shifts) and the scan goes
// on after the whole unit, so every other unit gets exactly the decision it
// gets without protection. A protected unit still counts in n_eligible.
// Ranges of null rows are checked for 0 <= start <= end only.
struct ProtectedSpans {
  const int64_t* offsets = nullptr;  // [n_rows + 1], non-decreasing, within [0, n]
  const void* starts = nullptr;      // int32 or int64 [n]
  const void* ends = nullptr;
  bool large = false;  // starts/ends are int64
  int64_t n_rows = 0;  // must equal the column's length
  int64_t n = 0;       // entries in starts/ends
  int64_t start(int64_t i) const {
    return large ? static_cast<const int64_t*>(starts)[i] : static_cast<const int32_t*>(starts)[i];
  }
  int64_t end(int64_t i) const {
    return large ? static_cast<const int64_t*>(ends)[i] : static_cast<const int32_t*>(ends)[i];
  }
};

// Switches rows [0, col.length). row_keys: uint64[length] or null, in which
// case row i uses key row_base + i. protect: optional protected ranges (see
// ProtectedSpans); nullptr is the unprotected path. Output string offsets are int32 when the
// input is a string column and the result fits, int64 otherwise.
Status switch_column(const Lexicon& lexicon, const SwitchOptions& options,
                     const StringColumnView& col, const uint64_t* row_keys, uint64_t row_base,
                     SwitchResult* result, const ProtectedSpans* protect = nullptr);

}  // namespace csgen
