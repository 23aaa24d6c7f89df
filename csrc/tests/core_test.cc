// Self-contained tests of the csgen C++ core (no test framework).
//
//   core_test   run the suite; exit status 1 if any check failed
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "lexicon.h"
#include "segment.h"
#include "switcher.h"
#include "utf8.h"

using namespace csgen;

// ---------------------------------------------------------------------------
// Minimal check macros.

static int g_passed = 0;
static int g_failed = 0;

#define CHECK(expr)                                                        \
  do {                                                                     \
    if (expr) {                                                            \
      ++g_passed;                                                          \
    } else {                                                               \
      ++g_failed;                                                          \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                   #expr);                                                 \
    }                                                                      \
  } while (0)

#define CHECK_EQ(a, b)                                                            \
  do {                                                                            \
    const auto& _va = (a);                                                        \
    const auto& _vb = (b);                                                        \
    if (_va == _vb) {                                                             \
      ++g_passed;                                                                 \
    } else {                                                                      \
      ++g_failed;                                                                 \
      std::fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s\n    left:  %s\n    right: %s\n", \
                   __FILE__, __LINE__, #a, #b, show(_va).c_str(), show(_vb).c_str()); \
    }                                                                             \
  } while (0)

// Printing of compared values.
inline std::string show(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out + "\"";
}
inline std::string show(const char* s) { return show(std::string(s)); }
inline std::string show(bool v) { return v ? "true" : "false"; }
inline std::string show(Code c) { return "Code(" + std::to_string(static_cast<int>(c)) + ")"; }
template <typename T>
inline auto show(const T& v) -> decltype(std::to_string(v)) {
  return std::to_string(v);
}
template <typename A, typename B>
inline std::string show(const std::pair<A, B>& p) {
  return "(" + show(p.first) + ", " + show(p.second) + ")";
}
template <typename T>
inline std::string show(const std::vector<T>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + show(v[i]);
  return out + "]";
}

// ---------------------------------------------------------------------------
// Helpers.

static const uint8_t* U(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

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

static Column make_column(const std::vector<std::string>& rows) {
  Column c;
  for (const auto& r : rows) c.add(r);
  return c;
}

struct Entry {
  std::string src, tgt;
  int32_t lang = 0;
};

static Status build_lexicon(const std::vector<Entry>& entries, int n_langs, Lexicon* lex,
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

static std::string cp_to_utf8(uint32_t cp) {
  std::string s;
  utf8::append(&s, cp);
  return s;
}

static std::string fold(const std::string& s) {
  std::string out;
  utf8::fold_append(U(s), s.size(), &out);
  return out;
}

// Normalised key of a phrase as documented (lexicon.h): each non-space token
// case-folded, white space between two tokens written as one ' '. Built here
// independently of normalized_key().
static std::string norm(const std::string& s) {
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
static std::string core_key(const std::string& s) {
  std::vector<Token> toks;
  if (!segment(U(s), s.size(), &toks, /*keep_spaces=*/false).ok()) return "<invalid>";
  std::string key = "stale";
  normalized_key(U(s), toks, 0, toks.size(), &key);
  return key;
}

using Tok = std::pair<std::string, int>;  // (text, kind)

static std::vector<Tok> toks_of(const std::string& s, Status* st_out = nullptr) {
  std::vector<Token> toks;
  Status st = segment(U(s), s.size(), &toks);
  if (st_out) *st_out = st;
  std::vector<Tok> out;
  for (const Token& t : toks) out.emplace_back(s.substr(t.start, t.end - t.start), t.kind);
  return out;
}

static bool tiles(const std::string& s) {
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
static int64_t out_off(const SwitchResult& r, int64_t i) {
  return r.large_offsets ? static_cast<const int64_t*>(r.offsets.data)[i]
                         : static_cast<const int32_t*>(r.offsets.data)[i];
}
static std::string out_row(const SwitchResult& r, int64_t i) {
  const int64_t a = out_off(r, i), b = out_off(r, i + 1);
  return std::string(static_cast<const char*>(r.data.data) + a, static_cast<size_t>(b - a));
}
static std::vector<std::string> out_rows(const SwitchResult& r) {
  std::vector<std::string> v;
  for (int64_t i = 0; i < r.length; ++i) v.push_back(out_row(r, i));
  return v;
}
static int32_t i32(const RawBuffer& b, int64_t i) { return static_cast<const int32_t*>(b.data)[i]; }
static int16_t i16(const RawBuffer& b, int64_t i) { return static_cast<const int16_t*>(b.data)[i]; }
static bool out_valid(const SwitchResult& r, int64_t i) {
  if (r.validity.data == nullptr) return true;
  return (static_cast<const uint8_t*>(r.validity.data)[i >> 3] >> (i & 7)) & 1;
}

struct Sw {
  int32_t ss, se, ds, de;
  int16_t lang;
};
static std::vector<Sw> switches_of(const SwitchResult& r, int64_t row) {
  std::vector<Sw> v;
  for (int32_t k = i32(r.switch_offsets, row); k < i32(r.switch_offsets, row + 1); ++k)
    v.push_back(Sw{i32(r.src_start, k), i32(r.src_end, k), i32(r.dst_start, k), i32(r.dst_end, k),
                   i16(r.lang, k)});
  return v;
}

static std::string raw_bytes(const RawBuffer& b, size_t n) {
  return n ? std::string(static_cast<const char*>(b.data), n) : std::string();
}

// Everything a result holds, as one comparable string.
static std::string serialize(const SwitchResult& r) {
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
static int check_consistent(const Lexicon& lex, const Column& col, const SwitchResult& r) {
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

static SwitchOptions opts(double ratio, int threads = 1) {
  SwitchOptions o;
  o.ratio = ratio;
  o.seed = 12345;
  o.threads = threads;
  return o;
}

// ---------------------------------------------------------------------------
// utf8

static void test_utf8_decode() {
  struct Ok {
    std::string bytes;
    int len;
    uint32_t cp;
  };
  const std::vector<Ok> good = {
      {"A", 1, 0x41},
      {std::string(1, '\0'), 1, 0},
      {"\x7F", 1, 0x7F},
      {"\xC2\x80", 2, 0x80},
      {"\xC3\xA9", 2, 0xE9},  // é
      {"\xDF\xBF", 2, 0x7FF},
      {"\xE0\xA0\x80", 3, 0x800},
      {"\xE2\x82\xAC", 3, 0x20AC},  // €
      {"\xED\x9F\xBF", 3, 0xD7FF},
      {"\xEE\x80\x80", 3, 0xE000},
      {"\xEF\xBF\xBF", 3, 0xFFFF},
      {"\xF0\x90\x80\x80", 4, 0x10000},
      {"\xF0\x9F\x98\x80", 4, 0x1F600},  // 😀
      {"\xF4\x8F\xBF\xBF", 4, 0x10FFFF},
  };
  for (const Ok& g : good) {
    uint32_t cp = 0xDEADBEEF;
    CHECK_EQ(utf8::decode(U(g.bytes), g.bytes.size(), 0, &cp), g.len);
    CHECK_EQ(cp, g.cp);
    CHECK_EQ(cp_to_utf8(g.cp), g.bytes);  // append is the inverse
    // Same sequence at a non-zero index.
    const std::string padded = "xy" + g.bytes + "z";
    cp = 0;
    CHECK_EQ(utf8::decode(U(padded), padded.size(), 2, &cp), g.len);
    CHECK_EQ(cp, g.cp);
  }
  const std::vector<std::string> bad = {
      "\xC0\xAF",              // overlong '/'
      "\xC1\xBF",              // overlong
      "\xE0\x80\xAF",          // overlong '/'
      "\xE0\x9F\xBF",          // overlong U+07FF
      "\xF0\x80\x80\x80",      // overlong NUL
      "\xF0\x8F\xBF\xBF",      // overlong U+FFFF
      "\xED\xA0\x80",          // surrogate U+D800
      "\xED\xBF\xBF",          // surrogate U+DFFF
      "\xF4\x90\x80\x80",      // U+110000
      "\xF5\x80\x80\x80",      // lead byte past F4
      "\xFF",                  //
      "\x80",                  // lone continuation
      "\xBF",                  //
      "\xC3",                  // truncated 2-byte
      "\xE2\x82",              // truncated 3-byte
      "\xE2",                  //
      "\xF0\x9F\x98",          // truncated 4-byte
      "\xF0\x9F",              //
      "\xC3\x41",              // bad continuation
      "\xE2\x82\x41",          //
      "\xF0\x9F\x98\x41",      //
      "\xE2\xC3\xA9",          //
  };
  for (const std::string& b : bad) {
    uint32_t cp = 0;
    CHECK_EQ(utf8::decode(U(b), b.size(), 0, &cp), 0);
  }
  // A complete sequence cut by n (the buffer goes on, the view does not).
  const std::string euro = "\xE2\x82\xAC";
  uint32_t cp = 0;
  CHECK_EQ(utf8::decode(U(euro), 2, 0, &cp), 0);
  CHECK_EQ(utf8::decode(U(euro), 3, 0, &cp), 3);
}

static void test_utf8_validate() {
  size_t bad = 999;
  CHECK(utf8::validate(U(std::string()), 0, &bad));
  const std::string ok = "hello w\xC3\xB6rld \xE6\xBC\xA2\xE5\xAD\x97 \xF0\x9F\x98\x80 0123456789abcdef";
  CHECK(utf8::validate(U(ok), ok.size(), &bad));
  struct Case {
    std::string s;
    size_t bad;
  };
  const std::vector<Case> cases = {
      {"\xFF", 0},
      {"\xC0\xAF", 0},
      {"abc\xC0\xAF", 3},
      {"abcdefgh\xC0\xAF", 8},                          // right after the 8-byte fast path
      {"abcdefghijk\xED\xA0\x80xyz", 11},               // surrogate
      {"abcdefghijklmnop\xC3\xA9xyz\xF4\x90\x80\x80", 21},  // > U+10FFFF after é
      {"abc\xE2\x82", 3},                               // truncated at the end
      {"\xC3\xA9\xC3\xA9\xE0\x80\xAF", 4},             // overlong after 2 good chars
      {"0123456789abcdef0123456\x80", 23},
  };
  for (const Case& c : cases) {
    bad = 999;
    CHECK(!utf8::validate(U(c.s), c.s.size(), &bad));
    CHECK_EQ(bad, c.bad);
  }
}

static void test_utf8_case() {
  // ASCII
  CHECK_EQ(utf8::to_lower('A'), uint32_t{'a'});
  CHECK_EQ(utf8::to_lower('Z'), uint32_t{'z'});
  CHECK_EQ(utf8::to_lower('a'), uint32_t{'a'});
  CHECK_EQ(utf8::to_lower('1'), uint32_t{'1'});
  CHECK_EQ(utf8::to_lower('@'), uint32_t{'@'});
  CHECK_EQ(utf8::to_lower('['), uint32_t{'['});
  CHECK_EQ(utf8::to_upper('a'), uint32_t{'A'});
  CHECK_EQ(utf8::to_upper('z'), uint32_t{'Z'});
  CHECK_EQ(utf8::to_upper('Q'), uint32_t{'Q'});
  CHECK_EQ(utf8::to_upper('`'), uint32_t{'`'});
  CHECK_EQ(utf8::to_upper('{'), uint32_t{'{'});
  CHECK_EQ(utf8::to_title('a'), uint32_t{'A'});
  CHECK_EQ(utf8::to_title('A'), uint32_t{'A'});
  CHECK_EQ(utf8::to_title('-'), uint32_t{'-'});
  // Ä / ä
  CHECK_EQ(utf8::to_lower(0xC4), 0xE4u);
  CHECK_EQ(utf8::to_lower(0xE4), 0xE4u);
  CHECK_EQ(utf8::to_upper(0xE4), 0xC4u);
  CHECK_EQ(utf8::to_upper(0xC4), 0xC4u);
  CHECK_EQ(utf8::to_title(0xE4), 0xC4u);
  // Σ σ ς
  CHECK_EQ(utf8::to_lower(0x3A3), 0x3C3u);
  CHECK_EQ(utf8::to_upper(0x3C3), 0x3A3u);
  CHECK_EQ(utf8::to_upper(0x3C2), 0x3A3u);  // final sigma
  CHECK_EQ(utf8::to_lower(0x3C2), 0x3C2u);
  CHECK_EQ(utf8::to_title(0x3C3), 0x3A3u);
  CHECK_EQ(utf8::to_title(0x3A3), 0x3A3u);
  // Ǆ (U+01C4) ǅ (U+01C5) ǆ (U+01C6): the title form differs from the upper.
  CHECK_EQ(utf8::to_upper(0x1C6), 0x1C4u);
  CHECK_EQ(utf8::to_title(0x1C6), 0x1C5u);
  CHECK_EQ(utf8::to_title(0x1C4), 0x1C5u);
  CHECK_EQ(utf8::to_lower(0x1C4), 0x1C6u);
  CHECK_EQ(utf8::to_lower(0x1C5), 0x1C6u);
  CHECK_EQ(utf8::to_upper(0x1C5), 0x1C4u);
  // Expanding mappings are left alone: İ -> "i̇", ß -> "SS".
  CHECK_EQ(utf8::to_lower(0x130), 0x130u);
  CHECK_EQ(utf8::to_upper(0xDF), 0xDFu);
  // Uncased
  CHECK_EQ(utf8::to_lower(0x6F22), 0x6F22u);
  CHECK_EQ(utf8::to_upper(0x1F600), 0x1F600u);

  // fold_append
  std::string out = "pre:";
  const std::string s = "HeLLo \xC3\x84\xC3\x96\xC3\x9C \xCE\xA3\xCE\x91\xCE\xA3 \xC7\x85\xC7\x84 \xE6\xBC\xA2 123!";
  utf8::fold_append(U(s), s.size(), &out);
  CHECK_EQ(out, std::string("pre:hello \xC3\xA4\xC3\xB6\xC3\xBC \xCF\x83\xCE\xB1\xCF\x83 \xC7\x86\xC7\x86 \xE6\xBC\xA2 123!"));
  CHECK_EQ(fold(""), std::string());
  CHECK_EQ(fold("HOUSE"), std::string("house"));
  CHECK_EQ(fold("\xC4\xB0"), std::string("\xC4\xB0"));  // İ folds to itself (length-stable)
  // Invalid bytes are copied through one at a time.
  CHECK_EQ(fold("A\xFF" "B\xC3"), std::string("a\xFF" "b\xC3"));

  // Character classes used by the segmenter.
  CHECK_EQ(static_cast<int>(utf8::kind_of('a')), static_cast<int>(unicode::kLetter));
  CHECK_EQ(static_cast<int>(utf8::kind_of('7')), static_cast<int>(unicode::kDigit));
  CHECK_EQ(static_cast<int>(utf8::kind_of('\n')), static_cast<int>(unicode::kSpace));
  CHECK_EQ(static_cast<int>(utf8::kind_of(0x301)), static_cast<int>(unicode::kMark));
  CHECK_EQ(static_cast<int>(utf8::kind_of(0x6F22)), static_cast<int>(unicode::kIdeo));
  CHECK_EQ(static_cast<int>(utf8::kind_of('!')), static_cast<int>(unicode::kOther));
  CHECK((utf8::char_class(0x2019) & unicode::kJoiner) != 0);
  CHECK((utf8::char_class('\'') & unicode::kJoiner) != 0);
  CHECK((utf8::char_class('.') & unicode::kJoiner) == 0);
  CHECK((utf8::char_class('A') & unicode::kUpper) != 0);
  CHECK((utf8::char_class(0xE4) & unicode::kLower) != 0);
  CHECK_EQ(static_cast<int>(utf8::char_class(0x110000)), 0);
}

// ---------------------------------------------------------------------------
// segment

static void test_segment() {
  const int W = kWordToken, N = kNumberToken, P = kPunctToken, S = kSpaceToken;
  using V = std::vector<Tok>;
  CHECK_EQ(toks_of(""), V{});
  CHECK_EQ(toks_of("Hello, w\xC3\xB6rld!"),
           (V{{"Hello", W}, {",", P}, {" ", S}, {"w\xC3\xB6rld", W}, {"!", P}}));
  CHECK_EQ(toks_of("don't"), (V{{"don't", W}}));
  CHECK_EQ(toks_of("don\xE2\x80\x99t"), (V{{"don\xE2\x80\x99t", W}}));  // U+2019
  CHECK_EQ(toks_of("state-of-the-art"), (V{{"state-of-the-art", W}}));
  CHECK_EQ(toks_of("3.14"), (V{{"3.14", N}}));
  CHECK_EQ(toks_of("1,000"), (V{{"1,000", N}}));
  CHECK_EQ(toks_of("1990s"), (V{{"1990s", W}}));
  CHECK_EQ(toks_of("42"), (V{{"42", N}}));
  CHECK_EQ(toks_of("a--b"), (V{{"a", W}, {"-", P}, {"-", P}, {"b", W}}));
  CHECK_EQ(toks_of("'quoted'"), (V{{"'", P}, {"quoted", W}, {"'", P}}));
  CHECK_EQ(toks_of("\xE6\xBC\xA2\xE5\xAD\x97"), (V{{"\xE6\xBC\xA2", W}, {"\xE5\xAD\x97", W}}));
  CHECK_EQ(toks_of("e\xCC\x81"), (V{{"e\xCC\x81", W}}));  // e + U+0301
  CHECK_EQ(toks_of("caf\xC3\xA9 cafe\xCC\x81s"),
           (V{{"caf\xC3\xA9", W}, {" ", S}, {"cafe\xCC\x81s", W}}));
  // Skin-tone modifiers (U+1F3FB..U+1F3FF) are category Sk, not marks: the
  // emoji and its modifier are two PUNCT tokens (documented behaviour:
  // PUNCT keeps only trailing *combining marks*).
  CHECK_EQ(toks_of("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD"),
           (V{{"\xF0\x9F\x91\x8D", P}, {"\xF0\x9F\x8F\xBD", P}}));
  CHECK(tiles("ok\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD!"));
  // A variation selector (Mn) and ZWJ (treated as a mark) stay with the emoji.
  CHECK_EQ(toks_of("\xE2\x9D\xA4\xEF\xB8\x8F"), (V{{"\xE2\x9D\xA4\xEF\xB8\x8F", P}}));
  CHECK_EQ(toks_of("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9"),
           (V{{"\xF0\x9F\x91\xA8\xE2\x80\x8D", P}, {"\xF0\x9F\x91\xA9", P}}));
  CHECK_EQ(toks_of("a \t\n\n b"), (V{{"a", W}, {" \t\n\n ", S}, {"b", W}}));
  CHECK_EQ(toks_of("\t\r\n"), (V{{"\t\r\n", S}}));
  CHECK_EQ(toks_of("x\xC2\xA0y"), (V{{"x", W}, {"\xC2\xA0", S}, {"y", W}}));  // NBSP
  // Joiners only join two word characters; '.' and ',' only two digits.
  CHECK_EQ(toks_of("don't-"), (V{{"don't", W}, {"-", P}}));
  CHECK_EQ(toks_of("-a"), (V{{"-", P}, {"a", W}}));
  CHECK_EQ(toks_of("3.14."), (V{{"3.14", N}, {".", P}}));
  CHECK_EQ(toks_of("2.x"), (V{{"2", N}, {".", P}, {"x", W}}));
  CHECK_EQ(toks_of("x.y"), (V{{"x", W}, {".", P}, {"y", W}}));
  CHECK_EQ(toks_of("a1.5"), (V{{"a1.5", W}}));
  CHECK_EQ(toks_of("U.S."), (V{{"U", W}, {".", P}, {"S", W}, {".", P}}));
  CHECK_EQ(toks_of("\xCC\x81x"), (V{{"\xCC\x81", P}, {"x", W}}));  // leading mark
  CHECK_EQ(toks_of("a\xE6\xBC\xA2"), (V{{"a", W}, {"\xE6\xBC\xA2", W}}));
  // ASCII runs mixed with non-ASCII letters, digits and joiners.
  CHECK_EQ(toks_of("abc\xC3\xA9" "def"), (V{{"abc\xC3\xA9" "def", W}}));
  CHECK_EQ(toks_of("12.5\xC3\xA9"), (V{{"12.5\xC3\xA9", W}}));
  CHECK_EQ(toks_of("x1,5"), (V{{"x1,5", W}}));
  CHECK_EQ(toks_of("1,a"), (V{{"1", N}, {",", P}, {"a", W}}));
  CHECK_EQ(toks_of("\xC3\xA9" "1.5"), (V{{"\xC3\xA9" "1.5", W}}));
  CHECK_EQ(toks_of("ab-\xC3\xA9t\xC3\xA9"), (V{{"ab-\xC3\xA9t\xC3\xA9", W}}));
  CHECK_EQ(toks_of("\xD9\xA1\xD9\xA2.\xD9\xA3"), (V{{"\xD9\xA1\xD9\xA2.\xD9\xA3", N}}));  // Arabic-Indic digits

  for (const char* s : {"Hello, w\xC3\xB6rld!", "don't", "state-of-the-art", "3.14", "1,000",
                        "1990s", "a--b", "'quoted'", "\xE6\xBC\xA2\xE5\xAD\x97", "e\xCC\x81",
                        "  lead and trail  ", "a \t\n\n b", "x", " ", "...?!",
                        "The New York Times, 1990s-era: 3.5% (approx.) \xE2\x80\x94 ok."})
    CHECK(tiles(s));

  // Invalid UTF-8: the byte of the first bad sequence.
  struct Bad {
    std::string s;
    int64_t byte;
  };
  const std::vector<Bad> bad = {
      {"\xFF", 0},           {"\xC0\xAF", 0},       {"ab\xFF" "cd", 2},
      {"ok \xE2\x82", 3},    {"a  \xFF", 3},        {"a'\xFF", 2},
      {"1.\xC3", 2},         {"!\xED\xA0\x80", 1},  {"w\xC3\xB6rld \xF4\x90\x80\x80", 7},
      {"e\xCC", 1},
  };
  for (const Bad& b : bad) {
    std::vector<Token> toks;
    Status st = segment(U(b.s), b.s.size(), &toks);
    CHECK_EQ(st.code, Code::kInvalidUtf8);
    CHECK_EQ(st.byte, b.byte);
  }
  // keep_spaces = false: SPACE tokens left out, the others unchanged.
  {
    const std::string t = "  Hello,\t w\xC3\xB6rld!  \n";
    std::vector<Token> all, no_sp;
    CHECK(segment(U(t), t.size(), &all).ok());
    CHECK(segment(U(t), t.size(), &no_sp, /*keep_spaces=*/false).ok());
    std::vector<std::vector<uint32_t>> expect, got;
    for (const Token& k : all)
      if (k.kind != kSpaceToken) expect.push_back({k.start, k.end, k.kind});
    for (const Token& k : no_sp) got.push_back({k.start, k.end, k.kind});
    CHECK_EQ(got, expect);
    CHECK_EQ(got.size(), size_t{4});
    const std::string sp = " \t\n";
    CHECK(segment(U(sp), sp.size(), &no_sp, false).ok());
    CHECK(no_sp.empty());
    std::vector<Token> tk;
    const std::string bad_sp = "a \xFF";
    Status st = segment(U(bad_sp), bad_sp.size(), &tk, false);
    CHECK_EQ(st.code, Code::kInvalidUtf8);
    CHECK_EQ(st.byte, int64_t{2});
  }
  // *out is cleared.
  std::vector<Token> toks(5);
  const std::string x = "x";
  CHECK(segment(U(x), 1, &toks).ok());
  CHECK_EQ(toks.size(), size_t{1});
}

// ---------------------------------------------------------------------------
// parse_pairs

static std::vector<std::string> column_strings(const std::string& data, const std::vector<int32_t>& off) {
  std::vector<std::string> v;
  for (size_t i = 0; i + 1 < off.size(); ++i)
    v.push_back(data.substr(static_cast<size_t>(off[i]), static_cast<size_t>(off[i + 1] - off[i])));
  return v;
}

static Status parse(const std::string& text, ParsedPairs* p) {
  return parse_pairs(U(text), text.size(), PairFormat{}, p);
}

static void test_parse_pairs() {
  using SV = std::vector<std::string>;
  ParsedPairs p;
  {
    CHECK(parse("the der\nhouse\thaus\n", &p).ok());
    CHECK_EQ(column_strings(p.source_data, p.source_offsets), (SV{"the", "house"}));
    CHECK_EQ(column_strings(p.target_data, p.target_offsets), (SV{"der", "haus"}));
    CHECK_EQ(p.line, (std::vector<int64_t>{1, 2}));
  }
  {
    const std::string text =
        "\xEF\xBB\xBF" "the der\r\n"  // 1 (BOM)
        "\r\n"                         // 2 blank
        "house  haus\r\n"              // 3
        "   \r\n"                      // 4 blank
        "house\th\xC3\xA4uschen\r\n"   // 5
        "house heim\n"                 // 6
        "new york\tnueva york\r\n"     // 7 multi-word, TAB
        " new  york \t  new   york \n" // 8 multi-word, spaces kept inside
        "\t\n"                         // 9 blank (TAB only)
        "  a   b  ";                   // 10, no final newline
    CHECK(parse(text, &p).ok());
    CHECK_EQ(column_strings(p.source_data, p.source_offsets),
             (SV{"the", "house", "house", "house", "new york", "new  york", "a"}));
    CHECK_EQ(column_strings(p.target_data, p.target_offsets),
             (SV{"der", "haus", "h\xC3\xA4uschen", "heim", "nueva york", "new   york", "b"}));
    CHECK_EQ(p.line, (std::vector<int64_t>{1, 3, 5, 6, 7, 8, 10}));
    CHECK_EQ(p.source_offsets.front(), 0);
    CHECK_EQ(p.source_offsets.size(), p.line.size() + 1);
    CHECK_EQ(p.target_offsets.size(), p.line.size() + 1);
  }
  {
    CHECK(parse("", &p).ok());
    CHECK(p.line.empty());
    CHECK_EQ(p.source_offsets, std::vector<int32_t>{0});
    CHECK(parse("\xEF\xBB\xBF", &p).ok());
    CHECK(p.line.empty());
    CHECK(parse("\n\n\r\n", &p).ok());
    CHECK(p.line.empty());
  }
  {
    // A previous result is replaced, not appended to.
    CHECK(parse("a b\n", &p).ok());
    CHECK(parse("c d\n", &p).ok());
    CHECK_EQ(column_strings(p.source_data, p.source_offsets), SV{"c"});
  }
  {
    Status st = parse("ok fine\nthree fields here\nx y\n", &p);
    CHECK_EQ(st.code, Code::kLexiconFormat);
    CHECK_EQ(st.row, int64_t{2});
  }
  {
    Status st = parse("ok fine\n\nlonely\n", &p);
    CHECK_EQ(st.code, Code::kLexiconFormat);
    CHECK_EQ(st.row, int64_t{3});
  }
  {
    Status st = parse("a b\nc d\ne \xFF\n", &p);
    CHECK_EQ(st.code, Code::kLexiconFormat);
    CHECK_EQ(st.row, int64_t{3});
    CHECK_EQ(st.byte, int64_t{2});
  }
  {
    Status st = parse("\xEF\xBB\xBF" "a b\r\n\xC0\xAF b\r\n", &p);  // after BOM and CRLF
    CHECK_EQ(st.code, Code::kLexiconFormat);
    CHECK_EQ(st.row, int64_t{2});
    CHECK_EQ(st.byte, int64_t{0});
  }
  {
    Status st = parse("a\tb\tc\n", &p);  // three TAB fields
    CHECK_EQ(st.code, Code::kLexiconFormat);
    CHECK_EQ(st.row, int64_t{1});
    st = parse("a b\nsrc\t \n", &p);  // empty TAB target
    CHECK_EQ(st.code, Code::kLexiconFormat);
    CHECK_EQ(st.row, int64_t{2});
    st = parse("\tb\n", &p);  // empty TAB source
    CHECK_EQ(st.code, Code::kLexiconFormat);
    CHECK_EQ(st.row, int64_t{1});
  }
}

// ---------------------------------------------------------------------------
// Lexicon::build

static void test_lexicon() {
  Lexicon lex;
  const std::vector<Entry> entries = {
      {"House", "Haus", 0},                // 0
      {"house", "Haus", 0},                // 1 duplicate of 0 (same key, lang, target)
      {"house", "casa", 1},                // 2
      {"house", " Heim  ", 0},             // 3 target trimmed
      {"new york", "nueva york", 1},       // 4
      {"Paris", "paris", 0},               // 5 identity
      {"...", "x", 0},                     // 6 skipped: punctuation
      {"42", "zweiundvierzig", 0},         // 7 skipped: number
      {"  New \t York ", "Neu York", 0},   // 8 same key as 4
      {"\xC2\xBFqu\xC3\xA9", "what", 1},   // 9 skipped: starts with '¿'
      {"1990s", "neunziger", 0},           // 10
      {"", "nothing", 0},                  // 11 skipped: empty
      {"U.S.", "EE.UU.", 1},               // 12
      {"united states of america", "Estados Unidos", 1},  // 13
      {"United States", "Vereinigte Staaten", 0},         // 14
  };
  const std::vector<double> weights = {1.0, 2.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  Status st = build_lexicon(entries, 2, &lex, &weights);
  CHECK(st.ok());
  const LexiconBuildStats& bs = lex.build_stats();
  CHECK_EQ(bs.entries, int64_t{15});
  CHECK_EQ(bs.skipped, int64_t{4});
  CHECK_EQ(bs.duplicates, int64_t{1});
  CHECK_EQ(bs.identity, int64_t{1});
  CHECK_EQ(lex.n_langs(), 2);
  // house, new york, paris, 1990s, u.s., united states of america, united states
  CHECK_EQ(lex.n_keys(), size_t{7});
  CHECK_EQ(lex.n_candidates(), size_t{10});
  CHECK_EQ(lex.max_tokens(), 4);  // "u.s." is 4 tokens; "united states of america" 4 too

  auto find = [&](const std::string& k) { return lex.find(k.data(), k.size()); };
  auto targets = [&](int32_t id) {
    std::vector<std::pair<std::string, int>> v;
    const LexiconNode& n = lex.node(id);
    for (uint32_t c = n.cand_begin; c < n.cand_end; ++c) {
      const Candidate& cand = lex.candidates()[c];
      v.emplace_back(std::string(lex.targets() + cand.target_offset, cand.target_length), cand.lang);
    }
    return v;
  };
  using TV = std::vector<std::pair<std::string, int>>;

  // Keys are case-folded: "House" is stored under "house".
  const int32_t house = find("house");
  CHECK(house >= 0);
  CHECK_EQ(find("House"), -1);
  CHECK_EQ(find("HOUSE"), -1);
  CHECK_EQ(find(norm("HOUSE")), house);
  if (house >= 0) {
    const LexiconNode& n = lex.node(house);
    CHECK_EQ(static_cast<int>(n.is_entry), 1);
    CHECK_EQ(static_cast<int>(n.has_longer), 0);
    CHECK_EQ(static_cast<int>(n.n_tokens), 1);
    CHECK_EQ(n.langs, uint64_t{3});
    CHECK_EQ(n.langs_identity, uint64_t{3});
    // Sorted by (language, first occurrence); the duplicate merged into the first.
    CHECK_EQ(targets(house), (TV{{"Haus", 0}, {"Heim", 0}, {"casa", 1}}));
    CHECK_EQ(lex.candidates()[n.cand_begin].weight, 3.5f);
    CHECK_EQ(static_cast<int>(lex.candidates()[n.cand_begin].identity), 0);
    CHECK_EQ(lex.key(house), std::string("house"));
  }
  // Multi-word keys: whitespace normalised; prefixes exist with has_longer.
  const int32_t ny = find("new york");
  CHECK(ny >= 0);
  if (ny >= 0) {
    const LexiconNode& n = lex.node(ny);
    CHECK_EQ(static_cast<int>(n.is_entry), 1);
    CHECK_EQ(static_cast<int>(n.n_tokens), 2);
    CHECK_EQ(static_cast<int>(n.has_longer), 0);
    CHECK_EQ(targets(ny), (TV{{"Neu York", 0}, {"nueva york", 1}}));
  }
  const int32_t new_ = find("new");
  CHECK(new_ >= 0);
  if (new_ >= 0) {
    CHECK_EQ(static_cast<int>(lex.node(new_).is_entry), 0);
    CHECK_EQ(static_cast<int>(lex.node(new_).has_longer), 1);
    CHECK_EQ(lex.node(new_).langs, uint64_t{0});
  }
  CHECK_EQ(find("york"), -1);
  CHECK_EQ(find("new  york"), -1);
  CHECK_EQ(find("newyork"), -1);
  for (const char* prefix : {"united", "united states of"}) {
    const int32_t id = find(prefix);
    CHECK(id >= 0);
    if (id >= 0) {
      CHECK_EQ(static_cast<int>(lex.node(id).is_entry), 0);
      CHECK_EQ(static_cast<int>(lex.node(id).has_longer), 1);
    }
  }
  const int32_t us2 = find("united states");  // an entry and a prefix
  CHECK(us2 >= 0);
  if (us2 >= 0) {
    CHECK_EQ(static_cast<int>(lex.node(us2).is_entry), 1);
    CHECK_EQ(static_cast<int>(lex.node(us2).has_longer), 1);
  }
  const int32_t usa = find("united states of america");
  CHECK(usa >= 0);
  if (usa >= 0) CHECK_EQ(static_cast<int>(lex.node(usa).n_tokens), 4);
  // Punctuation tokens are part of keys; prefixes end at any non-space token.
  const int32_t us = find("u.s.");
  CHECK(us >= 0);
  if (us >= 0) CHECK_EQ(static_cast<int>(lex.node(us).n_tokens), 4);
  for (const char* prefix : {"u", "u.", "u.s"}) {
    const int32_t id = find(prefix);
    CHECK(id >= 0);
    if (id >= 0) CHECK_EQ(static_cast<int>(lex.node(id).has_longer), 1);
  }
  // Identity candidate: flagged, counted in langs_identity only.
  const int32_t paris = find("paris");
  CHECK(paris >= 0);
  if (paris >= 0) {
    const LexiconNode& n = lex.node(paris);
    CHECK_EQ(n.langs, uint64_t{0});
    CHECK_EQ(n.langs_identity, uint64_t{1});
    CHECK_EQ(static_cast<int>(lex.candidates()[n.cand_begin].identity), 1);
  }
  CHECK(find("1990s") >= 0);
  CHECK_EQ(find("..."), -1);
  CHECK_EQ(find("42"), -1);
  CHECK_EQ(find("\xC2\xBFqu\xC3\xA9"), -1);

  // normalized_key directly.
  CHECK_EQ(core_key("  New \t\n York! "), std::string("new york!"));
  CHECK_EQ(core_key("\xC3\x84PFEL"), std::string("\xC3\xA4pfel"));
  CHECK_EQ(core_key("U.S. "), std::string("u.s."));
  CHECK_EQ(core_key("Ice  Cream,\xC2\xA0ok"), std::string("ice cream, ok"));
  CHECK_EQ(core_key(" "), std::string());
  CHECK_EQ(norm("  New \t\n York! "), std::string("new york!"));

  // Errors.
  Lexicon bad;
  st = build_lexicon({}, 1, &bad);
  CHECK_EQ(st.code, Code::kEmptyLexicon);
  st = build_lexicon({{"...", "x", 0}, {"42", "y", 0}, {"  ", "z", 0}}, 1, &bad);
  CHECK_EQ(st.code, Code::kEmptyLexicon);
  st = build_lexicon({{"a", "b", 0}, {"cat", "   ", 0}}, 1, &bad);
  CHECK_EQ(st.code, Code::kLexiconFormat);
  CHECK_EQ(st.row, int64_t{1});
  st = build_lexicon({{"a", "b", 0}, {"b", "c", 0}, {"cat", "", 0}}, 1, &bad);
  CHECK_EQ(st.code, Code::kLexiconFormat);
  CHECK_EQ(st.row, int64_t{2});
  st = build_lexicon({{"a", "b", 0}, {"ca\xFFt", "x", 0}}, 1, &bad);
  CHECK_EQ(st.code, Code::kInvalidUtf8);
  CHECK_EQ(st.row, int64_t{1});
  CHECK_EQ(st.byte, int64_t{2});
  st = build_lexicon({{"a", "b\xC0\xAF", 0}}, 1, &bad);
  CHECK_EQ(st.code, Code::kInvalidUtf8);
  CHECK_EQ(st.row, int64_t{0});
  CHECK_EQ(st.byte, int64_t{1});
  st = build_lexicon({{"a", "b", 0}, {"c", "d", 2}}, 2, &bad);
  CHECK_EQ(st.code, Code::kInvalidArgument);
  CHECK_EQ(st.row, int64_t{1});
  st = build_lexicon({{"a", "b", 0}}, 0, &bad);
  CHECK_EQ(st.code, Code::kInvalidArgument);
  st = build_lexicon({{"a", "b", 0}}, 65, &bad);
  CHECK_EQ(st.code, Code::kInvalidArgument);
  const std::vector<double> bad_w = {1.0, 0.0};
  st = build_lexicon({{"a", "b", 0}, {"c", "d", 0}}, 1, &bad, &bad_w);
  CHECK_EQ(st.code, Code::kLexiconFormat);
  CHECK_EQ(st.row, int64_t{1});
  const std::vector<double> nan_w = {std::nan("")};
  st = build_lexicon({{"a", "b", 0}}, 1, &bad, &nan_w);
  CHECK_EQ(st.code, Code::kLexiconFormat);
  {
    Column src, tgt;
    src.add("a").add_null();
    tgt.add("b").add("c");
    const int32_t langs[2] = {0, 0};
    st = Lexicon::build(src.view(), tgt.view(), langs, nullptr, 1, &bad);
    CHECK_EQ(st.code, Code::kLexiconFormat);
    CHECK_EQ(st.row, int64_t{1});
    Column tgt1;
    tgt1.add("b");
    st = Lexicon::build(src.view(), tgt1.view(), langs, nullptr, 1, &bad);
    CHECK_EQ(st.code, Code::kInvalidArgument);
  }

  // KeySet
  KeySet ks;
  CHECK(ks.add("The").ok());
  CHECK(ks.add("  \xC3\x84ND ").ok());
  CHECK(ks.add("   ").ok());  // nothing to add
  CHECK_EQ(ks.size(), size_t{2});
  CHECK(ks.contains("the", 3));
  CHECK(ks.contains("\xC3\xA4nd", 4));
  CHECK(!ks.contains("The", 3));
  CHECK_EQ(ks.add("x\xFF").code, Code::kInvalidUtf8);
}

// ---------------------------------------------------------------------------
// switch_column

static Lexicon basic_lexicon() {
  Lexicon lex;
  Status st = build_lexicon({{"house", "haus", 0},
                             {"new york", "nueva york", 0},
                             {"cat", "Katze", 0},
                             {"the", "der", 0},
                             {"Paris", "paris", 0},
                             {"\xC3\xA4pfel", "apples", 0}},
                            1, &lex);
  CHECK(st.ok());
  return lex;
}

static void test_switch_basic() {
  const Lexicon lex = basic_lexicon();
  Column col;
  col.add("The house is big.")        // 0
      .add("")                        // 1
      .add("New York, New York!")     // 2
      .add_null("\xFF garbage")       // 3 null, invalid bytes under it
      .add("HOUSE house House")       // 4
      .add("newyorker New Yorker")    // 5
      .add("New  York \xC3\x84PFEL")  // 6
      .add("Paris");                  // 7
  const std::vector<std::string> in = {col.row(0), col.row(1), col.row(2), "",
                                       col.row(4), col.row(5), col.row(6), col.row(7)};

  // ratio 0: byte-identical, no switches.
  SwitchResult r0;
  Status st = switch_column(lex, opts(0.0), col.view(), nullptr, 0, &r0);
  CHECK(st.ok());
  CHECK_EQ(r0.n_switches, int64_t{0});
  CHECK_EQ(out_rows(r0), in);
  CHECK(!r0.large_offsets);
  CHECK_EQ(r0.null_count, int64_t{1});
  CHECK(!out_valid(r0, 3));
  CHECK(out_valid(r0, 2));
  CHECK_EQ(out_off(r0, 4), out_off(r0, 3));  // null row: zero length
  const std::vector<int32_t> words = {4, 0, 4, 0, 3, 3, 3, 1};
  const std::vector<int32_t> eligible0 = {2, 0, 2, 0, 3, 0, 2, 0};
  for (int64_t i = 0; i < col.n; ++i) {
    CHECK_EQ(i32(r0.n_words, i), words[i]);
    CHECK_EQ(i32(r0.n_eligible, i), eligible0[i]);
    CHECK_EQ(i32(r0.n_switched, i), 0);
  }
  check_consistent(lex, col, r0);

  // ratio 1: every covered word, with case carried over.
  SwitchResult r1;
  st = switch_column(lex, opts(1.0), col.view(), nullptr, 0, &r1);
  CHECK(st.ok());
  CHECK_EQ(out_rows(r1), (std::vector<std::string>{"Der haus is big.", "", "Nueva York, Nueva York!",
                                                   "", "HAUS haus Haus", "newyorker New Yorker",
                                                   "Nueva York APPLES", "Paris"}));
  CHECK_EQ(r1.n_switches, int64_t{9});
  CHECK_EQ(r1.null_count, int64_t{1});
  CHECK(!out_valid(r1, 3));
  CHECK_EQ(out_off(r1, 4), out_off(r1, 3));
  {
    const std::vector<Sw> s0 = switches_of(r1, 0);
    CHECK_EQ(s0.size(), size_t{2});
    if (s0.size() == 2) {
      CHECK_EQ((std::vector<int>{s0[0].ss, s0[0].se, s0[0].ds, s0[0].de}), (std::vector<int>{0, 3, 0, 3}));
      CHECK_EQ((std::vector<int>{s0[1].ss, s0[1].se, s0[1].ds, s0[1].de}), (std::vector<int>{4, 9, 4, 8}));
    }
    const std::vector<Sw> s2 = switches_of(r1, 2);
    CHECK_EQ(s2.size(), size_t{2});
    if (s2.size() == 2) {
      CHECK_EQ((std::vector<int>{s2[0].ss, s2[0].se, s2[0].ds, s2[0].de}), (std::vector<int>{0, 8, 0, 10}));
      CHECK_EQ((std::vector<int>{s2[1].ss, s2[1].se, s2[1].ds, s2[1].de}), (std::vector<int>{10, 18, 12, 22}));
    }
    const std::vector<Sw> s4 = switches_of(r1, 4);
    CHECK_EQ(s4.size(), size_t{3});
    if (s4.size() == 3) {
      CHECK_EQ((std::vector<int>{s4[0].ss, s4[0].se, s4[0].ds, s4[0].de}), (std::vector<int>{0, 5, 0, 4}));
      CHECK_EQ((std::vector<int>{s4[1].ss, s4[1].se, s4[1].ds, s4[1].de}), (std::vector<int>{6, 11, 5, 9}));
      CHECK_EQ((std::vector<int>{s4[2].ss, s4[2].se, s4[2].ds, s4[2].de}), (std::vector<int>{12, 17, 10, 14}));
    }
    CHECK(switches_of(r1, 5).empty());  // "newyorker", "New Yorker": no match
    const std::vector<Sw> s6 = switches_of(r1, 6);
    CHECK_EQ(s6.size(), size_t{2});
    if (s6.size() == 2) {
      CHECK_EQ((std::vector<int>{s6[0].ss, s6[0].se, s6[0].ds, s6[0].de}), (std::vector<int>{0, 9, 0, 10}));
      CHECK_EQ((std::vector<int>{s6[1].ss, s6[1].se, s6[1].ds, s6[1].de}), (std::vector<int>{10, 16, 11, 17}));
    }
    CHECK(switches_of(r1, 7).empty());  // identity only
  }
  const std::vector<int32_t> sw_off = {0, 2, 2, 4, 4, 7, 7, 9, 9};
  for (int64_t i = 0; i <= col.n; ++i) CHECK_EQ(i32(r1.switch_offsets, i), sw_off[i]);
  // n_words does not depend on the switches (a phrase counts its words).
  for (int64_t i = 0; i < col.n; ++i) {
    CHECK_EQ(i32(r1.n_words, i), words[i]);
    CHECK_EQ(i32(r1.n_eligible, i), eligible0[i]);
    CHECK_EQ(i32(r1.n_switched, i), eligible0[i]);
  }
  CHECK_EQ(r1.lang_switches, std::vector<int64_t>{9});
  CHECK_EQ(r1.lang_words, std::vector<int64_t>{12});
  check_consistent(lex, col, r1);

  // Same seed, same result; int64 offsets in gives int64 offsets out.
  SwitchResult r1b;
  CHECK(switch_column(lex, opts(1.0), col.view(true), nullptr, 0, &r1b).ok());
  CHECK(r1b.large_offsets);
  CHECK_EQ(out_rows(r1b), out_rows(r1));

  // Stopwords and keep_identity.
  KeySet stop;
  CHECK(stop.add("the").ok());
  SwitchOptions o = opts(1.0);
  o.stopwords = &stop;
  o.keep_identity = true;
  SwitchResult r2;
  CHECK(switch_column(lex, o, make_column({"The house", "Paris", "PARIS"}).view(), nullptr, 0, &r2).ok());
  CHECK_EQ(out_rows(r2), (std::vector<std::string>{"The haus", "Paris", "PARIS"}));
  CHECK_EQ(r2.n_switches, int64_t{3});  // identity switches are recorded

  // Empty column (with an offsets buffer).
  {
    Column empty;
    SwitchResult re;
    CHECK(switch_column(lex, opts(0.5), empty.view(), nullptr, 0, &re).ok());
    CHECK_EQ(re.length, int64_t{0});
    CHECK_EQ(re.n_switches, int64_t{0});
    CHECK_EQ(out_off(re, 0), int64_t{0});
  }

  // A sliced column: logical offset 2 into the arrays (validity included).
  {
    StringColumnView v = col.view();
    v.offset = 2;
    v.length = 3;  // rows 2, 3 (null), 4
    SwitchResult rs;
    CHECK(switch_column(lex, opts(1.0), v, nullptr, 0, &rs).ok());
    CHECK_EQ(out_rows(rs), (std::vector<std::string>{"Nueva York, Nueva York!", "", "HAUS haus Haus"}));
    CHECK_EQ(rs.null_count, int64_t{1});
    CHECK(out_valid(rs, 0));
    CHECK(!out_valid(rs, 1));
    CHECK(out_valid(rs, 2));
    CHECK_EQ(rs.n_switches, int64_t{5});
  }

  // Errors.
  {
    SwitchResult re;
    st = switch_column(lex, opts(0.5), make_column({"ok", "fine", "bad \xFF", "also \xC0\xAF"}).view(),
                       nullptr, 0, &re);
    CHECK_EQ(st.code, Code::kInvalidUtf8);
    CHECK_EQ(st.row, int64_t{2});
    CHECK_EQ(st.byte, int64_t{4});
    for (double bad_ratio : {-0.1, 1.0000001, std::nan(""), std::numeric_limits<double>::infinity()}) {
      st = switch_column(lex, opts(bad_ratio), make_column({"house"}).view(), nullptr, 0, &re);
      CHECK_EQ(st.code, Code::kInvalidArgument);
    }
    SwitchOptions ow = opts(0.5);
    ow.lang_weights = {1.0, 1.0};
    st = switch_column(lex, ow, make_column({"house"}).view(), nullptr, 0, &re);
    CHECK_EQ(st.code, Code::kInvalidArgument);
    ow.lang_weights = {-1.0};
    st = switch_column(lex, ow, make_column({"house"}).view(), nullptr, 0, &re);
    CHECK_EQ(st.code, Code::kInvalidArgument);
    // Decreasing offsets.
    Column c = make_column({"ab", "cd"});
    c.offsets[1] = 3;
    c.offsets[2] = 2;
    st = switch_column(lex, opts(0.5), c.view(), nullptr, 0, &re);
    CHECK_EQ(st.code, Code::kBadOffsets);
    // Offsets past the data.
    Column c2 = make_column({"ab"});
    StringColumnView v2 = c2.view();
    v2.data_size = 1;
    st = switch_column(lex, opts(0.5), v2, nullptr, 0, &re);
    CHECK_EQ(st.code, Code::kBadOffsets);
    // An empty Lexicon object.
    Lexicon none;
    st = switch_column(none, opts(0.5), make_column({"house"}).view(), nullptr, 0, &re);
    CHECK_EQ(st.code, Code::kEmptyLexicon);
  }
}

static void test_switch_protect() {
  const Lexicon lex = basic_lexicon();
  // Row 0: "the" (0-3), "house" (4-9), "new york" (10-18), "cat" (19-22), "the" (23-26).
  const Column col = make_column({"the house new york cat the", "house cat", "cat"});
  SwitchResult plain;
  CHECK(switch_column(lex, opts(1.0), col.view(), nullptr, 0, &plain).ok());
  CHECK_EQ(out_row(plain, 0), std::string("der haus nueva york Katze der"));
  // Row 0: [12, 13) touches "new york" only; [5, 5) is empty; unsorted and
  // overlapping ranges ([22, 24) with [20, 21)) cover "cat" and the last "the".
  // Row 1: none. Row 2: [0, 3) covers "cat" (int64 and int32 forms alike).
  const std::vector<int64_t> offsets = {0, 4, 4, 5};
  const std::vector<int32_t> s32 = {22, 12, 5, 20, 0}, e32 = {24, 13, 5, 21, 3};
  const std::vector<int64_t> s64(s32.begin(), s32.end()), e64(e32.begin(), e32.end());
  for (const bool large : {false, true}) {
    ProtectedSpans p;
    p.offsets = offsets.data();
    p.starts = large ? static_cast<const void*>(s64.data()) : s32.data();
    p.ends = large ? static_cast<const void*>(e64.data()) : e32.data();
    p.large = large;
    p.n_rows = 3;
    p.n = 5;
    SwitchResult r;
    CHECK(switch_column(lex, opts(1.0), col.view(), nullptr, 0, &r, &p).ok());
    CHECK_EQ(out_row(r, 0), std::string("der haus new york cat the"));
    CHECK_EQ(out_row(r, 1), out_row(plain, 1));
    CHECK_EQ(out_row(r, 2), std::string("cat"));
    // The remaining switches are the unprotected run's, record for record.
    const auto a = switches_of(r, 0), b = switches_of(plain, 0);
    CHECK_EQ(a.size(), size_t{2});
    CHECK_EQ(b.size(), size_t{5});
    for (size_t k = 0; k < 2 && k < a.size(); ++k) {
      CHECK_EQ(a[k].ss, b[k].ss);
      CHECK_EQ(a[k].se, b[k].se);
      CHECK_EQ(a[k].ds, b[k].ds);
      CHECK_EQ(a[k].de, b[k].de);
    }
    CHECK_EQ(i32(r.n_switched, 0), 2);
    CHECK_EQ(i32(r.n_words, 0), i32(plain.n_words, 0));
    CHECK_EQ(i32(r.n_eligible, 0), i32(plain.n_eligible, 0));
    CHECK_EQ(i32(r.n_switched, 2), 0);
  }
  // Validation.
  auto run = [&](std::vector<int64_t> off, std::vector<int64_t> st, std::vector<int64_t> en,
                 int64_t n_rows = 3) {
    ProtectedSpans p;
    p.offsets = off.data();
    p.starts = st.data();
    p.ends = en.data();
    p.large = true;
    p.n_rows = n_rows;
    p.n = static_cast<int64_t>(st.size());
    SwitchResult r;
    return switch_column(lex, opts(1.0), col.view(), nullptr, 0, &r, &p);
  };
  Status st = run({0, 0, 1, 1}, {0}, {10});  // row 1 is 9 bytes long
  CHECK_EQ(st.code, Code::kInvalidArgument);
  CHECK_EQ(st.row, int64_t{1});
  CHECK(run({0, 0, 1, 1}, {0}, {9}).ok());
  st = run({0, 1, 1, 1}, {4}, {3});
  CHECK_EQ(st.code, Code::kInvalidArgument);
  CHECK_EQ(st.row, int64_t{0});
  CHECK_EQ(run({0, 1, 1, 1}, {-1}, {3}).code, Code::kInvalidArgument);
  CHECK_EQ(run({0, 1, 0, 1}, {0}, {3}).code, Code::kInvalidArgument);  // decreasing
  CHECK_EQ(run({0, 1, 1, 2}, {0}, {3}).code, Code::kInvalidArgument);  // past the spans
  CHECK_EQ(run({0, 0, 0}, {}, {}, 2).code, Code::kInvalidArgument);    // wrong row count
}

static void test_switch_languages() {
  Lexicon lex;
  CHECK(build_lexicon({{"house", "haus", 0},
                       {"house", "maison", 1},
                       {"cat", "chat", 1},
                       {"dog", "Hund", 0},
                       {"dog", "Köter", 0}},
                      2, &lex)
            .ok());
  const Column col = make_column({"house cat dog", "Dog house cat cat house dog"});
  // Only language 1 can be drawn.
  SwitchOptions o = opts(1.0);
  o.lang_weights = {0.0, 1.0};
  SwitchResult r;
  CHECK(switch_column(lex, o, col.view(), nullptr, 0, &r).ok());
  CHECK_EQ(out_rows(r), (std::vector<std::string>{"maison chat dog", "Dog maison chat chat maison dog"}));
  CHECK_EQ(r.lang_switches, (std::vector<int64_t>{0, 6}));
  for (int64_t k = 0; k < r.n_switches; ++k) CHECK_EQ(i16(r.lang, k), int16_t{1});
  check_consistent(lex, col, r);
  // Coverage sampling with ratio 1: every covered word is switched, each in
  // one of its languages; candidate choices stay within the lexicon.
  for (CandidateChoice choice : {CandidateChoice::kFirst, CandidateChoice::kUniform, CandidateChoice::kWeighted}) {
    SwitchOptions oc = opts(1.0);
    oc.sampling = LangSampling::kCoverage;
    oc.choice = choice;
    SwitchResult rc;
    CHECK(switch_column(lex, oc, col.view(), nullptr, 0, &rc).ok());
    CHECK_EQ(rc.n_switches, int64_t{9});
    CHECK_EQ(i32(rc.n_switched, 0), 3);
    CHECK_EQ(i32(rc.n_switched, 1), 6);
    check_consistent(lex, col, rc);
  }
}

// Deterministic text generator.
struct Lcg {
  uint64_t s;
  uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(s >> 33);
  }
};

static Column big_column(size_t target_bytes, uint64_t seed) {
  static const char* vocab[] = {
      "the", "The", "house", "House", "HOUSE", "new", "york", "New York", "NEW YORK", "cat",
      "dog", "is", "big", "small", "and", "a", "\xC3\xA4pfel", "\xC3\x84pfel", "caf\xC3\xA9",
      "newyorker", "3.14", "1,000", "1990s", "don't", "state-of-the-art", ",", ".", "!",
      "\xE6\xBC\xA2\xE5\xAD\x97", "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", "united states", "Paris",
      "U.S.", "e\xCC\x81t\xC3\xA9", "ice cream", "Ice Cream"};
  const size_t nv = sizeof(vocab) / sizeof(vocab[0]);
  Lcg g{seed};
  Column c;
  while (c.data.size() < target_bytes) {
    if (g.next() % 50 == 0) {
      c.add_null(g.next() % 2 ? "junk" : "");
      continue;
    }
    std::string row;
    const uint32_t n_words = g.next() % 30;
    for (uint32_t w = 0; w < n_words; ++w) {
      if (w) row += (g.next() % 10 == 0) ? "  \t" : " ";
      row += vocab[g.next() % nv];
    }
    c.add(row);
  }
  return c;
}

static void test_switch_threads() {
  Lexicon lex;
  CHECK(build_lexicon({{"house", "haus", 0},
                       {"house", "maison", 1},
                       {"house", "casa", 2},
                       {"new york", "nueva york", 2},
                       {"new", "neu", 0},
                       {"cat", "Katze", 0},
                       {"cat", "chat", 1},
                       {"the", "der", 0},
                       {"the", "die", 0},
                       {"the", "das", 0},
                       {"\xC3\xA4pfel", "apples", 1},
                       {"u.s.", "EE.UU.", 2},
                       {"united states", "Estados Unidos", 2},
                       {"ice cream", "Eiscreme", 0},
                       {"ice", "Eis", 0},
                       {"dog", "chien", 1},
                       {"Paris", "paris", 1}},
                      3, &lex)
            .ok());
  const Column col = big_column(300 * 1024, 7);
  CHECK(col.data.size() >= 300 * 1024);
  CHECK(col.any_null);

  for (double ratio : {0.0, 0.3, 1.0}) {
    SwitchOptions o = opts(ratio, 1);
    o.choice = CandidateChoice::kWeighted;
    o.sampling = LangSampling::kUniform;
    SwitchResult base;
    CHECK(switch_column(lex, o, col.view(), nullptr, 0, &base).ok());
    if (check_consistent(lex, col, base) != 0) std::fprintf(stderr, "  (ratio %g, threads 1)\n", ratio);
    if (ratio == 0.0) {
      CHECK_EQ(base.n_switches, int64_t{0});
      bool same = true;
      for (int64_t i = 0; i < col.n; ++i) {
        const bool valid = (col.validity[i >> 3] >> (i & 7)) & 1;
        if (out_row(base, i) != (valid ? col.row(i) : std::string())) same = false;
      }
      CHECK(same);
    } else {
      CHECK(base.n_switches > 0);
    }
    const std::string ref = serialize(base);
    for (int threads : {2, 3, 4, 16}) {
      o.threads = threads;
      SwitchResult r;
      CHECK(switch_column(lex, o, col.view(), nullptr, 0, &r).ok());
      CHECK(serialize(r) == ref);
    }
  }

  // Coverage sampling with ratio 1: every eligible unit is switched.
  {
    SwitchOptions o = opts(1.0, 2);
    o.sampling = LangSampling::kCoverage;
    SwitchResult r;
    CHECK(switch_column(lex, o, col.view(), nullptr, 0, &r).ok());
    bool all = true;
    for (int64_t i = 0; i < col.n; ++i) all &= i32(r.n_switched, i) == i32(r.n_eligible, i);
    CHECK(all);
    check_consistent(lex, col, r);
  }

  // row_keys equal to row_base + i give the same result as row_base.
  {
    std::vector<uint64_t> keys(static_cast<size_t>(col.n));
    for (size_t i = 0; i < keys.size(); ++i) keys[i] = 1000 + i;
    SwitchResult a, b, c;
    CHECK(switch_column(lex, opts(0.5, 2), col.view(), nullptr, 1000, &a).ok());
    CHECK(switch_column(lex, opts(0.5, 1), col.view(), keys.data(), 0, &b).ok());
    CHECK(switch_column(lex, opts(0.5, 2), col.view(), nullptr, 0, &c).ok());
    CHECK(serialize(a) == serialize(b));
    CHECK(serialize(a) != serialize(c));  // different row keys, different draws
  }

  // The first invalid row is reported whatever the split.
  {
    Column bad = col;
    // Corrupt one byte in a valid row near the start and one near the end.
    std::vector<int64_t> rows;
    for (int64_t i = 0; i < bad.n && rows.size() < 1; ++i)
      if (((bad.validity[i >> 3] >> (i & 7)) & 1) && bad.offsets[i + 1] - bad.offsets[i] > 0 && i > 10)
        rows.push_back(i);
    for (int64_t i = bad.n - 10; i > 0 && rows.size() < 2; --i)
      if (((bad.validity[i >> 3] >> (i & 7)) & 1) && bad.offsets[i + 1] - bad.offsets[i] > 0)
        rows.push_back(i);
    CHECK_EQ(rows.size(), size_t{2});
    if (rows.size() == 2) {
      for (int64_t row : rows) bad.data[static_cast<size_t>(bad.offsets[row])] = '\xFF';
      for (int threads : {1, 2, 4}) {
        SwitchResult r;
        Status st = switch_column(lex, opts(0.5, threads), bad.view(), nullptr, 0, &r);
        CHECK_EQ(st.code, Code::kInvalidUtf8);
        CHECK_EQ(st.row, rows[0]);
        CHECK_EQ(st.byte, int64_t{0});
      }
    }
  }
}

// switch_column on a length-0 column whose offsets pointer is null (what the
// binding passes for length 0, and validate_offsets accepts) must not read
// offsets[0]. Run in a child so a crash is reported as a failed check.
static void test_switch_empty_null_offsets() {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const Lexicon lex = basic_lexicon();
    StringColumnView v;  // length 0, offsets == nullptr, data == nullptr
    SwitchResult r;
    const Status st = switch_column(lex, opts(0.5), v, nullptr, 0, &r);
    _exit(st.ok() && r.length == 0 ? 0 : 3);
  }
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  const bool child_ok = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
  if (!child_ok)
    std::fprintf(stderr, "  empty column with null offsets: child %s %d\n",
                 WIFSIGNALED(wstatus) ? "killed by signal" : "exited with",
                 WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus));
  CHECK(child_ok);
}

// ---------------------------------------------------------------------------
// Consistent mode: draws keyed by (seed, row key, folded unit key).

// Folded source key -> (output, lang) of every switch in row i of r, checking
// that repeated keys agree; returns false on a disagreement.
static bool consistent_row(const Column& col, const SwitchResult& r, int64_t i,
                           std::vector<std::pair<std::string, std::pair<std::string, int>>>* seen) {
  const std::string in = col.row(i), out = out_row(r, i);
  bool ok = true;
  for (const Sw& w : switches_of(r, i)) {
    const std::string key = norm(in.substr(static_cast<size_t>(w.ss), static_cast<size_t>(w.se - w.ss)));
    const std::pair<std::string, int> got{
        out.substr(static_cast<size_t>(w.ds), static_cast<size_t>(w.de - w.ds)), w.lang};
    bool found = false;
    for (const auto& kv : *seen)
      if (kv.first == key) {
        found = true;
        if (kv.second != got) ok = false;
      }
    if (!found) seen->emplace_back(key, got);
  }
  return ok;
}

static void test_switch_consistent() {
  Lexicon lex;
  CHECK(build_lexicon({{"house", "haus", 0},
                       {"house", "heim", 0},
                       {"house", "maison", 1},
                       {"house", "casa", 2},
                       {"new york", "nueva york", 2},
                       {"new", "neu", 0},
                       {"new", "neuf", 1},
                       {"cat", "katze", 0},
                       {"cat", "kater", 0},
                       {"cat", "chat", 1},
                       {"dog", "hund", 0},
                       {"dog", "perro", 2},
                       {"dog", "chien", 1}},
                      3, &lex)
            .ok());
  // Lower-case rows only, so equal keys must give byte-equal outputs.
  std::vector<std::string> a_rows, b_rows;
  Lcg g{99};
  static const char* words[] = {"house", "new york", "new", "cat", "dog", "the", "york", "and"};
  for (int i = 0; i < 400; ++i) {
    std::string a, b;
    for (int w = 0; w < 12; ++w) {
      a += std::string(w ? " " : "") + words[g.next() % 8];
      b += std::string(w ? " " : "") + words[g.next() % 8];
    }
    a_rows.push_back(a);
    b_rows.push_back(b);
  }
  const Column a = make_column(a_rows), b = make_column(b_rows);
  for (LangSampling sampling : {LangSampling::kUniform, LangSampling::kCoverage}) {
    for (double ratio : {0.3, 0.7}) {
      SwitchOptions o = opts(ratio);
      o.consistent = true;
      o.sampling = sampling;
      o.choice = CandidateChoice::kUniform;
      o.column_key = 1;
      SwitchResult ra, rb;
      CHECK(switch_column(lex, o, a.view(), nullptr, 0, &ra).ok());
      o.column_key = 2;
      CHECK(switch_column(lex, o, b.view(), nullptr, 0, &rb).ok());
      check_consistent(lex, a, ra);
      check_consistent(lex, b, rb);
      // Within a row, across both columns, a key has one output and language.
      bool agree = true;
      for (int64_t i = 0; i < a.n; ++i) {
        std::vector<std::pair<std::string, std::pair<std::string, int>>> seen;
        agree &= consistent_row(a, ra, i, &seen);
        agree &= consistent_row(b, rb, i, &seen);
      }
      CHECK(agree);
      // Rows still differ from each other, and some words are left.
      CHECK(out_row(ra, 0) != out_row(ra, 1));
      CHECK(ra.n_switches > 0 && ra.n_switches < a.n * 12);
      // The column key plays no part; threads and splits change nothing.
      SwitchResult r2;
      o.column_key = 1;
      o.threads = 2;
      CHECK(switch_column(lex, o, a.view(), nullptr, 0, &r2).ok());
      CHECK(serialize(r2) == serialize(ra));
      o.column_key = 7;
      CHECK(switch_column(lex, o, a.view(), nullptr, 0, &r2).ok());
      CHECK(serialize(r2) == serialize(ra));
    }
  }
  // Single-word units: each word's occurrences in a row are all switched or
  // all left (the decision is keyed by the word, not its position).
  {
    Lexicon one;
    CHECK(build_lexicon({{"cat", "katze", 0}, {"dog", "hund", 0}, {"house", "haus", 0}}, 1, &one).ok());
    const Column c = make_column(std::vector<std::string>(300, "cat dog house cat dog house cat"));
    SwitchOptions o = opts(0.5);
    o.consistent = true;
    SwitchResult r;
    CHECK(switch_column(one, o, c.view(), nullptr, 0, &r).ok());
    bool all_or_none = true;
    int64_t switched_rows = 0;
    for (int64_t i = 0; i < c.n; ++i) {
      const std::string out = out_row(r, i);
      const bool cat = out.find("katze") != std::string::npos;
      if (cat && out.find("cat") != std::string::npos) all_or_none = false;
      if (out.find("hund") != std::string::npos && out.find("dog") != std::string::npos)
        all_or_none = false;
      switched_rows += cat;
    }
    CHECK(all_or_none);
    CHECK(switched_rows > 100 && switched_rows < 200);  // about half the rows
    // Ratio 1 with one candidate per word: the same as the default mode.
    const Column mixed = big_column(20000, 5);
    Lexicon single;
    CHECK(build_lexicon({{"house", "haus", 0}, {"new york", "neu york", 0}, {"new", "neu", 0},
                         {"cat", "Katze", 0}, {"ice cream", "Eis", 0}, {"the", "die", 0}},
                        1, &single)
              .ok());
    SwitchOptions d = opts(1.0), k = opts(1.0);
    k.consistent = true;
    SwitchResult rd, rk;
    CHECK(switch_column(single, d, mixed.view(), nullptr, 0, &rd).ok());
    CHECK(switch_column(single, k, mixed.view(), nullptr, 0, &rk).ok());
    CHECK(rd.n_switches > 0);
    CHECK(serialize(rd) == serialize(rk));
  }
  // A column whose languages all weigh 0 is an error, not a silent no-op.
  {
    SwitchOptions o = opts(0.5);
    o.lang_weights = {0.0, 0.0, 0.0};
    SwitchResult r;
    const Status st = switch_column(lex, o, make_column({"house"}).view(), nullptr, 0, &r);
    CHECK_EQ(st.code, Code::kInvalidArgument);
    o.consistent = true;
    CHECK_EQ(switch_column(lex, o, make_column({"house"}).view(), nullptr, 0, &r).code,
             Code::kInvalidArgument);
  }
}

// ---------------------------------------------------------------------------
// Regression: the title-case digraphs (U+01C5 ǅ, U+01C8 ǈ, U+01CB ǋ, U+01F2 ǲ)
// are their own title form; to_title once fell back to the upper-case form.

static void test_title_digraphs() {
  CHECK_EQ(utf8::to_title(0x1C5), 0x1C5u);
  CHECK_EQ(utf8::to_title(0x1C8), 0x1C8u);
  CHECK_EQ(utf8::to_title(0x1CB), 0x1CBu);
  CHECK_EQ(utf8::to_title(0x1F2), 0x1F2u);
  // Seen through the switcher: a title-cased source word and a target that
  // starts with U+01C5 comes out with U+01C4.
  Lexicon lex;
  CHECK(build_lexicon({{"jungle", "\xC7\x85ungla", 0}}, 1, &lex).ok());
  SwitchResult r;
  CHECK(switch_column(lex, opts(1.0), make_column({"Jungle"}).view(), nullptr, 0, &r).ok());
  CHECK_EQ(out_row(r, 0), std::string("\xC7\x85ungla"));
}

int main() {
  test_utf8_decode();
  test_utf8_validate();
  test_utf8_case();
  test_segment();
  test_parse_pairs();
  test_lexicon();
  test_switch_basic();
  test_switch_protect();
  test_switch_languages();
  test_switch_threads();
  test_switch_empty_null_offsets();
  test_switch_consistent();
  test_title_digraphs();

  std::printf("core_test: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
