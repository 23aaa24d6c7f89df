"""Write the seed corpora under ``fuzz/corpus/<target>/`` (deterministic; committed).

    python fuzz/make_corpus.py [--shared ../shared/data]

Seeds: short real text in twelve languages from XQuAD (see ``corpus/SOURCE.md``), plus
hand-written edge cases: emoji with ZWJ sequences and skin tones, combining marks, zero-
width joiners, NUL bytes, lone surrogates and overlong forms and other invalid UTF-8,
lexicon files with CRLF, BOM, TABs, empty fields and odd weights, and small ``.csglex``
files. Existing seed files are replaced; files of other names are left alone.
"""

# ruff: noqa: RUF001  (seed text is written in many scripts on purpose)
from __future__ import annotations

import argparse
import hashlib
import json
import os
import struct
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LANGS = ("en", "de", "es", "ru", "el", "ar", "hi", "th", "zh", "tr", "vi", "ro")

sys.path.insert(0, str(HERE))
import harness  # noqa: E402  (needs csgen; imported after the path is set)


def xquad_texts(shared: Path) -> dict[str, tuple[str, str]]:
    """Per language: the first question and the first context cut to about 240 bytes."""
    out = {}
    for lang in LANGS:
        path = shared / "xquad" / f"xquad.{lang}.json"
        if not path.exists():
            print(f"skipping {path}: missing", file=sys.stderr)
            continue
        data = json.loads(path.read_text("utf-8"))
        paragraph = data["data"][0]["paragraphs"][0]
        context = paragraph["context"].encode("utf-8")[:240].decode("utf-8", "ignore")
        out[lang] = (paragraph["qas"][0]["question"], context)
    return out


EDGE_TEXT: dict[str, bytes] = {
    "emoji-zwj": "family 👨‍👩‍👧‍👦 thumbs 👍🏽👍🏿 flag 🇩🇪 keycap 1️⃣ heart ❤️".encode(),
    "combining": "e\u0301cole nai\u0308ve Zalgo: Z\u0335\u0351a\u0334l\u0336g\u0337o and "
                 "\u0301 leading mark, Hebrew שָׁלוֹם, Hindi क्षत्रिय".encode(),
    "zero-width": "Persian می\u200cخواهم word\u200dword a\u200b b \u2060x \ufeffbom-mid".encode(),
    "nul": b"a\x00b \x00\x00 house\x00 new\x00york",
    "joiners": "don't rock'n'roll state-of-the-art -a a- 'x' co\u2010op it\u2019s "
               "non\u2011stop ''".encode(),
    "numbers": "3.14 1,000 1.2.3 ,5 5, 1990s 6\u00bd \u0663\u0664 x2.5 2.x".encode(),
    "spaces": "a\u00a0b\u3000c\u2028d\u0085e\t\r\nf  \u2003 g".encode(),
    "case": "STRASSE straße İstanbul ǅungla ǄUNGLA ΣΟΦΊΑ σοφίας ﬁne ŉ".encode(),
    "cjk-kana": "東京タワーとひらがな、漢字カタカナ。ｶﾀｶﾅ 한국어".encode(),
    "bom": "\ufeffThe house".encode(),
    "lone-surrogate": b"ok \xed\xa0\x80 high and \xed\xb0\x80 low",
    "overlong": b"slash \xc0\xaf and \xe0\x80\xaf and \xf0\x80\x80\xaf",
    "past-max": b"big \xf4\x90\x80\x80 and \xf5\x80\x80\x80",
    "truncated": b"euro \xe2\x82",
    "stray-continuation": b"\x80abc \xbf",
    "bad-lead": b"\xfe\xff x \xc1\xbf",
    "empty": b"",
}


def segment_seeds(texts: dict[str, tuple[str, str]]) -> dict[str, bytes]:
    seeds = {}
    for lang, (question, context) in texts.items():
        seeds[f"xquad-{lang}-question"] = question.encode("utf-8")
        seeds[f"xquad-{lang}-context"] = context.encode("utf-8")
    seeds.update(EDGE_TEXT)
    return seeds


def control(*, lexicon: int = 0, ratio: float | None = 1.0, seed: int = 0, flags: int = 0,
            candidates: int = 0, sampling: int = 0, threads: int = 0, weights: int = 0,
            nulls: int = 0, amplify: bool = False, protect: bytes = b"") -> bytes:
    """The CONTROL head of a switch input (layout: ``harness.decode_switch``)."""
    if ratio is None:
        mode, ratio_byte = 2, 128
    else:
        mode, ratio_byte = ((0, 0) if ratio == 0 else (1, 0) if ratio == 1
                            else (2, round(ratio * 255)))
    head = bytes([lexicon, mode, ratio_byte]) + struct.pack("<Q", seed)
    head += bytes([flags, candidates, sampling, threads, weights, nulls, 3 if amplify else 0])
    head += protect
    assert len(head) <= harness.CONTROL
    return head.ljust(harness.CONTROL, b"\x00")


NULLS, PROTECT, BAD_PROTECT, LARGE, SLICED = 32, 64, 128, 8, 16
CONSISTENT, IDENTITY, STOPWORDS = 1, 2, 4


def switch_seeds(texts: dict[str, tuple[str, str]]) -> dict[str, bytes]:
    english = texts.get("en", ("Which NFL team won Super Bowl 50?", "The house in New York."))
    rows_en = english[0].encode() + b"\xff" + english[1].encode()
    phrases = ("The House in NEW YORK City, state-of-the-art ICE CREAM; don't stop at "
               "3 o'clock. The house? the HOUSE! new\u00a0york, New-York, İstanbul, "
               "Straße and ǆungla in 東京 (tokyo).").encode()
    mixed = b"\xff".join(
        (q + " the house " + c[:60]).encode() for q, c in list(texts.values())[:6])
    spans = bytes([2, 10, 80, 1, 100, 200, 1] * 5)
    seeds = {
        "bl-ratio1-xquad": control() + rows_en,
        "bl-ratio0-xquad": control(ratio=0) + rows_en,
        "bl-half-phrases": control(ratio=0.5, seed=7) + phrases,
        "bl-ratio1-phrases-consistent": control(flags=CONSISTENT | IDENTITY) + phrases,
        "bl-phrases-stopwords-uniform": control(flags=STOPWORDS, candidates=1) + phrases,
        "ml-uniform-mixed": control(lexicon=1, ratio=0.7, seed=3) + mixed,
        "ml-coverage-weighted": control(lexicon=1, candidates=2, sampling=1, weights=0b1011) +
        phrases + b"\xff" + rows_en,
        "ml-column-langs": control(lexicon=1, ratio=1.0, weights=0b10000101) + phrases,
        "protect-spans": control(flags=PROTECT, protect=spans) + phrases + b"\xff" + phrases,
        "protect-wide-sliced": control(flags=PROTECT | SLICED | LARGE, protect=spans + b"\x01")
        + rows_en + b"\xff" + phrases,
        "protect-bad": control(flags=PROTECT | BAD_PROTECT, protect=spans) + phrases,
        "nulls-invalid": control(flags=NULLS, nulls=0b0101) + b"\xc0\xaf null\xff" + phrases +
        b"\xff\xed\xa0\x80\xff" + rows_en,
        "invalid-second-row": control() + phrases + b"\xff" + b"house \xe2\x82",
        "many-rows-sliced": control(flags=SLICED | CONSISTENT, ratio=0.3) +
        b"\xff".join(EDGE_TEXT[k] for k in ("emoji-zwj", "combining", "zero-width", "nul",
                                            "joiners", "numbers", "spaces", "case")),
        "own-lexicon": control(lexicon=2) + phrases + b"\xff\xff" +
        "new york\tNeu\u00a0York\nthe house\tdas Haus\tde\nhouse\tдом\tru\n"
        "\t\nstate-of-the-art\tmodern\n東京\tTokio\n42\tzweiundvierzig\n".encode(),
        "own-lexicon-bad": control(lexicon=2) + phrases + b"\xff\xff" + b"house\t \n",
        "threads-phrases": control(ratio=0.5, threads=1, amplify=True) + phrases + b"\xff" +
        rows_en,
        "threads-ml-consistent-protect": control(lexicon=1, flags=CONSISTENT | PROTECT | NULLS,
                                                 nulls=0b10, threads=1, amplify=True,
                                                 protect=spans) + mixed,
        "empty": control(),
    }
    return seeds


LEXICON_FILES: dict[str, bytes] = {
    "muse": b"the die\nthe der\nhouse Haus\nnew\tneu\nnew york\tNeu-York\nice cream\tEis\n"
            b"don't nicht\nstate-of-the-art hochmodern\n",
    "muse-crlf-bom": b"\xef\xbb\xbfthe die\r\nhouse Haus\r\n\r\n  \r\nnew york\tNeu York\r\n",
    "muse-scripts": "house дом\nhouse بيت\nhouse घर\nhouse 房子\nhouse บ้าน\nhouse σπίτι\n"
                    "tokyo 東京\nnaïve naiv\ne\u0301cole Schule\n".encode(),
    "muse-bad-fields": b"the\nthe die das\n\tdie\nhouse\t\n",
    "muse-invalid-utf8": b"the die\nhouse \xed\xa0\x80\ncar Auto\n",
    "tsv-weights": b"the\tdie\t0.5\nthe\tder\t2\nhouse\tHaus\t1e-320\nnew york\tNew York\t1.\n",
    "tsv-bad-weights": b"a\tb\t0\nc\td\t-1\ne\tf\tinf\ng\th\tnan\ni\tj\t1e999\nk\tl\t0x1p3\n"
                       b"m\tn\t1_0\n",
    "tsv-empty-fields": b"\t\n\t\t\nthe\t\tdie\n\t\t\tx\nhouse\tHaus\t\t\n",
    "tsv-nul": b"the\tdie\x00\nhou\x00se\tHaus\n",
    "wikititles": b"Berlin ||| Berlin\nKategorie:Paris ||| Category:Paris\n"
                  b"Paris (Band) ||| Paris (band)\nStar Wars: Episode I ||| Star Wars\n",
    "wikititles-odd": b" ||| \nA |||  ||| B\n||| x\nx |||\n",
    "utf16": "the die\n".encode("utf-16"),
}


def lexicon_seeds() -> dict[str, bytes]:
    seeds = {}
    for name, body in LEXICON_FILES.items():
        split = 2 if name.startswith("wikititles") else 1 if name.startswith("tsv") else 0
        seeds[name] = bytes([split]) + body
        seeds[f"{name}-skip-bad"] = bytes([split | 4]) + body
    return seeds


def csglex_seeds() -> dict[str, bytes]:
    from csgen.lexicon import Lexicon, store

    lexicons = {
        "bilingual": Lexicon.from_pairs(["the", "house", "new york"], ["die", "Haus", "Neu York"],
                                        "de"),
        "multilingual": Lexicon.from_pairs(
            ["house", "house", "ice cream", "東京", "e\u0301cole"],
            ["Haus", "дом", "冰淇淋", "Tokio", "Schule"], ["de", "ru", "zh", "de", "de"],
            weights=[1.0, 2.0, 0.5, 1.0, 3.0]),
    }
    seeds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, lexicon in lexicons.items():
            blob = store.save(lexicon, Path(tmp) / f"{name}.csglex").read_bytes()
            seeds[name] = b"\x00" + blob
            seeds[f"{name}-refresh"] = b"\x01" + blob
            # A payload byte flipped: the checksum catches it, unless refreshed.
            flipped = bytearray(blob)
            flipped[-100] ^= 0x55
            seeds[f"{name}-flipped"] = b"\x00" + bytes(flipped)
            seeds[f"{name}-flipped-refresh"] = b"\x01" + bytes(flipped)
            seeds[f"{name}-truncated"] = b"\x00" + blob[: len(blob) // 2]
    seeds["not-csglex"] = b"\x00" + b"the die\n"
    header = json.dumps({"format": "csglex", "version": 1, "payload_bytes": 0,
                         "checksum": "blake2b-128:" + hashlib.blake2b(b"", digest_size=16)
                         .hexdigest()}).encode()
    seeds["empty-payload"] = b"\x00" + store.MAGIC + struct.pack("<Q", len(header)) + header
    return seeds


def write(folder: Path, seeds: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (folder / name).write_bytes(data)
    print(f"{folder}: {len(seeds)} seeds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(os.environ.get("CSGEN_SHARED_DATA", REPO.parent / "shared" / "data"))
    parser.add_argument("--shared", type=Path, default=default,
                        help="the shared data folder holding xquad/xquad.<lang>.json")
    args = parser.parse_args()
    texts = xquad_texts(args.shared)
    corpus = HERE / "corpus"
    write(corpus / "segment", segment_seeds(texts))
    write(corpus / "switch", switch_seeds(texts))
    write(corpus / "lexicon", lexicon_seeds())
    write(corpus / "csglex", csglex_seeds())


if __name__ == "__main__":
    main()
