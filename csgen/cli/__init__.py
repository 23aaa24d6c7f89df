"""``csgen`` command line: flags -> config -> API call -> print. No logic here.

One module per command group (``switch`` with ``switch-aligned`` and ``manifest``,
``lexicon``, ``tokenizer``, ``eval``, ``train``, ``bench``), each imported only when its
command is named or listed. The command modules import click and csgen's light modules
only; what a command runs (pyarrow, the core, torch ...) is imported when it runs, and the
defaults and choices its ``--help`` shows when that help is asked for (see ``_params``).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click

from .._version import __version__
from ..errors import CsgenError

#: command name -> ``module:attribute`` of its click command, relative to this package
COMMANDS = {
    "bench": "bench:bench_command",
    "eval": "eval:eval_group",
    "lexicon": "lexicon:lexicon_group",
    "manifest": "switch:manifest_command",
    "switch": "switch:switch_command",
    "switch-aligned": "switch:switch_aligned_command",
    "tokenizer": "tokenizer:tokenizer_group",
    "train": "train:train_command",
}


class CsgenGroup(click.Group):
    """The ``csgen`` group: subcommands imported on demand from ``commands``, and every
    :class:`~csgen.errors.CsgenError` turned into a one-line message and exit status 1."""

    def __init__(self, *args: Any, commands_from: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands_from = dict(commands_from)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.commands_from})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        ref = self.commands_from.get(cmd_name)
        if ref is not None and cmd_name not in self.commands:
            module, _, attr = ref.partition(":")
            command = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CsgenError as e:
            raise click.ClickException(str(e)) from None
        except ImportError as e:
            from .._missing_core import core_load_error, is_core_error

            if not is_core_error(e):
                raise
            # `import csgen` no longer loads the core, its first use does: a build that does
            # not load still gets its one line, not a traceback
            from .. import __path__ as package_path

            raise click.ClickException(str(core_load_error(package_path[0], e))) from None


@click.group(cls=CsgenGroup, commands_from=COMMANDS)
@click.version_option(__version__, prog_name="csgen")
def main() -> None:
    """csgen: artificial code-switching of text datasets."""


__all__ = ["COMMANDS", "CsgenGroup", "main"]
