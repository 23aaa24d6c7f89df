#include "switcher.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <utility>

#include "parallel.h"
#include "rng.h"
#include "scan.h"
#include "simd.h"
#include "utf8.h"

namespace csgen {
namespace {

using utf8::CasePattern;

constexpr int64_t kMaxRowBytes = std::numeric_limits<int32_t>::max();
constexpr int kMaxMatches = 64;

// How the work is split (switch_column):
//   pass 1 (decide, one task per row range): segment each row, look its words
//     up, draw, and record each switch as a Decision, with each row's output
//     length and counts; nothing is written to the output yet;
//   then the output buffers are allocated once, at their final sizes, and
//   each range's place in them follows from the lengths;
//   pass 2 (emit, one task per range): copy every row's bytes and pre-cased
//   targets to their final offsets and write the alignment records.
// No range's output is copied again, and each task touches (page-faults)
// only its own part of the big output buffers.

struct Match {
  int32_t node;
  uint32_t end_token;  // one past the last token of the match
  uint32_t key_len;    // its folded key is the first key_len bytes of the key
  uint32_t src_end;    // end byte of the replaced text (a possessive's stem ends early)
  uint64_t langs;      // the node's languages (with identity ones when kept)
};

// One switch decided in pass 1, written out in pass 2.
struct Decision {
  uint32_t src_start, src_end;  // bytes of the input row
  uint32_t cand;                // candidate index
  uint8_t pattern;              // utf8::CasePattern
  uint8_t unused;
  int16_t lang;
};
static_assert(sizeof(Decision) == 16, "decisions are 16 bytes");

// Folded key of one word token: its first 16 bytes as two words (see
// simd::fold16), the hash the index uses, and where all its bytes are.
constexpr uint32_t kInWords = 0xFFFFFFFFu;  // the key is k0/k1 (at most 16 bytes)
struct WordKey {
  uint64_t k0, k1, h;
  uint32_t len;
  uint32_t arena;       // offset into the row's key arena, or kInWords
  uint8_t possessive;  // the word ends in 's or ’s (see "Possessives")
};

// A unit phase A of decide_row chose to switch, finished in phase B: a
// single word of a single slot (node >= 0), or one the general path decided
// (node = -2 - its index in the general list).
struct Pending {
  uint32_t i;      // its first token
  int32_t node;
  uint64_t langs;  // the word's languages
};

// What the general path decided for a unit.
struct General {
  uint32_t end_token;  // tokens [Pending::i, end_token)
  uint32_t src_end;    // end byte of the replaced text
  int32_t node;
  int32_t lang;
  uint64_t cand_key;   // key of the candidate draw
};

struct Chunk {
  int64_t row_begin = 0, row_end = 0;
  GrowBuffer<Decision> decisions;
  int64_t out_bytes = 0;  // output bytes of the range
  std::vector<int64_t> lang_switches, lang_words;
  Status status;
};

struct Context {
  const Lexicon& lexicon;
  const SwitchOptions& options;
  const StringColumnView& col;
  const uint64_t* row_keys;
  uint64_t row_base;
  int32_t* n_words;
  int32_t* n_eligible;
  int32_t* n_switched;
  int32_t* row_len;               // output bytes per row, pass 1 -> pass 2
  uint64_t all_langs;             // languages with positive weight
  double all_weight;              // their total weight, summed as draw_language does
  uint64_t threshold;             // ratio_threshold(ratio)
  const ProtectedSpans* protect;  // nullptr: nothing protected
  const uint8_t* readable_end;    // the column's bytes may be read up to here
};

// One row's protected ranges, merged into disjoint sorted intervals, queried
// with a pointer that only moves forward (units come in increasing start).
class RowProtect {
 public:
  void reset(const ProtectedSpans* p, int64_t row) {
    iv_.clear();
    at_ = 0;
    if (!p) return;
    for (int64_t k = p->offsets[row]; k < p->offsets[row + 1]; ++k) {
      const int64_t a = p->start(k), b = p->end(k);
      if (a < b) iv_.emplace_back(a, b);
    }
    if (iv_.size() < 2) return;
    std::sort(iv_.begin(), iv_.end());
    size_t w = 0;
    for (size_t k = 1; k < iv_.size(); ++k) {
      if (iv_[k].first <= iv_[w].second) iv_[w].second = std::max(iv_[w].second, iv_[k].second);
      else iv_[++w] = iv_[k];
    }
    iv_.resize(w + 1);
  }
  bool empty() const { return iv_.empty(); }
  // Whether [start, end) overlaps a range; start never decreases between calls.
  bool overlaps(int64_t start, int64_t end) {
    while (at_ < iv_.size() && iv_[at_].second <= start) ++at_;
    return at_ < iv_.size() && iv_[at_].first < end;
  }

 private:
  std::vector<std::pair<int64_t, int64_t>> iv_;
  size_t at_ = 0;
};

Status validate_protect(const ProtectedSpans& p, const StringColumnView& col) {
  if (p.n_rows != col.length)
    return Status::Error(Code::kInvalidArgument, "protected spans: one list per row is needed");
  if (p.n < 0 || !p.offsets || (p.n > 0 && (!p.starts || !p.ends)))
    return Status::Error(Code::kInvalidArgument, "protected spans: missing buffers");
  if (p.offsets[0] < 0)
    return Status::Error(Code::kInvalidArgument, "protected spans: negative offset");
  for (int64_t r = 0; r < p.n_rows; ++r) {
    const int64_t lo = p.offsets[r], hi = p.offsets[r + 1];
    if (hi < lo || hi > p.n)
      return Status::Error(Code::kInvalidArgument,
                           "protected spans: offsets decrease or run past the spans", r);
    const bool valid = col.is_valid(r);
    const int64_t len = valid ? col.value_offset(r + 1) - col.value_offset(r) : 0;
    for (int64_t k = lo; k < hi; ++k) {
      const int64_t a = p.start(k), b = p.end(k);
      if (a < 0 || b < a)
        return Status::Error(Code::kInvalidArgument,
                             "protected span [" + std::to_string(a) + ", " + std::to_string(b) +
                                 ") needs 0 <= start <= end",
                             r);
      if (valid && b > len)
        return Status::Error(Code::kInvalidArgument,
                             "protected span [" + std::to_string(a) + ", " + std::to_string(b) +
                                 ") ends past the row's " +
                                 std::to_string(len) + " bytes",
                             r);
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Possessives (engine version 2).
//
// English marks possession with a clitic: "dog's", "country's", "cat’s"
// (U+2019), "New York's"; the segmenter keeps "dog's" as one word (the
// apostrophe joins two word characters), so no lexicon key matches it. As the
// seed method's reference does (NLTK's Treebank tokenizer splits "'s" off),
// the stem is switched and the suffix kept: "Dog's" -> "Hund's", the record
// covering the stem only. Rules, applied while matching at each token:
//   - a word ending in 's or ’s (s or S) is first looked up whole; only when
//     the whole form is not a lexicon entry is its stem tried, so an entry of
//     its own ("it's", "let's", a name such as "McDonald's") keeps matching as
//     a whole;
//   - the stem ends a unit: "New York's" matches the phrase "new york" and
//     keeps "'s"; a longer key can still continue through the whole form;
//   - after it, he, she, that, there, here, what, who, where, when, why, how
//     and let, "'s" is the verb (is/has) or "us", never a possessive: those
//     are contractions, left whole like the others below;
//   - the other contractions, n't 're 've 'll 'd 'm ("don't", "they're",
//     "I'd"), are never split: their clitic is a verb or a negation that
//     would be glued to a translated stem ("machen't"); each stays one word
//     and switches only when the lexicon has it whole ("don't");
//   - a trailing apostrophe ("players'", "James'") is punctuation already:
//     "players" switches as any word and the apostrophe stays.
// Matching the stem, the unit's key is the stem's folded key (the same
// decision and translation in consistent mode as the bare word), its case
// pattern is the stem's, and stopwords are checked against the stem.

// Byte length of a possessive suffix ending word token t ('s 2, ’s 4), or 0.
size_t possessive_suffix(const uint8_t* s, const Token& t) {
  const uint32_t n = t.end - t.start;
  const uint8_t* e = s + t.end;
  if (n < 3 || (e[-1] | 0x20) != 's') return 0;
  if (e[-2] == '\'') return 2;
  if (n >= 5 && e[-2] == 0x99 && e[-3] == 0x80 && e[-4] == 0xE2) return 4;
  return 0;
}

// Whether folded stem[0, n) is one of the words after which 's is a verb.
bool contraction_stem(const char* stem, size_t n) {
  static constexpr const char* kStems[] = {"it",  "he",    "she",  "that", "there", "here", "what",
                                           "who", "where", "when", "why",  "how",   "let"};
  for (const char* w : kStems)
    if (std::strlen(w) == n && std::memcmp(w, stem, n) == 0) return true;
  return false;
}

// ---------------------------------------------------------------------------
// Case carried over from the source unit: tokens [begin, end), the last one
// ending at last_end (a possessive's stem).

CasePattern case_pattern_general(const uint8_t* s, const std::vector<Token>& toks, size_t begin,
                                 size_t end, uint32_t last_end) {
  int n_upper = 0, n_lower = 0, n_words = 0;
  bool first_cased_upper = false, seen_cased = false, every_word_title = true;
  for (size_t t = begin; t < end; ++t) {
    const Token& tok = toks[t];
    const uint32_t tok_end = t + 1 == end ? last_end : tok.end;
    bool word_start = tok.kind == kWordToken;
    n_words += word_start;
    for (size_t i = tok.start; i < tok_end;) {
      uint32_t cp = 0;
      const int len = utf8::decode(s, tok_end, i, &cp);
      i += static_cast<size_t>(len > 0 ? len : 1);
      const uint8_t cls = utf8::char_class(cp);
      const bool upper = cls & unicode::kUpper, lower = cls & unicode::kLower;
      if (word_start && (cls & unicode::kKindMask) == unicode::kLetter) {
        every_word_title &= upper;
        word_start = false;
      }
      if (!upper && !lower) continue;
      if (!seen_cased) first_cased_upper = upper;
      seen_cased = true;
      n_upper += upper;
      n_lower += lower;
    }
  }
  if (n_upper >= 2 && n_lower == 0) return CasePattern::kUpper;
  if (!first_cased_upper) return CasePattern::kAsIs;
  return (n_words >= 2 && every_word_title) ? CasePattern::kEachTitle : CasePattern::kTitle;
}

inline CasePattern case_pattern(const uint8_t* s, const std::vector<Token>& toks, size_t begin,
                                size_t end, uint32_t last_end, const uint8_t* readable_end) {
  if (end == begin + 1) {  // one word, the common case
    const uint32_t a = toks[begin].start, n = last_end - a;
    if (n <= 16 && s + a + 16 <= readable_end) {
      const simd::Masks16 m = simd::classify16(s + a);
      const uint32_t keep = (uint32_t{1} << n) - 1;
      if ((m.nonascii & keep) == 0) {
        const uint32_t up = m.upper & keep, low = m.letter & ~m.upper & keep;
        if ((up & (up - 1)) != 0 && low == 0) return CasePattern::kUpper;  // two or more
        const uint32_t letters = up | low;
        return (letters & (0u - letters) & up) ? CasePattern::kTitle : CasePattern::kAsIs;
      }
    } else {
      int up = 0, low = 0;
      bool ascii = true, first_upper = false, seen = false;
      for (uint32_t i = a; i < last_end && ascii; ++i) {
        const uint8_t b = s[i];
        ascii = b < 0x80;
        const bool u = b >= 'A' && b <= 'Z', l = b >= 'a' && b <= 'z';
        if (!seen && (u || l)) {
          first_upper = u;
          seen = true;
        }
        up += u;
        low += l;
      }
      if (ascii) {
        if (up >= 2 && low == 0) return CasePattern::kUpper;
        return first_upper ? CasePattern::kTitle : CasePattern::kAsIs;
      }
    }
  }
  return case_pattern_general(s, toks, begin, end, last_end);
}

// ---------------------------------------------------------------------------
// Draws.

// Sum of the weights of the languages in allowed, in the order draw_language adds them.
double weight_total(uint64_t allowed, const std::vector<double>& weights) {
  double total = 0.0;
  for (uint64_t m = allowed; m; m &= m - 1) total += weights[static_cast<size_t>(__builtin_ctzll(m))];
  return total;
}

// The language where u * total falls among allowed's weights, in ascending
// order: the first l with x < w(l), x decreased by each weight passed. Every
// weight is visited and the first hit kept (the same x values, subtracted in
// the same order, as stopping there), so the loop's length does not depend
// on the draw and no branch on it is mispredicted.
int draw_language(double u, uint64_t allowed, const std::vector<double>& weights, double total) {
  if (!(total > 0.0)) return -1;
  double x = u * total;
  int chosen = -1, last = -1;
  for (uint64_t m = allowed; m; m &= m - 1) {
    const int l = __builtin_ctzll(m);
    const double w = weights[static_cast<size_t>(l)];
    if (w <= 0.0) continue;
    last = l;
    // chosen = l at the first hit; with masks, as compilers may branch on a ?: here
    const int hit = -static_cast<int>((x < w) & (chosen < 0));
    chosen = (hit & l) | (~hit & chosen);
    x -= w;
  }
  return chosen >= 0 ? chosen : last;  // none: rounding at the top end
}

// Picks a candidate of node in lang; returns its index, or -1 when it has none usable.
int64_t choose_candidate(const Lexicon& lex, const LexiconNode& node, int lang,
                         const SwitchOptions& opt, uint64_t row_key_hash, uint64_t index) {
  const Candidate* cands = lex.candidates();
  uint32_t first = node.cand_end;
  int count = 0;
  double total_weight = 0.0;
  for (uint32_t c = node.cand_begin; c < node.cand_end; ++c) {
    const Candidate& cand = cands[c];
    if (cand.lang != lang || (cand.identity && !opt.keep_identity)) continue;
    if (first == node.cand_end) {
      first = c;
      if (opt.choice == CandidateChoice::kFirst) return c;  // no draw needed
    }
    ++count;
    total_weight += cand.weight;
  }
  if (first == node.cand_end) return -1;
  const double u = uniform01(row_key_hash, index, kStreamCandidate);
  double x = opt.choice == CandidateChoice::kUniform ? u * count : u * total_weight;
  uint32_t last = first;
  for (uint32_t c = node.cand_begin; c < node.cand_end; ++c) {
    const Candidate& cand = cands[c];
    if (cand.lang != lang || (cand.identity && !opt.keep_identity)) continue;
    const double w = opt.choice == CandidateChoice::kUniform ? 1.0 : cand.weight;
    last = c;
    if (x < w) return c;
    x -= w;
  }
  return last;
}

// Consistent mode: picks the entry to replace among a unit's matches (stored
// shortest first, tried longest first) and its language, each entry drawing
// with its own key so that the language and candidate are functions of the
// replaced entry alone. Returns the match index or -1; *lang and *cand_key are
// set on success.
int choose_consistent(const Context& ctx, const Match* matches, int n_matches,
                      uint64_t row_key, const char* key, uint64_t longest_key, int* lang,
                      uint64_t* cand_key) {
  const Lexicon& lex = ctx.lexicon;
  const SwitchOptions& opt = ctx.options;
  const bool coverage = opt.sampling == LangSampling::kCoverage;
  // Coverage: an entry draws among its own languages and those of the
  // shorter entries it starts with (as the unit draws among all of its
  // entries' languages in the default mode); a function of its key alone.
  uint64_t langs_upto[kMaxMatches];
  uint64_t acc = 0;
  for (int m = 0; m < n_matches; ++m) {
    acc |= matches[m].langs & ctx.all_langs;
    langs_upto[m] = acc;
  }
  for (int m = n_matches - 1; m >= 0; --m) {
    const uint64_t allowed = coverage ? langs_upto[m] : ctx.all_langs;
    if (!allowed) continue;
    const uint64_t unit_key = m == n_matches - 1
                                  ? longest_key
                                  : unit_stream_key(opt.seed, row_key, key, matches[m].key_len);
    const int l = lex.n_langs() == 1
                      ? 0
                      : draw_language(uniform01(unit_key, 0, kStreamLanguage), allowed,
                                      opt.lang_weights,
                                      coverage ? weight_total(allowed, opt.lang_weights)
                                               : ctx.all_weight);
    if (l >= 0 && (matches[m].langs & (uint64_t{1} << l))) {
      *lang = l;
      *cand_key = unit_key;
      return m;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------
// Pass 1: decide.

// Scratch space of one task, reused row after row.
struct Scratch {
  std::vector<Token> toks;
  std::vector<WordKey> keys;   // parallel to toks; set for word tokens
  std::vector<uint32_t> words;  // indexes of the word tokens
  std::vector<Pending> pending;
  std::vector<General> general;
  std::string arena;           // folded bytes of keys that are not kInWords
  utf8::KeyBuffer key;         // a phrase's key while matching
  Match matches[kMaxMatches];
  RowProtect prot;
};

// Folds word token [start, end) into *wk and prefetches its index slot.
// lower: the token's fold from the scanner (see scan_words), or null.
// Always inlined: called once per word from the scanner's loop.
__attribute__((always_inline)) inline void fold_word(const LexIndex& index, const uint8_t* s,
                                                    uint32_t start, uint32_t end,
                                                    const uint8_t* lower,
                                                    const uint8_t* readable_end,
                                                    std::string* arena, WordKey* wk) {
  const uint32_t n = end - start;
  if (lower && n <= 16) {
    simd::keep16(lower, n, &wk->k0, &wk->k1);
    wk->len = n;
    wk->arena = kInWords;
    // 's ends the fold (the scanner lets lower[-2] be read: n >= 3 decides).
    uint16_t tail;
    std::memcpy(&tail, lower + n - 2, 2);
    wk->possessive = (n >= 3) & (tail == ('\'' | ('s' << 8)));
  } else {
    if (!lower && n <= 16 && s + start + 16 <= readable_end &&
        (simd::classify16(s + start).nonascii & ((uint32_t{1} << n) - 1)) == 0) {
      simd::fold16(s + start, n, &wk->k0, &wk->k1);
      wk->len = n;
      wk->arena = kInWords;
    } else {
      const size_t at = arena->size();
      arena->resize(at + 2 * static_cast<size_t>(n));
      const size_t len = utf8::fold_into(s + start, n, &(*arena)[at]);
      arena->resize(at + len);
      simd::pack16(arena->data() + at, len, &wk->k0, &wk->k1);
      wk->len = static_cast<uint32_t>(len);
      wk->arena = static_cast<uint32_t>(at);
    }
    wk->possessive = possessive_suffix(s, Token{start, end, kWordToken}) != 0;
  }
  wk->h = LexIndex::hash(wk->k0, wk->k1, wk->len);
  index.prefetch(wk->h);
}

// The folded bytes of word key wk (tmp: room for 16 bytes).
inline const char* key_bytes(const WordKey& wk, const Scratch& sc, char* tmp) {
  if (wk.arena != kInWords) return sc.arena.data() + wk.arena;
  std::memcpy(tmp, &wk.k0, 8);
  std::memcpy(tmp + 8, &wk.k1, 8);
  return tmp;
}

// Records slot's node as a match in *out when it is usable with these
// options (some language; not a stopword when it is one word, count 1);
// returns it or nullptr.
inline Match* single_match(const Context& ctx, const IndexSlot& sl, size_t key_len,
                           uint32_t src_end, const char* key, Match* out, uint32_t end_token,
                           int count) {
  const SwitchOptions& opt = ctx.options;
  const uint64_t langs = opt.keep_identity && (sl.flags & kSlotIdentity)
                             ? ctx.lexicon.node(static_cast<int32_t>(sl.id - 1)).langs_identity
                             : sl.langs;
  if (!langs) return nullptr;
  if (count == 1 && opt.stopwords && opt.stopwords->contains(key, key_len)) return nullptr;
  *out = Match{static_cast<int32_t>(sl.id - 1), end_token, static_cast<uint32_t>(key_len), src_end,
               langs};
  return out;
}

// All usable matches starting at word token i (whose index slot is given,
// maybe null), shortest first, into sc->matches, their key in sc->key:
// phrases token by token while a key is the prefix of a longer one, and
// possessives' stems. Returns how many; *union_langs: their languages.
int collect_matches(const Context& ctx, const uint8_t* s, const Token* toks, size_t n_toks,
                    size_t i, const IndexSlot* slot, int max_tokens, Scratch* sc,
                    uint64_t* union_langs) {
  const Lexicon& lex = ctx.lexicon;
  const SwitchOptions& opt = ctx.options;
  utf8::KeyBuffer& key = sc->key;
  key.clear();
  int count = 0, n_matches = 0;
  uint64_t langs = 0;
  // The key buffer may move as it grows: matches keep lengths, not pointers.
  auto record = [&](const IndexSlot* sl, size_t end_token, size_t key_len, uint32_t src_end) {
    if (Match* m = single_match(ctx, *sl, key_len, src_end, key.data(), &sc->matches[n_matches],
                                static_cast<uint32_t>(end_token), count)) {
      langs |= m->langs & ctx.all_langs;
      ++n_matches;
    }
  };
  for (size_t j = i; j < n_toks && count < max_tokens; ++j) {
    if (j > i && toks[j].start > toks[j - 1].end) key.push(' ');  // a gap is white space
    const size_t before = key.size();
    if (toks[j].kind == kWordToken) {
      char tj[16];
      key.append(key_bytes(sc->keys[j], *sc, tj), sc->keys[j].len);
    } else {
      key.append_folded(s + toks[j].start, toks[j].end - toks[j].start);
    }
    ++count;
    const IndexSlot* sl = j == i ? slot : lex.find_slot(key.data(), key.size());
    if (sl && (sl->flags & kSlotEntry)) {
      record(sl, j + 1, key.size(), toks[j].end);
    } else if (opt.possessives && toks[j].kind == kWordToken) {
      // Possessives: the stem, when the whole form is not an entry.
      const size_t suffix = possessive_suffix(s, toks[j]);
      const size_t stem = key.size() - suffix;  // a fold keeps "'s" and "’s" as long
      if (suffix && !contraction_stem(key.data() + before, stem - before)) {
        const IndexSlot* ss = lex.find_slot(key.data(), stem);
        if (ss && (ss->flags & kSlotEntry))
          record(ss, j + 1, stem, toks[j].end - static_cast<uint32_t>(suffix));
      }
    }
    if (!sl || !(sl->flags & kSlotLonger)) break;
  }
  *union_langs = langs;
  return n_matches;
}

// Phase A's common case (see decide_row), in a loop of its own (not inlined)
// so that its few values stay in registers: single words under default options, from
// word w on. Stops at the first word that needs the general path (a prefix
// of a longer key, a possessive not in the lexicon, a key over 16 bytes) and
// returns its index (n_words when none). Appends the units it takes to
// pending.
struct FastA {
  const WordKey* keys;
  const uint32_t* words;
  const IndexSlot* slots;
  size_t mask;
  int shift;
  uint64_t all_langs, threshold, rng_key;
};

__attribute__((noinline)) size_t phase_a_fast(const FastA& f, size_t w, size_t n_words,
                                              Pending* pending, size_t* n_pending,
                                              int32_t* eligible) {
  const WordKey* const keys = f.keys;
  const uint32_t* const words = f.words;
  const IndexSlot* const slots = f.slots;
  const int shift = f.shift;
  const size_t mask = f.mask;
  const uint64_t all_langs = f.all_langs, threshold = f.threshold, rng_key = f.rng_key;
  size_t np = *n_pending;
  int32_t elig_count = *eligible;
  for (; w < n_words; ++w) {
    const uint32_t i = words[w];
    const WordKey& wk = keys[i];
    // Linear probing: the key's slot, or an empty one.
    size_t pos = wk.h >> shift;
    const IndexSlot* slp = &slots[pos];
    bool hit;
    for (;;) {
      hit = (slp->k0 == wk.k0) & (slp->k1 == wk.k1) & (slp->len == wk.len);
      if (__builtin_expect(hit | (slp->id == 0), 1)) break;
      pos = (pos + 1) & mask;
      slp = &slots[pos];
    }
    const IndexSlot& sl = *slp;
    // A long key, a prefix of a longer key, or a possessive the lexicon
    // lacks: the general path.
    const bool special = (hit & ((sl.flags & kSlotLonger) != 0)) | (!hit & (wk.possessive != 0));
    if (__builtin_expect(special | (wk.len > 16), 0)) break;
    const uint64_t langs = hit ? sl.langs : 0;
    const bool elig = (langs & all_langs) != 0;
    elig_count += elig;
    const bool take = elig & (draw53(rng_key, i, kStreamSwitch) < threshold);
    pending[np] = Pending{i, static_cast<int32_t>(sl.id) - 1, langs};
    np += take;
  }
  *n_pending = np;
  *eligible = elig_count;
  return w;
}

// One task's state while deciding its rows.
struct RangeState {
  int64_t out_bytes = 0;
  int64_t lang_switches[kMaxLanguages] = {};
  int64_t lang_words[kMaxLanguages] = {};
};

// Decides one valid row s[0, n). Returns false (with chunk->status set) on an error.
template <bool kConsistent, bool kChecked>
bool decide_row(const Context& ctx, Chunk* chunk, Scratch& sc, RangeState& st, int64_t r,
                const uint8_t* s, size_t n) {
  const Lexicon& lex = ctx.lexicon;
  const SwitchOptions& opt = ctx.options;
  const LexIndex& index = lex.index();
  const IndexSlot* const slots = index.slots();
  const int slot_shift = index.shift();
  const uint8_t* const readable_end = ctx.readable_end;

  // Stage 1: tokens, and every word's key and hash, its index slot
  // prefetched, so the lookups below overlap their cache misses.
  if (!kChecked && sc.toks.size() < n + 1) {
    sc.toks.resize(n + 1);
    sc.keys.resize(n + 1);
    sc.words.resize(n + 1);
  }
  Token* toks = sc.toks.data();
  WordKey* keys = sc.keys.data();
  uint32_t* words = sc.words.data();
  size_t cap = sc.toks.size();
  size_t n_toks = 0, n_words = 0, bad = 0;
  sc.arena.clear();
  const bool ok = scan_words(
      s, n, static_cast<size_t>(readable_end - s),
      [&](size_t a, size_t b, uint8_t kind, const uint8_t* lower) {
        if (kChecked && n_toks == cap) {
          cap = 2 * cap + 64;
          sc.toks.resize(cap);
          sc.keys.resize(cap);
          sc.words.resize(cap);
          toks = sc.toks.data();
          keys = sc.keys.data();
          words = sc.words.data();
        }
        toks[n_toks] = Token{static_cast<uint32_t>(a), static_cast<uint32_t>(b), kind};
        if (kind == kWordToken) {
          words[n_words++] = static_cast<uint32_t>(n_toks);
          fold_word(index, s, static_cast<uint32_t>(a), static_cast<uint32_t>(b), lower,
                    readable_end, &sc.arena, &keys[n_toks]);
        }
        ++n_toks;
      },
      &bad);
  if (!ok) {
    chunk->status = Status::Error(Code::kInvalidUtf8, "invalid UTF-8 at byte " + std::to_string(bad),
                                  r, static_cast<int64_t>(bad));
    return false;
  }

  // Stage 2, phase A: match and draw, word by word; the units to switch
  // are listed in order. A single word under default options (nearly every
  // word) is decided without a branch on its data: looked up, found or not,
  // eligible or not, drawn, and appended to the list by moving its end only
  // when taken, so the random decisions cost no mispredicted branches.
  // Phrases, possessives, the identity and stopword options and consistent
  // mode take the general path. Every word is counted once: one that a
  // phrase covers was counted with the phrase.
  if (sc.pending.size() < n_words) sc.pending.resize(n_words + n_words / 2);
  Pending* const pending = sc.pending.data();
  size_t n_pending = 0;
  sc.general.clear();
  int32_t eligible = 0, switched = 0;
  int64_t row_bytes = static_cast<int64_t>(n);
  const uint64_t row_key = ctx.row_keys ? ctx.row_keys[r] : ctx.row_base + static_cast<uint64_t>(r);
  const uint64_t rng_key = row_stream_key(opt.seed, row_key, opt.column_key);
  const uint64_t all_langs = ctx.all_langs, threshold = ctx.threshold;
  const bool single_lang = lex.n_langs() == 1;
  // Options under which a single word's slot says all: no identity or stopword look-ups.
  const bool plain = !kConsistent && !opt.keep_identity && !opt.stopwords;
  const int max_tokens = std::min(lex.max_tokens(), kMaxMatches);

  const FastA fast{keys, words, slots, index.mask(), slot_shift, all_langs, threshold, rng_key};
  for (size_t w = 0; w < n_words; ++w) {
    if (plain) {
      w = phase_a_fast(fast, w, n_words, pending, &n_pending, &eligible);
      if (w == n_words) break;
    }
    const size_t i = words[w];
    const WordKey& wk = keys[i];
    // The word's slot, probed in full (longer keys are compared in full).
    const IndexSlot* sl = index.find(wk.k0, wk.k1, wk.len, wk.h, [&](int32_t id) {
      return lex.key_equals(id, sc.arena.data() + wk.arena, wk.len);
    });
    const bool hit = sl != nullptr;
    const bool special = hit ? (sl->flags & kSlotLonger) != 0 : wk.possessive != 0;
    if (plain && !special) {
      // A single word after all (its slot was not the first probed).
      const uint64_t langs = hit ? sl->langs : 0;
      if (!(langs & all_langs)) continue;
      ++eligible;
      if (draw53(rng_key, i, kStreamSwitch) < threshold)
        pending[n_pending++] = Pending{static_cast<uint32_t>(i), static_cast<int32_t>(sl->id) - 1, langs};
      continue;
    }
    // The general path: all matches starting here, shortest first.
    if (!hit && !special) continue;  // not in the lexicon
    int n_matches = 0;
    uint64_t union_langs = 0;
    const char* key_base;
    char tmp[16];
    if (hit && !special) {
      key_base = key_bytes(wk, sc, tmp);
      if (Match* m = single_match(ctx, *sl, wk.len, toks[i].end, key_base, sc.matches,
                                  static_cast<uint32_t>(i + 1), 1)) {
        n_matches = 1;
        union_langs = m->langs & all_langs;
      }
    } else {
      n_matches = collect_matches(ctx, s, toks, n_toks, i, hit ? sl : nullptr, max_tokens, &sc,
                                  &union_langs);
      key_base = sc.key.data();
    }
    if (n_matches == 0 || union_langs == 0) continue;
    ++eligible;
    int lang = -1;
    const Match* chosen = nullptr;
    uint64_t cand_key = 0;
    if constexpr (kConsistent) {
      // Every draw keyed by the unit's folded key: the longest entry decides.
      const uint64_t longest_key =
          unit_stream_key(opt.seed, row_key, key_base, sc.matches[n_matches - 1].key_len);
      if (draw53(longest_key, 0, kStreamSwitch) >= threshold) continue;
      const int m = choose_consistent(ctx, sc.matches, n_matches, row_key, key_base, longest_key,
                                      &lang, &cand_key);
      if (m < 0) continue;  // no entry drew a language it has
      chosen = &sc.matches[m];
    } else {
      if (draw53(rng_key, i, kStreamSwitch) >= threshold) continue;
      if (single_lang) {
        lang = 0;
      } else if (opt.sampling == LangSampling::kUniform) {
        lang = draw_language(uniform01(rng_key, i, kStreamLanguage), all_langs, opt.lang_weights,
                             ctx.all_weight);
      } else {
        lang = draw_language(uniform01(rng_key, i, kStreamLanguage), union_langs, opt.lang_weights,
                             weight_total(union_langs, opt.lang_weights));
      }
      for (int m = n_matches - 1; m >= 0 && lang >= 0; --m) {
        if (sc.matches[m].langs & (uint64_t{1} << lang)) {
          chosen = &sc.matches[m];
          break;
        }
      }
      if (!chosen) continue;  // the drawn language has no entry for this word
      cand_key = rng_key;
    }
    pending[n_pending++] = Pending{static_cast<uint32_t>(i),
                                   -2 - static_cast<int32_t>(sc.general.size()), 0};
    sc.general.push_back(General{chosen->end_token, chosen->src_end, chosen->node, lang, cand_key});
    // The unit is switched or, if protected, left whole: the words it covers are done.
    while (w + 1 < n_words && words[w + 1] < chosen->end_token) ++w;
  }

  // Phase B: the listed units, in order: a language for single words among
  // several, the protected ones left out, a candidate and the case.
  Decision* const dec = chunk->decisions.tail(n_pending);
  sc.prot.reset(ctx.protect, r);
  const bool protect = !sc.prot.empty();
  const bool uniform_sampling = opt.sampling == LangSampling::kUniform;
  for (size_t k = 0; k < n_pending; ++k) {
    const Pending& p = pending[k];
    const uint32_t i = p.i;
    uint32_t end_token = i + 1, src_end = toks[i].end;
    int32_t node = p.node;
    int lang;
    uint64_t cand_key = rng_key;
    if (node >= 0) {
      if (single_lang) {
        lang = 0;  // one language needs no draw (the draw could only return it)
      } else {
        const uint64_t allowed = uniform_sampling ? all_langs : p.langs & all_langs;
        lang = draw_language(uniform01(rng_key, i, kStreamLanguage), allowed, opt.lang_weights,
                             uniform_sampling ? ctx.all_weight
                                              : weight_total(allowed, opt.lang_weights));
        if (lang < 0 || !((p.langs >> lang) & 1)) continue;  // the drawn language lacks the word
      }
    } else {
      const General& g = sc.general[static_cast<size_t>(-2 - node)];
      end_token = g.end_token;
      src_end = g.src_end;
      node = g.node;
      lang = g.lang;
      cand_key = g.cand_key;
    }
    const uint32_t src_start = toks[i].start;
    if (protect && sc.prot.overlaps(src_start, src_end)) continue;  // left as it is
    int64_t phrase_words = 1;
    for (size_t t = i + 1; t < end_token; ++t) phrase_words += toks[t].kind == kWordToken;
    const LexiconNode& nd = lex.node(node);
    uint32_t cand;
    if (opt.choice == CandidateChoice::kFirst) {
      // The first usable candidate of lang; one exists, as lang is among the
      // unit's languages. No draw.
      cand = lex.first_candidate(nd, lang, opt.keep_identity);
    } else {
      cand = static_cast<uint32_t>(
          choose_candidate(lex, nd, lang, opt, cand_key, kConsistent ? 0 : i));
    }
    const CasePattern pattern = case_pattern(s, sc.toks, i, end_token, src_end, readable_end);
    const CasedTarget& ct = lex.cased(cand);
    row_bytes += static_cast<int64_t>(ct.length[static_cast<int>(pattern)]) -
                 static_cast<int64_t>(src_end - src_start);
    dec[switched++] = Decision{src_start, src_end, cand, static_cast<uint8_t>(pattern), 0,
                               static_cast<int16_t>(lang)};
    st.lang_switches[lang] += 1;
    st.lang_words[lang] += phrase_words;
  }
  if (row_bytes > kMaxRowBytes) {
    chunk->status = Status::Error(Code::kTooLarge, "switched row longer than 2 GiB", r);
    return false;
  }
  chunk->decisions.resize(chunk->decisions.size() + static_cast<size_t>(switched));
  ctx.row_len[r] = static_cast<int32_t>(row_bytes);
  st.out_bytes += row_bytes;
  ctx.n_words[r] = static_cast<int32_t>(n_words);
  ctx.n_eligible[r] = eligible;
  ctx.n_switched[r] = switched;
  return true;
}

// Rows this long or shorter get scratch room for a token per byte up front
// (no checks while scanning); longer ones grow it as they go.
constexpr int64_t kUncheckedRowBytes = 1 << 16;

template <bool kConsistent>
void decide_range(const Context& ctx, Chunk* chunk) {
  const int n_langs = ctx.lexicon.n_langs();
  RangeState st;
  if (chunk->row_end > chunk->row_begin) {  // an empty column may have no offsets buffer
    Scratch sc;
    for (int64_t r = chunk->row_begin; r < chunk->row_end; ++r) {
      if (!ctx.col.is_valid(r)) {
        ctx.row_len[r] = 0;
        ctx.n_words[r] = ctx.n_eligible[r] = ctx.n_switched[r] = 0;
        continue;
      }
      const int64_t begin = ctx.col.value_offset(r);
      const int64_t n = ctx.col.value_offset(r + 1) - begin;
      if (n > kMaxRowBytes) {
        chunk->status = Status::Error(Code::kTooLarge, "row longer than 2 GiB", r);
        return;
      }
      const uint8_t* s = ctx.col.data + begin;
      const bool ok = n <= kUncheckedRowBytes
                          ? decide_row<kConsistent, false>(ctx, chunk, sc, st, r, s,
                                                           static_cast<size_t>(n))
                          : decide_row<kConsistent, true>(ctx, chunk, sc, st, r, s,
                                                          static_cast<size_t>(n));
      if (!ok) return;
    }
  }
  chunk->out_bytes = st.out_bytes;
  chunk->lang_switches.assign(st.lang_switches, st.lang_switches + n_langs);
  chunk->lang_words.assign(st.lang_words, st.lang_words + n_langs);
}

// ---------------------------------------------------------------------------
// Pass 2: emit.

// Copies n bytes; short copies move 16 or 32 bytes at once where both sides
// may be read / written that far (what lies past n is overwritten next).
inline uint8_t* copy_bytes(uint8_t* dst, const uint8_t* src, size_t n, const uint8_t* dst_end,
                           const uint8_t* src_end) {
  if (n <= 16 && dst + 16 <= dst_end && src + 16 <= src_end) {
    std::memcpy(dst, src, 16);
  } else if (n <= 32 && dst + 32 <= dst_end && src + 32 <= src_end) {
    std::memcpy(dst, src, 32);
  } else if (n) {
    std::memcpy(dst, src, n);
  }
  return dst + n;
}

struct Output {
  uint8_t* data;
  void* offsets;  // int32 or int64
  bool large;
  int32_t* switch_offsets;
  int32_t *src_start, *src_end, *dst_start, *dst_end;
  int16_t* lang;
};

void emit_range(const Context& ctx, const Chunk& chunk, const Output& out, int64_t byte_base,
                int64_t switch_base, int64_t byte_limit) {
  const Lexicon& lex = ctx.lexicon;
  const auto* targets = reinterpret_cast<const uint8_t*>(lex.targets());
  const uint8_t* const targets_end = targets + lex.targets_size();
  const uint8_t* const dst_end = out.data + byte_limit;  // this range's end: not past it
  int64_t pos = byte_base, sw = switch_base;
  const Decision* dec = chunk.decisions.data();
  for (int64_t r = chunk.row_begin; r < chunk.row_end; ++r) {
    const int32_t n_sw = ctx.n_switched[r];
    if (ctx.col.is_valid(r)) {
      const int64_t begin = ctx.col.value_offset(r);
      const size_t n = static_cast<size_t>(ctx.col.value_offset(r + 1) - begin);
      const uint8_t* s = ctx.col.data + begin;
      uint8_t* const row_dst = out.data + pos;
      uint8_t* dst = row_dst;
      uint32_t copied = 0;
      for (int32_t k = 0; k < n_sw; ++k, ++dec, ++sw) {
        const Decision& d = *dec;
        dst = copy_bytes(dst, s + copied, d.src_start - copied, dst_end, ctx.readable_end);
        const CasedTarget& ct = lex.cased(d.cand);
        const uint32_t off = ct.offset[d.pattern], len = ct.length[d.pattern];
        out.src_start[sw] = static_cast<int32_t>(d.src_start);
        out.src_end[sw] = static_cast<int32_t>(d.src_end);
        out.dst_start[sw] = static_cast<int32_t>(dst - row_dst);
        dst = copy_bytes(dst, targets + off, len, dst_end, targets_end);
        out.dst_end[sw] = static_cast<int32_t>(dst - row_dst);
        out.lang[sw] = d.lang;
        copied = d.src_end;
      }
      dst = copy_bytes(dst, s + copied, n - copied, dst_end, ctx.readable_end);
      pos += dst - row_dst;
    }
    if (out.large) static_cast<int64_t*>(out.offsets)[r + 1] = pos;
    else static_cast<int32_t*>(out.offsets)[r + 1] = static_cast<int32_t>(pos);
    out.switch_offsets[r + 1] = static_cast<int32_t>(sw);
  }
}

// Cuts [0, length) into at most n contiguous ranges of about equal bytes.
std::vector<int64_t> split_rows(const StringColumnView& col, int n) {
  std::vector<int64_t> bounds{0};
  const int64_t first = col.value_offset(0), total = col.value_offset(col.length) - first;
  for (int k = 1; k < n; ++k) {
    const int64_t target = first + total * k / n;
    int64_t lo = bounds.back(), hi = col.length;
    while (lo < hi) {  // first row whose start offset reaches target
      const int64_t mid = lo + (hi - lo) / 2;
      if (col.value_offset(mid) < target) lo = mid + 1; else hi = mid;
    }
    if (lo > bounds.back() && lo < col.length) bounds.push_back(lo);
  }
  bounds.push_back(col.length);
  return bounds;
}

bool allocate_all(std::initializer_list<std::pair<RawBuffer*, size_t>> bufs) {
  for (const auto& [buf, size] : bufs)
    if (!buf->allocate(size)) return false;
  return true;
}

}  // namespace

Status switch_column(const Lexicon& lexicon, const SwitchOptions& options,
                     const StringColumnView& col, const uint64_t* row_keys, uint64_t row_base,
                     SwitchResult* result, const ProtectedSpans* protect) {
  if (!(options.ratio >= 0.0 && options.ratio <= 1.0))
    return Status::Error(Code::kInvalidArgument, "ratio must be in [0, 1]");
  if (lexicon.n_keys() == 0) return Status::Error(Code::kEmptyLexicon, "lexicon is empty");
  SwitchOptions opt = options;
  const int n_langs = lexicon.n_langs();
  if (opt.lang_weights.empty()) opt.lang_weights.assign(static_cast<size_t>(n_langs), 1.0);
  if (static_cast<int>(opt.lang_weights.size()) != n_langs)
    return Status::Error(Code::kInvalidArgument, "one language weight per lexicon language");
  uint64_t all_langs = 0;
  for (int l = 0; l < n_langs; ++l) {
    const double w = opt.lang_weights[static_cast<size_t>(l)];
    if (!(w >= 0.0) || w > std::numeric_limits<double>::max())
      return Status::Error(Code::kInvalidArgument, "language weights must be finite and >= 0");
    if (w > 0.0) all_langs |= uint64_t{1} << l;
  }
  // Nothing could ever be drawn: a caller's language set (e.g. one column's)
  // is empty or all zero, which is a mistake rather than a no-op.
  if (all_langs == 0)
    return Status::Error(Code::kInvalidArgument, "every language has weight 0");
  if (opt.min_bytes_per_thread < 1)
    return Status::Error(Code::kInvalidArgument, "min_bytes_per_thread must be >= 1");
  CSGEN_RETURN_IF_ERROR(validate_offsets(col));
  if (protect) CSGEN_RETURN_IF_ERROR(validate_protect(*protect, col));

  const int64_t n = col.length;
  *result = SwitchResult();
  result->length = n;
  try {
    if (!allocate_all({{&result->n_words, 4 * static_cast<size_t>(n)},
                       {&result->n_eligible, 4 * static_cast<size_t>(n)},
                       {&result->n_switched, 4 * static_cast<size_t>(n)}}))
      throw std::bad_alloc();
    const int64_t bytes = n ? col.value_offset(n) - col.value_offset(0) : 0;
    const int64_t by_size = std::max<int64_t>(1, bytes / opt.min_bytes_per_thread);
    const int n_threads = static_cast<int>(
        std::max<int64_t>(1, std::min<int64_t>({opt.threads, by_size, std::max<int64_t>(n, 1)})));
    const std::vector<int64_t> bounds = n ? split_rows(col, n_threads) : std::vector<int64_t>{0, 0};
    const int n_chunks = static_cast<int>(bounds.size()) - 1;
    result->n_chunks = n_chunks;
    std::vector<Chunk> chunks(static_cast<size_t>(n_chunks));
    std::vector<int32_t> row_len(static_cast<size_t>(n));
    // The kernels read 16 bytes at a time up to the end of the data buffer.
    const uint8_t* readable_end = col.data ? col.data + col.data_size : nullptr;
    Context ctx{lexicon, opt, col, row_keys, row_base, result->n_words.as<int32_t>(),
                result->n_eligible.as<int32_t>(), result->n_switched.as<int32_t>(),
                row_len.data(), all_langs, weight_total(all_langs, opt.lang_weights),
                ratio_threshold(opt.ratio), protect, readable_end};
    run_parallel(n_chunks, [&](int k) {
      Chunk& c = chunks[static_cast<size_t>(k)];
      c.row_begin = bounds[static_cast<size_t>(k)];
      c.row_end = bounds[static_cast<size_t>(k) + 1];
      if (opt.consistent) decide_range<true>(ctx, &c);
      else decide_range<false>(ctx, &c);
    });
    for (const Chunk& c : chunks)  // the first failing row, whatever the split
      if (!c.status.ok()) return c.status;

    // Each range's place in the output, then one allocation of each buffer.
    std::vector<int64_t> byte_base(static_cast<size_t>(n_chunks) + 1, 0);
    std::vector<int64_t> switch_base(static_cast<size_t>(n_chunks) + 1, 0);
    for (int k = 0; k < n_chunks; ++k) {
      byte_base[k + 1] = byte_base[k] + chunks[k].out_bytes;
      switch_base[k + 1] = switch_base[k] + static_cast<int64_t>(chunks[k].decisions.size());
    }
    const int64_t total_bytes = byte_base.back(), total_switches = switch_base.back();
    if (total_switches > std::numeric_limits<int32_t>::max())
      return Status::Error(Code::kTooLarge, "more than 2^31 switches in one batch; use smaller batches");
    result->large_offsets = col.large || total_bytes > std::numeric_limits<int32_t>::max();
    const size_t ow = result->large_offsets ? 8 : 4, ns = static_cast<size_t>(total_switches);
    if (!allocate_all({{&result->offsets, ow * static_cast<size_t>(n + 1)},
                       {&result->switch_offsets, 4 * static_cast<size_t>(n + 1)},
                       {&result->data, static_cast<size_t>(total_bytes)},
                       {&result->src_start, 4 * ns},
                       {&result->src_end, 4 * ns},
                       {&result->dst_start, 4 * ns},
                       {&result->dst_end, 4 * ns},
                       {&result->lang, 2 * ns}}))
      throw std::bad_alloc();
    result->n_switches = total_switches;
    Output out{result->data.as<uint8_t>(), result->offsets.data, result->large_offsets,
               result->switch_offsets.as<int32_t>(), result->src_start.as<int32_t>(),
               result->src_end.as<int32_t>(), result->dst_start.as<int32_t>(),
               result->dst_end.as<int32_t>(), result->lang.as<int16_t>()};
    out.switch_offsets[0] = 0;
    if (out.large) static_cast<int64_t*>(out.offsets)[0] = 0;
    else static_cast<int32_t*>(out.offsets)[0] = 0;
    run_parallel(n_chunks, [&](int k) {
      emit_range(ctx, chunks[static_cast<size_t>(k)], out, byte_base[k], switch_base[k],
                 byte_base[k + 1]);
    });
    result->lang_switches.assign(static_cast<size_t>(n_langs), 0);
    result->lang_words.assign(static_cast<size_t>(n_langs), 0);
    for (const Chunk& c : chunks)
      for (int l = 0; l < n_langs; ++l) {
        result->lang_switches[l] += c.lang_switches[l];
        result->lang_words[l] += c.lang_words[l];
      }
    // Validity: a fresh bitmap at offset 0 (the input's may start mid-byte).
    if (col.validity) {
      int64_t nulls = 0;
      for (int64_t i = 0; i < n; ++i) nulls += !col.is_valid(i);
      if (nulls) {
        if (!result->validity.allocate(static_cast<size_t>((n + 7) / 8))) throw std::bad_alloc();
        auto* bits = result->validity.as<uint8_t>();
        std::memset(bits, 0, result->validity.size);
        for (int64_t i = 0; i < n; ++i)
          if (col.is_valid(i)) bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
        result->null_count = nulls;
      }
    }
  } catch (const std::bad_alloc&) {
    *result = SwitchResult();
    return Status::Error(Code::kTooLarge, "out of memory while switching; use smaller batches");
  }
  return Status::Ok();
}

}  // namespace csgen
