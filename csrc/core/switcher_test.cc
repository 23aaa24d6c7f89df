// Tests of switcher.h / switcher.cc: switch_column.
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

#include "test_util.h"

using namespace csgen;
using namespace csgen::testing;

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

// Regression (see utf8_test.cc, test_title_digraphs): the switcher keeps a target's
// title-case digraph.
static void test_title_digraphs_switched() {
  // Seen through the switcher: a title-cased source word and a target that
  // starts with U+01C5 comes out with U+01C4.
  Lexicon lex;
  CHECK(build_lexicon({{"jungle", "\xC7\x85ungla", 0}}, 1, &lex).ok());
  SwitchResult r;
  CHECK(switch_column(lex, opts(1.0), make_column({"Jungle"}).view(), nullptr, 0, &r).ok());
  CHECK_EQ(out_row(r, 0), std::string("\xC7\x85ungla"));
}

// ---------------------------------------------------------------------------
// Engine version 2: possessives and end punctuation.

static Lexicon possessive_lexicon() {
  Lexicon lex;
  CHECK(build_lexicon({{"dog", "Hund", 0},
                       {"country", "Land", 0},
                       {"new york", "Nueva York", 0},
                       {"new", "neu", 0},
                       {"it", "es", 0},
                       {"that", "das", 0},
                       {"cat", "Katze", 0},
                       {"don't", "nicht", 0},
                       {"they", "sie", 0},
                       {"players", "Spieler", 0},
                       {"mcdonald's", "McDonald's", 0},
                       {"mcdonald", "Ronald", 0},
                       {"bone", "Knochen", 0}},
                      1, &lex)
            .ok());
  return lex;
}

static void test_switch_possessives() {
  const Lexicon lex = possessive_lexicon();
  const Column col = make_column({
      "Dog's bone",                 // 0: the stem switches, 's stays
      "DOG'S country's",            // 1: case carried over; two possessives
      "the cat\xE2\x80\x99s dog",   // 2: U+2019
      "New York's dog",             // 3: a phrase ending in a possessive
      "it's that's",                // 4: contractions: 's is a verb, nothing switches
      "don't they're",              // 5: n't 're: whole words only ("don't" is an entry)
      "McDonald's",                 // 6: an entry of its own matches whole
      "players' dog",               // 7: a trailing apostrophe is punctuation already
      "dog's's dogs'",              // 8: one suffix only; "dog's" is not an entry
  });
  SwitchResult r;
  CHECK(switch_column(lex, opts(1.0), col.view(), nullptr, 0, &r).ok());
  CHECK_EQ(out_rows(r), (std::vector<std::string>{
                            "Hund's Knochen", "HUND'S Land's", "the Katze\xE2\x80\x99s Hund",
                            "Nueva York's Hund", "it's that's", "nicht they're", "McDonald's",
                            "Spieler' Hund", "dog's's dogs'"}));
  check_consistent(lex, col, r);
  // The record covers the stem only.
  const std::vector<Sw> s0 = switches_of(r, 0);
  CHECK_EQ(s0.size(), size_t{2});
  if (!s0.empty()) CHECK_EQ((std::vector<int>{s0[0].ss, s0[0].se, s0[0].ds, s0[0].de}),
                            (std::vector<int>{0, 3, 0, 4}));
  const std::vector<Sw> s2 = switches_of(r, 2);
  CHECK_EQ(s2.size(), size_t{2});
  if (!s2.empty()) CHECK_EQ((std::vector<int>{s2[0].ss, s2[0].se, s2[0].ds, s2[0].de}),
                            (std::vector<int>{4, 7, 4, 9}));
  const std::vector<Sw> s3 = switches_of(r, 3);
  CHECK_EQ(s3.size(), size_t{2});
  if (!s3.empty()) CHECK_EQ((std::vector<int>{s3[0].ss, s3[0].se, s3[0].ds, s3[0].de}),
                            (std::vector<int>{0, 8, 0, 10}));
  // Words are counted as ever: a possessive is one word; a contraction is not eligible.
  CHECK_EQ(i32(r.n_words, 0), 2);
  CHECK_EQ(i32(r.n_words, 3), 3);
  CHECK_EQ(i32(r.n_eligible, 4), 0);
  CHECK_EQ(i32(r.n_eligible, 5), 1);
  CHECK_EQ(i32(r.n_switched, 8), 0);
  CHECK_EQ(r.lang_words, std::vector<int64_t>{12});  // "new york" counts 2

  // Version 1 matching: a possessive is an unknown word.
  SwitchOptions v1 = opts(1.0);
  v1.possessives = false;
  SwitchResult r1;
  CHECK(switch_column(lex, v1, col.view(), nullptr, 0, &r1).ok());
  CHECK_EQ(out_row(r1, 0), std::string("Dog's Knochen"));
  CHECK_EQ(out_row(r1, 3), std::string("Neu York's Hund"));

  // The stem is the unit: stopwords check it, protection overlapping it keeps
  // it, protection of the suffix alone does not.
  KeySet stop;
  CHECK(stop.add("dog").ok());
  SwitchOptions os = opts(1.0);
  os.stopwords = &stop;
  SwitchResult rs;
  CHECK(switch_column(lex, os, make_column({"Dog's bone"}).view(), nullptr, 0, &rs).ok());
  CHECK_EQ(out_row(rs, 0), std::string("Dog's Knochen"));
  const Column pc = make_column({"Dog's bone", "Dog's bone"});
  const std::vector<int64_t> offsets = {0, 1, 2};
  const std::vector<int64_t> starts = {3, 2}, ends = {5, 3};  // row 0: "'s"; row 1: "g"
  ProtectedSpans p;
  p.offsets = offsets.data();
  p.starts = starts.data();
  p.ends = ends.data();
  p.large = true;
  p.n_rows = 2;
  p.n = 2;
  SwitchResult rp;
  CHECK(switch_column(lex, opts(1.0), pc.view(), nullptr, 0, &rp, &p).ok());
  CHECK_EQ(out_rows(rp), (std::vector<std::string>{"Hund's Knochen", "Dog's Knochen"}));

  // Consistent mode: a possessive's stem draws as the bare word does.
  Lexicon two;
  CHECK(build_lexicon({{"dog", "Hund", 0}, {"dog", "perro", 1}, {"dog", "chien", 1}}, 2, &two).ok());
  std::vector<std::string> rows(200, "dog's dog Dog's");
  SwitchOptions oc = opts(0.5);
  oc.consistent = true;
  oc.choice = CandidateChoice::kUniform;
  SwitchResult rc;
  const Column cc = make_column(rows);
  CHECK(switch_column(two, oc, cc.view(), nullptr, 0, &rc).ok());
  bool agree = true;
  int64_t switched_rows = 0;
  for (int64_t i = 0; i < cc.n; ++i) {
    const std::vector<Sw> sw = switches_of(rc, i);
    agree &= sw.size() == 0 || sw.size() == 3;
    std::vector<std::pair<std::string, int>> seen;
    for (const Sw& w : sw)
      seen.emplace_back(fold(out_row(rc, i).substr(static_cast<size_t>(w.ds),
                                                   static_cast<size_t>(w.de - w.ds))),
                        w.lang);
    for (const auto& x : seen) agree &= x == seen.front();
    switched_rows += !sw.empty();
  }
  CHECK(agree);
  CHECK(switched_rows > 60 && switched_rows < 140);
}

// Engine version 2: an entry's end punctuation never takes the text's.
static void test_switch_end_punctuation() {
  Lexicon lex;
  CHECK(build_lexicon({{"is", "ist", 0},
                       {"however,", "allerdings,", 0},
                       {"is,", "sind,", 0},
                       {"the", "die", 0},
                       {"dog", "Hund", 0},
                       {"ran", "lief", 0}},
                      1, &lex)
            .ok());
  SwitchResult r;
  CHECK(switch_column(lex, opts(1.0), make_column({"However, the dog ran.", "It is, I think"}).view(),
                      nullptr, 0, &r)
            .ok());
  CHECK_EQ(out_rows(r), (std::vector<std::string>{"Allerdings, die Hund lief.", "It ist, I think"}));
  const std::vector<Sw> s0 = switches_of(r, 0);
  CHECK(!s0.empty());
  if (!s0.empty()) CHECK_EQ((std::vector<int>{s0[0].ss, s0[0].se}), (std::vector<int>{0, 7}));
}

// min_bytes_per_thread: small inputs on several threads, the same output.
static void test_switch_min_bytes_per_thread() {
  const Lexicon lex = basic_lexicon();
  const Column col = big_column(3000, 11);
  SwitchResult one;
  CHECK(switch_column(lex, opts(0.5, 1), col.view(), nullptr, 0, &one).ok());
  CHECK_EQ(one.n_chunks, 1);
  SwitchOptions o = opts(0.5, 4);
  SwitchResult four;
  CHECK(switch_column(lex, o, col.view(), nullptr, 0, &four).ok());
  CHECK_EQ(four.n_chunks, 1);  // under 64 KiB: one thread by default
  o.min_bytes_per_thread = 1;
  CHECK(switch_column(lex, o, col.view(), nullptr, 0, &four).ok());
  CHECK_EQ(four.n_chunks, 4);
  CHECK(serialize(four) == serialize(one));
  o.min_bytes_per_thread = 0;
  CHECK_EQ(switch_column(lex, o, col.view(), nullptr, 0, &four).code, Code::kInvalidArgument);
  SwitchResult empty;
  CHECK(switch_column(lex, opts(0.5, 4), make_column({}).view(), nullptr, 0, &empty).ok());
  CHECK_EQ(empty.n_chunks, 1);
}

int main() {
  test_switch_basic();
  test_switch_protect();
  test_switch_languages();
  test_switch_threads();
  test_switch_empty_null_offsets();
  test_switch_consistent();
  test_title_digraphs_switched();
  test_switch_possessives();
  test_switch_end_punctuation();
  test_switch_min_bytes_per_thread();
  return finish("switcher_test");
}
