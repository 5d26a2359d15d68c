"""The shared includes' string handling gives the same answers under MQL4 and MQL5 semantics.

A small probe program includes the EAs' own ``Json.mqh`` and ``Ws.mqh`` from a data folder laid out
as the installer leaves it and prints what they make of empty strings and padded header values.
MQL4's StringSubstr takes a length of 0 as "to the end" (https://docs.mql4.com/strings/stringsubstr)
and its StringTrimLeft/Right return a copy (https://docs.mql4.com/strings/stringtrimleft): an
empty JSON string, two escapes in a row or an empty header value came out as the rest of the text
on MT4."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import tree_sitter_cpp
from harness.build import compile_from_data_folder
from harness.gate import ea_files, mask_mql
from harness.layout import lay_out_data_folder
from tree_sitter import Language, Parser

pytestmark = pytest.mark.timeout(120)

PROBE = r"""#include <TradeCopy/Json.mqh>
#include <TradeCopy/Net.mqh>
#include <TradeCopy/Ws.mqh>

void Show(const string what,const string value)
  {
   Print(what,"=[",value,"]");
  }

int OnInit()
  {
   string out="";
   string empty="\"\",";
   JsonReadString(empty,0,StringLen(empty),out);
   Show("empty",out);
   string escapes="\"a\\\"\\\"b\"";
   JsonReadString(escapes,0,StringLen(escapes),out);
   Show("escapes",out);
   Show("escape",JsonEscape("\"x"));
   string head="HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX-Empty:\r\n";
   head=head+"Sec-WebSocket-Accept:   s3pPLMBiTxaQ9kYGzzhZRbK+xOo=  \r\n\r\n";
   Show("accept",WsHeader(head,"Sec-WebSocket-Accept"));
   Show("blank",WsHeader(head,"X-Empty"));
   Show("dash","copy skipped \x2014 lot \x2192 #1");
   return(INIT_SUCCEEDED);
  }
"""
WANT = ["empty=[]", 'escapes=[a""b]', 'escape=[\\"x]', "accept=[s3pPLMBiTxaQ9kYGzzhZRbK+xOo=]",
        "blank=[]", "dash=[copy skipped \u2014 lot \u2192 #1]"]


@pytest.mark.parametrize("suffix", [".mq4", ".mq5"])
def test_empty_runs_and_padded_values_read_alike_on_both_platforms(
        tmp_path: Path, suffix: str, ea_runtime: Path) -> None:
    platform = "mql4" if suffix == ".mq4" else "mql5"
    data = lay_out_data_folder(tmp_path / "data", (platform,))
    (data / platform.upper() / "Experts" / f"Probe{suffix}").write_text(PROBE, encoding="utf-8")
    binary = compile_from_data_folder(data, f"Probe{suffix}", tmp_path / "build", ea_runtime)

    done = subprocess.run([str(binary)], input="quit\n", capture_output=True, text=True,
                          timeout=30, check=True, env={"MQL_FILES_DIR": str(tmp_path)})

    shown = [line.removeprefix("PRINT ") for line in done.stdout.splitlines()
             if line.startswith("PRINT ")]
    assert shown == WANT


@pytest.mark.parametrize("path", ea_files(), ids=lambda p: "/".join(p.parts[-3:]))
def test_string_literals_are_ascii_in_a_file_without_a_byte_order_mark(path: Path) -> None:
    """MetaEditor reads a source file without a byte order mark in the computer's ANSI code page,
    so a UTF-8 "\u2014" in a literal reaches the copier as three wrong characters; the EAs write
    such characters as \\xhhhh escapes (https://docs.mql4.com/basis/types/stringconst)."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return
    source = mask_mql(raw.decode("utf-8")).encode("utf-8")
    tree = Parser(Language(tree_sitter_cpp.language())).parse(source)
    stack, wrong = [tree.root_node], []
    while stack:
        node = stack.pop()
        if node.type in ("string_literal", "char_literal"):
            text = source[node.start_byte:node.end_byte].decode("utf-8")
            if not text.isascii():
                wrong.append(f"{path}:{node.start_point[0] + 1}: {text}")
            continue
        stack.extend(node.children)
    assert wrong == []
