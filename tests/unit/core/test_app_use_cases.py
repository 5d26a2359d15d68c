"""The application layer's account, key and link use cases over a real store: what the window
and the command line both call."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from copier.app import ActionError
from copier.app import accounts as account_actions
from copier.app import keys as key_actions
from copier.app import links as link_actions
from copier.app.accounts import NewAccount
from copier.domain import Platform
from copier.engine.config import LinkMode
from copier.store import AccountRole, Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(path=tmp_path / "tradecopier.db")
    yield opened
    opened.close()


def _pair(store: Store) -> tuple[str, str]:
    master = account_actions.add_account(
        store, NewAccount(Platform.MT4, 1, "A", role=AccountRole.MASTER)).record.id
    slave = account_actions.add_account(store, NewAccount(Platform.MT5, 2, "B")).record.id
    return master, slave


def test_a_rotation_keeps_the_old_key_working_and_the_summary_counts_both(store: Store) -> None:
    master, _ = _pair(store)

    rotation = key_actions.rotate_api_key(store, master)

    assert rotation.old_keys == 1 and rotation.grace_hours == 24
    assert rotation.old_until_ms is not None and rotation.old_until_ms > store.now_ms()
    listing = key_actions.list_api_keys(store, master)
    assert {info.key_id for info in listing.keys} >= {rotation.key.split(".")[1]}
    summary = {s.record.id: s for s in account_actions.account_summaries(store)}
    assert summary[master].working_keys == 2 and summary[master].connection == "ea"
    store.revoke_api_keys(master)
    assert {s.record.id: s for s in account_actions.account_summaries(store)}[
        master].working_keys == 0


def test_a_password_without_a_key_store_is_refused_and_nothing_is_saved(store: Store) -> None:
    master, _ = _pair(store)
    record = store.get_account(master)
    assert record is not None

    with pytest.raises(ActionError, match="password"):
        account_actions.save_account(store, replace(record, label="renamed"),
                                     password="secret")

    saved = store.get_account(master)
    assert saved is not None and saved.label == record.label


def test_a_link_state_is_saved_only_through_set_link_state(store: Store) -> None:
    master, slave = _pair(store)
    link = link_actions.new_link(store, master, slave, name="main")

    paused = link_actions.with_state(link, enabled=False, mode=LinkMode.CLOSE_ONLY)
    assert link_actions.find_link(store, "main").enabled is True
    saved = link_actions.set_link_state(store, link, enabled=False, mode=paused.mode)

    assert link_actions.load_links(store) == [saved]
    assert not saved.enabled and saved.mode is paused.mode
    assert link_actions.open_copies(store, saved.id) == 0
