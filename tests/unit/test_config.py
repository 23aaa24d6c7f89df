import math

import pytest

from csgen import SwitchConfig
from csgen.config import parse_lang_weights
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
