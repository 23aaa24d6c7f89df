// Tests of segment.h / segment.cc and the switcher's word scanner (scan.h).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "scan.h"
#include "test_util.h"

using namespace csgen;
using namespace csgen::testing;

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

// scan_words (scan.h), the switcher's scanner, against segment(): the same
// non-space tokens on random text rich in what decides token ends (joiners,
// '.' and ',' between digits, combining marks after punctuation, non-ASCII
// letters and spaces, windows of 64 bytes cut anywhere), with random bytes
// after the string that the scanner may read but must not use; the same
// first invalid byte on broken UTF-8.
static void test_scan_words_matches_segment() {
  static const char* pieces[] = {
      "a", "b", "Z", "q", "s", "S", "0", "7", "'", "-", ".", ",", " ", "  ", "\t", "\n", "\x1c",
      "\x01", "!", "?", "(", ")", "\"", "\xC3\xA9", "\xCC\x81", "\xE2\x80\x99", "\xC2\xA0",
      "\xE6\xBC\xA2", "\xF0\x9F\x91\x8D", "\xE2\x80\x90", "don't", "state-of-the-art", "3.14",
      "1,000", "dog's", "New York's", "cat\xE2\x80\x99s", "abcdefghijklmnopqrstuvwxyz0123456789"};
  const size_t n_pieces = sizeof(pieces) / sizeof(pieces[0]);
  Lcg g{2024};
  int agree = 0, cases = 0;
  for (int c = 0; c < 4000; ++c) {
    std::string text;
    const uint32_t target = g.next() % 300;
    // Mostly ASCII, sometimes a run of one piece (long words, long space runs).
    while (text.size() < target) {
      const char* piece = pieces[g.next() % (g.next() % 4 == 0 ? n_pieces : 23)];
      const uint32_t times = g.next() % 8 == 0 ? 1 + g.next() % 70 : 1;
      for (uint32_t t = 0; t < times; ++t) text += piece;
    }
    if (c % 10 == 0 && !text.empty()) text[g.next() % text.size()] = '\xFF';  // broken UTF-8
    std::string buffer = text;
    const uint32_t tail = g.next() % 3 == 0 ? 0 : g.next() % 100;
    for (uint32_t t = 0; t < tail; ++t) buffer.push_back(static_cast<char>("a'.9 \xC3"[g.next() % 6]));
    std::vector<Token> want;
    const Status st = segment(U(buffer), text.size(), &want, /*keep_spaces=*/false);
    std::vector<Token> got;
    size_t bad = 0;
    const bool ok = scan_words(
        U(buffer), text.size(), buffer.size(),
        [&](size_t a, size_t b, uint8_t kind, const uint8_t* lower) {
          got.push_back(Token{static_cast<uint32_t>(a), static_cast<uint32_t>(b), kind});
          // The fold it hands over is the token's own, lower-cased.
          if (lower) {
            std::string folded;
            utf8::fold_append(U(buffer) + a, b - a, &folded);
            if (std::memcmp(lower, folded.data(), b - a) != 0) got.back().kind = 99;
          }
        },
        &bad);
    ++cases;
    bool same = ok == st.ok();
    if (same && ok) {
      same = got.size() == want.size();
      for (size_t k = 0; same && k < got.size(); ++k)
        same = got[k].start == want[k].start && got[k].end == want[k].end &&
               got[k].kind == want[k].kind;
    } else if (same) {
      same = static_cast<int64_t>(bad) == st.byte;
    }
    if (!same) std::fprintf(stderr, "  scan_words differs on case %d: %s\n", c, show(text).c_str());
    agree += same;
  }
  CHECK_EQ(agree, cases);
}

int main() {
  test_segment();
  test_scan_words_matches_segment();
  return finish("segment_test");
}
