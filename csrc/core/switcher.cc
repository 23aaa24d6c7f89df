#include "switcher.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <utility>

#include "parallel.h"
#include "rng.h"
#include "utf8.h"

namespace csgen {
namespace {

constexpr int64_t kMaxRowBytes = std::numeric_limits<int32_t>::max();
constexpr int64_t kMinBytesPerThread = 64 * 1024;
constexpr int kMaxMatches = 64;

enum class CasePattern { kAsIs, kTitle, kUpper, kEachTitle };

struct Match {
  int32_t node;
  uint32_t end_token;  // one past the last token of the match
  uint32_t key_len;    // its folded key is the first key_len bytes of the key buffer
};

// Output of one contiguous row range.
struct Chunk {
  int64_t row_begin = 0, row_end = 0;
  GrowBuffer<uint8_t> out;
  std::vector<int64_t> row_end_offset;  // into out, per row
  std::vector<int32_t> row_switches;    // switches per row
  GrowBuffer<int32_t> src_start, src_end, dst_start, dst_end;
  GrowBuffer<int16_t> lang;
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
  uint64_t all_langs;  // languages with positive weight
  const ProtectedSpans* protect;  // nullptr: nothing protected
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

CasePattern case_pattern(const uint8_t* s, const std::vector<Token>& toks, size_t begin,
                         size_t end) {
  if (end == begin + 1) {  // one ASCII word, the common case: no decoding
    int up = 0, low = 0;
    bool ascii = true, first_upper = false, seen = false;
    for (size_t i = toks[begin].start; i < toks[begin].end && ascii; ++i) {
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
  int n_upper = 0, n_lower = 0, n_words = 0;
  bool first_cased_upper = false, seen_cased = false, every_word_title = true;
  for (size_t t = begin; t < end; ++t) {
    const Token& tok = toks[t];
    bool word_start = tok.kind == kWordToken;
    n_words += word_start;
    for (size_t i = tok.start; i < tok.end;) {
      uint32_t cp = 0;
      const int len = utf8::decode(s, tok.end, i, &cp);
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

void append_cased(const char* target, size_t n, CasePattern pattern, GrowBuffer<uint8_t>* out) {
  if (pattern == CasePattern::kAsIs) {
    out->append(reinterpret_cast<const uint8_t*>(target), n);
    return;
  }
  // A simple case mapping grows a character by at most half (2 -> 3 bytes).
  char* const begin = reinterpret_cast<char*>(out->tail(2 * n + 4));
  char* dst = begin;
  const auto* s = reinterpret_cast<const uint8_t*>(target);
  bool want_title = true;  // the next letter starts a word
  for (size_t i = 0; i < n;) {
    uint32_t cp = 0;
    const int len = utf8::decode(s, n, i, &cp);
    if (len == 0) {  // targets are validated at build time
      *dst++ = target[i++];
      continue;
    }
    i += static_cast<size_t>(len);
    const uint8_t kind = utf8::kind_of(cp);
    if (pattern == CasePattern::kUpper) {
      cp = utf8::to_upper(cp);
    } else if (kind == unicode::kLetter && want_title) {
      cp = utf8::to_title(cp);
      want_title = false;
    } else if (kind == unicode::kSpace && pattern == CasePattern::kEachTitle) {
      want_title = true;
    }
    dst += utf8::encode(cp, dst);
  }
  out->resize(out->size() + static_cast<size_t>(dst - begin));
}

int draw_language(double u, uint64_t allowed, const std::vector<double>& weights) {
  double total = 0.0;
  for (uint64_t m = allowed; m; m &= m - 1) total += weights[static_cast<size_t>(__builtin_ctzll(m))];
  if (!(total > 0.0)) return -1;
  double x = u * total;
  int last = -1;
  for (uint64_t m = allowed; m; m &= m - 1) {
    const int l = __builtin_ctzll(m);
    const double w = weights[static_cast<size_t>(l)];
    if (w <= 0.0) continue;
    last = l;
    if (x < w) return l;
    x -= w;
  }
  return last;  // rounding at the top end
}

// Picks a candidate of node in lang; returns nullptr when it has none usable.
const Candidate* choose_candidate(const Lexicon& lex, const LexiconNode& node, int lang,
                                  const SwitchOptions& opt, double u) {
  const Candidate* cands = lex.candidates();
  const Candidate* first = nullptr;
  int count = 0;
  double total_weight = 0.0;
  for (uint32_t c = node.cand_begin; c < node.cand_end; ++c) {
    const Candidate& cand = cands[c];
    if (cand.lang != lang || (cand.identity && !opt.keep_identity)) continue;
    if (!first) first = &cand;
    if (opt.choice == CandidateChoice::kFirst) return first;
    ++count;
    total_weight += cand.weight;
  }
  if (!first || opt.choice == CandidateChoice::kFirst) return first;
  double x = opt.choice == CandidateChoice::kUniform ? u * count : u * total_weight;
  const Candidate* last = first;
  for (uint32_t c = node.cand_begin; c < node.cand_end; ++c) {
    const Candidate& cand = cands[c];
    if (cand.lang != lang || (cand.identity && !opt.keep_identity)) continue;
    const double w = opt.choice == CandidateChoice::kUniform ? 1.0 : cand.weight;
    last = &cand;
    if (x < w) return &cand;
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
    const LexiconNode& node = lex.node(matches[m].node);
    acc |= (opt.keep_identity ? node.langs_identity : node.langs) & ctx.all_langs;
    langs_upto[m] = acc;
  }
  for (int m = n_matches - 1; m >= 0; --m) {
    const uint64_t allowed = coverage ? langs_upto[m] : ctx.all_langs;
    if (!allowed) continue;
    const LexiconNode& node = lex.node(matches[m].node);
    const uint64_t langs = opt.keep_identity ? node.langs_identity : node.langs;
    const uint64_t unit_key = m == n_matches - 1
                                  ? longest_key
                                  : unit_stream_key(opt.seed, row_key, key, matches[m].key_len);
    const int l = lex.n_langs() == 1
                      ? 0
                      : draw_language(uniform01(unit_key, 0, kStreamLanguage), allowed,
                                      opt.lang_weights);
    if (l >= 0 && (langs & (uint64_t{1} << l))) {
      *lang = l;
      *cand_key = unit_key;
      return m;
    }
  }
  return -1;
}

template <bool kConsistent>
void process_range(const Context& ctx, Chunk* chunk) {
  const Lexicon& lex = ctx.lexicon;
  const SwitchOptions& opt = ctx.options;
  const int n_langs = lex.n_langs();
  chunk->lang_switches.assign(static_cast<size_t>(n_langs), 0);
  chunk->lang_words.assign(static_cast<size_t>(n_langs), 0);
  const size_t n_rows = static_cast<size_t>(chunk->row_end - chunk->row_begin);
  chunk->row_end_offset.reserve(n_rows);
  chunk->row_switches.reserve(n_rows);
  if (n_rows == 0) return;  // an empty column may come without an offsets buffer
  chunk->out.reserve(static_cast<size_t>(ctx.col.value_offset(chunk->row_end) -
                                         ctx.col.value_offset(chunk->row_begin)) +
                     n_rows);
  std::vector<Token> toks;
  utf8::KeyBuffer key;
  Match matches[kMaxMatches];
  const int max_tokens = std::min(lex.max_tokens(), kMaxMatches);
  RowProtect prot;

  for (int64_t r = chunk->row_begin; r < chunk->row_end; ++r) {
    int32_t words = 0, eligible = 0, switched = 0;
    const size_t row_switch_start = chunk->src_start.size();
    if (ctx.col.is_valid(r)) {
      const int64_t begin = ctx.col.value_offset(r);
      const int64_t n = ctx.col.value_offset(r + 1) - begin;
      if (n > kMaxRowBytes) {
        chunk->status = Status::Error(Code::kTooLarge, "row longer than 2 GiB", r);
        return;
      }
      const uint8_t* s = ctx.col.data + begin;
      Status st = segment(s, static_cast<size_t>(n), &toks, /*keep_spaces=*/false);
      if (!st.ok()) {
        chunk->status = Status::Error(st.code, st.message, r, st.byte);
        return;
      }
      const uint64_t row_key = ctx.row_keys ? ctx.row_keys[r] : ctx.row_base + static_cast<uint64_t>(r);
      [[maybe_unused]] const uint64_t rng_key = row_stream_key(opt.seed, row_key, opt.column_key);
      const size_t row_out_start = chunk->out.size();
      prot.reset(ctx.protect, r);
      size_t copied = 0;  // input bytes [0, copied) are already in out
      const size_t n_toks = toks.size();
      for (size_t i = 0; i < n_toks;) {
        if (toks[i].kind != kWordToken) {
          ++i;
          continue;
        }
        // All lexicon matches starting here, shortest first.
        int n_matches = 0;
        uint64_t union_langs = 0;
        int count = 0;
        key.clear();
        for (size_t j = i; j < n_toks && count < max_tokens; ++j) {
          if (j > i && toks[j].start > toks[j - 1].end) key.push(' ');  // a gap is white space
          key.append_folded(s + toks[j].start, toks[j].end - toks[j].start);
          ++count;
          const int32_t id = lex.find(key.data(), key.size());
          if (id < 0) break;
          const LexiconNode& node = lex.node(id);
          const uint64_t langs = opt.keep_identity ? node.langs_identity : node.langs;
          const bool stop = count == 1 && opt.stopwords &&
                            opt.stopwords->contains(key.data(), key.size());
          if (node.is_entry && langs && !stop) {
            matches[n_matches++] =
                Match{id, static_cast<uint32_t>(j + 1), static_cast<uint32_t>(key.size())};
            union_langs |= langs & ctx.all_langs;
          }
          if (!node.has_longer) break;
        }
        ++words;
        if (n_matches == 0 || union_langs == 0) {
          ++i;
          continue;
        }
        ++eligible;
        int lang = -1;
        const Match* chosen = nullptr;
        double u_cand = 0.0;
        if constexpr (kConsistent) {
          // Every draw keyed by the unit's folded key: the longest entry decides.
          const uint64_t longest_key =
              unit_stream_key(opt.seed, row_key, key.data(), matches[n_matches - 1].key_len);
          if (uniform01(longest_key, 0, kStreamSwitch) >= opt.ratio) {
            ++i;
            continue;
          }
          uint64_t cand_key = 0;
          const int m = choose_consistent(ctx, matches, n_matches, row_key, key.data(),
                                          longest_key, &lang, &cand_key);
          if (m < 0) {  // no entry drew a language it has
            ++i;
            continue;
          }
          chosen = &matches[m];
          u_cand = uniform01(cand_key, 0, kStreamCandidate);
        } else {
          if (uniform01(rng_key, i, kStreamSwitch) >= opt.ratio) {
            ++i;
            continue;
          }
          // One language needs no draw (the draw could only return it).
          lang = n_langs == 1 ? 0
                              : draw_language(uniform01(rng_key, i, kStreamLanguage),
                                              opt.sampling == LangSampling::kUniform
                                                  ? ctx.all_langs
                                                  : union_langs,
                                              opt.lang_weights);
          for (int m = n_matches - 1; m >= 0 && lang >= 0; --m) {
            const LexiconNode& node = lex.node(matches[m].node);
            const uint64_t langs = opt.keep_identity ? node.langs_identity : node.langs;
            if (langs & (uint64_t{1} << lang)) {
              chosen = &matches[m];
              break;
            }
          }
          if (!chosen) {  // the drawn language has no entry for this word
            ++i;
            continue;
          }
          u_cand = uniform01(rng_key, i, kStreamCandidate);
        }
        const size_t src_start = toks[i].start, src_end = toks[chosen->end_token - 1].end;
        int32_t phrase_words = 0;
        for (size_t t = i; t < chosen->end_token; ++t) phrase_words += toks[t].kind == kWordToken;
        if (!prot.empty() && prot.overlaps(static_cast<int64_t>(src_start),
                                           static_cast<int64_t>(src_end))) {
          // Protected: kept as it is, and skipped whole as a switch would be.
          words += phrase_words - 1;
          i = chosen->end_token;
          continue;
        }
        const Candidate* cand = choose_candidate(lex, lex.node(chosen->node), lang, opt, u_cand);
        chunk->out.append(s + copied, src_start - copied);
        const size_t dst_start = chunk->out.size() - row_out_start;
        append_cased(lex.targets() + cand->target_offset, cand->target_length,
                     case_pattern(s, toks, i, chosen->end_token), &chunk->out);
        const size_t dst_end = chunk->out.size() - row_out_start;
        if (dst_end > static_cast<size_t>(kMaxRowBytes)) {
          chunk->status = Status::Error(Code::kTooLarge, "switched row longer than 2 GiB", r);
          return;
        }
        copied = src_end;
        chunk->src_start.push_back(static_cast<int32_t>(src_start));
        chunk->src_end.push_back(static_cast<int32_t>(src_end));
        chunk->dst_start.push_back(static_cast<int32_t>(dst_start));
        chunk->dst_end.push_back(static_cast<int32_t>(dst_end));
        chunk->lang.push_back(static_cast<int16_t>(lang));
        chunk->lang_switches[static_cast<size_t>(lang)] += 1;
        chunk->lang_words[static_cast<size_t>(lang)] += phrase_words;
        words += phrase_words - 1;  // the first word was counted above
        ++switched;
        i = chosen->end_token;
      }
      chunk->out.append(s + copied, static_cast<size_t>(n) - copied);
    }
    chunk->row_end_offset.push_back(static_cast<int64_t>(chunk->out.size()));
    chunk->row_switches.push_back(static_cast<int32_t>(chunk->src_start.size() - row_switch_start));
    ctx.n_words[r] = words;
    ctx.n_eligible[r] = eligible;
    ctx.n_switched[r] = switched;
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
    const int64_t by_size = std::max<int64_t>(1, bytes / kMinBytesPerThread);
    const int n_threads = static_cast<int>(
        std::max<int64_t>(1, std::min<int64_t>({opt.threads, by_size, std::max<int64_t>(n, 1)})));
    const std::vector<int64_t> bounds = n ? split_rows(col, n_threads) : std::vector<int64_t>{0, 0};
    const int n_chunks = static_cast<int>(bounds.size()) - 1;
    std::vector<Chunk> chunks(static_cast<size_t>(n_chunks));
    Context ctx{lexicon, opt, col, row_keys, row_base, result->n_words.as<int32_t>(),
                result->n_eligible.as<int32_t>(), result->n_switched.as<int32_t>(), all_langs, protect};
    run_parallel(n_chunks, [&](int k) {
      Chunk& c = chunks[static_cast<size_t>(k)];
      c.row_begin = bounds[static_cast<size_t>(k)];
      c.row_end = bounds[static_cast<size_t>(k) + 1];
      if (opt.consistent) process_range<true>(ctx, &c);
      else process_range<false>(ctx, &c);
    });
    for (const Chunk& c : chunks)  // the first failing row, whatever the split
      if (!c.status.ok()) return c.status;

    // Sizes, then one parallel copy of every chunk into its final place.
    std::vector<int64_t> byte_base(static_cast<size_t>(n_chunks) + 1, 0);
    std::vector<int64_t> switch_base(static_cast<size_t>(n_chunks) + 1, 0);
    for (int k = 0; k < n_chunks; ++k) {
      byte_base[k + 1] = byte_base[k] + static_cast<int64_t>(chunks[k].out.size());
      switch_base[k + 1] = switch_base[k] + static_cast<int64_t>(chunks[k].src_start.size());
    }
    const int64_t total_bytes = byte_base.back(), total_switches = switch_base.back();
    if (total_switches > std::numeric_limits<int32_t>::max())
      return Status::Error(Code::kTooLarge, "more than 2^31 switches in one batch; use smaller batches");
    result->large_offsets = col.large || total_bytes > std::numeric_limits<int32_t>::max();
    const size_t ow = result->large_offsets ? 8 : 4, ns = static_cast<size_t>(total_switches);
    if (!allocate_all({{&result->offsets, ow * static_cast<size_t>(n + 1)},
                       {&result->switch_offsets, 4 * static_cast<size_t>(n + 1)}}))
      throw std::bad_alloc();
    // One chunk hands its buffers over as they are; several are copied into
    // place in parallel.
    const bool single = n_chunks == 1;
    if (single) {
      Chunk& c = chunks[0];
      result->data = c.out.release();
      result->src_start = c.src_start.release();
      result->src_end = c.src_end.release();
      result->dst_start = c.dst_start.release();
      result->dst_end = c.dst_end.release();
      result->lang = c.lang.release();
    } else if (!allocate_all({{&result->data, static_cast<size_t>(total_bytes)},
                              {&result->src_start, 4 * ns},
                              {&result->src_end, 4 * ns},
                              {&result->dst_start, 4 * ns},
                              {&result->dst_end, 4 * ns},
                              {&result->lang, 2 * ns}})) {
      throw std::bad_alloc();
    }
    result->n_switches = total_switches;
    auto* sw_off = result->switch_offsets.as<int32_t>();
    sw_off[0] = 0;
    if (result->large_offsets) result->offsets.as<int64_t>()[0] = 0;
    else result->offsets.as<int32_t>()[0] = 0;
    run_parallel(n_chunks, [&](int k) {
      const Chunk& c = chunks[static_cast<size_t>(k)];
      const int64_t base = byte_base[k];
      int64_t sw = switch_base[k];
      for (size_t i = 0; i < c.row_end_offset.size(); ++i) {
        const int64_t row = c.row_begin + static_cast<int64_t>(i) + 1;
        if (result->large_offsets) result->offsets.as<int64_t>()[row] = base + c.row_end_offset[i];
        else result->offsets.as<int32_t>()[row] = static_cast<int32_t>(base + c.row_end_offset[i]);
        sw += c.row_switches[i];
        sw_off[row] = static_cast<int32_t>(sw);
      }
      if (single) return;
      if (!c.out.empty())
        std::memcpy(result->data.as<uint8_t>() + base, c.out.data(), c.out.size());
      const size_t m = c.src_start.size();
      if (m == 0) return;
      const size_t at = static_cast<size_t>(switch_base[k]);
      std::memcpy(result->src_start.as<int32_t>() + at, c.src_start.data(), 4 * m);
      std::memcpy(result->src_end.as<int32_t>() + at, c.src_end.data(), 4 * m);
      std::memcpy(result->dst_start.as<int32_t>() + at, c.dst_start.data(), 4 * m);
      std::memcpy(result->dst_end.as<int32_t>() + at, c.dst_end.data(), 4 * m);
      std::memcpy(result->lang.as<int16_t>() + at, c.lang.data(), 2 * m);
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
