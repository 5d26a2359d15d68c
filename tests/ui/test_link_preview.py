"""Links & rules → Preview: the rules in the editor, saved or not, replayed over the master's
logged events by the same engine, list the copies the copier made and the refusals the edited
rules would make (issue #18, item 5)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from copier.app.reports import LogQuery
from copier.store.models import TradeLogCopyRow, table
from copier.ui.main import Gui
from tests.ui.conftest import Run, eventually


async def _flushed(gui: Gui) -> None:
    await gui.session.app.store.flush()


def _logged_copies(gui: Gui, link_id: int) -> tuple[Counter[tuple[int, str, str]], set[int]]:
    """The copies the link logged by master event, and the master tickets of copies the slave
    refused (the preview assumes every copy fills, so what follows those differs by design)."""
    c = table(TradeLogCopyRow).c
    query = select(c.master_seq, c.master_ticket, c.kind, c.slave_symbol, c.status).where(
        c.link_id == link_id)
    rows = gui.session.app.store.read(lambda conn: conn.execute(query).all())
    failed = {r.master_ticket for r in rows if r.status != "executed"}
    made = Counter((r.master_seq, r.kind, r.slave_symbol) for r in rows
                   if r.master_ticket not in failed)
    return made, failed


def test_preview_lists_the_copies_made_and_the_refusals_of_unsaved_rules(
    make_gui: Callable[..., Gui], run: Run[Any], qtbot: Any
) -> None:
    gui = make_gui(seed=5, interval_ms=20)
    page = gui.window.links

    async def scenario() -> tuple[Any, Any]:
        await gui.start()
        await eventually(lambda: gui.session.log_count(LogQuery()), lambda n: n >= 30,
                         what="thirty copies in the log")
        await gui.session.on_core(gui.session.core.quiesce())  # type: ignore[attr-defined]
        await eventually(lambda: gui.session.in_core(lambda: gui.session.app.service.inflight),
                         lambda n: n == 0, what="every copy settled")
        await gui.session.on_core(_flushed(gui))
        await page.load()
        page.table.selectRow(0)
        as_saved = await page.preview()
        assert as_saved is not None
        first = as_saved.outcome
        busiest = Counter(s.event.symbol for s in first.steps if s.copies).most_common(1)[0][0]
        page.form.inputs["symbols_deny"].setText(busiest)  # type: ignore[attr-defined]
        edited = await page.preview()
        assert edited is not None
        return first, edited.outcome

    first, edited = run(scenario())
    link = page.editing
    assert link is not None

    made, failed = _logged_copies(gui, link.id)
    previewed = Counter((s.event.seq, c.kind.value, c.slave_symbol)
                        for s in first.steps for c in s.copies
                        if s.event.ticket not in failed and s.event.new_ticket not in failed)
    assert previewed == made
    assert sum(previewed.values()) >= 10
    dialog = page.preview_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == len(edited.steps)
    assert f"{edited.denials:,} refused" in dialog.summary.text()
    refused = [s for s in edited.steps if s.denials]
    assert refused and all(d.rule == "symbols_deny" for s in refused for d in s.denials)
    assert "symbol filter" in dialog.model.item(edited.steps.index(refused[0]), 5).text()
    assert link.rules.symbols_deny == ()  # previewing saved nothing
