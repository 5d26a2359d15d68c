"""The add-account dialog shows the set-up steps of the account's own platform: an MT4 account
gets MT4's switches (automated trading, DLL imports, AutoTrading) and none of MT5's, and the
other way round."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

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
