"""Option building blocks shared by the command modules, none importing a heavy module.

The values an option shows or checks belong to the API, not to the CLI: a default is the
default of the dataclass field (or keyword parameter) the flag maps onto, and a choice
list is the constant of the module that owns it. Both are named here by reference
(``"module:Owner.field"``, ``"module:CONSTANT"``) and read on first need (parsing the
command line, or that command's own ``--help``), so that importing a command module, as
``csgen --help`` does for every command, imports neither pyarrow nor the core.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _resolve(ref: str) -> Any:
    """``"package.module:NAME"`` or ``"package.module:Owner.NAME"`` -> that object."""
    module, _, qualname = ref.partition(":")
    value: Any = importlib.import_module(module)
    for part in qualname.split("."):
        value = getattr(value, part)
    return value


@functools.cache
def api_default(ref: str) -> Any:
    """The default of ``"module:Owner.name"``: field ``name`` of dataclass ``Owner``, or
    keyword parameter ``name`` of function ``Owner``.

    >>> api_default("csgen.config:SwitchConfig.candidates")
    'first'
    """
    owner_ref, _, name = ref.rpartition(".")
    owner = _resolve(owner_ref)
    if dataclasses.is_dataclass(owner):
        default = {f.name: f.default for f in dataclasses.fields(owner)}[name]
        if default is not dataclasses.MISSING:
            return default
    else:
        default = inspect.signature(owner).parameters[name].default
        if default is not inspect.Parameter.empty:
            return default
    raise TypeError(f"{ref} has no plain default to show")  # a mistake in csgen, not a user's


class FieldOption(click.Option):
    """A ``click.Option`` whose default is :func:`api_default` of ``default_from``."""

    def __init__(self, *decls: str, default_from: str, **attrs: Any) -> None:
        self.default_from = default_from
        super().__init__(*decls, **attrs)

    def get_default(self, ctx: click.Context, call: bool = True) -> Any:
        given = ctx.lookup_default(self.name or "", call=call)  # a default_map still wins
        return given if given is not None else api_default(self.default_from)


def field_option(*decls: str, default_from: str, **attrs: Any) -> Callable[[F], F]:
    """``@click.option`` with its default (shown in ``--help``) read from the API."""
    return click.option(*decls, cls=FieldOption, default_from=default_from,  # type: ignore[return-value]
                        show_default=True, **attrs)


class LazyChoice(click.Choice):  # type: ignore[type-arg]
    """A ``click.Choice`` over the constant ``ref`` names (``"csgen.io.readers:READ_FORMATS"``),
    imported the first time the choices are read."""

    def __init__(self, ref: str) -> None:
        # click.Choice.__init__ would store the choices now; that is what is deferred.
        self.ref = ref
        self.case_sensitive = True

    @functools.cached_property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(_resolve(self.ref))


class LangValue(click.ParamType):
    """``LANG=VALUE`` (``--squad de=mlqa-de.json``) -> ``("de", "mlqa-de.json")``."""

    name = "text"  # the metavar, as for a plain string option

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[str, str]:
        if isinstance(value, tuple):  # a default, already converted
            return value
        lang, sep, rest = str(value).partition("=")
        if not sep or not lang or not rest:
            flag = param.opts[0] if param is not None and param.opts else "option"
            raise click.UsageError(f"{flag} takes LANG=VALUE, got {value!r}")
        return lang.strip(), rest.strip()


LANG_VALUE = LangValue()


def split_list(text: str) -> tuple[str, ...]:
    """``"query, passage,"`` -> ``("query", "passage")``: a comma-separated flag value."""
    return tuple(c.strip() for c in text.split(",") if c.strip())


def apply_options(options: Sequence[Callable[[F], F]]) -> Callable[[F], F]:
    """One decorator for a list of ``click.option`` s declared once and shared, in their
    listed order."""

    def decorate(fn: F) -> F:
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate
