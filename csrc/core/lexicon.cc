#include "lexicon.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "utf8.h"

namespace csgen {
namespace {

struct PendingCandidate {
  int32_t node;
  uint16_t lang;
  bool identity;
  bool stripped;       // end punctuation was stripped from the entry
  const char* target;  // trimmed target bytes, borrowed from the input column
  uint32_t target_length;
  double weight;
};

Status entry_error(Code code, const std::string& what, int64_t row, int64_t byte = -1) {
  return Status::Error(code, what, row, byte);
}

// Whether tokens[t] is a punctuation mark (Unicode P*), for the end rule.
bool is_punct_token(const uint8_t* s, const Token& t) {
  if (t.kind != kPunctToken) return false;
  uint32_t cp = 0;
  if (utf8::decode(s, t.end, t.start, &cp) == 0) return false;
  return (utf8::char_class(cp) & unicode::kPunct) != 0;
}

// Number of punctuation tokens at the end of toks (at most max_n).
size_t trailing_punct(const uint8_t* s, const std::vector<Token>& toks, size_t max_n) {
  size_t k = 0;
  while (k < max_n && is_punct_token(s, toks[toks.size() - 1 - k])) ++k;
  return k;
}

enum class EndPunct { kNone, kStripped, kDropped };

// The end-punctuation rule (lexicon.h): how many tokens to keep of each side.
EndPunct end_punctuation(const uint8_t* s, const std::vector<Token>& src, const uint8_t* t,
                         const std::vector<Token>& tgt, size_t* src_keep, size_t* tgt_keep) {
  *src_keep = src.size();
  *tgt_keep = tgt.size();
  const size_t ps = trailing_punct(s, src, src.size());
  const size_t pt = trailing_punct(t, tgt, tgt.size());
  const bool leads = is_punct_token(t, tgt.front());
  if (ps == 0 && pt == 0 && !leads) return EndPunct::kNone;
  if (leads || ps != pt || pt == tgt.size()) return EndPunct::kDropped;
  for (size_t k = 0; k < ps; ++k) {
    const Token& a = src[src.size() - ps + k];
    const Token& b = tgt[tgt.size() - pt + k];
    if (a.end - a.start != b.end - b.start ||
        std::memcmp(s + a.start, t + b.start, a.end - a.start) != 0)
      return EndPunct::kDropped;
  }
  *src_keep = src.size() - ps;
  *tgt_keep = tgt.size() - pt;
  return EndPunct::kStripped;
}

}  // namespace

void normalized_key(const uint8_t* s, const std::vector<Token>& tokens, size_t begin, size_t end,
                    std::string* key) {
  key->clear();
  for (size_t t = begin; t < end; ++t) {
    if (t > begin && tokens[t].start > tokens[t - 1].end) key->push_back(' ');
    utf8::fold_append(s + tokens[t].start, tokens[t].end - tokens[t].start, key);
  }
}

Status Lexicon::build(const StringColumnView& src, const StringColumnView& tgt,
                      const int32_t* lang, const double* weight, int n_langs, Lexicon* out,
                      const LexiconBuildOptions& options) {
  if (src.length != tgt.length)
    return Status::Error(Code::kInvalidArgument, "source and target columns differ in length");
  if (n_langs < 1 || n_langs > kMaxLanguages)
    return Status::Error(Code::kInvalidArgument,
                         "number of languages must be in [1, 64], got " + std::to_string(n_langs));
  CSGEN_RETURN_IF_ERROR(validate_offsets(src));
  CSGEN_RETURN_IF_ERROR(validate_offsets(tgt));
  *out = Lexicon();
  out->n_langs_ = n_langs;
  out->stats_.entries = src.length;

  std::vector<Token> src_toks, tgt_toks;
  std::string key, target_key, prefix;
  std::vector<PendingCandidate> pending;
  pending.reserve(static_cast<size_t>(src.length));
  for (int64_t i = 0; i < src.length; ++i) {
    if (!src.is_valid(i) || !tgt.is_valid(i))
      return entry_error(Code::kLexiconFormat, "null source or target", i);
    if (lang[i] < 0 || lang[i] >= n_langs)
      return entry_error(Code::kInvalidArgument, "language id out of range", i);
    const double w = weight ? weight[i] : 1.0;
    if (!(w > 0.0) || !std::isfinite(w) || w > std::numeric_limits<float>::max())
      return entry_error(Code::kLexiconFormat, "weight must be a positive finite number", i);

    const uint8_t* s = src.data + src.value_offset(i);
    const size_t s_len = static_cast<size_t>(src.value_offset(i + 1) - src.value_offset(i));
    Status st = segment(s, s_len, &src_toks, /*keep_spaces=*/false);
    if (!st.ok()) return entry_error(Code::kInvalidUtf8, "source: " + st.message, i, st.byte);
    if (src_toks.empty() || src_toks[0].kind != kWordToken) {
      ++out->stats_.skipped;
      continue;
    }
    const uint8_t* t = tgt.data + tgt.value_offset(i);
    const size_t t_len = static_cast<size_t>(tgt.value_offset(i + 1) - tgt.value_offset(i));
    st = segment(t, t_len, &tgt_toks, /*keep_spaces=*/false);
    if (!st.ok()) return entry_error(Code::kInvalidUtf8, "target: " + st.message, i, st.byte);
    if (tgt_toks.empty()) return entry_error(Code::kLexiconFormat, "empty target", i);

    size_t n_tokens = src_toks.size(), n_target = tgt_toks.size();
    bool stripped = false;
    if (options.end_punctuation) {
      const EndPunct rule = end_punctuation(s, src_toks, t, tgt_toks, &n_tokens, &n_target);
      if (rule == EndPunct::kDropped) {
        ++out->stats_.punct_dropped;
        continue;
      }
      stripped = rule == EndPunct::kStripped;
      out->stats_.punct_stripped += stripped;
    }
    normalized_key(s, src_toks, 0, n_tokens, &key);
    normalized_key(t, tgt_toks, 0, n_target, &target_key);
    const bool identity = target_key == key;

    // Every proper token-boundary prefix becomes a node marked has_longer,
    // so matching can stop as soon as a prefix is unknown.
    for (size_t e = 1; e < n_tokens; ++e) {
      normalized_key(s, src_toks, 0, e, &prefix);
      out->keys_.payload(out->keys_.insert(prefix)).has_longer = 1;
    }
    const int32_t id = out->keys_.insert(key);
    LexiconNode& node = out->keys_.payload(id);
    node.n_tokens = static_cast<uint16_t>(std::min<size_t>(n_tokens, 0xFFFF));
    node.is_entry = 1;
    out->max_tokens_ = std::max(out->max_tokens_, static_cast<int>(node.n_tokens));
    const uint32_t t_start = tgt_toks.front().start;
    pending.push_back(PendingCandidate{id, static_cast<uint16_t>(lang[i]), identity, stripped,
                                       reinterpret_cast<const char*>(t) + t_start,
                                       tgt_toks[n_target - 1].end - t_start, w});
  }

  // Group by node (a counting sort keeps entry order, which is rank order),
  // then order each node's few candidates by language, stably.
  std::vector<uint32_t> node_start(out->keys_.size() + 1, 0);
  for (const PendingCandidate& p : pending) ++node_start[static_cast<size_t>(p.node) + 1];
  for (size_t k = 1; k < node_start.size(); ++k) node_start[k] += node_start[k - 1];
  std::vector<PendingCandidate> grouped(pending.size());
  {
    std::vector<uint32_t> fill(node_start.begin(), node_start.end() - 1);
    for (const PendingCandidate& p : pending) grouped[fill[static_cast<size_t>(p.node)]++] = p;
  }
  pending.swap(grouped);
  for (size_t k = 0; k + 1 < node_start.size(); ++k)
    std::stable_sort(pending.begin() + node_start[k], pending.begin() + node_start[k + 1],
                     [](const PendingCandidate& a, const PendingCandidate& b) {
                       return a.lang < b.lang;
                     });
  out->candidates_.reserve(pending.size());
  std::vector<uint8_t> clean;  // per candidate: some copy of it was not stripped
  clean.reserve(pending.size());
  for (size_t k = 0; k < pending.size();) {
    const int32_t node_id = pending[k].node;
    LexiconNode& node = out->keys_.payload(node_id);
    node.cand_begin = static_cast<uint32_t>(out->candidates_.size());
    size_t end = k;
    while (end < pending.size() && pending[end].node == node_id) ++end;
    for (size_t c = k; c < end; ++c) {
      const PendingCandidate& p = pending[c];
      // Merge a repeated (language, target): keep the first rank, add weights
      // (a copy with stripped punctuation adds none to a clean one).
      bool merged = false;
      for (uint32_t j = node.cand_begin; j < out->candidates_.size(); ++j) {
        Candidate& prev = out->candidates_[j];
        if (prev.lang == p.lang && prev.target_length == p.target_length &&
            std::memcmp(out->targets_.data() + prev.target_offset, p.target,
                        p.target_length) == 0) {
          if (clean[j] == static_cast<uint8_t>(!p.stripped)) {  // alike: add up
            prev.weight = static_cast<float>(prev.weight + p.weight);
          } else if (!p.stripped) {  // the first clean copy replaces stripped ones
            prev.weight = static_cast<float>(p.weight);
            clean[j] = 1;
          }
          ++out->stats_.duplicates;
          merged = true;
          break;
        }
      }
      if (merged) continue;
      if (out->targets_.size() + p.target_length > std::numeric_limits<uint32_t>::max())
        return Status::Error(Code::kTooLarge, "lexicon targets exceed 4 GiB");
      out->candidates_.push_back(Candidate{static_cast<uint32_t>(out->targets_.size()),
                                           p.target_length, p.lang,
                                           static_cast<uint8_t>(p.identity),
                                           static_cast<float>(p.weight)});
      clean.push_back(!p.stripped);
      out->targets_.append(p.target, p.target_length);
      const uint64_t bit = uint64_t{1} << p.lang;
      node.langs_identity |= bit;
      if (p.identity) {
        ++out->stats_.identity;
      } else {
        node.langs |= bit;
      }
    }
    node.cand_end = static_cast<uint32_t>(out->candidates_.size());
    node.group_begin = static_cast<uint32_t>(out->first_cand_.size() / 2);
    for (uint32_t c = node.cand_begin; c < node.cand_end;) {
      const uint16_t lang = out->candidates_[c].lang;
      uint32_t plain = ~uint32_t{0};  // none: the language has identity candidates only
      uint32_t e = c;
      for (; e < node.cand_end && out->candidates_[e].lang == lang; ++e)
        if (plain == ~uint32_t{0} && !out->candidates_[e].identity) plain = e;
      out->first_cand_.push_back(c);
      out->first_cand_.push_back(plain);
      c = e;
    }
    k = end;
  }
  for (size_t k = 0; k < out->keys_.size(); ++k)
    out->n_keys_ += out->keys_.payload(static_cast<int32_t>(k)).is_entry;
  if (out->n_keys_ == 0)
    return Status::Error(Code::kEmptyLexicon, "lexicon has no usable entry");

  // Every target in every case pattern, cased once here (a form equal to the
  // target as is shares its bytes).
  out->cased_.resize(out->candidates_.size());
  std::string cased;
  for (size_t c = 0; c < out->candidates_.size(); ++c) {
    const Candidate& cand = out->candidates_[c];
    CasedTarget& ct = out->cased_[c];
    ct.offset[0] = cand.target_offset;
    ct.length[0] = cand.target_length;
    for (int p = 1; p < utf8::kCasePatterns; ++p) {
      cased.resize(2 * static_cast<size_t>(cand.target_length) + 4);
      cased.resize(utf8::apply_case(out->targets_.data() + cand.target_offset, cand.target_length,
                                    static_cast<utf8::CasePattern>(p), &cased[0]));
      if (cased.size() == cand.target_length &&
          std::memcmp(cased.data(), out->targets_.data() + cand.target_offset, cased.size()) == 0) {
        ct.offset[p] = cand.target_offset;
        ct.length[p] = cand.target_length;
        continue;
      }
      if (out->targets_.size() + cased.size() > std::numeric_limits<uint32_t>::max())
        return Status::Error(Code::kTooLarge, "lexicon targets exceed 4 GiB");
      ct.offset[p] = static_cast<uint32_t>(out->targets_.size());
      ct.length[p] = static_cast<uint32_t>(cased.size());
      out->targets_ += cased;
    }
  }

  // The switcher copies short targets 16 bytes at a time: let it read past the last.
  out->targets_.append(16, '\0');

  // The switcher's index over every node, entries and prefixes alike.
  out->index_.reset(out->keys_.size());
  for (size_t k = 0; k < out->keys_.size(); ++k) {
    const int32_t id = static_cast<int32_t>(k);
    const LexiconNode& node = out->keys_.payload(id);
    const std::string node_key = out->keys_.key(id);
    IndexSlot slot;
    simd::pack16(node_key.data(), node_key.size(), &slot.k0, &slot.k1);
    slot.langs = node.langs;
    slot.id = static_cast<uint32_t>(k + 1);
    slot.len = static_cast<uint16_t>(std::min<size_t>(node_key.size(), 0xFFFF));
    slot.flags = static_cast<uint8_t>((node.is_entry ? kSlotEntry : 0) |
                                      (node.has_longer ? kSlotLonger : 0) |
                                      (node.langs_identity != node.langs ? kSlotIdentity : 0));
    out->index_.insert(slot, LexIndex::hash(slot.k0, slot.k1, node_key.size()));
  }
  return Status::Ok();
}

Status KeySet::add(const std::string& word) {
  const auto* s = reinterpret_cast<const uint8_t*>(word.data());
  std::vector<Token> toks;
  Status st = segment(s, word.size(), &toks, /*keep_spaces=*/false);
  if (!st.ok()) return Status::Error(Code::kInvalidUtf8, "stopword '" + word + "': " + st.message);
  std::string key;
  normalized_key(s, toks, 0, toks.size(), &key);
  if (!key.empty()) table_.insert(key);
  return Status::Ok();
}

namespace {

inline bool is_blank(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

struct Field {
  size_t a, b;
};

// Splits line [pos, end) into fields; returns the field count (fields past
// kMaxFields are counted, not stored). *blank: no field holds anything, stored
// or not (a line "\t\t\tx" is not blank, it has four fields).
constexpr int kMaxFields = 3;
int split_line(const uint8_t* s, size_t pos, size_t end, const PairFormat& fmt, Field* fields,
               bool* tabbed, bool* blank) {
  int n = 0;
  *blank = true;
  auto add = [&](size_t a, size_t b) {
    while (a < b && is_blank(s[a])) ++a;
    while (b > a && is_blank(s[b - 1])) --b;
    if (n < kMaxFields) fields[n] = Field{a, b};
    if (a < b) *blank = false;
    ++n;
  };
  *tabbed = std::memchr(s + pos, '\t', end - pos) != nullptr;
  if (fmt.split == PairFormat::kSeparator) {
    const std::string& sep = fmt.separator;
    size_t a = pos;
    for (size_t i = pos; i + sep.size() <= end;) {
      if (std::memcmp(s + i, sep.data(), sep.size()) == 0) {
        add(a, i);
        i += sep.size();
        a = i;
      } else {
        ++i;
      }
    }
    add(a, end);
  } else if (fmt.split == PairFormat::kTab || *tabbed) {
    size_t a = pos;
    for (size_t i = pos; i <= end; ++i) {
      if (i == end || s[i] == '\t') {
        add(a, i);
        a = i + 1;
      }
    }
  } else {  // MUSE: runs of spaces
    for (size_t i = pos; i < end;) {
      while (i < end && is_blank(s[i])) ++i;
      if (i == end) break;
      const size_t a = i;
      while (i < end && !is_blank(s[i])) ++i;
      add(a, i);
    }
  }
  return n;
}

// Checks one line's fields; returns an empty string or what is wrong.
std::string check_fields(const uint8_t* s, const Field* f, int n, bool tabbed,
                         const PairFormat& fmt, double* weight) {
  *weight = 1.0;
  const int max_fields = fmt.split == PairFormat::kTab && fmt.allow_weight ? 3 : 2;
  if (n < 2 || n > max_fields) {
    std::string what = "expected " + std::string(max_fields == 3 ? "2 or 3" : "2") +
                       " fields, found " + std::to_string(n);
    if (fmt.split == PairFormat::kSeparator) return what + " separated by '" + fmt.separator + "'";
    if (fmt.split == PairFormat::kMuse && !tabbed)
      return what + " (source target); separate multi-word entries with a TAB";
    return what + " TAB-separated";
  }
  if (f[0].a == f[0].b || f[1].a == f[1].b) return "empty source or target field";
  if (n == 3) {
    const std::string text(reinterpret_cast<const char*>(s) + f[2].a, f[2].b - f[2].a);
    char* parsed_end = nullptr;
    const double w = std::strtod(text.c_str(), &parsed_end);
    if (text.empty() || parsed_end != text.c_str() + text.size() || !std::isfinite(w) || w <= 0)
      return "weight '" + text + "' is not a positive number";
    *weight = w;
  }
  return std::string();
}

}  // namespace

Status parse_pairs(const uint8_t* s, size_t n, const PairFormat& fmt, ParsedPairs* out) {
  *out = ParsedPairs();
  if (fmt.split == PairFormat::kSeparator && fmt.separator.empty())
    return Status::Error(Code::kInvalidArgument, "empty field separator");
  size_t pos = 0;
  if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) pos = 3;
  int64_t line_no = 0;
  Field fields[kMaxFields];
  while (pos < n) {
    ++line_no;
    const uint8_t* nl = static_cast<const uint8_t*>(std::memchr(s + pos, '\n', n - pos));
    size_t end = nl ? static_cast<size_t>(nl - s) : n;
    const size_t next = nl ? end + 1 : n;
    if (end > pos && s[end - 1] == '\r') --end;
    std::string problem;
    size_t bad = 0;
    double weight = 1.0;
    bool tabbed = false;
    int n_fields = 0;
    if (!utf8::validate(s + pos, end - pos, &bad)) {
      problem = "invalid UTF-8 at column " + std::to_string(bad + 1);
    } else {
      bool blank = true;
      n_fields = split_line(s, pos, end, fmt, fields, &tabbed, &blank);
      if (blank) {
        pos = next;
        continue;
      }
      problem = check_fields(s, fields, n_fields, tabbed, fmt, &weight);
    }
    if (!problem.empty()) {
      if (!fmt.skip_bad)
        return Status::Error(Code::kLexiconFormat, problem, line_no, static_cast<int64_t>(bad));
      if (out->bad_lines++ == 0) {
        out->first_bad_line = line_no;
        out->first_bad_reason = problem;
      }
      pos = next;
      continue;
    }
    out->source_data.append(reinterpret_cast<const char*>(s) + fields[0].a,
                            fields[0].b - fields[0].a);
    out->target_data.append(reinterpret_cast<const char*>(s) + fields[1].a,
                            fields[1].b - fields[1].a);
    if (out->source_data.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()) ||
        out->target_data.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
      return Status::Error(Code::kTooLarge, "lexicon file larger than 2 GiB", line_no);
    out->source_offsets.push_back(static_cast<int32_t>(out->source_data.size()));
    out->target_offsets.push_back(static_cast<int32_t>(out->target_data.size()));
    out->weight.push_back(weight);
    out->line.push_back(line_no);
    pos = next;
  }
  return Status::Ok();
}

Status validate_offsets(const StringColumnView& col) {
  if (col.length < 0 || col.offset < 0)
    return Status::Error(Code::kInvalidArgument, "negative length or offset");
  if (col.length == 0) return Status::Ok();
  if (col.offsets == nullptr)
    return Status::Error(Code::kBadOffsets, "missing offsets buffer");
  int64_t prev = col.value_offset(0);
  if (prev < 0) return Status::Error(Code::kBadOffsets, "negative offset", 0);
  for (int64_t i = 0; i < col.length; ++i) {
    const int64_t next = col.value_offset(i + 1);
    if (next < prev) return Status::Error(Code::kBadOffsets, "offsets decrease", i);
    prev = next;
  }
  if (prev > col.data_size)
    return Status::Error(Code::kBadOffsets, "offsets point past the data buffer",
                         col.length - 1);
  if (prev > 0 && col.data == nullptr)
    return Status::Error(Code::kBadOffsets, "missing data buffer");
  return Status::Ok();
}

}  // namespace csgen
