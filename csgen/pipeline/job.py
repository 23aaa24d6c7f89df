"""A ``csgen switch`` run, described and validated once: :class:`SwitchJob`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

import pyarrow as pa

from .._validate import positive_int
from ..config import ANSWER_POLICIES, QA_CONTEXT, SwitchConfig, available_cores, resolve_answers
from ..errors import ConfigError, MissingFileError
from ..io.readers import ReadOptions
from ..io.writers import COMPRESSIONS, OUTPUT_FORMATS, file_checksum, writer_settings
from ..lexicon.core import Lexicon

DEFAULT_SHARD_BYTES = 64 << 20
#: where shards are switched: ``local`` (threads of this process: the kernel, the readers
#: and the Parquet writer release the GIL), ``processes`` (worker processes) or ``ray``
ENGINES = ("local", "processes", "ray")


@dataclass(frozen=True)
class SwitchJob:
    """A whole ``csgen switch`` run, validated once.

    Attributes:
        input: file, directory, glob or fsspec URL (see :func:`csgen.io.open_source`).
        output_dir: where ``part-NNNNN.<format>`` and the manifest go.
        columns: string columns to switch; every other column passes through.
        lexicons: ``.csglex``/raw lexicon specs (``LANG=PATH`` allowed) or
            :class:`~csgen.Lexicon` objects (pickled to worker processes).
        config: how words are switched (seed, ratio, ...).
        read: reader options (format, batch rows = row group size, bad rows).
        shard_rows / shard_bytes: close a shard at this many rows / input bytes
            (the switched and carried columns' bytes as read); the default is
            ``shard_bytes`` = 64 MiB. A single row larger than ``shard_bytes``
            gets a shard of its own.
        workers: shards switched in parallel (threads, processes or Ray actors, as
            ``engine`` says); ``None`` = every core. Each gets
            ``config.threads // workers`` C++ threads (at least one). The output does
            not depend on it.
        engine: :data:`ENGINES`.
        resume / overwrite: reuse the verified shards of an interrupted run
            of the same job, or replace an earlier run's files.
        answers: SQuAD answers policy (:data:`ANSWER_POLICIES`, ``None`` = auto):
            answer spans of ``answers`` are checked against ``context`` and remapped
            through ``context_switches`` so ``context[start:start + len(text)] == text``.
        protect_spans: ``"SPANCOL"`` (for the first switched column), ``"COL=SPANCOL"``,
            several of those or a mapping: ``list<struct<start, end>>`` byte-span
            columns whose ranges are never switched.
        protect_regex: RE2 patterns whose every match, in every switched column, is
            never switched.

    Example:
        >>> job = SwitchJob("pairs.parquet", Path("out"), ("query",), ("de=en-de.txt",),
        ...                 SwitchConfig(ratio=0.5, seed=1), shard_rows=100_000)
        >>> job.shard_bytes is None
        True
    """

    input: str | Path
    output_dir: Path
    columns: tuple[str, ...]
    lexicons: tuple[str | Lexicon, ...]
    config: SwitchConfig
    read: ReadOptions = field(default_factory=ReadOptions)
    id_column: str | None = None
    output_format: str = "parquet"
    compression: str = "zstd"
    shard_rows: int | None = None
    shard_bytes: int | None = None
    workers: int | None = None
    resume: bool = False
    overwrite: bool = False
    engine: str = "local"
    answers: str | None = None
    protect_spans: Any = None
    protect_regex: tuple[str, ...] = ()
    tokenizer: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "output_dir", Path(self.output_dir))
        columns = (self.columns,) if isinstance(self.columns, str) else tuple(self.columns)
        if not columns:
            raise ConfigError("no column to switch was given")
        object.__setattr__(self, "columns", tuple(dict.fromkeys(columns)))
        lexicons = self.lexicons
        lexicons = (lexicons,) if isinstance(lexicons, (str, Path, Lexicon)) else tuple(lexicons)
        if not lexicons:
            raise ConfigError("at least one lexicon is needed")
        object.__setattr__(self, "lexicons",
                           tuple(x if isinstance(x, Lexicon) else str(x) for x in lexicons))
        if self.output_format not in OUTPUT_FORMATS:
            raise ConfigError(f"output format must be one of {', '.join(OUTPUT_FORMATS)}, "
                              f"got {self.output_format!r}")
        if self.compression not in COMPRESSIONS:
            raise ConfigError(f"compression must be one of {', '.join(COMPRESSIONS)}, "
                              f"got {self.compression!r}")
        for name in ("shard_rows", "shard_bytes", "workers"):
            positive_int(name, getattr(self, name), optional=True)
        if self.shard_rows is None and self.shard_bytes is None:
            object.__setattr__(self, "shard_bytes", DEFAULT_SHARD_BYTES)
        if self.resume and self.overwrite:
            raise ConfigError("give --resume or --overwrite, not both")
        if self.engine not in ENGINES:
            raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if self.answers is not None and self.answers not in ANSWER_POLICIES:
            raise ConfigError(f"answers must be one of {', '.join(ANSWER_POLICIES)}, "
                              f"got {self.answers!r}")
        if self.answers in ("protect", "switch") and QA_CONTEXT not in self.columns:
            raise ConfigError(f"answers={self.answers!r} needs the {QA_CONTEXT!r} column to be "
                              "switched")
        regex = self.protect_regex
        regex = (regex,) if isinstance(regex, str) else tuple(regex or ())
        spans = self.protect_spans
        if regex or (spans is not None and spans != () and spans != {}):
            from ..spans.qa import check_regex, normalise_protect_spans

            spans = normalise_protect_spans(spans, self.columns)
            for pattern in regex:
                check_regex(pattern)
        object.__setattr__(self, "protect_spans", tuple(spans or ()))
        object.__setattr__(self, "protect_regex", tuple(dict.fromkeys(regex)))
        if self.tokenizer is not None:
            path = Path(self.tokenizer)
            if not path.is_file():
                raise MissingFileError(f"{path}: no such sentencepiece model")
            if self.output_format == "squad":
                raise ConfigError("--tokenizer adds list columns, which SQuAD JSON cannot hold")
            object.__setattr__(self, "tokenizer", str(path))

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> SwitchJob:
        """From flat keys, as ``csgen switch`` names its flags: this job's fields and those
        of :class:`SwitchConfig` and :class:`ReadOptions`, each given to the class that
        owns (and checks) it. A key none of them has is a :class:`ConfigError`.

        Example:
            >>> job = SwitchJob.from_mapping({"input": "pairs.parquet", "output_dir": "out",
            ...     "columns": ["query"], "lexicons": ["de=en-de.txt"], "ratio": 0.5,
            ...     "seed": 1, "format": "parquet"})
            >>> job.config.seed, job.read.format
            (1, 'parquet')
        """
        parts: dict[str, type] = {"config": SwitchConfig, "read": ReadOptions}
        owned = {name: {f.name for f in fields(kind)} for name, kind in parts.items()}
        own = {f.name for f in fields(cls)} - parts.keys()
        unknown = sorted(set(options) - own - set().union(*owned.values()))
        if unknown:
            raise ConfigError(f"unknown switch option(s): {', '.join(unknown)}")
        missing = [f.name for f in fields(cls) if f.name in own and f.name not in options
                   and f.default is MISSING and f.default_factory is MISSING]
        if missing:
            raise ConfigError(f"switch option(s) {', '.join(missing)} must be given")
        built = {name: kind(**{k: v for k, v in options.items() if k in owned[name]})
                 for name, kind in parts.items()}
        return cls(**{k: v for k, v in options.items() if k in own}, **built)

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers is not None else available_cores()

    def params(self) -> dict[str, Any]:
        """Everything that shapes the output files (JSON-ready, recorded in the manifest)."""
        return {
            "columns": list(self.columns),
            "id_column": self.id_column,
            "output_format": self.output_format,
            "compression": self.compression,
            "shard_rows": self.shard_rows,
            "shard_bytes": self.shard_bytes,
            "row_group_rows": self.read.batch_rows,
            "writer": writer_settings(self.output_format, self.compression),
            "switch": self.config.to_dict(),
            "answers": self.answers or "auto",
            "protect_spans": [list(x) for x in self.protect_spans],
            "protect_regex": list(self.protect_regex),
            "tokenizer": None if self.tokenizer is None else {
                "path": self.tokenizer, "blake2b": file_checksum(Path(self.tokenizer))},
        }

    def answer_policy(self, schema: pa.Schema) -> str:
        """The answers policy for input ``schema`` (``None`` resolved; checked)."""
        return resolve_answers(self.answers, schema, self.columns)


_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "kib": 2**10, "m": 10**6, "mb": 10**6,
          "mib": 2**20, "g": 10**9, "gb": 10**9, "gib": 2**30}


def parse_size(text: str) -> int:
    """``"64MiB"`` -> 67108864; ``"1.5GB"`` -> 1500000000; a bare number is bytes."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([a-zA-Z]*)\s*", text)
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in _UNITS:
        raise ConfigError(f"size must be a number with an optional unit (KB, MB, MiB, GB, ...), "
                          f"got {text!r}")
    value = int(float(m.group(1)) * _UNITS[unit])
    if value < 1:
        raise ConfigError(f"size must be at least 1 byte, got {text!r}")
    return value
