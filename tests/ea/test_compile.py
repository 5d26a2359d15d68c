"""Every EA compiles with g++ -std=c++17 -Wall -Werror; a broken EA is refused at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.build import CompileError, compile_ea

pytestmark = pytest.mark.timeout(120)

FIXTURES = Path(__file__).parent / "fixtures"


def test_each_ea_compiles_to_a_binary(ea_binaries: dict[str, Path]) -> None:
    assert sorted(ea_binaries) == ["executor4", "executor5", "monitor4", "monitor5"]
    assert all(path.is_file() and path.stat().st_size > 0 for path in ea_binaries.values())


def test_a_call_to_an_unknown_function_is_refused_with_file_and_line(tmp_path: Path) -> None:
    source = FIXTURES / "Broken_Unknown.mq4"

    with pytest.raises(CompileError) as refused:
        compile_ea(source, tmp_path)

    assert f"{source}:14:" in str(refused.value)
    assert "PositionsTotalOnAllAccounts" in str(refused.value)
