"""Settings → Trading clock: the broker's offset from UTC and the time its trading day starts.

Daily loss, daily profit target and the day's drawdown count from the start of the trading day,
and trading hours and days read the same clock (``copier.engine.tradingday``). No terminal
reports its server's offset yet, so it is UTC until set here. Applied at once and kept across
restarts."""

from __future__ import annotations

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QTimeEdit,
    QWidget,
)

from copier.engine.tradingday import TradingClock
from copier.ui.session import CoreSession
from copier.ui.widgets import launch


class TradingClockSection(QGroupBox):
    def __init__(self, session: CoreSession, parent: QWidget | None = None) -> None:
        super().__init__("Trading clock (broker time)", parent)
        self.session = session
        self.offset = QDoubleSpinBox()
        self.offset.setRange(-14.0, 14.0)
        self.offset.setSingleStep(0.5)
        self.offset.setDecimals(2)
        self.offset.setPrefix("UTC ")
        self.offset.setSuffix(" h")
        self.day_start = QTimeEdit()
        self.day_start.setDisplayFormat("HH:mm")
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(lambda: launch(self.apply(), on_error=self.say))
        self.message = QLabel("")
        self.message.setWordWrap(True)
        note = QLabel("The day of the daily loss, profit target and drawdown limits, and the "
                      "clock of trading hours, is the broker's (as MetaTrader shows it). Until "
                      "you set the broker's offset it is UTC.")
        note.setObjectName("notice")
        note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Broker's offset from UTC", self.offset)
        form.addRow("Trading day starts at", self.day_start)
        form.addRow(note)
        form.addRow(self.apply_button, self.message)

    async def load(self) -> TradingClock:
        clock = await self.session.trading_clock()
        self.offset.setValue(clock.utc_offset_minutes / 60)
        self.day_start.setTime(QTime(clock.day_start_minute // 60, clock.day_start_minute % 60))
        return clock

    async def apply(self) -> TradingClock:
        start = self.day_start.time()
        clock = TradingClock(round(self.offset.value() * 60), start.hour() * 60 + start.minute())
        await self.session.set_trading_clock(clock)
        self.say(f"applied: trading hours and the trading day now run on {clock.name}")
        return clock

    def say(self, text: str) -> None:
        self.message.setText(text)
