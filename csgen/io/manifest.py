"""``OUTDIR/manifest.json``: what a run is (its identity) and what it has written.

The manifest is rewritten atomically after every finished shard, so at any moment
it lists exactly the shards that are complete and verified by checksum. ``--resume``
compares the identity (csgen version aside: parameters, seed, lexicon fingerprints,
input fingerprint) and skips the shards whose files still match.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import ResumeError
from .writers import file_checksum, write_atomic

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "csgen-manifest"
MANIFEST_VERSION = 1


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
    """The run's identity, its finished shards (by index) and, once complete, its summary."""

    identity: dict[str, Any]
    shards: dict[int, ShardRecord] = field(default_factory=dict)
    status: str = "running"
    summary: dict[str, Any] | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    created: float = field(default_factory=time.time)

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
        data = json.dumps(self.to_dict(), indent=2, ensure_ascii=False, sort_keys=False)
        write_atomic(directory, MANIFEST, (data + "\n").encode("utf-8"))

    @classmethod
    def load(cls, directory: Path) -> Manifest | None:
        """The manifest in ``directory``, or None when there is none."""
        path = directory / MANIFEST
        if not path.exists():
            return None
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ResumeError(f"{path}: cannot read the manifest: {e}") from None
        if not isinstance(d, dict) or d.get("format") != MANIFEST_FORMAT:
            raise ResumeError(f"{path}: not a csgen manifest")
        if d.get("version") != MANIFEST_VERSION:
            raise ResumeError(f"{path}: manifest version {d.get('version')!r}, this csgen "
                              f"reads version {MANIFEST_VERSION}")
        identity = {k: d[k] for k in IDENTITY_KEYS if k in d}
        try:
            shards = {int(s["index"]): ShardRecord.from_dict(s) for s in d.get("shards", [])}
        except (KeyError, TypeError, ValueError) as e:
            raise ResumeError(f"{path}: malformed shard record: {e}") from None
        return cls(identity=identity, shards=shards, status=d.get("status", "running"),
                   summary=d.get("summary"), runs=list(d.get("runs", [])),
                   created=_parse_iso(d.get("created")))


# What must be equal for --resume to reuse shards (csgen_version is reported, not compared:
# the output format of a shard is fixed by the parameters).
IDENTITY_KEYS = ("params", "seed", "lexicons", "input")


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
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(f"{path}[{i}]", x, y)
            if found is not None:
                return found
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
