"""The MQL syntax gate over every EA file, and its reports on broken source."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.gate import REPO, check_file, check_text, ea_files, mask_mql

pytestmark = pytest.mark.timeout(30)

FIXTURES = Path(__file__).parent / "fixtures"
EA_FILES = ea_files()


def test_the_gate_sees_every_ea_source_of_both_platforms() -> None:
    names = {p.name for p in EA_FILES}

    assert {"TradeCopy_Monitor.mq4", "TradeCopy_Executor.mq4", "TradeCopy_Monitor.mq5",
            "TradeCopy_Executor.mq5", "Ws.mqh", "Net.mqh"} <= names
    includes = [p for p in EA_FILES if p.suffix == ".mqh"]
    shared = sorted((REPO / "ea" / "Include" / "TradeCopy").glob("*.mqh"))
    # one copy for both platforms: every include is the shared folder's, none per platform
    assert sorted(includes) == shared and len({p.name for p in includes}) == len(includes)


@pytest.mark.parametrize("path", EA_FILES, ids=lambda p: "/".join(p.parts[-3:]))
def test_ea_file_parses_without_a_syntax_error(path: Path) -> None:
    assert check_file(path) == []


def test_a_missing_semicolon_is_reported_with_file_and_line() -> None:
    path = FIXTURES / "Broken_Semicolon.mq4"

    problems = check_file(path)

    assert [(p.path, p.line) for p in problems] == [(path, 8)]
    assert str(problems[0]).startswith(f"{path}:8:")


def test_masking_keeps_every_line_and_column_of_the_original() -> None:
    text = ('#property strict\n#import "x.dll"\nint f(int a);\n#import\n'
            "input int A = 1;\nsinput string B = \"\";\ncolor c = C'255,0,0';\n")

    masked = mask_mql(text)

    assert len(masked) == len(text)
    assert [len(line) for line in masked.split("\n")] == [len(line) for line in text.split("\n")]
    assert "int f(int a);" in masked and "input" not in masked and "C'" not in masked
    assert check_text(Path("x.mq4"), text) == []


def test_mql_storage_words_are_only_masked_at_the_start_of_a_declaration() -> None:
    text = "int OnInit()\n  {\n   int input_count=1;\n   return(input_count);\n  }\n"

    assert mask_mql(text) == text
