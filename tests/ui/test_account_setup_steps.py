"""The add-account dialog shows the set-up steps of the account's own platform: an MT4 account
gets MT4's switches (automated trading, DLL imports, AutoTrading) and none of MT5's, and the
other way round."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication

from copier.ui.account_dialogs import EA
from copier.ui.main import Gui
from tests.ui.conftest import Run, until

MT4_ONLY = ("Allow automated trading", "Allow DLL imports", "AutoTrading")
MT5_ONLY = ("Allow algorithmic trading", "Allow WebRequest for listed URL", "Algo Trading")


@pytest.mark.parametrize(("platform", "wanted", "unwanted"), [
    ("mt4", MT4_ONLY, MT5_ONLY),
    ("mt5", MT5_ONLY, MT4_ONLY),
])
def test_a_new_ea_account_shows_its_own_platforms_steps(
    make_gui: Callable[..., Gui], run: Run[Any], platform: str, wanted: tuple[str, ...],
    unwanted: tuple[str, ...]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.accounts

    async def scenario() -> Any:
        await gui.start()
        dialog = page.open_add(EA)
        dialog.platform.setCurrentIndex(dialog.platform.findData(platform))
        dialog.login.setText("4242")
        dialog.server.setText("Broker-Demo")
        dialog.save_button.click()
        await until(lambda: dialog.keys.steps.text() != "", what="the set-up steps")
        return dialog

    steps = run(scenario()).keys.steps.text()

    assert f"Set up the {platform.upper()} terminal" in steps
    for text in wanted:
        assert text in steps
    for text in unwanted:
        assert text not in steps


def test_the_key_dialog_fits_its_content_shows_the_real_port_and_copies_the_key(
    make_gui: Callable[..., Gui], run: Run[Any], qtbot: Any
) -> None:
    # Issue #18: the dialog opened at 373×497 with the steps and the "shown only once" warning
    # cut off and out of reach, and the demo (bridge on port 0) showed ws://127.0.0.1:0/ea/v1.
    gui = make_gui(trade=False)
    page = gui.window.accounts

    async def scenario() -> Any:
        await gui.start()
        dialog = page.open_add(EA)
        dialog.show()
        dialog.login.setText("4243")
        dialog.server.setText("Broker-Demo")
        dialog.save_button.click()
        await until(lambda: dialog.keys.steps.text() != "", what="the set-up steps")
        await asyncio.sleep(0.1)
        return dialog

    dialog = run(scenario())
    port = gui.session.app.bridge.port  # type: ignore[union-attr]
    steps = dialog.keys.steps.text()

    assert port != 0 and f"ws://127.0.0.1:{port}/ea/v1" in steps
    assert ":0/ea/v1" not in steps
    assert dialog.keys.warning.isVisible() and "shown only once" in dialog.keys.warning.text()
    bar = dialog.body_scroll.verticalScrollBar()
    assert bar.maximum() == 0 or dialog.height() >= int(dialog.screen().availableGeometry()
                                                         .height() * 0.9) - 1
    assert dialog.width() >= 600
    dialog.keys.copy_button.click()
    assert QGuiApplication.clipboard().text() == dialog.keys.key.text() != ""
