"""docs/protocol.md agrees with the code: its examples validate and its tables list the schemas."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
import pytest

from copier.bridge import codec
from copier.bridge.protocol import (
    MESSAGE_CLASSES,
    CloseCode,
    ErrorCode,
    MsgType,
    SnapOrder,
    SnapPosition,
    Snapshot,
    SnapSymbol,
)

DOC = Path(__file__).parents[3] / "docs" / "protocol.md"
TEXT = DOC.read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```json\n(.*?)\n```", TEXT, flags=re.S)


def _section(title: str) -> str:
    match = re.search(rf"^### `{title}`\n(.*?)(?=^### |^## )", TEXT, flags=re.S | re.M)
    assert match, f"docs/protocol.md has no section for `{title}`"
    return match.group(1)


def _tables(section: str) -> list[dict[str, str]]:
    """Each field table of a section as {field: required column}."""
    tables: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in section.splitlines():
        row = re.match(r"\| `([a-z_]+)` \| [^|]+ \| ([^|]+) \|", line)
        if row:
            if current is None:
                current = {}
                tables.append(current)
            current[row.group(1)] = row.group(2).strip()
        elif not line.startswith("|"):
            current = None
    return tables


def _schema(cls: type) -> dict[str, bool]:
    return {f.encode_name: f.required for f in msgspec.structs.fields(cls)}


def _documented(table: dict[str, str]) -> dict[str, bool]:
    return {name: required == "yes" for name, required in table.items() if name != "t"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e[:40])
def test_every_json_example_in_the_protocol_document_validates(example: str) -> None:
    message = codec.decode(example)

    assert codec.decode(codec.encode(message)) == message


def test_the_document_has_an_example_of_every_message_type() -> None:
    shown = {codec.decode(example).TYPE for example in EXAMPLES}

    assert shown == set(MsgType)


@pytest.mark.parametrize("cls", MESSAGE_CLASSES, ids=lambda c: c.TYPE.value)
def test_each_message_table_lists_exactly_the_schema_fields(cls: type) -> None:
    table = _tables(_section(cls.TYPE.value))[0]  # type: ignore[attr-defined]

    assert _documented(table) == _schema(cls)


def test_the_snapshot_item_tables_list_exactly_the_item_schema_fields() -> None:
    tables = _tables(_section(Snapshot.TYPE.value))

    assert [_documented(t) for t in tables[1:]] == [
        _schema(SnapPosition),
        _schema(SnapOrder),
        _schema(SnapSymbol),
    ]


def test_the_close_code_table_lists_every_close_code_the_bridge_uses() -> None:
    section = TEXT.split("## 9. Close codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d{4}) \|", section, flags=re.M)}

    assert documented == {int(code) for code in CloseCode}


def test_the_error_table_lists_every_error_code() -> None:
    section = TEXT.split("## 10. Error frames", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M))

    assert documented == {code.value for code in ErrorCode}
