"""The shape of csgen.io: one reader class per format in the registry, each checking its
own options; no import cycle through csgen.io (imports inside functions count too); no
module of it past 600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import csgen.io.readers as readers
from csgen.errors import ConfigError
from csgen.io.readers import READ_FORMATS, READERS, ReadOptions

PACKAGE = Path(readers.__file__).resolve().parents[2]   # .../csgen


def test_every_format_has_its_reader():
    assert tuple(READERS) == READ_FORMATS
    for fmt, cls in READERS.items():
        assert cls.format == fmt
        assert cls.__module__.startswith("csgen.io.readers.")
    assert READERS["tsv"].__module__ == "csgen.io.readers.csv"
    with pytest.raises(TypeError):
        READERS["xml"] = READERS["csv"]  # type: ignore[index]  # read-only


def test_options_are_checked_by_the_format_reader(monkeypatch):
    calls = []
    monkeypatch.setattr(READERS["squad"], "check_options",
                        classmethod(lambda cls, o: calls.append((cls.format, o.format))))
    ReadOptions(format="squad", column_names=("a",))  # the patched check accepts it
    assert calls == [("squad", "squad")]
    with pytest.raises(ConfigError, match="not parquet"):
        ReadOptions(format="parquet", column_names=("a",))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the csgen modules it names in an import statement (anywhere in it)."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                targets.update(f"{base}.{a.name}" for a in node.names)
                targets.add(base)
        deps = set()
        for t in targets:
            while t not in files and "." in t:   # a name imported from a module
                t = t.rpartition(".")[0]
            if t in files and t != name:
                deps.add(t)
        graph[name] = deps
    return graph


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(graph[m])
    return seen


def test_no_import_cycle_through_csgen_io():
    graph = _import_graph()
    io_modules = sorted(m for m in graph if m == "csgen.io" or m.startswith("csgen.io."))
    assert "csgen.io.files" in io_modules and "csgen.io.readers.base" in io_modules
    for m in io_modules:
        assert m not in _reaches(graph, m), f"{m} imports a module that imports it back"
    # the readers sit on files.py, and files.py on nothing of the readers
    assert not {m for m in _reaches(graph, "csgen.io.files") if m.startswith("csgen.io")}
    assert "csgen.io.files" in graph["csgen.stream"] and "csgen.io.files" in graph[
        "csgen.train.jobs"]


def test_no_io_module_is_long():
    for path in sorted((PACKAGE / "io").rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 600, f"{path.relative_to(PACKAGE)} has {lines} lines"
