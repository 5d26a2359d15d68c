"""Each platform's own set-up steps: MT4 needs automated trading and DLL imports (its EAs call
Windows' ws2_32.dll), MT5 needs algorithmic trading and the copier's host in the WebRequest list;
neither is shown the other's switches, and the files go where the EAs' includes resolve."""

from __future__ import annotations

from copier.domain import Platform
from copier.eas.steps import setup_steps
from copier.store import AccountRole

URL = "ws://127.0.0.1:8080/ea/v1"


def test_mt4_steps_name_mt4s_own_switches_only() -> None:
    steps = setup_steps(Platform.MT4, AccountRole.MASTER, URL)

    for wanted in ("Allow automated trading", "Allow DLL imports", "AutoTrading",
                   "Allow live trading", "MQL4\\Experts", "MQL4\\Include", "TradeCopy_Monitor",
                   URL):
        assert wanted in steps
    for mt5_only in ("algorithmic", "WebRequest", "Algo Trading", "MQL5", "TradeCopier\\"):
        assert mt5_only not in steps


def test_mt5_steps_name_mt5s_own_switches_only() -> None:
    steps = setup_steps(Platform.MT5, AccountRole.SLAVE, "ws://10.0.0.7:9000/ea/v1")

    for wanted in ("Allow algorithmic trading", "Allow WebRequest for listed URL",
                   "add 10.0.0.7 to that list", "Algo Trading", "Allow Algo Trading",
                   "MQL5\\Experts", "MQL5\\Include", "TradeCopy_Executor"):
        assert wanted in steps
    for mt4_only in ("DLL", "automated trading", "AutoTrading", "MQL4", "TradeCopier\\"):
        assert mt4_only not in steps
