// Tests of utf8.h / utf8.cc: decoding, validation, case mappings and folding.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

using namespace csgen;
using namespace csgen::testing;

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

static void test_title_digraphs() {
  CHECK_EQ(utf8::to_title(0x1C5), 0x1C5u);
  CHECK_EQ(utf8::to_title(0x1C8), 0x1C8u);
  CHECK_EQ(utf8::to_title(0x1CB), 0x1CBu);
  CHECK_EQ(utf8::to_title(0x1F2), 0x1F2u);
}

int main() {
  test_utf8_decode();
  test_utf8_validate();
  test_utf8_case();
  test_title_digraphs();
  return finish("utf8_test");
}
