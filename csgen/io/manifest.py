"""The run's manifest: what a run is (its identity) and what it has written.

The manifest is rewritten atomically after every finished shard, so at any moment
it lists exactly the shards that are complete and verified by checksum. ``--resume``
compares the identity (csgen version aside: parameters, seed, lexicon fingerprints,
input fingerprint) and skips the shards whose files still match.

Where it lives, and why there: the readers users point at ``OUTDIR`` disagree on what
they skip. Arrow, pandas and Ray skip names starting with ``.`` or ``_`` (Hive's rule);
HF ``datasets`` skips only ``.`` names and fails on an empty file; polars skips only
empty files and refuses a directory whose files differ in extension, hidden ones
included; DuckDB reads ``*.parquet``. The one name and content every one of them
accepts is a hidden file *of the shards' own format* with *the shards' schema* and no
rows: so the manifest's JSON rides in the schema metadata (key ``csgen.manifest``) of
``OUTDIR/.csgen-manifest.parquet`` (``.arrow`` for Arrow shards), the way Spark's
``_common_metadata`` is a Parquet footer. Readers that honour hidden files skip it,
the others read zero rows of the right schema. SQuAD JSON shards get a plain
``.csgen-manifest.json``. ``csgen manifest OUTDIR`` (:func:`read_manifest`) prints it.
Runs of csgen 0.1 wrote ``OUTDIR/manifest.json``: it is still read (``--resume``) and
replaced by the new file at the next save.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from .._version import __version__
from ..errors import ResumeError
from .writers import file_checksum, write_atomic

MANIFEST_FORMAT = "csgen-manifest"
MANIFEST_VERSION = 1
#: schema-metadata key of the manifest's JSON in a Parquet/Arrow manifest file
MANIFEST_KEY = b"csgen.manifest"
#: manifest file name per output format
MANIFEST_NAMES = {"parquet": ".csgen-manifest.parquet", "arrow": ".csgen-manifest.arrow",
                  "squad": ".csgen-manifest.json"}
#: the manifest of csgen 0.1 runs, read for ``--resume`` and replaced at the next save
LEGACY_MANIFEST = "manifest.json"


def is_manifest_name(name: str) -> bool:
    """``name`` is a manifest file (any format, or the legacy ``manifest.json``)."""
    return name == LEGACY_MANIFEST or name in MANIFEST_NAMES.values()


def manifest_path(directory: str | Path) -> Path | None:
    """The manifest file in ``directory`` (the current layout first, then the legacy
    ``manifest.json``), or None when there is none."""
    directory = Path(directory)
    for name in (*MANIFEST_NAMES.values(), LEGACY_MANIFEST):
        path = directory / name
        if path.is_file():
            return path
    return None


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """The manifest of a ``csgen switch`` output directory, as the JSON object it holds.

    Example:
        >>> read_manifest("out")["summary"]["rows"]  # doctest: +SKIP
        240
    """
    path = manifest_path(directory)
    if path is None:
        raise ResumeError(f"{directory}: no csgen manifest here (not a csgen output directory, "
                          "or the run never finished a shard)")
    return _decode(path)


def encode_manifest(data: dict[str, Any], output_format: str, schema: pa.Schema) -> bytes:
    """The manifest file's bytes: ``data`` as JSON inside a zero-row file of
    ``output_format`` with ``schema`` (plain JSON for ``squad``)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if output_format == "squad":
        return text.encode("utf-8")
    schema = schema.with_metadata({**(schema.metadata or {}), MANIFEST_KEY: text.encode()})
    sink = pa.BufferOutputStream()
    if output_format == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(schema.empty_table(), sink, compression="none")
    else:
        with pa.ipc.new_file(sink, schema):
            pass
    return sink.getvalue().to_pybytes()


def _decode(path: Path) -> dict[str, Any]:
    try:
        if path.suffix == ".json":
            text = path.read_text(encoding="utf-8")
        else:
            if path.suffix == ".parquet":
                import pyarrow.parquet as pq

                schema = pq.read_schema(path)
            else:
                with pa.memory_map(str(path)) as f:
                    schema = pa.ipc.open_file(f).schema
            raw = (schema.metadata or {}).get(MANIFEST_KEY)
            if raw is None:
                raise ResumeError(f"{path}: not a csgen manifest (no {MANIFEST_KEY.decode()} "
                                  "metadata)")
            text = raw.decode("utf-8")
        d = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, pa.ArrowException) as e:
        raise ResumeError(f"{path}: cannot read the manifest: {e}") from None
    if not isinstance(d, dict) or d.get("format") != MANIFEST_FORMAT:
        raise ResumeError(f"{path}: not a csgen manifest")
    if d.get("version") != MANIFEST_VERSION:
        raise ResumeError(f"{path}: manifest version {d.get('version')!r}, this csgen "
                          f"reads version {MANIFEST_VERSION}")
    return d


@dataclass
class ShardRecord:
    """One finished shard: rows ``[row_start, row_start + rows)`` of the input."""

    index: int
    file: str
    row_start: int
    rows: int
    bytes: int
    blake2b: str
    stats: dict[str, Any]
    input_bytes: int = 0
    #: rows dropped for a bad answer (``--on-bad-row skip``) and the first few reasons
    dropped_rows: int = 0
    dropped_examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ShardRecord:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})

    def verify(self, directory: Path) -> bool:
        """The file exists with this size and checksum."""
        path = directory / self.file
        try:
            if path.stat().st_size != self.bytes:
                return False
        except OSError:
            return False
        return file_checksum(path) == self.blake2b


@dataclass
class Manifest:
    """The run's identity, its finished shards (by index) and, once complete, its summary.

    ``output_format`` and ``schema`` (the shards' format and schema) shape the manifest
    file itself (see the module docstring); they are not part of its JSON.
    """

    identity: dict[str, Any]
    shards: dict[int, ShardRecord] = field(default_factory=dict)
    status: str = "running"
    summary: dict[str, Any] | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    output_format: str = "parquet"
    schema: pa.Schema = field(default_factory=lambda: pa.schema([]))

    @property
    def name(self) -> str:
        return MANIFEST_NAMES[self.output_format]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "version": MANIFEST_VERSION,
            "csgen_version": __version__,
            "status": self.status,
            "created": _iso(self.created),
            "updated": _iso(time.time()),
            **self.identity,
            "shards": [self.shards[i].to_dict() for i in sorted(self.shards)],
            "runs": self.runs,
            "summary": self.summary,
        }

    def save(self, directory: Path) -> None:
        """Write the manifest atomically; a legacy ``manifest.json`` beside it goes."""
        data = encode_manifest(self.to_dict(), self.output_format, self.schema)
        write_atomic(directory, self.name, data)
        (directory / LEGACY_MANIFEST).unlink(missing_ok=True)

    def remove(self, directory: Path) -> None:
        """Delete the manifest file (a run that finished no shard leaves no trace)."""
        (directory / self.name).unlink(missing_ok=True)

    @classmethod
    def load(cls, directory: Path) -> Manifest | None:
        """The manifest in ``directory`` (either layout), or None when there is none."""
        path = manifest_path(directory)
        if path is None:
            return None
        d = _decode(path)
        identity = {k: d[k] for k in IDENTITY_KEYS if k in d}
        identity.setdefault("engine_version", FIRST_ENGINE_VERSION)
        try:
            shards = {int(s["index"]): ShardRecord.from_dict(s) for s in d.get("shards", [])}
        except (KeyError, TypeError, ValueError) as e:
            raise ResumeError(f"{path}: malformed shard record: {e}") from None
        return cls(identity=identity, shards=shards, status=d.get("status", "running"),
                   summary=d.get("summary"), runs=list(d.get("runs", [])),
                   created=_parse_iso(d.get("created")))


# What must be equal for --resume to reuse shards (csgen_version is reported, not compared:
# the output format of a shard is fixed by the parameters and the engine version, which
# changes whenever the same options would switch text differently).
IDENTITY_KEYS = ("engine_version", "params", "seed", "lexicons", "input")
#: the engine version of runs whose manifest names none (csgen 0.1)
FIRST_ENGINE_VERSION = 1


def identity_difference(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """The first difference between two identities, as ``path: old then, new now``
    (``params.switch.seed: 7 then, 8 now``), or None when they are equal."""
    for key in IDENTITY_KEYS:
        found = _first_difference(key, old.get(key), new.get(key))
        if found is not None:
            return found
    return None


def _first_difference(path: str, a: Any, b: Any) -> str | None:
    if a == b:
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        for sub in sorted(set(a) | set(b)):
            found = _first_difference(f"{path}.{sub}", a.get(sub), b.get(sub))
            if found is not None:
                return found
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = _first_difference(f"{path}[{i}]", x, y)
            if found is not None:
                return found
        # equal up to the shorter one: name what was added or removed, not two lists
        # that print alike once cut to length
        if len(a) != len(b):
            n = min(len(a), len(b))
            extra = (a if len(a) > n else b)[n:]
            change = "removed" if len(a) > n else "added"
            return (f"{path}: {len(a)} then, {len(b)} now; {change} "
                    f"{', '.join(_short(x) for x in extra)}")
    return f"{path}: {_short(a)} then, {_short(b)} now"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _parse_iso(text: Any) -> float:
    try:
        return float(time.mktime(time.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ")) - time.timezone)
    except ValueError:
        return time.time()
