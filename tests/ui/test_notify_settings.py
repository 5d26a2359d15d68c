"""Settings → Notifications: a bad address is refused with a sentence, a good one is listed with
its secret masked and kept in the key store, a test reaches a webhook on 127.0.0.1, and a
service is removed from the list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import keyring
import pytest

from copier.preferences import Preferences
from copier.ui.main import Gui
from tests.keystore import MemoryKeyring
from tests.notify_endpoint import endpoint
from tests.ui.conftest import Run


def test_services_are_added_tested_and_removed_in_settings(
    make_gui: Callable[..., Gui], run: Run[Any], tmp_path: Path,
    keyring_backend: MemoryKeyring, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keyring, "get_keyring", lambda: keyring_backend)
    gui = make_gui(trade=False, preferences=Preferences(data_dir=str(tmp_path / "data")))
    section = gui.window.settings.notify

    with endpoint() as hook:
        async def scenario() -> list[str]:
            await gui.start()
            section.url.setText("telegram please")
            await section.add()
            refused = section.message.text()
            section.url.setText(hook.url.replace("/hook", "/hook?token=s3cr3t"))
            await section.add()
            listed = [section.services.item(i).text() for i in range(section.services.count())]
            await section.test()
            tested = section.message.text()
            section.services.setCurrentRow(0)
            await section.remove()
            return [refused, *listed, tested, str(section.services.count())]

        refused, listed, tested, left = run(scenario())
        received = hook.wait_for(1, timeout_s=2)

    assert refused.startswith("The address given is not a notification address")
    assert listed.startswith("json://127.0.0.1:") and "s3cr3t" not in listed
    assert tested == "test message sent to 1 of 1 services"
    assert [m["title"] for m in received] == ["TradeCopier test"]
    assert left == "0"
    assert keyring_backend.passwords == {}
