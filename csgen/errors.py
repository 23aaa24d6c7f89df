"""One table of csgen errors.

Every error a user can cause is a :class:`CsgenError` that also subclasses the
matching built-in (``ValueError``, ``TypeError``, ``OSError`` ...), names the
file, line, column or row it is about, and never needs a traceback to be
understood. The C++ core reports ``(code, message, row, byte)``;
:func:`from_core` turns that into the class below with the caller's context.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class CsgenError(Exception):
    """Base class of every error csgen raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Worker processes send errors back pickled; subclasses take other constructor
        # arguments than the message they keep, so rebuild from args and attributes.
        return (_rebuild_error, (type(self), self.args, self.__dict__))


def _rebuild_error(cls: type[CsgenError], args: tuple[Any, ...],
                   state: dict[str, Any]) -> CsgenError:
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err


class ConfigError(CsgenError, ValueError):
    """An option value is out of range or inconsistent."""


class LexiconReadError(CsgenError, OSError):
    """A lexicon file cannot be read (missing, a directory, no permission)."""


class LexiconFormatError(CsgenError, ValueError):
    """A lexicon file or entry is malformed; ``path`` and ``line`` say where."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        where = self.path or "<lexicon>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")


class EmptyLexiconError(LexiconFormatError):
    """A lexicon has no usable entry."""


class ColumnError(CsgenError, ValueError):
    """A requested column is missing or clashes with an output column."""


class ColumnTypeError(CsgenError, TypeError):
    """A column to switch does not hold strings."""


class InvalidTextError(CsgenError, ValueError):
    """Text that is not valid UTF-8; ``column``, ``row`` and ``byte`` say where."""

    def __init__(self, message: str, column: str | None, row: int | None, byte: int | None):
        self.column, self.row, self.byte = column, row, byte
        super().__init__(message)


class ArrowLayoutError(CsgenError, ValueError):
    """An Arrow array whose buffers are inconsistent (offsets past the data)."""


class DataTooLargeError(CsgenError, ValueError):
    """A row or batch exceeds what the output offsets can address."""


class InputError(CsgenError, ValueError):
    """An input file cannot be read or parsed; the message names it."""


class MissingFileError(CsgenError, FileNotFoundError):
    """A file the user named (a model, a text file to train on) does not exist."""


class OutputExistsError(CsgenError, FileExistsError):
    """The output directory holds files and neither overwrite nor resume was asked."""


class OutputError(CsgenError, OSError):
    """A shard or the manifest cannot be written (disk full, permissions); the message
    names the file. Shards finished before stay intact."""


class ResumeError(CsgenError, ValueError):
    """``--resume`` found a manifest of a different run (other input, lexicons or
    parameters) or one it cannot read."""


# Core codes, kept in step with csrc/core/common.h (enum class Code).
_INVALID_ARGUMENT, _INVALID_UTF8, _BAD_OFFSETS, _TOO_LARGE, _LEXICON_FORMAT, _EMPTY_LEXICON = (
    range(1, 7)
)


def from_core(
    err: BaseException,
    *,
    column: str | None = None,
    row_base: int = 0,
    lexicon_path: str | Path | None = None,
    lexicon_line: int | None = None,
) -> CsgenError:
    """Map a ``csgen._core.CoreError`` to its typed error, with context.

    ``row_base`` is added to a row index so messages give the global row. For
    lexicon errors, ``lexicon_line`` is the file line of the entry (default:
    the core's row, which the file parser sets to the line).
    """
    code, message, row, byte = err.args
    row = None if row < 0 else int(row)
    byte = None if byte < 0 else int(byte)
    if code in (_LEXICON_FORMAT, _EMPTY_LEXICON) or lexicon_path is not None:
        cls = EmptyLexiconError if code == _EMPTY_LEXICON else LexiconFormatError
        return cls(message, lexicon_path, lexicon_line if lexicon_line is not None else row)
    where = f"column {column!r}" if column is not None else "input"
    if row is not None:
        where += f", row {row + row_base}"
    if code == _INVALID_UTF8:
        at = f" (byte {byte} of the row)" if byte is not None else ""
        return InvalidTextError(
            f"{where}: text is not valid UTF-8{at}", column,
            None if row is None else row + row_base, byte,
        )
    if code == _BAD_OFFSETS:
        return ArrowLayoutError(f"{where}: malformed Arrow string array: {message}")
    if code == _TOO_LARGE:
        return DataTooLargeError(f"{where}: {message}")
    return ConfigError(f"{where}: {message}")
