// A compiled lexicon: case-folded source keys of one or more tokens, each
// with candidates (language, target, weight). Immutable once built, so any
// number of threads may read it at once.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common.h"
#include "key_table.h"
#include "segment.h"

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
};

struct LexiconBuildStats {
  int64_t entries = 0;         // input rows
  int64_t skipped = 0;         // source does not start with a word ("...", "42")
  int64_t duplicates = 0;      // same (source, language, target) seen before
  int64_t identity = 0;        // candidates whose target equals the source
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
                      const int32_t* lang, const double* weight, int n_langs, Lexicon* out);

  // Node id of a normalised key, or -1.
  int32_t find(const char* key, size_t len) const { return keys_.find(key, len); }
  const LexiconNode& node(int32_t id) const { return keys_.payload(id); }
  const Candidate* candidates() const { return candidates_.data(); }
  const char* targets() const { return targets_.data(); }

  int n_langs() const { return n_langs_; }
  int max_tokens() const { return max_tokens_; }
  size_t n_keys() const { return n_keys_; }
  size_t n_candidates() const { return candidates_.size(); }
  const LexiconBuildStats& build_stats() const { return stats_; }
  std::string key(int32_t id) const { return keys_.key(id); }

 private:
  KeyTable<LexiconNode> keys_;  // each key's node lives in its entry
  std::vector<Candidate> candidates_;
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
