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
from harness.build import compile_from_data_folder
from harness.layout import lay_out_data_folder

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
   return(INIT_SUCCEEDED);
  }
"""
WANT = ["empty=[]", 'escapes=[a""b]', 'escape=[\\"x]', "accept=[s3pPLMBiTxaQ9kYGzzhZRbK+xOo=]",
        "blank=[]"]


@pytest.mark.parametrize("suffix", [".mq4", ".mq5"])
def test_empty_runs_and_padded_values_read_alike_on_both_platforms(
        tmp_path: Path, suffix: str) -> None:
    platform = "mql4" if suffix == ".mq4" else "mql5"
    data = lay_out_data_folder(tmp_path / "data", (platform,))
    (data / platform.upper() / "Experts" / f"Probe{suffix}").write_text(PROBE, encoding="utf-8")
    binary = compile_from_data_folder(data, f"Probe{suffix}", tmp_path / "build")

    done = subprocess.run([str(binary)], input="quit\n", capture_output=True, text=True,
                          timeout=30, check=True, env={"MQL_FILES_DIR": str(tmp_path)})

    shown = [line.removeprefix("PRINT ") for line in done.stdout.splitlines()
             if line.startswith("PRINT ")]
    assert shown == WANT
