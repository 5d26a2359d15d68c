"""Where the soak's RSS is, minute by minute (``bench/soak.py --probe``): the RSS by kind of
mapping (``/proc/self/smaps``), glibc's malloc per arena (``malloc_info``), pymalloc's arenas
(``sys._debugmallocstats``), Python's objects and the database's files. Linux and glibc only;
a probe that cannot look gives NaN. Each look costs a few milliseconds (``gc.get_objects`` the
most): fine once a minute.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import math
import os
import re
import sys
import tempfile
import tracemalloc
from pathlib import Path

MB = 1024 * 1024
THREAD_HEAP_ALIGN = 64 * MB  # glibc's HEAP_MAX_SIZE on 64-bit: a thread arena's heaps are aligned

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def rss_by_mapping() -> dict[str, float]:
    """RSS in MB by kind: files (code, the database's mmap), ``[heap]`` (the main malloc arena),
    glibc's thread arenas (anonymous, 64 MB-aligned), the rest anonymous (pymalloc's arenas,
    malloc's large mmapped blocks, thread stacks)."""
    kinds = {"file": 0.0, "brk": 0.0, "thread_arenas": 0.0, "anon": 0.0}
    kind = "anon"
    try:
        lines = Path("/proc/self/smaps").read_text().splitlines()
    except OSError:
        return {k: math.nan for k in kinds}
    for line in lines:
        head = line.split(maxsplit=5)
        if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
            start = int(head[0].split("-")[0], 16)
            path = head[5] if len(head) > 5 else ""
            if path == "[heap]":
                kind = "brk"
            elif path and not path.startswith("["):
                kind = "file"
            elif not path and start % THREAD_HEAP_ALIGN == 0:
                kind = "thread_arenas"
            else:
                kind = "anon"
        elif line.startswith("Rss:"):
            kinds[kind] += int(line.split()[1]) / 1024
    return kinds


def malloc_arenas() -> list[dict[str, float]]:
    """glibc's view of each malloc arena (``malloc_info``): heap 0 is the main thread's; MB in
    use by the system (``current``) and free in the arena (fast and other bins)."""
    buf, size = ctypes.c_char_p(), ctypes.c_size_t()
    open_memstream = _libc.open_memstream
    open_memstream.restype = ctypes.c_void_p
    stream = open_memstream(ctypes.byref(buf), ctypes.byref(size))
    if not stream or _libc.malloc_info(0, ctypes.c_void_p(stream)) != 0:
        return []
    _libc.fclose(ctypes.c_void_p(stream))
    text = ctypes.string_at(buf, size.value).decode()
    _libc.free(buf)
    arenas = []
    for heap in re.findall(r'<heap nr="\d+">(.*?)</heap>', text, re.S):
        free = re.findall(r'<total type="(?:fast|rest)" count="\d+" size="(\d+)"', heap)
        current = re.search(r'<system type="current" size="(\d+)"', heap)
        system = int(current.group(1)) / MB if current else math.nan
        arenas.append({"free": sum(int(f) for f in free) / MB, "system": system})
    return arenas


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]  # fmt: skip


def mmapped_mb() -> float:
    """Bytes in malloc's blocks too large for an arena, each mmapped on its own (``hblkhd``)."""
    function = getattr(_libc, "mallinfo2", None)
    if function is None:
        return math.nan
    function.restype = _Mallinfo2
    return float(function().hblkhd) / MB


def pymalloc_arenas() -> dict[str, float]:
    """pymalloc's arenas now (1 MiB each, mmapped) and the bytes in their allocated blocks."""
    with tempfile.TemporaryFile("w+") as out:
        saved = os.dup(2)
        sys.stderr.flush()
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read()

    def number(label: str) -> float:
        found = re.search(re.escape(label) + r"\s*=\s*([\d,]+)", text)
        return float(found.group(1).replace(",", "")) if found else math.nan

    return {"arenas": number("# arenas allocated current"),
            "used_mb": number("# bytes in allocated blocks") / MB}  # fmt: skip


def files_mb(database: Path) -> dict[str, float]:
    sizes = {}
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            sizes["db" + suffix] = (database.parent / (database.name + suffix)).stat().st_size / MB
    return sizes


def look(database: Path) -> dict[str, object]:
    """One look at everything above."""
    traced = tracemalloc.get_traced_memory()[0] / MB if tracemalloc.is_tracing() else math.nan
    return {"rss_by_mapping": rss_by_mapping(), "malloc": malloc_arenas(),
            "pymalloc": pymalloc_arenas(), "gc_objects": len(gc.get_objects()),
            "mmapped_mb": mmapped_mb(), "traced_mb": traced,
            "files": files_mb(database)}  # fmt: skip


def line(seen: dict[str, object]) -> str:
    """One look on one line."""
    m = seen["rss_by_mapping"]
    assert isinstance(m, dict)
    arenas = seen["malloc"]
    assert isinstance(arenas, list)
    py = seen["pymalloc"]
    assert isinstance(py, dict)
    files = seen["files"]
    assert isinstance(files, dict)
    heaps = " ".join(f"{a['system']:.1f}/{a['free']:.1f}" for a in arenas)
    return (f"    RSS file {m['file']:.1f} brk {m['brk']:.1f} thread-arenas "
            f"{m['thread_arenas']:.1f} anon {m['anon']:.1f} (malloc mmapped "
            f"{seen['mmapped_mb']:.1f}) | malloc arenas (system/free MB) {heaps} | pymalloc "
            f"{py['arenas']:.0f} arenas, {py['used_mb']:.1f} MB used | gc objects "
            f"{seen['gc_objects']:,} | traced {seen['traced_mb']:.1f} MB | files "
            + " ".join(f"{k} {v:.1f}" for k, v in files.items()))  # fmt: skip


numbers_order = ("file", "brk", "thread_arenas", "anon", "malloc_system", "malloc_free",
                 "pymalloc_arenas", "pymalloc_used", "gc_objects")  # fmt: skip


def numbers(seen: dict[str, object]) -> dict[str, float]:
    """One look's figures to fit a slope to (MB, or counts)."""
    m = seen["rss_by_mapping"]
    arenas = seen["malloc"]
    py = seen["pymalloc"]
    len_objects = seen["gc_objects"]
    assert isinstance(m, dict) and isinstance(arenas, list) and isinstance(py, dict)
    assert isinstance(len_objects, int)
    return {**m, "malloc_system": sum(a["system"] for a in arenas),
            "malloc_free": sum(a["free"] for a in arenas), "pymalloc_arenas": py["arenas"],
            "pymalloc_used": py["used_mb"], "gc_objects": float(len_objects)}  # fmt: skip
