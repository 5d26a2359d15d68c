"""Each platform's own set-up steps for our EAs, as the app shows them (the add-account dialog,
a new key, Install EAs). One source for the wording; ea/README.md says the same with every click.

MT4 and MT5 differ: MT4 has no socket functions, so the EAs call Windows' ``ws2_32.dll`` and need
DLL imports; MT5 sockets need the host in the terminal's list of allowed addresses instead
(https://www.mql5.com/en/docs/network/socketconnect). The switches are named as each terminal
names them: MT4 "Allow automated trading", the AutoTrading button and the EA's "Allow live
trading" (https://docs.mql4.com/runtime/tradepermission); MT5 "Allow algorithmic trading",
"Allow WebRequest for listed URL" and the Algo Trading button
(https://www.mql5.com/en/docs/runtime/tradepermission)."""

from __future__ import annotations

from urllib.parse import urlsplit

from copier.domain import Platform
from copier.eas.sources import INCLUDE_FOLDER, MQL_FOLDER
from copier.store import AccountRole

DEFAULT_HOST = "127.0.0.1"


def install_step(platform: Platform) -> str:
    """Where the files go, for a trader who copies them by hand."""
    mql = MQL_FOLDER[platform]
    ext = "mq4" if platform is Platform.MT4 else "mq5"
    return (f"Accounts → Install EAs (or by hand, from the ea folder that comes with TradeCopier "
            f"into the terminal's data folder — File → Open Data Folder: {mql}\\Experts\\"
            f"TradeCopy_*.{ext} into {mql}\\Experts and the folder Include\\{INCLUDE_FOLDER} "
            f"into {mql}\\Include), then compile each EA in MetaEditor (F4, then F7).")


def terminal_options(platform: Platform, url: str) -> list[str]:
    """The terminal's own switches our EAs need, in the order a trader sets them."""
    if platform is Platform.MT4:
        return [
            "Tools → Options → Expert Advisors: tick “Allow automated trading” and “Allow DLL "
            "imports” (the EAs connect through Windows' ws2_32.dll).",
            "Turn AutoTrading on in the toolbar.",
        ]
    host = urlsplit(url).hostname or DEFAULT_HOST
    return [
        "Tools → Options → Expert Advisors: tick “Allow algorithmic trading” and “Allow "
        f"WebRequest for listed URL”, and add {host} to that list.",
        "Turn Algo Trading on in the toolbar.",
    ]


def attach_options(platform: Platform) -> str:
    """What to tick in the EA's own window when it is dragged onto a chart."""
    if platform is Platform.MT4:
        return "tab Common: tick “Allow live trading” and “Allow DLL imports”"
    return "tab Common: tick “Allow Algo Trading”"


def setup_steps(platform: Platform, role: AccountRole, url: str) -> str:
    """The numbered steps shown with a new API key."""
    eas = {AccountRole.MASTER: "TradeCopy_Monitor to one chart",
           AccountRole.SLAVE: "TradeCopy_Executor to one chart",
           AccountRole.BOTH: "TradeCopy_Monitor to one chart and TradeCopy_Executor to "
                             "another (one EA per chart)"}[role]
    steps = [install_step(platform), *terminal_options(platform, url),
             f"Attach {eas}; in the EA's window, {attach_options(platform)}; tab "
             f"Inputs: paste the key above into ApiKey and set BridgeUrl to {url}.",
             "The dashboard shows the account as connected within a few seconds."]
    lines = [f"Set up the {platform.value.upper()} terminal:"]
    lines += [f"{number}. {step}" for number, step in enumerate(steps, start=1)]
    return "\n".join(lines)
