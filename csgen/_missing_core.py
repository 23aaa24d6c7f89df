"""The one-line message for ``import csgen`` without its compiled core."""

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
