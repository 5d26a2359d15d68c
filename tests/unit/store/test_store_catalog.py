"""Accounts and links as configured: saving, ids, rules round-trip, deletion, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from store_samples import T0, FakeClock, command, event, table_rows, ticket

from copier.domain import Platform
from copier.engine.config import (
    BelowMinimum,
    DrawdownAction,
    Link,
    LinkMode,
    LinkRules,
    LotMode,
    RulesError,
    StopsMode,
)
from copier.store import AccountRecord, AccountRole, Store, StoreError, account_id_for
from copier.store.catalog import LINK_DELETED
from copier.store.schema import make_engine

BUSY_RULES = LinkRules(
    lot_mode=LotMode.RISK_PERCENT,
    lot_value=1.5,
    below_minimum=BelowMinimum.USE_MINIMUM,
    symbol_map={"GOLD": "XAUUSD.r", "US30": "DJ30"},
    add_suffix=".m",
    symbol_lot_multipliers={"DJ30": 10.0},
    reverse=True,
    stops_mode=StopsMode.FIXED,
    fixed_sl_points=150,
    two_step_stops=True,
    comment_template="TC|{ticket}|copy",
    symbols_deny=("BTCUSD",),
    magic_allow=(7, 8),
    order_types=("buy", "sell_limit"),
    direction="buy",
    max_drawdown_pct=12.5,
    drawdown_from="all_time",
    drawdown_action=DrawdownAction.CLOSE_ALL,
    trading_hours=(420, 1260),
    trading_days=(0, 1, 2, 3, 4),
    max_orders_per_minute=20,
)


def test_rules_round_trip_through_the_database_unchanged(store: Store) -> None:
    link = Link(id=0, master_id="mt4:1@A", slave_id="mt5:2@B", rules=BUSY_RULES, name="gold")

    saved = store.save_link(link)

    assert store.load_links() == [saved]
    assert store.load_links()[0].rules == BUSY_RULES


def test_new_links_get_ids_and_saving_again_replaces_in_place(store: Store) -> None:
    first = store.save_link(Link(id=0, master_id="mt4:1@A", slave_id="mt5:2@B"))
    second = store.save_link(Link(id=0, master_id="mt4:1@A", slave_id="mt5:3@B"))

    paused = store.save_link(Link(first.id, "mt4:1@A", "mt5:2@B", mode=LinkMode.PAUSED))

    assert (first.id, second.id) == (1, 2)
    assert store.load_links() == [paused, second]


def test_link_with_a_chosen_id_keeps_it(store: Store) -> None:
    saved = store.save_link(Link(id=7, master_id="mt4:1@A", slave_id="mt5:2@B", enabled=False))

    assert store.load_links() == [saved]
    assert saved.id == 7


def test_link_with_impossible_rules_is_refused_with_every_problem(store: Store) -> None:
    bad = LinkRules(lot_value=-1.0, comment_template="copy", direction="up")

    with pytest.raises(RulesError) as refused:
        store.save_link(Link(id=0, master_id="mt4:1@A", slave_id="mt5:2@B", rules=bad))

    assert len(refused.value.problems) == 3
    assert store.load_links() == []


def test_stored_rules_that_no_longer_make_sense_fail_loading_with_the_links_name(
    store: Store,
) -> None:
    store.save_link(Link(id=0, master_id="mt4:1@A", slave_id="mt5:2@B", name="scalper"))
    by_hand = make_engine(store.path, writer=True)  # a file edited outside the app
    with by_hand.begin() as conn:
        conn.execute(text("""UPDATE links SET rules = '{"lot_speed": 3}'"""))
    by_hand.dispose()

    with pytest.raises(StoreError, match=r"link 1 \(scalper\): stored rules are invalid"):
        store.load_links()


async def test_deleting_a_link_drops_its_ticket_links_and_fails_its_unsent_commands(
    store: Store,
) -> None:
    keep = store.save_link(Link(id=0, master_id="mt4:1@A", slave_id="mt5:2@B"))
    drop = store.save_link(Link(id=0, master_id="mt4:1@A", slave_id="mt5:3@B"))
    master = event(seq=1)
    commands = [command(master, keep.id), command(master, drop.id)]
    await store.persist_decision(
        master, commands, [], [ticket(500, keep.id), ticket(500, drop.id)], T0
    )

    assert store.delete_link(drop.id) is True
    assert store.delete_link(drop.id) is False

    assert store.load_links() == [keep]
    assert [t.link_id for t in store.load_tickets()] == [keep.id]
    assert [c.link_id for c in store.load_outbox()] == [keep.id]
    copies = {r["link_id"]: r for r in table_rows(store, "trade_log_copies")}  # history stays
    assert copies[keep.id]["status"] == "pending"
    assert (copies[drop.id]["status"], copies[drop.id]["message"]) == ("failed", LINK_DELETED)


def test_account_saves_and_loads_and_an_update_keeps_its_creation_time(
    store: Store, clock: FakeClock
) -> None:
    account = AccountRecord.new(
        Platform.MT5,
        2002,
        "Other-Live",
        company="Other Ltd",
        role=AccountRole.MASTER,
        label="main",
        settings={"terminal_path": "C:/MT5/terminal64.exe"},
    )
    saved = store.save_account(account)
    clock.now_ms += 60_000

    renamed = store.save_account(AccountRecord.new(Platform.MT5, 2002, "Other-Live", label="x"))

    assert saved.id == "mt5:2002@Other-Live" == account_id_for(Platform.MT5, 2002, "Other-Live")
    assert saved.created_ms == T0
    assert renamed.created_ms == T0
    assert store.load_accounts() == [renamed]
    assert store.get_account(saved.id) == renamed
    assert store.get_account("mt4:0@none") is None


def test_deleting_an_account_removes_its_links_and_keys(store: Store) -> None:
    master = store.save_account(AccountRecord.new(Platform.MT4, 1, "A"))
    slave = store.save_account(AccountRecord.new(Platform.MT4, 2, "A"))
    other = store.save_account(AccountRecord.new(Platform.MT4, 3, "A"))
    store.save_link(Link(id=0, master_id=master.id, slave_id=slave.id))
    kept = store.save_link(Link(id=0, master_id=master.id, slave_id=other.id))
    key = store.create_api_key(slave.id)

    assert store.delete_account(slave.id) is True

    assert [a.id for a in store.load_accounts()] == [master.id, other.id]
    assert store.load_links() == [kept]
    assert store.list_api_keys(slave.id) == []
    assert store.verify_api_key(key, slave.id) is False


def test_configuration_changes_are_audited_with_their_actor(store: Store) -> None:
    account = store.save_account(AccountRecord.new(Platform.MT4, 1, "A"), actor="user")
    link = store.save_link(Link(0, account.id, "mt5:2@B", name="n"), actor="import")
    store.delete_link(link.id)

    actions = [(e.actor, e.action) for e in reversed(store.load_audit())]

    assert actions == [
        ("user", "account.added"),
        ("import", "link.added"),
        ("user", "link.deleted"),
    ]
    assert store.load_audit()[1].detail["rules"] == LinkRules().to_dict()
