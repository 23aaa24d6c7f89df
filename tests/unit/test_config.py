import json
import math

import pytest

from csgen import SwitchConfig
from csgen.config import parse_lang_weights, parse_langs_spec, parse_ratio_spec
from csgen.errors import ConfigError, CsgenError


@pytest.mark.parametrize("ratio", [-0.01, 1.01, math.nan, math.inf, "0.5", None, True])
def test_ratio_outside_unit_interval_is_rejected(ratio):
    with pytest.raises(ConfigError, match="ratio"):
        SwitchConfig(ratio=ratio)


@pytest.mark.parametrize("ratio", [0, 0.0, 0.5, 1, 1.0])
def test_ratio_bounds_are_inclusive(ratio):
    assert SwitchConfig(ratio=ratio).ratio == float(ratio)


def test_config_errors_are_csgen_and_value_errors():
    with pytest.raises(CsgenError):
        SwitchConfig(ratio=2)
    assert issubclass(ConfigError, ValueError)


@pytest.mark.parametrize(
    ("field", "value"),
    [("seed", -1), ("seed", 2**64), ("seed", 1.5), ("candidates", "best"),
     ("lang_sampling", "random"), ("threads", 0), ("threads", 2.0)],
)
def test_bad_fields_are_rejected(field, value):
    with pytest.raises(ConfigError, match=field.split("_")[0]):
        SwitchConfig(ratio=0.5, **{field: value})


def test_threads_default_to_the_cores():
    assert SwitchConfig(ratio=0.5).threads >= 1


def test_config_is_frozen_and_canonical():
    cfg = SwitchConfig(ratio=0.5, lang_weights={"de": 2, "ar": 1})
    assert cfg.lang_weights == (("ar", 1.0), ("de", 2.0))
    assert cfg.weight_of("de") == 2.0 and cfg.weight_of("fr") == 1.0
    with pytest.raises(AttributeError):
        cfg.ratio = 1.0  # type: ignore[misc]
    assert cfg.to_dict()["lang_weights"] == {"ar": 1.0, "de": 2.0}
    assert "threads" not in cfg.to_dict()
    assert cfg == SwitchConfig(ratio=0.5, lang_weights=(("de", 2), ("ar", 1)))


def test_parse_lang_weights():
    assert parse_lang_weights("de=2, ar=1") == {"de": 2.0, "ar": 1.0}
    for bad in ("de", "de=x", "de=1,de=2"):
        with pytest.raises(ConfigError):
            parse_lang_weights(bad)
    with pytest.raises(ConfigError, match=">= 0"):
        SwitchConfig(ratio=0.5, lang_weights={"de": -1})


# -- consistent switching, per-column ratios and languages ------------------------------------


def test_ratio_may_be_left_out_only_with_column_ratios():
    cfg = SwitchConfig(column_ratios={"query": 0.5, "passage": 0.25})
    assert cfg.ratio is None
    assert cfg.column_ratios == (("passage", 0.25), ("query", 0.5))
    assert (cfg.ratio_of("query"), cfg.ratio_of("passage")) == (0.5, 0.25)
    with pytest.raises(ConfigError, match=r"column 'title' has no ratio.*passage, query"):
        cfg.ratio_of("title")
    with pytest.raises(ConfigError, match="ratio"):
        SwitchConfig()
    with pytest.raises(ConfigError, match="ratio"):
        SwitchConfig(column_ratios={})
    both = SwitchConfig(ratio=0.3, column_ratios=(("query", 1),))
    assert (both.ratio_of("query"), both.ratio_of("title")) == (1.0, 0.3)


def test_positional_ratio_still_works():
    assert SwitchConfig(0.5) == SwitchConfig(ratio=0.5)
    assert SwitchConfig(0.5).consistent is False


@pytest.mark.parametrize(
    ("value", "match"),
    [({"q": 1.5}, r"ratio of column 'q' must be in \[0, 1\]"),
     ({"q": math.nan}, "ratio of column 'q'"), ({"q": "0.5"}, "ratio of column 'q'"),
     ({"": 0.5}, "non-empty"), ((("q", 0.1), ("q", 0.2)), "'q' given twice"),
     ("q=0.5", "mapping"), ((("q", 0.1, 3),), "pairs"), (5, "mapping")],
)
def test_bad_column_ratios(value, match):
    with pytest.raises(ConfigError, match=match):
        SwitchConfig(ratio=0.5, column_ratios=value)


def test_column_langs_are_normalised():
    cfg = SwitchConfig(ratio=0.5, column_langs={"q": ["es", "de"], "p": "ar"})
    assert cfg.column_langs == (("p", ("ar",)), ("q", ("de", "es")))
    assert cfg.langs_of("q") == ("de", "es") and cfg.langs_of("title") is None
    assert cfg == SwitchConfig(ratio=0.5, column_langs=(("q", ("de", "es")), ("p", ("ar",))))
    assert cfg.named_columns() == ("p", "q")
    assert SwitchConfig(ratio=0.5, column_langs={}).column_langs is None


@pytest.mark.parametrize(
    ("value", "match"),
    [({"q": []}, "empty language set"), ({"q": ["de", ""]}, "non-empty"),
     ({"q": ["de", 1]}, "non-empty"), ({"q": ["de", "de"]}, "twice"), ({"q": 3}, "list"),
     ({"": ["de"]}, "non-empty"), ((("q", ["de"]), ("q", ["es"])), "'q' given twice")],
)
def test_bad_column_langs(value, match):
    with pytest.raises(ConfigError, match=match):
        SwitchConfig(ratio=0.5, column_langs=value)


def test_consistent_must_be_a_bool():
    with pytest.raises(ConfigError, match="consistent"):
        SwitchConfig(ratio=0.5, consistent=1)  # type: ignore[arg-type]


def test_to_dict_is_json_ready_and_rebuilds_the_config():
    plain = SwitchConfig(ratio=0.5, seed=3).to_dict()
    assert plain == {"ratio": 0.5, "seed": 3, "candidates": "first", "lang_sampling": "uniform",
                     "lang_weights": None, "keep_identity": False, "skip_stopwords": False,
                     "consistent": False, "column_ratios": None, "column_langs": None}
    cfg = SwitchConfig(column_ratios={"q": 0.5, "p": 0.25}, column_langs={"p": ["es", "de"]},
                       consistent=True, lang_weights={"de": 2})
    d = json.loads(json.dumps(cfg.to_dict()))
    assert d["column_ratios"] == {"p": 0.25, "q": 0.5}
    assert d["column_langs"] == {"p": ["de", "es"]} and d["ratio"] is None
    assert SwitchConfig(**d) == cfg


def test_parse_ratio_spec():
    assert parse_ratio_spec("0.5") == (0.5, {})
    assert parse_ratio_spec("query=0.5,passage=0.25") == (None, {"query": 0.5, "passage": 0.25})
    assert parse_ratio_spec(" 0.3 , query = 0.5 ") == (0.3, {"query": 0.5})
    assert parse_ratio_spec("query=1") == (None, {"query": 1.0})


@pytest.mark.parametrize(
    ("text", "part"),
    [("", "RATIO and/or"), ("x", "'x'"), ("query=", "'query='"), ("=0.5", "'=0.5'"),
     ("q=a", "'q=a'"), ("0.5,0.3", "'0.3'"), ("q=0.1,q=0.2", "'q' given twice"),
     ("0.5,,q=1", "empty part")],
)
def test_parse_ratio_spec_errors_name_the_part(text, part):
    with pytest.raises(ConfigError, match=part):
        parse_ratio_spec(text)


def test_parsed_ratio_out_of_range_is_caught_by_the_config():
    default, columns = parse_ratio_spec("query=2")
    with pytest.raises(ConfigError, match="'query'"):
        SwitchConfig(ratio=default, column_ratios=columns)


def test_parse_langs_spec():
    assert parse_langs_spec("query=de,passage=de+ar+ru") == {
        "query": ("de",), "passage": ("de", "ar", "ru")}
    assert parse_langs_spec(" q = de + es ") == {"q": ("de", "es")}


@pytest.mark.parametrize(
    ("text", "part"),
    [("", "COLUMN=LANG"), ("de", "'de'"), ("q=", "'q='"), ("=de", "'=de'"),
     ("q=de++ar", "'q=de\\+\\+ar'"), ("q=de,,p=es", "''"), ("q=de,q=es", "'q' given twice")],
)
def test_parse_langs_spec_errors_name_the_part(text, part):
    with pytest.raises(ConfigError, match=part):
        parse_langs_spec(text)
