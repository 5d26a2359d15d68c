"""The stand-in is held to the real MetaTrader5 wheel and to the metatrader5-stubs package.

Both are downloaded from PyPI at test time (cached in pytest's cache directory). A download that
fails is a failure, not a skip — except with TRADECOPIER_OFFLINE=1, which skips with that reason.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import copier.testbed.mt5standin as standin
from copier.testbed.mt5standin import constants, records

pytestmark = pytest.mark.timeout(180)

THE_32_FUNCTIONS = [
    "initialize",
    "login",
    "shutdown",
    "version",
    "last_error",
    "terminal_info",
    "account_info",
    "symbols_total",
    "symbols_get",
    "symbol_info",
    "symbol_info_tick",
    "symbol_select",
    "market_book_add",
    "market_book_get",
    "market_book_release",
    "copy_rates_from",
    "copy_rates_from_pos",
    "copy_rates_range",
    "copy_ticks_from",
    "copy_ticks_range",
    "orders_total",
    "orders_get",
    "order_calc_margin",
    "order_calc_profit",
    "order_check",
    "order_send",
    "positions_total",
    "positions_get",
    "history_orders_total",
    "history_orders_get",
    "history_deals_total",
    "history_deals_get",
]


def _folder(request: pytest.FixtureRequest, requirement: str) -> Path:
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir(f"pypi-{requirement}"))
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    return factory.mktemp(f"pypi-{requirement}")


def _download(folder: Path, requirement: str, *pip_options: str) -> Path:
    found = sorted(folder.glob("*.whl"))
    if found:
        return found[-1]
    if os.environ.get("TRADECOPIER_OFFLINE") == "1":
        pytest.skip(f"TRADECOPIER_OFFLINE=1: not downloading {requirement} from PyPI")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(folder)]
    done = subprocess.run(
        [*command, *pip_options, requirement], capture_output=True, text=True, timeout=150
    )
    found = sorted(folder.glob("*.whl"))
    if done.returncode != 0 or not found:
        pytest.fail(
            f"could not download {requirement} from PyPI to check the stand-in against it "
            f"(set TRADECOPIER_OFFLINE=1 to skip on purpose):\n{done.stderr[-2000:]}"
        )
    return found[-1]


@pytest.fixture(scope="module")
def real_wheel(request: pytest.FixtureRequest) -> zipfile.ZipFile:
    wheel = _download(
        _folder(request, "MetaTrader5"),
        "MetaTrader5",
        "--only-binary=:all:",
        "--platform",
        "win_amd64",
        "--python-version",
        "3.11",
    )
    return zipfile.ZipFile(wheel)


@pytest.fixture(scope="module")
def real_constants(real_wheel: zipfile.ZipFile) -> dict[str, int]:
    source = real_wheel.read("MetaTrader5/__init__.py").decode("utf-8")
    values: dict[str, int] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and re.fullmatch(r"[A-Z][A-Z0-9_]*", target.id):
                values[target.id] = eval(compile(ast.Expression(node.value), "<const>", "eval"))
    return values


@pytest.fixture(scope="module")
def real_binary_strings(real_wheel: zipfile.ZipFile) -> set[str]:
    name = next(n for n in real_wheel.namelist() if n.startswith("MetaTrader5/_core"))
    words = re.findall(rb"[A-Za-z_][A-Za-z0-9_]+", real_wheel.read(name))
    return {word.decode() for word in words}


@pytest.fixture(scope="module")
def stubs(request: pytest.FixtureRequest) -> ast.Module:
    wheel = _download(_folder(request, "metatrader5-stubs"), "metatrader5-stubs")
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith("__init__.pyi"))
        return ast.parse(archive.read(name).decode("utf-8"))


def standin_constants() -> dict[str, int]:
    return {n: v for n, v in vars(constants).items() if re.fullmatch(r"[A-Z][A-Z0-9_]*", n)}


def test_every_real_constant_exists_in_the_standin_with_the_same_value(
    real_constants: dict[str, int],
) -> None:
    ours = {n: getattr(standin, n, None) for n in real_constants}

    assert len(real_constants) >= 200
    assert ours == real_constants


def test_the_standin_defines_no_constant_the_real_package_lacks(
    real_constants: dict[str, int],
) -> None:
    module_constants = {
        n for n in vars(standin) if re.fullmatch(r"[A-Z][A-Z0-9_]*", n) and n != "DateLike"
    }

    assert set(standin_constants()) - set(real_constants) == set()
    assert module_constants - set(real_constants) == set()


def test_the_standin_has_no_symbol_filling_constants_because_the_real_one_has_none(
    real_constants: dict[str, int],
) -> None:
    assert not [n for n in real_constants if n.startswith("SYMBOL_FILLING")]
    assert not [n for n in vars(standin) if n.startswith("SYMBOL_FILLING")]
    assert (standin.ORDER_FILLING_FOK, standin.ORDER_FILLING_IOC) == (0, 1)
    assert (standin.ORDER_FILLING_RETURN, standin.ORDER_FILLING_BOC) == (2, 3)


def test_the_32_functions_are_all_named_in_the_real_binary_and_exist_in_the_standin(
    real_binary_strings: set[str],
) -> None:
    missing_from_real = [f for f in THE_32_FUNCTIONS if f not in real_binary_strings]
    missing_from_ours = [f for f in THE_32_FUNCTIONS if not callable(getattr(standin, f, None))]

    assert missing_from_real == []
    assert missing_from_ours == []


def test_every_record_type_and_field_name_appears_in_the_real_binary(
    real_binary_strings: set[str],
) -> None:
    record_types = [
        records.TradePosition, records.TradeOrder, records.TradeDeal, records.TradeRequest,
        records.OrderSendResult, records.OrderCheckResult, records.Tick, records.TerminalInfo,
        records.SymbolInfo, records.AccountInfo, records.BookInfo,
    ]  # fmt: skip
    unknown = [
        f"{t.__name__}.{field}"
        for t in record_types
        for field in (t.__name__, *t._fields)
        if field not in real_binary_strings
    ]

    assert unknown == []
    assert (len(records.SymbolInfo._fields), len(records.AccountInfo._fields)) == (96, 28)


def _stub_functions(module: ast.Module) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in module.body if isinstance(n, ast.FunctionDef)}


def _stub_parameters(fn: ast.FunctionDef) -> list[tuple[str, str, bool]]:
    a = fn.args
    kinds: list[tuple[str, str, bool]] = []
    positional = [*a.posonlyargs, *a.args]
    first_default = len(positional) - len(a.defaults)
    for i, arg in enumerate(positional):
        kind = "POSITIONAL_ONLY" if arg in a.posonlyargs else "POSITIONAL_OR_KEYWORD"
        kinds.append((arg.arg, kind, i >= first_default))
    for arg, default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        kinds.append((arg.arg, "KEYWORD_ONLY", default is not None))
    return kinds


def _our_parameters(name: str) -> list[tuple[str, str, bool]]:
    signature = inspect.signature(getattr(standin, name))
    return [
        (p.name, p.kind.name, p.default is not inspect.Parameter.empty)
        for p in signature.parameters.values()
    ]


def test_every_function_the_stubs_declare_has_the_same_parameters_in_the_standin(
    stubs: ast.Module,
) -> None:
    declared = _stub_functions(stubs)
    differences = {
        name: (_stub_parameters(fn), _our_parameters(name))
        for name, fn in declared.items()
        if _stub_parameters(fn) != _our_parameters(name)
    }

    assert len(declared) >= 12
    assert differences == {}


def test_every_named_tuple_the_stubs_declare_has_the_same_fields_in_the_same_order(
    stubs: ast.Module,
) -> None:
    declared = {
        node.name: [s.target.id for s in node.body if isinstance(s, ast.AnnAssign)]  # type: ignore[union-attr]
        for node in stubs.body
        if isinstance(node, ast.ClassDef)
    }
    ours = {name: list(getattr(records, name)._fields) for name in declared}

    assert {"TradePosition", "TradeOrder", "Tick", "OrderSendResult"} <= set(declared)
    assert ours == declared


def test_the_stubs_constants_agree_with_the_standin_where_both_have_them(
    stubs: ast.Module,
) -> None:
    stub_values = {
        node.target.id: eval(compile(ast.Expression(node.value), "<const>", "eval"))
        for node in stubs.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.value is not None
        and re.fullmatch(r"[A-Z][A-Z0-9_]*", node.target.id)
    }

    disagreements = {n: v for n, v in stub_values.items() if getattr(standin, n) != v}

    assert len(stub_values) > 200
    assert disagreements == {}
