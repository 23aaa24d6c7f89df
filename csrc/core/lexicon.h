// A compiled lexicon: case-folded source keys of one or more tokens, each
// with candidates (language, target, weight). Immutable once built, so any
// number of threads may read it at once.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common.h"
#include "key_table.h"
#include "lex_index.h"
#include "segment.h"
#include "simd.h"
#include "utf8.h"

namespace csgen {

inline constexpr int kMaxLanguages = 64;  // language sets are 64-bit masks

struct Candidate {
  uint32_t target_offset;  // into Lexicon::targets()
  uint32_t target_length;
  uint16_t lang;
  uint8_t identity;  // target folds to the source key
  float weight;
};

struct LexiconNode {
  uint64_t langs = 0;            // languages with a non-identity candidate
  uint64_t langs_identity = 0;   // languages with any candidate
  uint32_t cand_begin = 0;       // candidates sorted by (lang, first occurrence)
  uint32_t cand_end = 0;
  uint16_t n_tokens = 0;         // tokens in the key
  uint8_t is_entry = 0;          // a key of its own (not only a prefix)
  uint8_t has_longer = 0;        // some longer key extends this one
  uint32_t group_begin = 0;      // its languages' first candidates (Lexicon::first_candidate)
};

// Bits set in x (the core is built for any x86-64: no popcnt instruction).
inline int popcount64(uint64_t x) {
#if defined(__POPCNT__)
  return __builtin_popcountll(x);
#else
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return static_cast<int>((x * 0x0101010101010101ull) >> 56);
#endif
}

struct LexiconBuildStats {
  int64_t entries = 0;         // input rows
  int64_t skipped = 0;         // source does not start with a word ("...", "42")
  int64_t duplicates = 0;      // same (source, language, target) seen before
  int64_t identity = 0;        // candidates whose target equals the source
  int64_t punct_stripped = 0;  // end punctuation shared by both sides removed
  int64_t punct_dropped = 0;   // end punctuation on one side only (or differing): left out
};

// Punctuation at the ends of an entry (engine version 2).
//
// A switch replaces the words of a unit and nothing else: punctuation in the
// text is never deleted or invented. Lexicons built from parallel text hold
// entries such as "however," -> "allerdings" or "is," -> "sind," (MUSE en-de
// has 16, en-vi 38, en-fr 37), which as keys would swallow the text's comma
// (and "is," would shadow "is" with a worse translation). So, at build time,
// with punctuation meaning the segmenter's PUNCT tokens whose character is of
// Unicode category P* (symbols such as "+", "$" stay: they belong to names
// like "C++", "US$"):
//   - trailing punctuation tokens that source and target share exactly (same
//     tokens, same order: "however," / "allerdings,") are stripped from both;
//     if the entry then repeats an entry of the same (key, language, target),
//     the earlier rank is kept and a stripped copy adds no weight to a clean
//     one (only stripped copies: their weights add up as usual);
//   - an entry whose trailing punctuation differs between the sides ("however,"
//     / "allerdings", "percent" / "%", "," / "，"), or whose target starts with
//     punctuation ("hello" / "¡hola"; a source cannot: it must start with a
//     word) is left out, as no switch could keep the text's punctuation;
//   - punctuation inside an entry ("U.S." / "EE.UU." after the final "." is
//     stripped, "rock 'n' roll") is part of the unit and stays.
// Both counts are in LexiconBuildStats.
struct LexiconBuildOptions {
  bool end_punctuation = true;  // the rule above; false is engine version 1
};

// Target bytes of one candidate in each CasePattern, pre-cased at build time
// by utf8::apply_case (offsets into Lexicon::targets()).
struct CasedTarget {
  uint32_t offset[utf8::kCasePatterns];
  uint32_t length[utf8::kCasePatterns];
};

// Builds the normalised key of tokens [begin, end) of s, segmented without
// space tokens: each token lower-cased, a gap (white space) between two
// tokens written as one ' '. The switcher builds the same bytes on the fly.
void normalized_key(const uint8_t* s, const std::vector<Token>& tokens, size_t begin, size_t end,
                    std::string* key);

class Lexicon {
 public:
  // src, tgt: string columns of equal length; lang: int32[n] in [0, n_langs);
  // weight: float64[n] (> 0, finite) or null for all-ones. Errors carry the
  // entry index in .row.
  static Status build(const StringColumnView& src, const StringColumnView& tgt,
                      const int32_t* lang, const double* weight, int n_langs, Lexicon* out,
                      const LexiconBuildOptions& options = {});

  // Node id of a normalised key, or -1.
  int32_t find(const char* key, size_t len) const { return keys_.find(key, len); }

  // The switcher's lookups (see lex_index.h): hash the key's first 16 bytes
  // (k0/k1 as simd::fold16 or simd::pack16 make them) and length, then find.
  const LexIndex& index() const { return index_; }
  bool key_equals(int32_t id, const char* key, size_t len) const {
    return keys_.key_equals(id, key, len);
  }
  const IndexSlot* find_slot(uint64_t k0, uint64_t k1, size_t len, uint64_t h,
                             const char* key) const {
    return index_.find(k0, k1, len, h,
                       [&](int32_t id) { return keys_.key_equals(id, key, len); });
  }
  const IndexSlot* find_slot(const char* key, size_t len) const {
    uint64_t k0, k1;
    simd::pack16(key, len, &k0, &k1);
    return find_slot(k0, k1, len, LexIndex::hash(k0, k1, len), key);
  }
  const CasedTarget& cased(uint32_t candidate) const { return cased_[candidate]; }

  // The first candidate of node in lang, identity ones included or not (the
  // first a `first` choice takes); lang must be in node.langs_identity, or in
  // node.langs without identity ones. Found without a search: candidates are
  // grouped by language in ascending order, so lang's group is the one
  // ranked by the node's languages below it.
  uint32_t first_candidate(const LexiconNode& node, int lang, bool with_identity) const {
    const uint64_t below = node.langs_identity & ((uint64_t{1} << lang) - 1);
    const int rank = below ? popcount64(below) : 0;  // 0 with one language: no count
    return first_cand_[2 * (static_cast<size_t>(node.group_begin) + static_cast<size_t>(rank)) +
                       (with_identity ? 0 : 1)];
  }
  const LexiconNode& node(int32_t id) const { return keys_.payload(id); }
  const Candidate* candidates() const { return candidates_.data(); }
  const char* targets() const { return targets_.data(); }
  size_t targets_size() const { return targets_.size(); }  // with 16 bytes of padding

  int n_langs() const { return n_langs_; }
  int max_tokens() const { return max_tokens_; }
  size_t n_keys() const { return n_keys_; }
  size_t n_candidates() const { return candidates_.size(); }
  const LexiconBuildStats& build_stats() const { return stats_; }
  std::string key(int32_t id) const { return keys_.key(id); }

 private:
  KeyTable<LexiconNode> keys_;  // each key's node lives in its entry
  LexIndex index_;
  std::vector<Candidate> candidates_;
  std::vector<CasedTarget> cased_;  // one per candidate
  // Per node, per language of its candidates: the first candidate, and the
  // first that is not an identity one (see first_candidate).
  std::vector<uint32_t> first_cand_;
  std::string targets_;
  int n_langs_ = 0;
  int max_tokens_ = 0;
  size_t n_keys_ = 0;
  LexiconBuildStats stats_;
};

// A set of normalised single-token keys (stopwords).
class KeySet {
 public:
  // Each word is folded like lexicon keys; invalid UTF-8 is an error naming it.
  Status add(const std::string& word);
  bool contains(const char* key, size_t len) const { return table_.find(key, len) >= 0; }
  size_t size() const { return table_.size(); }

 private:
  struct Empty {};
  KeyTable<Empty> table_;
};

// How a two-column dictionary file is laid out.
struct PairFormat {
  enum Split {
    kMuse = 0,       // "source target" split on white space; a line holding a
                     // TAB is split on the TAB only (multi-word phrases)
    kTab = 1,        // source<TAB>target[<TAB>weight]
    kSeparator = 2,  // source SEP target, e.g. " ||| " (wikititles)
  };
  Split split = kMuse;
  std::string separator;     // kSeparator only
  bool allow_weight = false;  // kTab: an optional third field is a weight > 0
  bool skip_bad = false;      // count malformed lines instead of failing
};

// Parses a dictionary file. A leading BOM, CRLF line ends and blank lines are
// accepted; fields are trimmed. Errors name the 1-based line in .row.
struct ParsedPairs {
  std::string source_data, target_data;
  std::vector<int32_t> source_offsets{0}, target_offsets{0};
  std::vector<double> weight;  // 1.0 unless the file gives one
  std::vector<int64_t> line;   // 1-based line number of each pair
  int64_t bad_lines = 0;       // with skip_bad: lines skipped
  int64_t first_bad_line = -1;
  std::string first_bad_reason;
};
Status parse_pairs(const uint8_t* s, size_t n, const PairFormat& format, ParsedPairs* out);

}  // namespace csgen
