"""Ray, imported and initialised on first use (shared by the Ray engine and csgen.ray)."""

from __future__ import annotations

import os
from typing import Any

from .errors import ConfigError


def ray_module(what: str) -> Any:
    """Ray, initialised: the cluster ``RAY_ADDRESS`` names, else a local one (unless
    ``ray.init`` ran before). ``what`` names the feature in the error without Ray."""
    try:
        import ray
    except ImportError:
        raise ConfigError(f"{what} needs Ray: pip install 'csgen[ray]'") from None
    if not ray.is_initialized():
        ray.init(address=os.environ.get("RAY_ADDRESS") or None, log_to_driver=False,
                 configure_logging=False)
    return ray
