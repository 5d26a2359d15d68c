"""A first launch leads: an empty app shows three steps (add the master, add a slave, make a link)
with the buttons that do them, ticks each one done and goes once all are (issue #18)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from copier.app import AppConfig, CopierApp
from copier.domain import Platform
from copier.engine.config import Link
from copier.preferences import Preferences
from copier.store import AccountRecord, AccountRole
from copier.ui.assets import Assets
from copier.ui.main import Gui
from copier.ui.session import AppCore
from copier.vault import PasswordVault
from tests.ui.conftest import MemoryKeyring, Run, until


@pytest.fixture
def empty_gui(tmp_path: Path, keyring_backend: MemoryKeyring, run: Run[Any]) -> Iterator[Gui]:
    database = tmp_path / "first.db"
    gui = Gui(lambda: AppCore(CopierApp(AppConfig(database=database, bridge_port=0))),
              Preferences(), tmp_path / "settings.json", Assets.load())
    gui.session.vault = PasswordVault(keyring_backend)
    yield gui
    run(gui.stop())
    gui.dispose()


def test_an_empty_app_shows_three_steps_that_lead_to_the_first_link(
    empty_gui: Gui, run: Run[Any]
) -> None:
    window = empty_gui.window
    steps = window.dashboard.first_steps
    window.show()
    run(empty_gui.start())
    run(until(steps.isVisible, what="the three steps"))

    assert [b.text() for b in steps.buttons.values()] == ["Add master…", "Add slave…",
                                                           "Make a link…"]
    steps.buttons["master"].click()
    dialog = window.accounts.dialog
    assert window.stack.currentWidget() is window.accounts
    assert dialog is not None and dialog.role.currentData() == "master"  # type: ignore[union-attr]
    dialog.close()

    session = empty_gui.session
    master = AccountRecord.new(Platform.MT5, 1001, "Demo", role=AccountRole.MASTER)
    slave = AccountRecord.new(Platform.MT5, 2002, "Demo", role=AccountRole.SLAVE)
    run(session.save_account(master))
    run(session.save_account(slave))
    run(window.dashboard.load_first_steps())
    assert steps.marks["master"].text() == steps.marks["slave"].text() == "✔"
    assert not steps.buttons["slave"].isEnabled() and steps.buttons["link"].isEnabled()
    steps.buttons["link"].click()
    assert window.stack.currentWidget() is window.links and window.links.editing is None

    run(session.save_link(Link(0, master.id, slave.id)))
    run(window.dashboard.load_first_steps())
    assert not steps.isVisible()
