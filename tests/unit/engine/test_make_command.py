"""``make_command`` hands every field to ``Command`` by position (engine/commands.py): each
field given lands on the field of that name, and the ones it derives (id, magic, comment, the
comment's ticket) come out as the protocol says."""

from __future__ import annotations

import msgspec

from copier.domain import Command, CommandKind, CopyState, OrderType, command_id
from copier.engine.commands import make_command
from copier.engine.config import Link, LinkRules


def test_every_field_lands_where_its_name_says() -> None:
    link = Link(7, "master", "slave", rules=LinkRules(slave_magic=4242))
    before = CopyState(0.3, price=1.2, sl=1.1, tp=1.3)
    given = dict(volume=0.25, price=1.2345, sl=1.2, tp=1.3, slave_ticket=9001,
                 max_deviation_points=11, sl_distance_points=12, tp_distance_points=13,
                 two_step_stops=True, expires_ms=555, before=before)  # fmt: skip
    command = make_command(link, CommandKind.MODIFY, master_ticket=321, seq=17, leg=2,
                           symbol="EURUSD.m", order_type=OrderType.SELL_LIMIT, now_ms=444,
                           copy_ticket=300, **given)  # fmt: skip
    fields = msgspec.structs.asdict(command)
    assert {name: fields[name] for name in given} == given
    assert fields == {
        **given,
        "id": command_id(7, 321, 17, 2), "link_id": 7, "slave_id": "slave",
        "kind": CommandKind.MODIFY, "master_ticket": 321, "symbol": "EURUSD.m",
        "order_type": OrderType.SELL_LIMIT, "magic": 4242, "comment": "TC|300",
        "master_seq": 17, "created_ms": 444, "leg": 2, "copy_ticket": 300,
    }  # fmt: skip
    assert len(fields) == len(Command.__struct_fields__)


def test_left_out_fields_take_the_commands_own_defaults() -> None:
    command = make_command(Link(1, "m", "s"), CommandKind.CLOSE, master_ticket=5, seq=1, leg=0,
                           symbol="EURUSD", order_type=OrderType.BUY, now_ms=1)  # fmt: skip
    defaults = Command(command.id, 1, "s", CommandKind.CLOSE, 5, "EURUSD", OrderType.BUY,
                       magic=command.magic, comment=command.comment, master_seq=1, created_ms=1)
    assert command == defaults
    assert command.copy_ticket == 0 and command.comment == "TC|5"
