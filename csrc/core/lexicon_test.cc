// Tests of lexicon.h / lexicon.cc: dictionary files (parse_pairs), Lexicon::build, KeySet.
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
  CHECK_EQ(bs.punct_stripped, int64_t{1});  // "U.S." / "EE.UU."
  CHECK_EQ(bs.punct_dropped, int64_t{0});
  CHECK_EQ(lex.n_langs(), 2);
  // house, new york, paris, 1990s, u.s., united states of america, united states
  CHECK_EQ(lex.n_keys(), size_t{7});
  CHECK_EQ(lex.n_candidates(), size_t{10});
  CHECK_EQ(lex.max_tokens(), 4);  // "united states of america" ("u.s" is 3 tokens)

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
  // (Engine version 2: the final "." both sides share is stripped, see
  // test_lexicon_end_punctuation; the inner one stays.)
  const int32_t us = find("u.s");
  CHECK(us >= 0);
  if (us >= 0) CHECK_EQ(static_cast<int>(lex.node(us).n_tokens), 3);
  CHECK_EQ(find("u.s."), -1);
  for (const char* prefix : {"u", "u."}) {
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

// Candidates of key k as (target, lang, weight).
static std::vector<std::pair<std::string, float>> cands_of(const Lexicon& lex, const std::string& k) {
  std::vector<std::pair<std::string, float>> v;
  const int32_t id = lex.find(k.data(), k.size());
  if (id < 0 || !lex.node(id).is_entry) return v;
  const LexiconNode& n = lex.node(id);
  for (uint32_t c = n.cand_begin; c < n.cand_end; ++c) {
    const Candidate& cand = lex.candidates()[c];
    v.emplace_back(std::string(lex.targets() + cand.target_offset, cand.target_length), cand.weight);
  }
  return v;
}

// Engine version 2: punctuation at the ends of entries (lexicon.h).
static void test_lexicon_end_punctuation() {
  using CV = std::vector<std::pair<std::string, float>>;
  const std::vector<Entry> entries = {
      {"is", "ist", 0},                       // 0
      {"however,", "allerdings,", 0},         // 1 stripped
      {"however,", "jedoch", 0},              // 2 dropped: comma on one side
      {"is,", "sind,", 0},                    // 3 stripped: a new target of "is"
      {"is,", "ist,", 0},                     // 4 stripped: repeats 0, adds no weight
      {"regards,", "gruesse,", 0},            // 5 stripped (weight 2)
      {"regards,", "gruesse,", 0},            // 6 stripped again: weights add up
      {"team,", "mannschaft,", 0},            // 7 stripped (weight 1) ...
      {"team", "mannschaft", 0},              // 8 ... then clean (weight 3): it counts, not 7
      {"percent", "%", 0},                    // 9 dropped: punctuation only on the target
      {"hello", "\xC2\xA1hola", 0},           // 10 dropped: target starts with punctuation
      {"what?", "\xC2\xBFqu\xC3\xA9?", 0},   // 11 dropped likewise
      {"c++", "c++", 0},                      // 12 symbols stay: not punctuation
      {"us$", "us$", 0},                      // 13
      {"yes}}", "s\xC3\xAD}}", 0},            // 14 stripped
      {"x,", "y\xEF\xBC\x8C", 0},             // 15 dropped: "," vs fullwidth "，"
      {"however ,", "dennoch,", 0},           // 16 stripped: tokens equal, gaps play no part
      {"z ,", ",", 0},                        // 17 dropped: nothing left of the target
      {"rock 'n' roll", "rock 'n' roll", 0},  // 18 inner punctuation stays
  };
  const std::vector<double> weights = {1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  Lexicon lex;
  CHECK(build_lexicon(entries, 1, &lex, &weights).ok());
  const LexiconBuildStats& bs = lex.build_stats();
  CHECK_EQ(bs.punct_stripped, int64_t{8});  // entries 1 3 4 5 6 7 14 16
  CHECK_EQ(bs.punct_dropped, int64_t{6});   // entries 2 9 10 11 15 17
  CHECK_EQ(cands_of(lex, "however"), (CV{{"allerdings", 1.0f}, {"dennoch", 1.0f}}));
  CHECK_EQ(lex.find("however,", 8), -1);
  CHECK_EQ(cands_of(lex, "is"), (CV{{"ist", 1.0f}, {"sind", 1.0f}}));
  CHECK_EQ(lex.find("is,", 3), -1);
  CHECK_EQ(cands_of(lex, "regards"), (CV{{"gruesse", 2.0f}}));
  CHECK_EQ(cands_of(lex, "team"), (CV{{"mannschaft", 3.0f}}));
  CHECK(cands_of(lex, "percent").empty());
  CHECK(cands_of(lex, "hello").empty());
  CHECK(cands_of(lex, "what").empty());
  CHECK(cands_of(lex, "what?").empty());
  CHECK_EQ(cands_of(lex, "c++"), (CV{{"c++", 1.0f}}));
  CHECK_EQ(cands_of(lex, "us$"), (CV{{"us$", 1.0f}}));
  CHECK(cands_of(lex, "c").empty());
  CHECK_EQ(cands_of(lex, "yes"), (CV{{"s\xC3\xAD", 1.0f}}));
  CHECK(cands_of(lex, "x").empty());
  CHECK(cands_of(lex, "z").empty());
  CHECK_EQ(cands_of(lex, "rock 'n' roll"), (CV{{"rock 'n' roll", 1.0f}}));

  // Off (engine version 1): the entries stay as they are.
  Lexicon v1;
  LexiconBuildOptions off;
  off.end_punctuation = false;
  Column src, tgt;
  std::vector<int32_t> langs;
  for (const Entry& e : entries) {
    src.add(e.src);
    tgt.add(e.tgt);
    langs.push_back(0);
  }
  CHECK(Lexicon::build(src.view(), tgt.view(), langs.data(), nullptr, 1, &v1, off).ok());
  CHECK_EQ(v1.build_stats().punct_stripped, int64_t{0});
  CHECK_EQ(v1.build_stats().punct_dropped, int64_t{0});
  CHECK_EQ(cands_of(v1, "however,"), (CV{{"allerdings,", 1.0f}, {"jedoch", 1.0f}}));
  CHECK_EQ(cands_of(v1, "percent"), (CV{{"%", 1.0f}}));
}

// first_candidate: a language's first candidate, identity ones included or
// not, agrees with a scan of the candidates.
static void test_first_candidate() {
  Lexicon lex;
  CHECK(build_lexicon({{"house", "house", 2},  // language 2: an identity candidate only
                       {"house", "maison", 1},
                       {"house", "Haus", 0},
                       {"house", "house", 3},  // language 3: identity first, then casa
                       {"house", "casa", 3},
                       {"house", "Heim", 0},
                       {"cat", "cat", 0},
                       {"cat", "Katze", 0},
                       {"dog", "chien", 5}},
                      6, &lex)
            .ok());
  bool agree = true;
  int checked = 0;
  for (const char* key : {"house", "cat", "dog"}) {
    const LexiconNode& n = lex.node(lex.find(key, std::strlen(key)));
    for (int lang = 0; lang < 6; ++lang) {
      for (const bool with_identity : {true, false}) {
        const uint64_t langs = with_identity ? n.langs_identity : n.langs;
        if (!((langs >> lang) & 1)) continue;
        uint32_t want = n.cand_begin;
        while (lex.candidates()[want].lang != lang ||
               (lex.candidates()[want].identity && !with_identity))
          ++want;
        agree &= lex.first_candidate(n, lang, with_identity) == want;
        ++checked;
      }
    }
  }
  CHECK(agree);
  CHECK_EQ(checked, 11);  // house 4 + 3, cat 1 + 1, dog 1 + 1
}

// The switcher's index finds exactly the keys find() finds, prefixes
// included, with their flags and languages; keys longer than 16 bytes too.
static void test_index() {
  Lexicon lex;
  CHECK(build_lexicon({{"house", "Haus", 0},
                       {"united states of america", "USA", 1},
                       {"internationalization", "Internationalisierung", 0},
                       {"internationalizatiom", "x", 1},  // same first 16 bytes and length
                       {"paris", "paris", 1},
                       {"\xC3\xA4pfel", "apples", 1}},
                      2, &lex)
            .ok());
  for (const char* key : {"house", "united", "united states", "united states of",
                          "united states of america", "internationalization",
                          "internationalizatiom", "paris", "\xC3\xA4pfel"}) {
    const size_t len = std::strlen(key);
    const int32_t id = lex.find(key, len);
    const IndexSlot* slot = lex.find_slot(key, len);
    CHECK(id >= 0);
    CHECK(slot != nullptr);
    if (id < 0 || !slot) continue;
    const LexiconNode& n = lex.node(id);
    CHECK_EQ(static_cast<int32_t>(slot->id) - 1, id);
    CHECK_EQ(slot->langs, n.langs);
    CHECK_EQ(static_cast<bool>(slot->flags & kSlotEntry), static_cast<bool>(n.is_entry));
    CHECK_EQ(static_cast<bool>(slot->flags & kSlotLonger), static_cast<bool>(n.has_longer));
    CHECK_EQ(static_cast<bool>(slot->flags & kSlotIdentity), n.langs_identity != n.langs);
  }
  for (const char* key : {"hous", "houses", "internationalizatio", "internationalizatioN", "",
                          "united states of americas", "states"})
    CHECK(lex.find_slot(key, std::strlen(key)) == nullptr);
}

int main() {
  test_parse_pairs();
  test_lexicon();
  test_lexicon_end_punctuation();
  test_first_candidate();
  test_index();
  return finish("lexicon_test");
}
