"""Settings warn about Windows Firewall's prompt when the remote listener would accept EAs from
other machines (a non-loopback address), and say that approving it takes an administrator;
nothing is shown for a loopback-only listener, with remote EAs off, or off Windows."""

from __future__ import annotations

import sys
from collections.abc import Callable

from copier.preferences import Preferences
from copier.ui.main import Gui
from copier.ui.pages.remote_settings import RemoteSection


def remote_section(make_gui: Callable[..., Gui], platform: str = "win32") -> RemoteSection:
    gui = make_gui(trade=False, preferences=Preferences(
        remote_enabled=False, remote_host="127.0.0.1", remote_port=8443,
        remote_allow=("192.168.1.0/24",)))
    remote = gui.window.settings.remote
    remote.platform = platform
    remote.check()
    return remote


def test_a_listener_other_machines_reach_comes_with_the_firewall_note(
    make_gui: Callable[..., Gui],
) -> None:
    remote = remote_section(make_gui)
    assert remote.firewall.isHidden()  # remote EAs off

    remote.enabled.setChecked(True)
    assert remote.firewall.isHidden()  # on, but loopback only

    remote.host.setText("0.0.0.0")
    remote.port.setValue(9443)

    note = remote.firewall.text()
    assert not remote.firewall.isHidden()
    assert "Windows Firewall will ask whether TradeCopier may accept connections" in note
    assert "administrator" in note
    assert ("netsh advfirewall firewall add rule name=\"TradeCopier remote EAs\" dir=in "
            f"action=allow protocol=TCP localport=9443 program=\"{sys.executable}\"") in note

    remote.host.setText("192.168.1.20")
    assert not remote.firewall.isHidden()
    remote.host.setText("::1")
    assert remote.firewall.isHidden()
    remote.host.setText("0.0.0.0")
    remote.enabled.setChecked(False)
    assert remote.firewall.isHidden()


def test_no_firewall_note_off_windows(make_gui: Callable[..., Gui]) -> None:
    remote = remote_section(make_gui, platform="linux")

    remote.enabled.setChecked(True)
    remote.host.setText("0.0.0.0")

    assert remote.firewall.isHidden()
    assert remote.firewall.text() == ""
