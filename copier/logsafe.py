"""Text from outside (an EA's hello, a frame) made safe to write into a log line or the audit
log: control characters and newlines escaped, long text cut short with a mark saying so.

``install()`` makes every log record of the process escape its message the same way, whatever
handler or formatter writes it, so no outside text can forge a log line (a newline in
``hello.server`` would otherwise start a line of its own). Tracebacks, which the formatter adds
after the message, keep their lines.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
OUTSIDE_TEXT_LIMIT = 64  # characters of outside text kept in a log line or an audit entry


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_text(text: str) -> str:
    """``text`` with every control character written out (``\\n``, ``\\x1b``, ``\\u2028``)."""
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(_escape_one, text)


def outside_text(value: Any, limit: int = OUTSIDE_TEXT_LIMIT) -> str:
    """Text an EA or a stranger sent, as it may be logged: escaped, at most ``limit``
    characters of it, and a note of how much was cut."""
    text = str(value)
    if len(text) > limit:
        text = f"{text[:limit]}…(+{len(text) - limit} chars)"
    return escape_text(text)


class _EscapedRecord(logging.LogRecord):
    def getMessage(self) -> str:
        return escape_text(super().getMessage())


_installed = False


def install() -> None:
    """Have every log record made from now on escape control characters in its message.
    Safe to call more than once. A record factory installed by someone else is left alone."""
    global _installed
    if _installed:
        return
    if logging.getLogRecordFactory() is logging.LogRecord:
        logging.setLogRecordFactory(_EscapedRecord)
    _installed = True
