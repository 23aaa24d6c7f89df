"""The one-line message for a csgen without its compiled core (at ``import csgen``) or
with one that does not load (at its first use)."""

from __future__ import annotations

from pathlib import Path


def core_import_error(package_dir: str, error: ImportError) -> ImportError:
    """What went wrong and what to do: a source tree without a build (Python puts the
    current directory first on ``sys.path``, so ``python`` started in the repository
    root imports ``./csgen``), or a built core that does not load."""
    built = sorted(Path(package_dir).glob("_core*"))
    if not built:
        return ImportError(
            f"csgen's compiled core is missing: {package_dir} is csgen's source tree, not an "
            "installed csgen; install it (pip install .) and run Python outside the "
            "repository root, or install it for development with pip install -e . "
            "(see CONTRIBUTING.md)")
    return ImportError(f"csgen's compiled core {built[0]} does not load ({error}); "
                       "rebuild it: pip install . (or pip install -e . in a checkout)")


def is_core_error(error: ImportError) -> bool:
    """Whether ``error`` is the compiled core failing to load (its file is named
    ``_core<suffix>``), as opposed to any other missing module."""
    return (Path(error.path or "").name.startswith("_core")
            or error.name in ("_core", "csgen._core"))


def core_load_error(package_dir: str, error: ImportError) -> ImportError:
    """:func:`core_import_error` for a core found but not loaded (``import csgen`` no longer
    loads it: this is its first use), looked for where it was found: an editable install
    keeps the built core outside the source tree ``package_dir``."""
    return core_import_error(str(Path(error.path).parent) if error.path else package_dir, error)
