"""Links & rules: every master → slave link with its enable switch and mode, and the editor of one
link's rules. Saving applies the link live (from the next master event) and the store writes the
change to the audit log. A second link of the same master and slave is saved only once the
trader confirms it is meant; overlapping links say so in the table. "Close all copies" closes
every copy of the selected link, or of every link into its slave, after a confirmation."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from copier.app.opencopies import CopiesFate
from copier.engine.config import Link, LinkMode, LinkOverlap, LinkRules, RulesError, overlaps
from copier.ui.confirm import choose
from copier.ui.core_signals import UiBridge
from copier.ui.pages import Screen
from copier.ui.preview_dialog import PreviewDialog, PreviewUnavailable, run_preview
from copier.ui.rules_form import RulesForm
from copier.ui.session import AccountView, CoreSession
from copier.ui.widgets import group_box, launch

MODES = ((LinkMode.NORMAL, "normal"), (LinkMode.CLOSE_ONLY, "close only"),
         (LinkMode.PAUSED, "paused"))


class LinksPage(Screen, QWidget):
    def __init__(self, session: CoreSession, bridge: UiBridge,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.links: list[Link] = []
        self.accounts: list[AccountView] = []
        self.editing: Link | None = None
        self.confirm_box: QMessageBox | None = None
        self._shown_state: tuple[object, ...] = ()
        self._build()
        bridge.config_changed.connect(lambda _what: self.reload())

    def _build(self) -> None:
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["#", "Name", "From → to", "On", "Mode"])
        # Short headers, said whole in their tooltips: the names keep the width at 1280 px.
        for column, tip in ((2, "Master account → slave account"),
                            (3, "Enabled: the link copies while this is ticked")):
            item = self.table.horizontalHeaderItem(column)
            if item is not None:
                item.setToolTip(tip)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The names share what the switches leave (elided, whole in the tooltip): the table
        # fits its half of a 1280 px window with no sideways scrolling.
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._on_selected)
        new_button = QPushButton("New link")
        self.delete_button = QPushButton("Delete link")
        new_button.clicked.connect(self.new_link)
        self.delete_button.clicked.connect(self._on_delete)
        self.close_link_button = QPushButton("Close all copies of the link…")
        self.close_slave_button = QPushButton("…of its slave")
        self.close_link_button.clicked.connect(lambda: launch(self.close_all(per_slave=False),
                                                              on_error=self.show_message))
        self.close_slave_button.clicked.connect(lambda: launch(self.close_all(per_slave=True),
                                                               on_error=self.show_message))
        buttons = QHBoxLayout()
        buttons.addWidget(new_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        closing = QHBoxLayout()  # a row of its own: the page still fits a 1280-pixel screen
        closing.addWidget(self.close_link_button)
        closing.addWidget(self.close_slave_button)
        closing.addStretch(1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.table, 1)
        left_layout.addLayout(buttons)
        left_layout.addLayout(closing)

        self.name = QLineEdit()
        self.master = QComboBox()
        self.slave = QComboBox()
        for combo in (self.master, self.slave):
            combo.setEditable(True)  # an account may be linked before its terminal is running
            combo.currentTextChanged.connect(self._update_symbol_lists)
        head = QFormLayout()
        head.addRow("Name", self.name)
        head.addRow("Master", self.master)
        head.addRow("Slave", self.slave)
        self.form = RulesForm()
        self.save_button = QPushButton("Save and apply")
        self.revert_button = QPushButton("Revert")
        self.preview_button = QPushButton("Preview…")
        self.preview_button.setToolTip(
            "Replay the master's recent trades through these rules, unsaved edits included: "
            "what would have been copied, refused, and the copies' P&L against the master's")
        self.preview_button.clicked.connect(
            lambda: launch(self.preview(), on_error=self.show_message))
        self.preview_dialog: PreviewDialog | None = None
        self.save_button.clicked.connect(lambda: launch(self.save(), on_error=self.show_message))
        self.revert_button.clicked.connect(lambda: self.edit(self.editing))
        self.message = QLabel("")
        self.message.setObjectName("notice")
        self.message.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.save_button)
        actions.addWidget(self.revert_button)
        actions.addWidget(self.preview_button)
        actions.addWidget(self.message, 1)
        self.editor = group_box("Link and rules")
        editor_layout = self.editor.layout()
        assert isinstance(editor_layout, QVBoxLayout)
        editor_layout.addLayout(head)
        editor_layout.addWidget(self.form, 1)
        editor_layout.addLayout(actions)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(group_box("Links", left))
        splitter.addWidget(self.editor)
        splitter.setSizes([520, 740])
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.edit(None)

    # ----- loading ------------------------------------------------------------------------
    def start(self) -> None:
        self.reload()

    def reload(self) -> None:
        launch(self.load(), on_error=self.show_message)

    async def load(self) -> None:
        self.links = await self.session.load_links()
        self.accounts = await self.session.accounts()
        self.form.show_clock(await self.session.trading_clock_name())
        self._fill_table()
        self._fill_accounts()

    def _fill_table(self) -> None:
        selected = self.editing.id if self.editing else None
        overlapping = overlaps(self.links)
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for row, link in enumerate(self.links):
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(str(link.id)))
            name = QTableWidgetItem(link.name)
            name.setToolTip(link.name)
            text = f"{link.master_id} → {link.slave_id}"
            if link.id in overlapping:
                others = ", ".join(f"#{n}" for n in overlapping[link.id])
                text += f"  (overlaps {others})"
            pair = QTableWidgetItem(text)
            pair.setToolTip(text)
            self.table.setItem(row, 1, name)
            self.table.setItem(row, 2, pair)
            self.table.setCellWidget(row, 3, self._enabled_box(link))
            self.table.setCellWidget(row, 4, self._mode_combo(link))
            if link.id == selected:
                self.table.selectRow(row)
        self.table.blockSignals(False)

    def _enabled_box(self, link: Link) -> QCheckBox:
        box = QCheckBox()
        box.setChecked(link.enabled)
        box.toggled.connect(lambda on, link_id=link.id: self._change(link_id, enabled=on))
        return box

    def _mode_combo(self, link: Link) -> QComboBox:
        combo = QComboBox()
        for mode, label in MODES:
            combo.addItem(label, mode.value)
        combo.setCurrentIndex(combo.findData(link.mode.value))
        combo.currentIndexChanged.connect(lambda _i, link_id=link.id, c=combo: self._change(
            link_id, mode=LinkMode(c.currentData())))
        return combo

    def _change(self, link_id: int, *, enabled: bool | None = None,
                mode: LinkMode | None = None) -> None:
        """Switch a link on/off or change its mode, from the latest saved version of it."""
        link = next((lk for lk in self.links if lk.id == link_id), None)
        if link is not None:
            launch(self.session.set_link_state(link, enabled=enabled, mode=mode),
                   on_error=self.show_message)

    def _fill_accounts(self) -> None:
        # Each list offers the accounts that can play its part (an account of unknown role, one
        # the core runs without a record, is offered in both).
        roles = {self.master: ("master", "both", ""), self.slave: ("slave", "both", "")}
        for combo in (self.master, self.slave):
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([a.account_id for a in self.accounts if a.role in roles[combo]])
            combo.setEditText(current)
            combo.blockSignals(False)
        self._update_symbol_lists()

    def _symbols(self, account_id: str) -> tuple[str, ...]:
        return next((a.symbols for a in self.accounts if a.account_id == account_id), ())

    def _update_symbol_lists(self) -> None:
        slave_symbols = self._symbols(self.slave.currentText())
        self.form.symbol_map.set_symbol_lists(self._symbols(self.master.currentText()),
                                              slave_symbols)
        self.form.set_slave_symbols(slave_symbols)

    # ----- editing ------------------------------------------------------------------------
    def _on_selected(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if len(rows) == 1:
            target = self.links[rows.pop()]
            if self.editing is None or target.id != self.editing.id:
                self.switch_to(target)

    def new_link(self) -> None:
        self.switch_to(None)

    def switch_to(self, link: Link | None) -> None:
        """Edit another link (None: a new one), asking first when this one has unsaved edits."""
        if not self.has_unsaved_edits():
            self._open_editor(link)
            return
        self._select_row(self.editing)  # stay on the edited link until the trader answers
        what = f"link #{self.editing.id}" if self.editing else "the new link"
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"You changed {what} without saving. Save the changes, discard them, "
                          "or stay on it?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.button(QMessageBox.StandardButton.Cancel).setText("Stay")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Save).clicked.connect(
            lambda: launch(self._save_then_open(link), on_error=self.show_message))
        box.button(QMessageBox.StandardButton.Discard).clicked.connect(
            lambda: self._open_editor(link))
        self.confirm_box = box
        box.open()

    async def _save_then_open(self, link: Link | None) -> None:
        if await self.save() is not None:
            self._open_editor(link)

    def _open_editor(self, link: Link | None) -> None:
        self._select_row(link)
        self.edit(link)

    def _select_row(self, link: Link | None) -> None:
        self.table.blockSignals(True)
        self.table.clearSelection()
        row = next((i for i, lk in enumerate(self.links) if link and lk.id == link.id), None)
        if row is not None:
            self.table.selectRow(row)
        self.table.blockSignals(False)

    def _editor_state(self) -> tuple[object, ...]:
        values, problems = self.form.raw()
        return (self.name.text().strip(), self.master.currentText().strip(),
                self.slave.currentText().strip(), repr(sorted(values.items())), tuple(problems))

    def has_unsaved_edits(self) -> bool:
        return self._editor_state() != self._shown_state

    def edit(self, link: Link | None) -> None:
        """Show a link in the editor (None: a new one with the default rules)."""
        self.editing = link
        self.name.setText(link.name if link else "")
        self.master.setEditText(link.master_id if link else "")
        self.slave.setEditText(link.slave_id if link else "")
        self.form.set_rules(link.rules if link else LinkRules())
        for button in (self.delete_button, self.close_link_button, self.close_slave_button):
            button.setEnabled(link is not None)
        self.editor.setTitle(f"Link #{link.id}" if link else "New link")
        self.message.setText("")
        self._update_symbol_lists()
        self._shown_state = self._editor_state()

    async def save(self) -> Link | None:
        """Validate the form; save and apply the link, or show every problem inline."""
        master, slave = self.master.currentText().strip(), self.slave.currentText().strip()
        try:
            rules = self.form.rules()
        except RulesError:
            self.show_message("not saved — correct the rules marked in red")
            return None
        if not master or not slave or master == slave:
            self.show_message("choose a master and a different slave account")
            return None
        # The table may have switched this link's mode or enabled state since it was opened:
        # start from the latest saved version so saving the rules does not undo that.
        latest = next((lk for lk in self.links if self.editing and lk.id == self.editing.id),
                      self.editing)
        base = latest or Link(id=0, master_id=master, slave_id=slave)
        # The form has no input for the overlap confirmation: it stays as it was saved.
        rules = replace(rules, allow_overlap=base.rules.allow_overlap)
        link = replace(base, master_id=master, slave_id=slave, rules=rules,
                       name=self.name.text().strip())
        try:
            saved = await self.session.save_link(link)
        except RulesError as exc:
            self.form.show_problems(exc.problems)
            self.show_message("not saved — correct the rules marked in red")
            return None
        except LinkOverlap as exc:
            if not self.confirm("Overlapping link", f"{exc}.\n\nSave this link anyway?"):
                self.show_message(f"not saved — {exc}")
                return None
            link = replace(link, rules=replace(link.rules, allow_overlap=True))
            saved = await self.session.save_link(link)
        self.editing = saved
        self._shown_state = self._editor_state()
        self.editor.setTitle(f"Link #{saved.id}")
        self.delete_button.setEnabled(True)
        self.show_message(f"link #{saved.id} saved — applies from the next master event")
        return saved

    async def close_all(self, *, per_slave: bool) -> int | None:
        """Close every copy of the selected link (or of every link into its slave), once the
        trader confirms; says how many close commands went out."""
        link = self.editing
        if link is None:
            return None
        what = (f"every link into {link.slave_id}" if per_slave
                else f"link #{link.id} ({link.master_id} → {link.slave_id})")
        if not self.confirm("Close all copies",
                            f"Close all copies of {what} now? The masters keep their trades."):
            return None
        if per_slave:
            sent = await self.session.close_all_copies(slave_id=link.slave_id)
        else:
            sent = await self.session.close_all_copies(link_id=link.id)
        self.show_message(f"closing all copies of {what}: {sent} close orders sent")
        return sent

    def confirm(self, title: str, text: str) -> bool:
        """Ask the trader (tests replace this)."""
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    async def preview(self) -> PreviewDialog | None:
        """Show what the rules as edited would have done with the master's recent history."""
        master, slave = self.master.currentText().strip(), self.slave.currentText().strip()
        try:
            rules = self.form.rules()
        except RulesError:
            self.show_message("cannot preview — correct the rules marked in red first")
            return None
        if not master or not slave or master == slave:
            self.show_message("choose a master and a different slave account to preview")
            return None
        base = self.editing or Link(id=0, master_id=master, slave_id=slave)
        link = replace(base, master_id=master, slave_id=slave, rules=rules)
        self.show_message("replaying the master's history…")
        try:
            result, currency, master_currency = await run_preview(self.session, link)
        except PreviewUnavailable as exc:
            self.show_message(f"cannot preview: {exc}")
            return None
        self.show_message("")
        if self.preview_dialog is not None:
            self.preview_dialog.close()
        self.preview_dialog = PreviewDialog(f"{master} → {slave}", result, currency,
                                            master_currency, self)
        self.preview_dialog.show()
        return self.preview_dialog

    def _on_delete(self) -> None:
        if self.editing is not None:
            launch(self.ask_delete(self.editing), on_error=self.show_message)

    async def ask_delete(self, link: Link) -> QMessageBox:
        """Ask before deleting, saying how many copies the link has open on its slave and
        offering to leave them open or close them first."""
        deletion = await self.session.link_deletion(link.id)
        if deletion.open_copies:
            choices = [("Leave them open", lambda: self._delete_now(link.id, CopiesFate.LEAVE)),
                       ("Close them", lambda: self._delete_now(link.id, CopiesFate.CLOSE))]
        else:
            choices = [("Delete link", lambda: self._delete_now(link.id, CopiesFate.LEAVE))]
        self.confirm_box = choose(self, "Delete link", deletion.question(), choices)
        return self.confirm_box

    def _delete_now(self, link_id: int, fate: CopiesFate) -> None:
        if fate is CopiesFate.CLOSE:
            self.show_message(f"closing the copies of link #{link_id}, then deleting it…")
        launch(self.delete(link_id, fate), on_error=self.show_message)

    async def delete(self, link_id: int, fate: CopiesFate = CopiesFate.LEAVE) -> None:
        done = await self.session.delete_link(link_id, fate)
        if done.deleted:
            self.edit(None)
        self.show_message(done.message)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
