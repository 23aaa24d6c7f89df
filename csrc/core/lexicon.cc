#include "lexicon.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "utf8.h"

namespace csgen {
namespace {

struct PendingCandidate {
  int32_t node;
  uint16_t lang;
  int64_t rank;  // entry index: MUSE order is rank order
  std::string target;
  double weight;
  bool identity;
};

Status entry_error(Code code, const std::string& what, int64_t row, int64_t byte = -1) {
  return Status::Error(code, what, row, byte);
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
                      const int32_t* lang, const double* weight, int n_langs, Lexicon* out) {
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
    const size_t n_tokens = src_toks.size();
    normalized_key(s, src_toks, 0, n_tokens, &key);

    const uint8_t* t = tgt.data + tgt.value_offset(i);
    const size_t t_len = static_cast<size_t>(tgt.value_offset(i + 1) - tgt.value_offset(i));
    st = segment(t, t_len, &tgt_toks, /*keep_spaces=*/false);
    if (!st.ok()) return entry_error(Code::kInvalidUtf8, "target: " + st.message, i, st.byte);
    if (tgt_toks.empty()) return entry_error(Code::kLexiconFormat, "empty target", i);
    normalized_key(t, tgt_toks, 0, tgt_toks.size(), &target_key);
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
    pending.push_back(PendingCandidate{
        id, static_cast<uint16_t>(lang[i]), i,
        std::string(reinterpret_cast<const char*>(t) + t_start, tgt_toks.back().end - t_start),
        w, identity});
  }

  std::stable_sort(pending.begin(), pending.end(),
                   [](const PendingCandidate& a, const PendingCandidate& b) {
                     if (a.node != b.node) return a.node < b.node;
                     if (a.lang != b.lang) return a.lang < b.lang;
                     return a.rank < b.rank;
                   });
  out->candidates_.reserve(pending.size());
  for (size_t k = 0; k < pending.size();) {
    const int32_t node_id = pending[k].node;
    LexiconNode& node = out->keys_.payload(node_id);
    node.cand_begin = static_cast<uint32_t>(out->candidates_.size());
    size_t end = k;
    while (end < pending.size() && pending[end].node == node_id) ++end;
    for (size_t c = k; c < end; ++c) {
      const PendingCandidate& p = pending[c];
      // Merge a repeated (language, target): keep the first rank, add weights.
      bool merged = false;
      for (uint32_t j = node.cand_begin; j < out->candidates_.size(); ++j) {
        Candidate& prev = out->candidates_[j];
        if (prev.lang == p.lang && prev.target_length == p.target.size() &&
            out->targets_.compare(prev.target_offset, prev.target_length, p.target) == 0) {
          prev.weight = static_cast<float>(prev.weight + p.weight);
          ++out->stats_.duplicates;
          merged = true;
          break;
        }
      }
      if (merged) continue;
      if (out->targets_.size() + p.target.size() > std::numeric_limits<uint32_t>::max())
        return Status::Error(Code::kTooLarge, "lexicon targets exceed 4 GiB");
      out->candidates_.push_back(Candidate{static_cast<uint32_t>(out->targets_.size()),
                                           static_cast<uint32_t>(p.target.size()), p.lang,
                                           static_cast<uint8_t>(p.identity),
                                           static_cast<float>(p.weight)});
      out->targets_ += p.target;
      const uint64_t bit = uint64_t{1} << p.lang;
      node.langs_identity |= bit;
      if (p.identity) {
        ++out->stats_.identity;
      } else {
        node.langs |= bit;
      }
    }
    node.cand_end = static_cast<uint32_t>(out->candidates_.size());
    k = end;
  }
  for (size_t k = 0; k < out->keys_.size(); ++k)
    out->n_keys_ += out->keys_.payload(static_cast<int32_t>(k)).is_entry;
  if (out->n_keys_ == 0)
    return Status::Error(Code::kEmptyLexicon, "lexicon has no usable entry");
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

Status parse_pairs(const uint8_t* s, size_t n, ParsedPairs* out) {
  *out = ParsedPairs();
  size_t pos = 0;
  if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) pos = 3;
  int64_t line_no = 0;
  auto is_blank = [](uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; };
  while (pos < n) {
    ++line_no;
    const uint8_t* nl = static_cast<const uint8_t*>(std::memchr(s + pos, '\n', n - pos));
    size_t end = nl ? static_cast<size_t>(nl - s) : n;
    const size_t next = nl ? end + 1 : n;
    if (end > pos && s[end - 1] == '\r') --end;
    size_t bad;
    if (!utf8::validate(s + pos, end - pos, &bad))
      return Status::Error(Code::kLexiconFormat,
                           "invalid UTF-8 at column " + std::to_string(bad + 1), line_no,
                           static_cast<int64_t>(bad));
    // Fields: split on TAB when the line has one, else on runs of spaces.
    const bool tabbed = std::memchr(s + pos, '\t', end - pos) != nullptr;
    size_t field_start[2] = {0, 0}, field_end[2] = {0, 0};
    int n_fields = 0;
    bool blank_line = true;
    for (size_t i = pos; i <= end;) {
      size_t a = i, b;
      if (tabbed) {
        while (i < end && s[i] != '\t') ++i;
        b = i++;  // step over the TAB (or past the end)
        while (a < b && is_blank(s[a])) ++a;
        while (b > a && is_blank(s[b - 1])) --b;
      } else {
        while (a < end && is_blank(s[a])) ++a;
        if (a == end) break;
        b = a;
        while (b < end && !is_blank(s[b])) ++b;
        i = b;
      }
      if (n_fields < 2) {
        field_start[n_fields] = a;
        field_end[n_fields] = b;
      }
      blank_line &= a == b;
      ++n_fields;
    }
    if (!blank_line) {
      if (n_fields != 2)
        return Status::Error(
            Code::kLexiconFormat,
            "expected 2 fields (source target), found " + std::to_string(n_fields) +
                (tabbed ? " TAB-separated" : "; separate multi-word entries with a TAB"),
            line_no);
      if (field_start[0] == field_end[0] || field_start[1] == field_end[1])
        return Status::Error(Code::kLexiconFormat, "empty source or target field", line_no);
      out->source_data.append(reinterpret_cast<const char*>(s) + field_start[0],
                              field_end[0] - field_start[0]);
      out->target_data.append(reinterpret_cast<const char*>(s) + field_start[1],
                              field_end[1] - field_start[1]);
      if (out->source_data.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()) ||
          out->target_data.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
        return Status::Error(Code::kTooLarge, "lexicon file larger than 2 GiB", line_no);
      out->source_offsets.push_back(static_cast<int32_t>(out->source_data.size()));
      out->target_offsets.push_back(static_cast<int32_t>(out->target_data.size()));
      out->line.push_back(line_no);
    }
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
