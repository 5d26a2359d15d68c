"""What is worth a message to the trader's phone, and when: the core's events in, sentences out.

Pure and clock-driven (``now`` in seconds is passed in), so the rules are tested without threads
or a network. The rules:

- an account that stays disconnected for ``grace_s`` is reported once; when it comes back, that
  is reported too. A blip shorter than the grace is never mentioned;
- failed copies, risk stops (protection refusing or closing copies) and API keys about to stop
  working are each a *kind*: the first item of a kind waits ``gather_s`` for others of the same
  burst, and a kind sends at most one message every ``every_s``; everything that came in between
  is folded into that one message with its count ("3 copies failed in the last minute: …");
- the same risk stop (link, account, rule) is repeated at most every ``repeat_stop_s``, since a
  daily-loss stop refuses every copy for the rest of the day; each API key is reported once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from copier.domain import CommandKind
from copier.events import (
    RISK_STOP_RULES,
    ApiKeyExpiring,
    CopyFailed,
    CopyWasDenied,
    TerminalStatusChanged,
)
from copier.terminals.mt5.messages import retcode_text

GRACE_S = 30.0
GATHER_S = 5.0
EVERY_S = 60.0
REPEAT_STOP_S = 1800.0
MAX_LISTED = 5  # items named in one message; the rest are counted
MAX_KEPT = 50  # distinct texts kept per kind between two messages (memory stays bounded)

# The event types the policy reads; the notifier passes on only these (cheap isinstance check).
WATCHED = (TerminalStatusChanged, CopyFailed, CopyWasDenied, ApiKeyExpiring)

_ACTIONS = {
    CommandKind.OPEN: "opening",
    CommandKind.CLOSE: "closing",
    CommandKind.MODIFY: "changing the SL/TP of",
    CommandKind.PLACE_PENDING: "placing the pending order of",
    CommandKind.MODIFY_PENDING: "changing the pending order of",
    CommandKind.DELETE_PENDING: "deleting the pending order of",
    CommandKind.FILL_PENDING: "filling the pending order of",
}


@dataclass(frozen=True, slots=True)
class Message:
    kind: str  # disconnected | reconnected | failed | risk | key
    title: str
    body: str
    level: str = "warning"  # info | success | warning | failure (Apprise's notify types)


@dataclass(frozen=True, slots=True)
class _Words:
    title: str
    one: str  # the message for one item: "{item}"
    many: str  # for several: "{count}", "{span}" and "{items}"
    level: str


WORDS: dict[str, _Words] = {
    "disconnected": _Words("Account disconnected", "{item}.",
                           "{count} accounts disconnected: {items}.", "failure"),
    "reconnected": _Words("Account connected again", "{item}.",
                          "{count} accounts are connected again: {items}.", "success"),
    "failed": _Words("Copy failed", "A copy failed: {item}.",
                     "{count} copies failed {span}: {items}.", "failure"),
    "risk": _Words("Risk stop", "A risk limit stopped copying: {item}.",
                   "{count} risk stops {span}: {items}.", "warning"),
    "key": _Words("API key expiring", "{item}.",
                  "{count} API keys stop working soon: {items}.", "warning"),
}


@dataclass(slots=True)
class _Fold:
    """The items of one kind waiting for their message."""

    texts: Counter[str] = field(default_factory=Counter)
    count: int = 0
    first_s: float = 0.0
    last_sent_s: float | None = None

    def add(self, text: str, now: float) -> None:
        if self.count == 0:
            self.first_s = now
        self.count += 1
        if text in self.texts or len(self.texts) < MAX_KEPT:
            self.texts[text] += 1

    def due_at(self, gather_s: float, every_s: float) -> float | None:
        if self.count == 0:
            return None
        ready = self.first_s + gather_s
        return ready if self.last_sent_s is None else max(ready, self.last_sent_s + every_s)


class NoticePolicy:
    """Turns core events into few, folded messages (see the module's rules)."""

    def __init__(self, *, grace_s: float = GRACE_S, gather_s: float = GATHER_S,
                 every_s: float = EVERY_S, repeat_stop_s: float = REPEAT_STOP_S) -> None:
        self.grace_s = grace_s
        self.gather_s = gather_s
        self.every_s = every_s
        self.repeat_stop_s = repeat_stop_s
        self._folds: dict[str, _Fold] = {kind: _Fold() for kind in WORDS}
        self._down: dict[str, tuple[float, str]] = {}  # account → (disconnected at, detail)
        self._reported_down: dict[str, float] = {}  # account → disconnected at, once reported
        self._stops: dict[tuple[int, str, str], float] = {}
        self._keys: set[tuple[str, bool]] = set()

    def offer(self, event: object, now: float) -> None:
        """Take one core event (any type; the ones not watched are ignored)."""
        if isinstance(event, TerminalStatusChanged):
            self._on_status(event, now)
        elif isinstance(event, CopyFailed):
            self._folds["failed"].add(failure_text(event), now)
        elif isinstance(event, CopyWasDenied):
            self._on_denied(event, now)
        elif isinstance(event, ApiKeyExpiring):
            key = (event.key_id, event.replaced)
            if key not in self._keys:
                self._keys.add(key)
                self._folds["key"].add(event.reason, now)

    def due(self, now: float, *, flush: bool = False) -> list[Message]:
        """The messages to send now (each kind at most once per ``every_s``); with ``flush``
        (the copier is stopping) everything waiting, whatever its time."""
        self._check_disconnects(now)
        messages = []
        for kind, fold in self._folds.items():
            at = fold.due_at(self.gather_s, self.every_s)
            if at is not None and (flush or now >= at):
                messages.append(self._message(kind, fold, now))
                fold.texts.clear()
                fold.count = 0
                fold.last_sent_s = now
        return messages

    def forget(self, account_id: str) -> None:
        """Stop watching an account's connection (it was removed or disabled)."""
        self._down.pop(account_id, None)
        self._reported_down.pop(account_id, None)

    def next_due(self) -> float | None:
        """When ``due`` may next have something (None: nothing is waiting)."""
        times = [t for f in self._folds.values() if (t := f.due_at(self.gather_s, self.every_s))]
        times += [since + self.grace_s for account, (since, _) in self._down.items()
                  if account not in self._reported_down]
        return min(times, default=None)

    # ----- internals ----------------------------------------------------------------------
    def _on_status(self, event: TerminalStatusChanged, now: float) -> None:
        status = event.status
        if not status.connected:
            since, _ = self._down.get(status.account_id, (now, ""))
            self._down[status.account_id] = (since, status.detail)
            return
        self._down.pop(status.account_id, None)
        down_at = self._reported_down.pop(status.account_id, None)
        if down_at is not None:
            self._folds["reconnected"].add(
                f"{status.account_id} is connected again after {duration(now - down_at)}", now)

    def _check_disconnects(self, now: float) -> None:
        for account, (since, detail) in self._down.items():
            if account in self._reported_down or now - since < self.grace_s:
                continue
            self._reported_down[account] = since
            text = f"{account} has been disconnected for {duration(now - since)}"
            self._folds["disconnected"].add(f"{text} ({detail})" if detail else text, now)

    def _on_denied(self, event: CopyWasDenied, now: float) -> None:
        denial = event.denial
        if denial.rule not in RISK_STOP_RULES:
            return
        key = (denial.link_id, denial.slave_id, denial.rule)
        last = self._stops.get(key)
        if last is not None and now - last < self.repeat_stop_s:
            return
        self._stops[key] = now
        self._folds["risk"].add(f"{denial.slave_id}: {denial.reason}", now)

    def _message(self, kind: str, fold: _Fold, now: float) -> Message:
        words = WORDS[kind]
        listed = [text if n == 1 else f"{text} ({n} times)"
                  for text, n in fold.texts.most_common(MAX_LISTED)]
        if fold.count == 1:
            return Message(kind, words.title, words.one.format(item=listed[0]), words.level)
        items = "; ".join(listed)
        named = sum(n for _, n in fold.texts.most_common(MAX_LISTED))
        if fold.count > named:
            items += f"; and {fold.count - named} more"
        body = words.many.format(count=fold.count, span=_span(now - fold.first_s), items=items)
        return Message(kind, words.title, body, words.level)


def failure_text(event: CopyFailed) -> str:
    """e.g. ``"opening EURUSD of master trade #123 on 5551@Demo: not enough free margin"``."""
    command, result = event.command, event.result
    reason = result.message or retcode_text(result.retcode)
    reason = reason.removeprefix(f"{command.symbol}: ")  # the adapters' messages name it too
    action = _ACTIONS.get(command.kind, "copying")
    return (f"{action} {command.symbol} of master trade #{command.master_ticket} on "
            f"{command.slave_id}: {reason}")


def duration(seconds: float) -> str:
    """``"45 seconds"``, ``"1 minute"``, ``"3 minutes"``, ``"2 hours"`` — no code words."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} second" + ("" if s == 1 else "s")
    minutes = round(s / 60)
    if minutes < 120:
        return f"{minutes} minute" + ("" if minutes == 1 else "s")
    return f"{round(minutes / 60)} hours"


def _span(seconds: float) -> str:
    return "in the last minute" if seconds <= 60 else f"in the last {duration(seconds)}"
