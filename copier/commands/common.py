"""What every command of the command line shares: the errors it turns into one sentence and exit
code 2, printing to stdout and stderr, asking before a destructive step, and JSON output."""

from __future__ import annotations

import errno
import json
import sys
from typing import Any

USAGE_ERROR = 2  # argparse's own exit code for a command it cannot run


class CommandError(Exception):
    """A command that cannot run as asked; the message says why and what to do."""


def user_errors() -> tuple[type[Exception], ...]:
    """Refusals a user can act on: the message is the whole answer, never a traceback.
    (Imported when one is raised, so building the parser stays light.)"""
    from copier.app.errors import ActionError
    from copier.engine.config import RulesError
    from copier.link_fields import FieldError
    from copier.store import StoreError

    return (CommandError, ActionError, FieldError, RulesError, StoreError)


def say(message: str) -> None:
    """A line for the person at the terminal (stderr: stdout stays for what scripts read)."""
    print(message, file=sys.stderr, flush=True)


def out(text: str) -> None:
    print(text, flush=True)


def out_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True), flush=True)


def confirm(question: str, *, yes: bool) -> bool:
    """True with ``--yes`` or when the user answers y; refuses (CommandError) when nobody can
    answer because stdin is not a terminal."""
    if yes:
        return True
    if not sys.stdin or not sys.stdin.isatty():
        raise CommandError(f"{question} — nobody can answer here (no terminal on stdin): "
                           "add --yes to go ahead")
    say(f"{question} [y/N] ")
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def describe_os_error(exc: OSError) -> str:
    """One sentence for a file that cannot be read or written."""
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOENT:
        return f"{where}no such file or folder"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{where}permission denied — check the path and its rights"
    return f"{where}{reason}"


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Columns padded to their widest cell, a rule under the header."""
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
             for line in (header, tuple("-" * w for w in widths), *rows)]
    return "\n".join(lines)
