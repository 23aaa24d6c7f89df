"""The command line's house: ``csgen --help`` and the groups' help import no heavy module,
a default a flag shows is the API's, ``switch``'s flags are the fields of SwitchJob,
SwitchConfig and ReadOptions, and a core that does not load is still one line."""

from __future__ import annotations

import dataclasses
import importlib.machinery
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from csgen._validate import DEFAULT_BATCH_ROWS
from csgen.cli import COMMANDS, CsgenGroup, main
from csgen.cli._params import FieldOption, LazyChoice, _resolve, api_default
from csgen.cli.switch import switch_command, switch_options
from csgen.config import SwitchConfig
from csgen.errors import ConfigError
from csgen.io.readers import ReadOptions
from csgen.pipeline import SwitchJob

REPO = Path(__file__).resolve().parents[2]
#: what a help screen must not import: the compiled core and every heavy library
HEAVY = ("pyarrow", "numpy", "numba", "torch", "polars", "ray", "datasets", "sentencepiece",
         "transformers", "pandas", "csgen._core")


def imported_after(code: str) -> list[str]:
    """The heavy modules in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    script = (f"import sys\n{code}\n"
              f"heavy = {HEAVY!r}\n"
              "import json\n"
              "print('\\n' + json.dumps(sorted(m for m in sys.modules if m in heavy "
              "or m.split('.')[0] in heavy)))")
    # -P and cwd="/": the installed csgen, never ./csgen of the working directory
    out = subprocess.run([sys.executable, "-P", "-c", script], capture_output=True, text=True,
                         check=True, cwd="/")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_main(*argv: str) -> str:
    return (f"from csgen.cli import main\n"
            f"try:\n    main({list(argv)!r}, prog_name='csgen')\n"
            "except SystemExit as e:\n    assert e.code == 0, e.code")


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["lexicon", "--help"],
                                  ["eval", "--help"], ["tokenizer", "--help"]])
def test_help_of_csgen_and_its_groups_imports_nothing_heavy(argv):
    assert imported_after(run_main(*argv)) == []


def test_the_check_sees_heavy_imports():
    """The same check on what does load them: it is not blind."""
    assert {"pyarrow", "numpy", "csgen._core"} <= set(
        imported_after("import csgen; csgen.Lexicon"))
    # switch --help shows SwitchJob's and ReadOptions' defaults, read from their modules
    assert "pyarrow" in imported_after(run_main("switch", "--help"))


def test_import_csgen_is_light_and_the_api_is_there():
    assert imported_after("import csgen; assert csgen.__version__") == []
    # the submodules `import csgen` used to load are still attributes of it alone
    assert "pyarrow" in imported_after("import csgen; csgen.lexicon.load_lexicon; "
                                       "csgen.config.SwitchConfig; csgen.switch.Switcher")
    import csgen

    for name in csgen.__all__:
        assert getattr(csgen, name) is not None
        assert name in dir(csgen)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        csgen.nope  # noqa: B018


def test_help_lists_every_command_and_python_m_csgen_runs():
    res = subprocess.run([sys.executable, "-P", "-m", "csgen", "--help"], capture_output=True,
                         text=True, check=True, cwd="/")
    listed = re.findall(r"^  (\S+)\s", res.stdout.split("Commands:")[1], flags=re.M)
    assert listed == sorted(COMMANDS)
    assert res.stdout.startswith("Usage: csgen ")


def all_commands() -> list[tuple[tuple[str, ...], click.Command]]:
    out: list[tuple[tuple[str, ...], click.Command]] = []

    def walk(path: tuple[str, ...], group: click.Group) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            out.append(((*path, name), command))
            if isinstance(command, click.Group):
                walk((*path, name), command)

    walk((), main)
    return out


def option(path: tuple[str, ...], name: str) -> click.Parameter:
    command = dict(all_commands())[path]
    return next(p for p in command.params if p.name == name)


def test_every_lazy_default_and_choice_resolves_to_the_api():
    seen = 0
    for path, command in all_commands():
        ctx = click.Context(command)
        for param in command.params:
            if isinstance(param, FieldOption):
                default = param.get_default(ctx)
                assert default == api_default(param.default_from), (path, param.name)
                assert param.type_cast_value(ctx, default) == default
                seen += 1
            if isinstance(param.type, LazyChoice):
                assert param.type.choices == tuple(_resolve(param.type.ref))
                assert param.type.choices, (path, param.name)
                seen += 1
    assert seen >= 15


@pytest.mark.parametrize(("path", "name", "ref"), [
    (("tokenizer", "train"), "vocab_size", "csgen.subword:train_tokenizer.vocab_size"),
    (("tokenizer", "train"), "model_type", "csgen.subword:train_tokenizer.model_type"),
    (("switch-aligned",), "seed", "csgen.aligned_switch:run_switch_aligned.seed"),
    (("switch-aligned",), "max_phrase_len",
     "csgen.aligned_switch:run_switch_aligned.max_phrase_len"),
    (("switch-aligned",), "lang", "csgen.aligned_switch:run_switch_aligned.lang"),
    (("eval", "model"), "device", "csgen.train.jobs:evaluate_models.device"),
    (("eval", "compare"), "device", "csgen.train.jobs:evaluate_models.device"),
    (("eval", "model"), "rerank_k", "csgen.train.jobs:evaluate_models.rerank_k"),
])
def test_defaults_copied_to_spare_a_heavy_import_are_the_apis(path, name, ref):
    """Where reading a default would import numba or torch for a help screen, the CLI keeps
    a copy; this holds the copy equal to the API's."""
    assert option(path, name).default == api_default(ref)


def test_train_help_shows_trainjobs_defaults():
    from csgen.train.jobs import TrainJob
    from csgen.train.loop import TrainConfig

    defaults = {f.name: f.default for cls in (TrainConfig, TrainJob)
                for f in dataclasses.fields(cls)
                if f.default is not dataclasses.MISSING and f.default is not None}
    command = dict(all_commands())[("train",)]
    checked = 0
    for param in command.params:
        shown = re.search(r"\[([^];]+)\]", getattr(param, "help", None) or "")
        if shown and param.name in defaults:
            want = defaults[param.name]
            assert type(want)(shown.group(1)) == want, param.name
            checked += 1
    assert checked >= 12


SWITCH_REQUIRED = ["in.parquet", "-l", "en-de.txt", "-r", "0.5", "-c", "q"]


def switch_job(*argv: str) -> SwitchJob:
    """The job ``csgen switch ARGV`` runs, built as the command builds it."""
    flags = dict(switch_command.make_context("switch", list(argv)).params)
    flags.pop("quiet")
    return SwitchJob.from_mapping(switch_options(flags))


def test_switch_without_optional_flags_is_the_dataclasses_defaults(tmp_path):
    job = switch_job(*SWITCH_REQUIRED, "-o", str(tmp_path))
    assert job == SwitchJob("in.parquet", tmp_path, ("q",), ("en-de.txt",),
                            SwitchConfig(ratio=0.5))


def test_switch_flags_land_on_their_fields(tmp_path):
    job = switch_job(
        "in.tsv", "-l", "de=en-de.txt", "-l", "en-ar.txt", "-r", "0.25,query=0.5",
        "-c", "query, passage", "-o", str(tmp_path), "--langs", "query=de,passage=de+ar",
        "--seed", "7", "--consistent", "--candidates", "weighted", "--lang-sampling",
        "coverage", "--lang-weights", "de=2", "--keep-identity", "--skip-stopwords",
        "--id-column", "qid", "-f", "tsv", "--no-header", "--column-names", "qid,query,passage",
        "--on-bad-row", "skip", "--output-format", "arrow", "--compression", "lz4",
        "--shard-bytes", "1MB", "--batch-rows", "100", "-w", "2", "--threads", "3",
        "--engine", "processes", "--overwrite", "--protect-regex", r"\d+")
    want = SwitchJob(
        "in.tsv", tmp_path, ("query", "passage"), ("de=en-de.txt", "en-ar.txt"),
        SwitchConfig(ratio=0.25, column_ratios={"query": 0.5}, seed=7, consistent=True,
                     column_langs={"query": ["de"], "passage": ["de", "ar"]},
                     candidates="weighted", lang_sampling="coverage", lang_weights={"de": 2},
                     keep_identity=True, skip_stopwords=True, threads=3),
        read=ReadOptions(format="tsv", header=False, column_names=("qid", "query", "passage"),
                         on_bad_row="skip", batch_rows=100),
        id_column="qid", output_format="arrow", compression="lz4", shard_bytes=10**6,
        workers=2, engine="processes", overwrite=True, protect_regex=(r"\d+",))
    assert job == want


@pytest.mark.parametrize(("flags", "message"), [
    (["--batch-rows", "0"], "batch_rows must be a positive integer"),
    (["--threads", "0"], "threads must be a positive integer"),
    (["--shard-rows", "0"], "shard_rows must be a positive integer"),
    (["--seed", "-1"], r"seed must be in \[0, 2\*\*64\)"),
    (["-r", "query=2"], "ratio of column 'query' must be in"),
    (["--resume", "--overwrite"], "--resume or --overwrite, not both"),
])
def test_switch_values_are_checked_by_the_dataclasses(tmp_path, flags, message):
    with pytest.raises(ConfigError, match=message):
        switch_job(*SWITCH_REQUIRED, "-o", str(tmp_path), *flags)
    res = CliRunner().invoke(main, ["switch", *SWITCH_REQUIRED, "-o", str(tmp_path), *flags])
    assert res.exit_code == 1 and res.output.startswith("Error: ")
    assert len(res.output.strip().splitlines()) == 1


def test_from_mapping_refuses_unknown_and_missing_keys(tmp_path):
    base: dict[str, Any] = {"input": "x.parquet", "output_dir": tmp_path, "columns": ["q"],
                            "lexicons": ["en-de.txt"], "ratio": 0.5}
    assert SwitchJob.from_mapping(base).read == ReadOptions()
    with pytest.raises(ConfigError, match=r"unknown switch option\(s\): ratios, shards"):
        SwitchJob.from_mapping({**base, "shards": 2, "ratios": 1})
    with pytest.raises(ConfigError, match="columns, lexicons must be given"):
        SwitchJob.from_mapping({k: v for k, v in base.items()
                                if k not in ("columns", "lexicons")})
    with pytest.raises(ConfigError, match="ratio must be a number"):
        SwitchJob.from_mapping({k: v for k, v in base.items() if k != "ratio"})


def test_a_core_that_does_not_load_is_one_line_at_first_use(tmp_path):
    shutil.copytree(REPO / "csgen", tmp_path / "csgen",
                    ignore=shutil.ignore_patterns("_core*", "__pycache__"))
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    (tmp_path / "csgen" / f"_core{suffix}").write_bytes(b"not a shared object")
    code = "import csgen; print(csgen.__version__, flush=True); csgen.Lexicon"
    # -S: no site-packages, so an installed (or editable) csgen cannot shadow the copy
    res = subprocess.run([sys.executable, "-S", "-c", code], cwd=tmp_path,
                         capture_output=True, text=True)
    assert res.returncode == 1 and res.stdout.strip() == "0.1.0"
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith(f"ImportError: csgen's compiled core {tmp_path / 'csgen'}")
    assert "does not load" in last and "pip install ." in last


def test_cli_turns_a_core_load_failure_into_one_line(tmp_path):
    @click.group(cls=CsgenGroup, commands_from={})
    def group() -> None:
        pass

    core = tmp_path / f"_core{importlib.machinery.EXTENSION_SUFFIXES[0]}"
    core.write_bytes(b"")

    @group.command("core")
    def uses_core() -> None:
        raise ImportError("undefined symbol: x", name="csgen._core", path=str(core))

    @group.command("other")
    def other() -> None:
        raise ImportError("No module named 'nope'", name="nope")

    res = CliRunner().invoke(group, ["core"])
    assert res.exit_code == 1
    assert res.output == (f"Error: csgen's compiled core {core} does not load (undefined "
                          "symbol: x); rebuild it: pip install . (or pip install -e . in a "
                          "checkout)\n")
    res = CliRunner().invoke(group, ["other"])
    assert isinstance(res.exception, ImportError) and res.exception.name == "nope"


def test_lang_value_flags_are_parsed_at_the_command_line(tmp_path):
    res = CliRunner().invoke(main, ["eval", "baselines", "-s", "moir:en", "--squad", "de"])
    assert res.exit_code == 2 and "--squad takes LANG=VALUE, got 'de'" in res.output


def test_api_default_names_a_field_without_one():
    with pytest.raises(TypeError, match="no plain default"):
        api_default("csgen.pipeline.job:SwitchJob.read")  # a default_factory
    assert api_default("csgen.lexicon.jobs:induce_from_files.top_k") == 1
    assert api_default("csgen.io.readers:ReadOptions.batch_rows") == DEFAULT_BATCH_ROWS
