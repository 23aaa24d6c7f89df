// Fixtures shared by the core's test programs: an owned Arrow-like string
// column, lexicon building, independent key normalisation, accessors of a
// SwitchResult and the invariants every switch result must satisfy.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "common.h"
#include "lexicon.h"
#include "segment.h"
#include "switcher.h"
#include "test_check.h"
#include "utf8.h"

namespace csgen::testing {

inline const uint8_t* U(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// An owned Arrow-like string column.
struct Column {
  std::vector<int32_t> offsets{0};
  std::vector<int64_t> offsets64{0};
  std::string data;
  std::vector<uint8_t> validity;  // one bit per row
  int64_t n = 0;
  bool any_null = false;

  void set_bit(bool valid) {
    if (static_cast<size_t>(n / 8) >= validity.size()) validity.push_back(0);
    if (valid) validity[static_cast<size_t>(n / 8)] |= static_cast<uint8_t>(1u << (n % 8));
  }
  Column& add(const std::string& s) {
    set_bit(true);
    data += s;
    offsets.push_back(static_cast<int32_t>(data.size()));
    offsets64.push_back(static_cast<int64_t>(data.size()));
    ++n;
    return *this;
  }
  // A null row; the bytes under it (allowed by Arrow) are kept in data.
  Column& add_null(const std::string& garbage = "") {
    set_bit(false);
    any_null = true;
    data += garbage;
    offsets.push_back(static_cast<int32_t>(data.size()));
    offsets64.push_back(static_cast<int64_t>(data.size()));
    ++n;
    return *this;
  }
  StringColumnView view(bool large = false) const {
    StringColumnView v;
    v.validity = any_null ? validity.data() : nullptr;
    v.offsets = large ? static_cast<const void*>(offsets64.data())
                      : static_cast<const void*>(offsets.data());
    v.data = U(data);
    v.data_size = static_cast<int64_t>(data.size());
    v.offset = 0;
    v.length = n;
    v.large = large;
    return v;
  }
  std::string row(int64_t i) const {
    return data.substr(static_cast<size_t>(offsets[i]),
                       static_cast<size_t>(offsets[i + 1] - offsets[i]));
  }
};

inline Column make_column(const std::vector<std::string>& rows) {
  Column c;
  for (const auto& r : rows) c.add(r);
  return c;
}

struct Entry {
  std::string src, tgt;
  int32_t lang = 0;
};

inline Status build_lexicon(const std::vector<Entry>& entries, int n_langs, Lexicon* lex,
                            const std::vector<double>* weights = nullptr) {
  Column src, tgt;
  std::vector<int32_t> langs;
  for (const auto& e : entries) {
    src.add(e.src);
    tgt.add(e.tgt);
    langs.push_back(e.lang);
  }
  return Lexicon::build(src.view(), tgt.view(), langs.data(), weights ? weights->data() : nullptr,
                        n_langs, lex);
}

inline std::string cp_to_utf8(uint32_t cp) {
  std::string s;
  utf8::append(&s, cp);
  return s;
}

inline std::string fold(const std::string& s) {
  std::string out;
  utf8::fold_append(U(s), s.size(), &out);
  return out;
}

// Normalised key of a phrase as documented (lexicon.h): each non-space token
// case-folded, white space between two tokens written as one ' '. Built here
// independently of normalized_key().
inline std::string norm(const std::string& s) {
  std::vector<Token> toks;
  if (!segment(U(s), s.size(), &toks).ok()) return "<invalid>";
  std::string key;
  bool gap = false;
  for (const Token& t : toks) {
    if (t.kind == kSpaceToken) {
      gap = !key.empty();
      continue;
    }
    if (gap) key.push_back(' ');
    gap = false;
    utf8::fold_append(U(s) + t.start, t.end - t.start, &key);
  }
  return key;
}

// normalized_key() of the whole phrase, on tokens segmented without spaces.
inline std::string core_key(const std::string& s) {
  std::vector<Token> toks;
  if (!segment(U(s), s.size(), &toks, /*keep_spaces=*/false).ok()) return "<invalid>";
  std::string key = "stale";
  normalized_key(U(s), toks, 0, toks.size(), &key);
  return key;
}

using Tok = std::pair<std::string, int>;  // (text, kind)

inline std::vector<Tok> toks_of(const std::string& s, Status* st_out = nullptr) {
  std::vector<Token> toks;
  Status st = segment(U(s), s.size(), &toks);
  if (st_out) *st_out = st;
  std::vector<Tok> out;
  for (const Token& t : toks) out.emplace_back(s.substr(t.start, t.end - t.start), t.kind);
  return out;
}

inline bool tiles(const std::string& s) {
  std::vector<Token> toks;
  if (!segment(U(s), s.size(), &toks).ok()) return false;
  if (s.empty()) return toks.empty();
  if (toks.empty() || toks.front().start != 0 || toks.back().end != s.size()) return false;
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].end <= toks[i].start) return false;
    if (i > 0 && toks[i].start != toks[i - 1].end) return false;
    if (i > 0 && toks[i].kind == kSpaceToken && toks[i - 1].kind == kSpaceToken) return false;
  }
  return true;
}

// Accessors of a SwitchResult.
inline int64_t out_off(const SwitchResult& r, int64_t i) {
  return r.large_offsets ? static_cast<const int64_t*>(r.offsets.data)[i]
                         : static_cast<const int32_t*>(r.offsets.data)[i];
}
inline std::string out_row(const SwitchResult& r, int64_t i) {
  const int64_t a = out_off(r, i), b = out_off(r, i + 1);
  return std::string(static_cast<const char*>(r.data.data) + a, static_cast<size_t>(b - a));
}
inline std::vector<std::string> out_rows(const SwitchResult& r) {
  std::vector<std::string> v;
  for (int64_t i = 0; i < r.length; ++i) v.push_back(out_row(r, i));
  return v;
}
inline int32_t i32(const RawBuffer& b, int64_t i) { return static_cast<const int32_t*>(b.data)[i]; }
inline int16_t i16(const RawBuffer& b, int64_t i) { return static_cast<const int16_t*>(b.data)[i]; }
inline bool out_valid(const SwitchResult& r, int64_t i) {
  if (r.validity.data == nullptr) return true;
  return (static_cast<const uint8_t*>(r.validity.data)[i >> 3] >> (i & 7)) & 1;
}

struct Sw {
  int32_t ss, se, ds, de;
  int16_t lang;
};
inline std::vector<Sw> switches_of(const SwitchResult& r, int64_t row) {
  std::vector<Sw> v;
  for (int32_t k = i32(r.switch_offsets, row); k < i32(r.switch_offsets, row + 1); ++k)
    v.push_back(Sw{i32(r.src_start, k), i32(r.src_end, k), i32(r.dst_start, k), i32(r.dst_end, k),
                   i16(r.lang, k)});
  return v;
}

inline std::string raw_bytes(const RawBuffer& b, size_t n) {
  return n ? std::string(static_cast<const char*>(b.data), n) : std::string();
}

// Everything a result holds, as one comparable string.
inline std::string serialize(const SwitchResult& r) {
  const size_t n = static_cast<size_t>(r.length), ns = static_cast<size_t>(r.n_switches);
  std::string s = std::to_string(r.length) + "|" + std::to_string(r.large_offsets) + "|" +
                  std::to_string(r.n_switches) + "|" + std::to_string(r.null_count) + "|";
  const size_t ow = r.large_offsets ? 8 : 4;
  s += raw_bytes(r.offsets, ow * (n + 1));
  s += raw_bytes(r.data, static_cast<size_t>(out_off(r, r.length)));
  s += raw_bytes(r.validity, r.validity.size);
  s += raw_bytes(r.switch_offsets, 4 * (n + 1));
  for (const RawBuffer* b : {&r.src_start, &r.src_end, &r.dst_start, &r.dst_end})
    s += raw_bytes(*b, 4 * ns);
  s += raw_bytes(r.lang, 2 * ns);
  for (const RawBuffer* b : {&r.n_words, &r.n_eligible, &r.n_switched}) s += raw_bytes(*b, 4 * n);
  for (int64_t v : r.lang_switches) s += "," + std::to_string(v);
  for (int64_t v : r.lang_words) s += ";" + std::to_string(v);
  return s;
}

// Checks the invariants every result must satisfy against its input; returns
// the number of failed checks (also counted globally).
inline int check_consistent(const Lexicon& lex, const Column& col, const SwitchResult& r) {
  const int before = g_failed;
  CHECK_EQ(r.length, col.n);
  CHECK_EQ(out_off(r, 0), int64_t{0});
  CHECK_EQ(i32(r.switch_offsets, 0), 0);
  CHECK_EQ(static_cast<int64_t>(i32(r.switch_offsets, col.n)), r.n_switches);
  int64_t total_sw = 0;
  std::vector<int64_t> per_lang(static_cast<size_t>(lex.n_langs()), 0);
  bool spans_ok = true, keys_ok = true, targets_ok = true, rebuild_ok = true, counts_ok = true;
  for (int64_t i = 0; i < col.n; ++i) {
    const std::string out = out_row(r, i);
    const bool valid = col.any_null ? ((col.validity[i >> 3] >> (i & 7)) & 1) : true;
    if (!valid) {
      CHECK(!out_valid(r, i));
      CHECK(out.empty());
      CHECK_EQ(i32(r.switch_offsets, i + 1), i32(r.switch_offsets, i));
      continue;
    }
    const std::string in = col.row(i);
    const std::vector<Sw> sws = switches_of(r, i);
    total_sw += static_cast<int64_t>(sws.size());
    if (static_cast<int32_t>(sws.size()) != i32(r.n_switched, i)) counts_ok = false;
    if (i32(r.n_switched, i) > i32(r.n_eligible, i) || i32(r.n_eligible, i) > i32(r.n_words, i))
      counts_ok = false;
    // Rebuild the output from the input and the records.
    std::string rebuilt;
    int32_t copied = 0;
    for (const Sw& w : sws) {
      if (!(w.ss >= copied && w.se > w.ss && w.se <= static_cast<int32_t>(in.size()) &&
            w.ds == static_cast<int32_t>(rebuilt.size()) + (w.ss - copied) && w.de >= w.ds &&
            w.de <= static_cast<int32_t>(out.size()) && w.lang >= 0 && w.lang < lex.n_langs())) {
        spans_ok = false;
        break;
      }
      per_lang[static_cast<size_t>(w.lang)] += 1;
      rebuilt += in.substr(static_cast<size_t>(copied), static_cast<size_t>(w.ss - copied));
      const std::string src = in.substr(static_cast<size_t>(w.ss), static_cast<size_t>(w.se - w.ss));
      const std::string dst = out.substr(static_cast<size_t>(w.ds), static_cast<size_t>(w.de - w.ds));
      rebuilt += dst;
      copied = w.se;
      // src is a lexicon entry (case-insensitively) ...
      const int32_t id = lex.find(norm(src).data(), norm(src).size());
      if (id < 0 || !lex.node(id).is_entry) {
        keys_ok = false;
        continue;
      }
      // ... and dst is one of its targets in that language, up to case.
      bool found = false;
      const LexiconNode& node = lex.node(id);
      for (uint32_t c = node.cand_begin; c < node.cand_end; ++c) {
        const Candidate& cand = lex.candidates()[c];
        const std::string t(lex.targets() + cand.target_offset, cand.target_length);
        if (cand.lang == w.lang && fold(t) == fold(dst)) found = true;
      }
      if (!found) targets_ok = false;
    }
    if (spans_ok) {
      rebuilt += in.substr(static_cast<size_t>(copied));
      if (rebuilt != out) rebuild_ok = false;
    }
  }
  CHECK(spans_ok);
  CHECK(keys_ok);
  CHECK(targets_ok);
  CHECK(rebuild_ok);
  CHECK(counts_ok);
  CHECK_EQ(total_sw, r.n_switches);
  CHECK_EQ(per_lang, r.lang_switches);
  return g_failed - before;
}

inline SwitchOptions opts(double ratio, int threads = 1) {
  SwitchOptions o;
  o.ratio = ratio;
  o.seed = 12345;
  o.threads = threads;
  return o;
}


// Deterministic text generator.
struct Lcg {
  uint64_t s;
  uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(s >> 33);
  }
};

}  // namespace csgen::testing
