"""Start with Windows as Windows will act on it: the Run entry, and Task Manager's Startup-apps
switch, kept in HKCU\\...\\Explorer\\StartupApproved\\Run (first byte 02 enabled, 03 disabled:
https://superuser.com/questions/1766797). Read here from a fake registry, as Windows' answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from copier.preferences import Preferences
from copier.ui.autostart import (
    ENTRY_NAME,
    RUN_KEY,
    STARTUP_APPROVED_KEY,
    AutostartState,
    autostart_state,
)
from copier.ui.main import Gui
from copier.ui.pages.settings import OFF_IN_TASK_MANAGER
from tests.ui.conftest import Run, until

COMMAND = '"C:\\Users\\Trader\\AppData\\Local\\Programs\\TradeCopier\\TradeCopier.exe"'
ENABLED = bytes.fromhex("020000000000000000000000")
DISABLED = bytes.fromhex("030000000d443d8dc83bd901")  # 03, then when it was switched off


def registry(values: dict[tuple[str, str], Any]) -> Callable[[str, str], Any]:
    return lambda subkey, name: values.get((subkey, name))


def windows(run_entry: bool, approved: bytes | None) -> AutostartState:
    values: dict[tuple[str, str], Any] = {}
    if run_entry:
        values[(RUN_KEY, ENTRY_NAME)] = COMMAND
    if approved is not None:
        values[(STARTUP_APPROVED_KEY, ENTRY_NAME)] = approved
    return autostart_state(platform="win32", registry=registry(values))


@pytest.mark.parametrize(("run_entry", "approved", "registered", "starts"), [
    (False, None, False, False),
    (True, None, True, True),  # never switched in Task Manager: enabled
    (True, ENABLED, True, True),
    (True, DISABLED, True, False),
    (True, bytes.fromhex("0600000000000000"), True, True),
    (True, bytes.fromhex("0700000000000000"), True, False),
    (True, b"", True, True),  # unreadable: not taken for a refusal
    (False, DISABLED, False, False),  # a leftover switch without a Run entry
])
def test_the_run_entry_and_task_managers_switch_make_the_state(
    run_entry: bool, approved: bytes | None, registered: bool, starts: bool
) -> None:
    state = windows(run_entry, approved)

    assert (state.registered, state.starts) == (registered, starts)


def settings_page(make_gui: Callable[..., Gui], state: Callable[[], AutostartState],
                  recorded: bool) -> tuple[Gui, Any]:
    gui = make_gui(trade=False, preferences=Preferences(start_with_windows=recorded))
    page = gui.window.settings
    page.read_autostart = state
    return gui, page


def test_settings_say_where_to_turn_it_on_when_task_manager_switched_it_off(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui, page = settings_page(make_gui, lambda: windows(True, DISABLED), recorded=True)

    async def scenario() -> None:
        await gui.start()
        await until(lambda: page.autostart_note.text() != "", what="the autostart note")

    run(scenario())

    assert not page.start_with_windows.isChecked()  # never "on" when Windows will not start it
    assert page.autostart_note.text() == OFF_IN_TASK_MANAGER
    assert "off in Task Manager's Startup apps" in OFF_IN_TASK_MANAGER
    assert "turn it on there" in OFF_IN_TASK_MANAGER
    assert not page.preferences.start_with_windows


def test_an_entry_task_manager_leaves_on_shows_ticked_with_no_note(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui, page = settings_page(make_gui, lambda: windows(True, ENABLED), recorded=True)

    async def scenario() -> bool:
        await gui.start()
        return await page.load_autostart()

    assert run(scenario())
    assert page.start_with_windows.isChecked()
    assert page.autostart_note.text() == ""
    assert page.autostart_note.isHidden()


@pytest.mark.posix_only(reason="saving writes the Run entry, the user's real registry on Windows")
def test_ticking_the_box_while_task_manager_keeps_it_off_says_so_after_saving(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui, page = settings_page(make_gui, lambda: windows(False, DISABLED), recorded=False)

    async def scenario() -> bool:
        await gui.start()
        await page.load_autostart()
        assert page.autostart_note.isHidden()
        # The Run entry is written (here the XDG file stands for it); the fake registry now
        # has it, and Task Manager's switch still says off.
        page.read_autostart = lambda: windows(True, DISABLED)
        page.start_with_windows.setChecked(True)
        return await page.save()

    assert run(scenario())
    assert not page.start_with_windows.isChecked()
    assert page.autostart_note.text() == OFF_IN_TASK_MANAGER
