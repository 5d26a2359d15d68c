"""The ``copier`` command line: the window, the demo, headless running, log export, tools.

Each sub-command imports what it needs when it runs, so ``copier export-log`` never loads Qt and
the headless commands run on a machine without a display.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys

from copier import __version__
from copier.userpath import user_path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="copier", description="TradeCopier — MT4/MT5 trade copier"
    )
    parser.add_argument("--version", action="version", version=f"TradeCopier {__version__}")
    parser.add_argument(
        "--data-dir", type=user_path, default=None,
        help="folder for the database and settings (default: $TRADECOPIER_DATA_DIR or the "
             "user data folder)",
    )
    parser.add_argument(
        "--self-test", action="store_true",
        help="open the window on simulated terminals, copy one trade, close; exit 0 when it works",
    )
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", help="run the whole pipeline on simulated terminals")
    demo.add_argument("--headless", action="store_true", help="no window; progress on stderr")
    demo.add_argument("--seconds", type=float, default=None,
                      help="how long the master trades (headless default 20; the window: until "
                           "it is closed)")
    demo.add_argument("--seed", type=int, default=None, help="seed of the master's trading")
    demo.add_argument("--json", action="store_true", help="print the final report as JSON")
    demo.add_argument("--transport", choices=("sim", "ea", "mt5"), default="sim",
                      help="sim: in-process terminals; ea: reference EAs over the bridge; "
                           "mt5: MetaTrader5 worker processes")
    demo.add_argument("--simulate", action="store_true",
                      help="with --transport mt5: use the MetaTrader5 stand-in (no real terminal)")
    demo.add_argument("--rate", type=float, default=5.0, help="master actions per second")

    run = sub.add_parser("run", help="run the copier with the saved accounts and links")
    run.add_argument("--headless", action="store_true", help="no window (for a VPS)")
    run.add_argument("--host", default=None, help="bridge address (default 127.0.0.1)")
    run.add_argument("--port", type=int, default=None, help="bridge port (default 8080)")
    run.add_argument("--remote-host", default=None,
                     help="also accept EAs from other machines on this address (TLS only)")
    run.add_argument("--remote-port", type=int, default=8443, help="remote listener port")
    run.add_argument("--cert", type=user_path, default=None, help="TLS certificate file (PEM)")
    run.add_argument("--key", type=user_path, default=None, help="TLS private key file (PEM)")
    run.add_argument("--self-signed", action="store_true",
                     help="use a self-signed certificate made in the data folder on first use")
    run.add_argument("--allow", action="append", default=[], metavar="ADDRESS[/BITS]",
                     help="address or CIDR range the remote listener admits (repeat or comma)")

    keys = sub.add_parser("keys", help="API keys of an account: list, create, rotate, revoke")
    keys.add_argument("action", choices=("list", "create", "rotate", "revoke"))
    keys.add_argument("account", help="account id, login@server, or login")
    keys.add_argument("--days", type=int, default=None,
                      help="lifetime of a new key (default: the account's, 30 days)")
    keys.add_argument("--grace-hours", type=float, default=None,
                      help="rotate: how long old keys keep working (default: the account's, 24)")

    stats = sub.add_parser("stats", help="copy statistics per link and per slave")
    stats.add_argument("--json", action="store_true", help="print them as JSON")

    sim_ea = sub.add_parser("sim-ea", add_help=False,
                            help="a reference EA on a simulated account (copier sim-ea --help)")
    sim_ea.add_argument("ea_args", nargs=argparse.REMAINDER)

    from copier.eas.command import add_parser as add_eas_parser

    add_eas_parser(sub)

    export = sub.add_parser("export-log", help="write the trade log to CSV")
    export.add_argument("--out", type=user_path, required=True)
    export.add_argument("--since", default=None, help="YYYY-MM-DD or ISO-8601 (UTC)")
    export.add_argument("--until", default=None, help="YYYY-MM-DD or ISO-8601 (UTC)")
    export.add_argument("--account", default=None)
    export.add_argument("--symbol", default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The program (``argv`` None: the process's arguments) or a call with ``argv``. Only the
    program sets up the process's logging (copier.logfile): a caller keeps its own."""
    as_program = argv is None
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sim-ea"]:  # its own parser, help included
        from copier.refea.run import main as sim_ea_main

        return sim_ea_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.data_dir is not None:
        os.environ["TRADECOPIER_DATA_DIR"] = str(args.data_dir)
    if as_program:
        _start_logging(args, argv)
    try:
        if args.self_test:
            return _self_test()
        if args.command == "demo":
            return _demo(args)
        if args.command == "export-log":
            return _export_log(args)
        if args.command == "run":
            return _run(args)
        if args.command == "stats":
            return _stats(args)
        if args.command == "keys":
            return _keys(args)
        if args.command == "eas":
            from copier.eas.command import run as run_eas

            return run_eas(args)
        return _gui(demo=False)
    except KeyboardInterrupt:
        return 130


def _start_logging(args: argparse.Namespace, argv: list[str]) -> None:
    """The log file in the data folder for the commands that work on it; the self-test and the
    demo keep the trader's folder untouched (unless there is no console: then the file is the
    only place their output can go)."""
    from copier.logfile import setup_logging

    console = "INFO" if args.command == "run" else "WARNING"
    to_file = not args.self_test and args.command != "demo"
    path = setup_logging(args.data_dir, console_level=console, to_file=to_file)
    if path is not None:
        logging.getLogger("copier").info("TradeCopier %s started: %s (log file %s)",
                                         __version__, " ".join(argv) or "window", path)


def _demo(args: argparse.Namespace) -> int:
    if not args.headless:
        return _gui(demo=True, seconds=args.seconds, seed=args.seed)
    from copier.demo import DemoOptions, run_demo

    seconds = args.seconds if args.seconds is not None else 20.0
    options = DemoOptions(seconds=seconds, seed=args.seed, transport=args.transport,
                          simulate=args.simulate, rate=args.rate, data_dir=args.data_dir)
    report = asyncio.run(run_demo(options, progress=_stderr))
    if args.json:
        print(json.dumps(report.to_dict(), sort_keys=True))
    else:
        print(report.describe())
    return 0 if report.healthy else 1


def _export_log(args: argparse.Namespace) -> int:
    from copier.store import Store
    from copier.store.export import ExportError, export_copies_csv, parse_date

    since = parse_date(args.since) if args.since else None
    until = parse_date(args.until, end_of_day=True) if args.until else None
    store = Store.open(args.data_dir)
    try:
        rows = export_copies_csv(store, args.out, since=since, until=until,
                                 account=args.account, symbol=args.symbol)
    except ExportError as exc:  # e.g. the file is open in Excel (Windows)
        _stderr(str(exc))
        return 2
    finally:
        store.close()
    _stderr(f"wrote {rows} rows (copies and refusals) to {args.out}")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from copier.stats import compute_stats
    from copier.store import Store

    with Store.open(args.data_dir) as store:
        figures = compute_stats(store)
    if args.json:
        print(json.dumps(figures, sort_keys=True))
        return 0
    for link in figures.get("links", []):
        print(json.dumps(link, sort_keys=True))
    return 0


def _run(args: argparse.Namespace) -> int:
    from copier.app import AppConfig, run_headless
    from copier.bridge import BridgeConfigError
    from copier.bridge.tls import TlsError
    from copier.datalock import DataFolderLock, DataFolderRefused

    try:  # before anything starts: a second copier on this folder would copy every trade twice
        lock = DataFolderLock.claim(args.data_dir)
    except DataFolderRefused as exc:  # another copier has it, or it cannot be written
        _stderr(str(exc))
        return 2
    allow = tuple(a.strip() for entry in args.allow for a in entry.split(",") if a.strip())
    config = AppConfig(
        data_dir=args.data_dir, bridge_host=args.host or "127.0.0.1", bridge_port=args.port or 8080,
        remote_host=args.remote_host, remote_port=args.remote_port, cert_file=args.cert,
        key_file=args.key, self_signed=args.self_signed, remote_allow=allow,
    )  # fmt: skip
    try:
        return asyncio.run(run_headless(config=config))
    except (BridgeConfigError, TlsError) as exc:
        _stderr(f"the copier cannot start: {exc}")
        return 2
    finally:
        lock.release()


def _keys(args: argparse.Namespace) -> int:
    from copier.logfile import has_console
    from copier.store import Store, StoreError, keyadmin

    if args.action in ("create", "rotate") and not has_console("stdout"):
        # The key is shown once and must not land in the log file instead of on a screen.
        _stderr("TradeCopier.exe has no console to show a new key in: run the same command "
                "with tradecopier-cli.exe from a Command Prompt")
        return 2

    try:
        with Store.open(args.data_dir) as store:
            if args.action == "list":
                answer = keyadmin.list_keys(store, args.account)
            elif args.action == "create":
                answer = keyadmin.create_key(store, args.account, args.days)
            elif args.action == "rotate":
                answer = keyadmin.rotate_key(store, args.account, args.days, args.grace_hours)
            else:
                answer = keyadmin.revoke_keys(store, args.account)
    except StoreError as exc:
        _stderr(str(exc))
        return 1
    for line in answer.lines:
        _stderr(line)
    if answer.new_key is not None:
        print(answer.new_key, flush=True)  # stdout, once; the copier keeps only its hash
        _stderr("put this key in the EA inputs now: it is shown only once")
    return 0


def _gui(demo: bool, seconds: float | None = None, seed: int | None = None) -> int:
    try:
        from copier.ui.main import run_gui
    except ImportError as exc:
        _stderr(f"the window cannot start here ({exc}); try: copier demo --headless")
        return 2
    return run_gui(demo=demo, seconds=seconds, seed=seed)


def _self_test() -> int:
    try:
        from copier.ui.selftest import run_self_test
    except ImportError as exc:
        _stderr(f"self-test failed: the window cannot start here ({exc})")
        return 2
    return run_self_test()


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
