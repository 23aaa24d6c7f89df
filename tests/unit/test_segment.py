"""Word segmentation: byte offsets, half-open, tiling the input."""

import pytest

from csgen import _core

SPACE, WORD, NUMBER, PUNCT = range(4)


def tokens(text: str) -> list[tuple[str, int]]:
    data = text.encode()
    starts, ends, kinds = _core.segment(data)
    assert starts[0] == 0 if len(data) else len(starts) == 0
    assert all(ends[i] == starts[i + 1] for i in range(len(starts) - 1)), "tokens must tile"
    if len(data):
        assert ends[-1] == len(data)
    return [(data[s:e].decode(), int(k)) for s, e, k in zip(starts, ends, kinds, strict=True)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, wörld!", [("Hello", WORD), (",", PUNCT), (" ", SPACE), ("wörld", WORD),
                           ("!", PUNCT)]),
        ("don't", [("don't", WORD)]),
        ("country’s", [("country’s", WORD)]),
        ("state-of-the-art", [("state-of-the-art", WORD)]),
        ("a--b", [("a", WORD), ("-", PUNCT), ("-", PUNCT), ("b", WORD)]),
        ("'quoted'", [("'", PUNCT), ("quoted", WORD), ("'", PUNCT)]),
        ("3.14 1,000 1990s", [("3.14", NUMBER), (" ", SPACE), ("1,000", NUMBER), (" ", SPACE),
                              ("1990s", WORD)]),
        ("end.", [("end", WORD), (".", PUNCT)]),
        ("6½", [("6½", NUMBER)]),
        ("漢字", [("漢", WORD), ("字", WORD)]),
        ("e\u0301t\u00e9", [("e\u0301t\u00e9", WORD)]),
        ("a \t\n b", [("a", WORD), (" \t\n ", SPACE), ("b", WORD)]),
        ("👍🏽!", [("👍", PUNCT), ("🏽", PUNCT), ("!", PUNCT)]),
        ("मनुष्य", [("मनुष्य", WORD)]),
        ("", []),
    ],
)
def test_segmentation(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("data", "bad_byte"),
    [(b"ab\xffcd", 2), (b"\xc0\xaf", 0), (b"ok \xed\xa0\x80", 3), (b"x\xf4\x90\x80\x80", 1),
     (b"abc\xe2\x82", 3)],
)
def test_invalid_utf8_is_reported_with_its_byte(data, bad_byte):
    with pytest.raises(_core.CoreError) as info:
        _core.segment(data)
    code, message, _row, byte = info.value.args
    assert code == 2 and byte == bad_byte and "UTF-8" in message
