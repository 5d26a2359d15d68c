"""The ``copier`` command line: the window, the demo, headless running, the set-up (accounts, links,
set-up files: ``copier.commands``), backups, log export, tools. Parsing and dispatch live here.

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
from pathlib import Path

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

    run = sub.add_parser("run", help="run the copier with the saved accounts and links, no window")
    run.add_argument("--headless", action="store_true",
                     help="accepted for older scripts and ignored: copier run never opens a window")
    run.add_argument("--host", default=None, help="bridge address (default 127.0.0.1)")
    run.add_argument("--port", type=int, default=None,
                     help="bridge port (default 8080; 0: any free port, printed at start)")
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
    keys.add_argument("--role", choices=("monitor", "executor"), default=None,
                      help="create/rotate: the one EA the key is for (default: every EA role "
                           "the account has)")

    stats = sub.add_parser("stats", help="copy statistics per link and per slave")
    stats.add_argument("--json", action="store_true",
                       help="print every figure (per day too) as JSON instead of tables")

    sim_ea = sub.add_parser("sim-ea", add_help=False,
                            help="a reference EA on a simulated account (copier sim-ea --help)")
    sim_ea.add_argument("ea_args", nargs=argparse.REMAINDER)

    from copier.commands import accounts, audit, config_file, links, logs
    from copier.eas.command import add_parser as add_eas_parser

    add_eas_parser(sub)
    accounts.add_parser(sub)
    links.add_parser(sub)
    config_file.add_parser(sub)
    audit.add_parser(sub)
    logs.add_parser(sub)

    from copier.commands.notify import add_parser as add_notify_parser

    add_notify_parser(sub)

    from copier.commands.backup import add_parsers as add_backup_parsers

    add_backup_parsers(sub)

    close_all = sub.add_parser("close-all", help="close every copy of a link or of a slave now")
    target = close_all.add_mutually_exclusive_group(required=True)
    target.add_argument("--link", type=int, default=None, help="the link's number (#)")
    target.add_argument("--slave", default=None, help="the slave's account id: all its links")
    close_all.add_argument("--yes", action="store_true", help="do not ask to confirm")

    export = sub.add_parser("export-log", help="write the trade log to CSV")
    export.add_argument("--out", type=user_path, required=True)
    export.add_argument("--since", default=None, help="YYYY-MM-DD or ISO-8601 (UTC)")
    export.add_argument("--until", default=None, help="YYYY-MM-DD or ISO-8601 (UTC)")
    export.add_argument("--account", default=None)
    export.add_argument("--symbol", default=None)
    accept_everywhere(parser, "--data-dir")
    return parser


def accept_everywhere(parser: argparse.ArgumentParser, flag: str,
                      top: argparse.Action | None = None) -> None:
    """Let every sub-command (and theirs) take the top-level option ``flag`` after its name too
    (``copier export-log --data-dir D``). A sub-command leaves the value alone unless it is given
    there (SUPPRESS), so the top-level one still counts."""
    top = top or next(a for a in parser._actions if flag in a.option_strings)
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for name, child in action.choices.items():
            if name == "sim-ea":  # its own parser reads the rest of the line
                continue
            child.add_argument(flag, dest=top.dest, type=top.type, default=argparse.SUPPRESS,
                               help=top.help, metavar=top.metavar)
            accept_everywhere(child, flag, top)


def main(argv: list[str] | None = None) -> int:
    """The program (``argv`` None: the process's arguments) or a call with ``argv``. Only the
    program sets up the process's logging (copier.logfile): a caller keeps its own."""
    as_program = argv is None
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sim-ea"]:  # its own parser, help included
        from copier.testbed.refea.run import main as sim_ea_main

        return sim_ea_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.data_dir is not None:
        os.environ["TRADECOPIER_DATA_DIR"] = str(args.data_dir)
    if as_program:
        _start_logging(args, argv)
    from copier.commands.common import USAGE_ERROR, describe_os_error, user_errors

    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        return 130
    except user_errors() as exc:
        _stderr(str(exc))
        return USAGE_ERROR
    except OSError as exc:  # a file that cannot be read or written: one sentence, no traceback
        _stderr(describe_os_error(exc))
        return USAGE_ERROR


def _dispatch(args: argparse.Namespace) -> int:
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
    if args.command == "close-all":
        return _close_all(args)
    if args.command == "eas":
        from copier.eas.command import run as run_eas

        return run_eas(args)
    if args.command in ("accounts", "links", "config", "audit", "logs"):
        from copier.commands import accounts, audit, config_file, links, logs

        groups = {"accounts": accounts, "links": links, "config": config_file, "audit": audit,
                  "logs": logs}
        return groups[args.command].run(args)
    if args.command == "notify":
        from copier.commands.notify import run as run_notify

        return run_notify(args)
    if args.command in ("backup", "restore"):
        from copier.commands.backup import run as run_backup

        return run_backup(args)
    return _gui(demo=False)


def _start_logging(args: argparse.Namespace, argv: list[str]) -> None:
    """The log file in the data folder for the commands that work on it; the self-test and the
    demo keep the trader's folder untouched (unless there is no console: then the file is the
    only place their output can go)."""
    from copier.logfile import setup_logging

    console = "INFO" if args.command == "run" else "WARNING"
    to_file = not args.self_test and args.command not in ("demo", "logs")
    path = setup_logging(args.data_dir, console_level=console, to_file=to_file)
    if path is not None:
        logging.getLogger("copier").info("TradeCopier %s started: %s (log file %s)",
                                         __version__, " ".join(argv) or "window", path)


def _demo(args: argparse.Namespace) -> int:
    from copier.commands.common import CommandError
    from copier.datalock import DataFolderLock, DataFolderRefused
    from copier.testbed.demo import demo_folder

    try:
        folder = demo_folder(args.data_dir)
    except OSError as exc:
        raise CommandError(
            f"the demo's folder cannot be emptied ({exc.strerror or exc}) — close whatever uses "
            "it, or give the demo a folder with --data-dir"
        ) from None
    try:  # held while the demo runs: a second demo never empties this one's folder under it
        lock = DataFolderLock.claim(folder)
    except DataFolderRefused as exc:
        raise CommandError(str(exc)) from None
    try:
        return _run_demo(args, folder)
    finally:
        lock.release()


def _run_demo(args: argparse.Namespace, folder: Path) -> int:
    if not args.headless:
        return _gui(demo=True, seconds=args.seconds, seed=args.seed, data_dir=folder)
    from copier.testbed.demo import DemoOptions, run_demo

    seconds = args.seconds if args.seconds is not None else 20.0
    options = DemoOptions(seconds=seconds, seed=args.seed, transport=args.transport,
                          simulate=args.simulate, rate=args.rate, data_dir=folder)
    report = asyncio.run(run_demo(options, progress=_stderr))
    if args.json:
        print(json.dumps(report.to_dict(), sort_keys=True))
    else:
        print(report.describe())
    return 0 if report.healthy else 1


def _export_log(args: argparse.Namespace) -> int:
    from copier.app.reports import ExportError, export_log_between
    from copier.commands.common import CommandError
    from copier.store import Store
    from copier.store.export import parse_date

    try:
        since = parse_date(args.since) if args.since else None
        until = parse_date(args.until, end_of_day=True) if args.until else None
    except ValueError as exc:
        raise CommandError(f"export-log: {exc}") from None
    store = Store.open(args.data_dir)
    try:
        rows = export_log_between(store, args.out, since=since, until=until,
                                  account=args.account, symbol=args.symbol)
    except ExportError as exc:  # e.g. the file is open in Excel (Windows)
        _stderr(str(exc))
        return 2
    finally:
        store.close()
    _stderr(f"wrote {rows} rows (copies and refusals) to {args.out}")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from copier.app.reports import statistics
    from copier.store import Store

    with Store.open(args.data_dir) as store:
        figures = statistics(store)
    if args.json:
        print(json.dumps(figures.to_dict(), sort_keys=True))
        return 0
    from copier.commands.stats_table import render

    print(render(figures), flush=True)
    return 0


def _run(args: argparse.Namespace) -> int:
    from copier.app import AppConfig, run_headless
    from copier.bridge import BridgeConfigError
    from copier.bridge.tls import TlsError
    from copier.datalock import DataFolderLock, DataFolderRefused
    from copier.run_summary import address_in_use

    try:  # before anything starts: a second copier on this folder would copy every trade twice
        lock = DataFolderLock.claim(args.data_dir)
    except DataFolderRefused as exc:  # another copier has it, or it cannot be written
        _stderr(str(exc))
        return 2
    allow = tuple(a.strip() for entry in args.allow for a in entry.split(",") if a.strip())
    host = args.host or "127.0.0.1"
    port = 8080 if args.port is None else args.port  # 0: any free port, printed at start
    config = AppConfig(
        data_dir=args.data_dir, bridge_host=host, bridge_port=port,
        remote_host=args.remote_host, remote_port=args.remote_port, cert_file=args.cert,
        key_file=args.key, self_signed=args.self_signed, remote_allow=allow,
    )  # fmt: skip
    try:
        return asyncio.run(run_headless(config=config))
    except (BridgeConfigError, TlsError) as exc:
        _stderr(f"the copier cannot start: {exc}")
        return 2
    except OSError as exc:
        remote = args.remote_host is not None and f", {args.remote_port})" in str(exc)
        option = "--remote-port" if remote else "--port"
        busy = address_in_use(exc, host, port, option)
        if busy is None:
            raise
        _stderr(busy)
        return 2
    finally:
        lock.release()


def _keys(args: argparse.Namespace) -> int:
    from copier.app import keyadmin
    from copier.logfile import has_console
    from copier.store import Store, StoreError

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
                roles = None if args.role is None else [args.role]
                answer = keyadmin.create_key(store, args.account, args.days, roles)
            elif args.action == "rotate":
                roles = None if args.role is None else [args.role]
                answer = keyadmin.rotate_key(
                    store, args.account, args.days, args.grace_hours, roles
                )
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


def _close_all(args: argparse.Namespace) -> int:
    from copier.app.closeall import close_all
    from copier.store import Store

    def ask(question: str) -> bool:
        try:
            return input(question).strip().lower() in ("y", "yes")
        except EOFError:  # no one to answer (a script): only --yes closes
            return False

    with Store.open(args.data_dir) as store:
        answer = close_all(store, link_id=args.link, slave_id=args.slave, confirmed=args.yes,
                           ask=ask)  # fmt: skip
    for line in answer.lines:
        _stderr(line)
    return answer.code


def _gui(demo: bool, seconds: float | None = None, seed: int | None = None,
         data_dir: Path | None = None) -> int:
    from copier.commands.common import USAGE_ERROR

    missing = missing_display()
    if missing:
        _stderr(missing)
        return USAGE_ERROR
    try:
        from copier.ui.main import run_gui
    except ImportError as exc:
        _stderr(f"the window cannot start here ({exc}); try: copier demo --headless")
        return USAGE_ERROR
    return run_gui(demo=demo, seconds=seconds, seed=seed, data_dir=data_dir)


def missing_display() -> str | None:
    """Why no window can open here, before Qt tries (and aborts with "reinstalling the
    application may fix this problem"): on Linux and the BSDs a window needs an X11 or Wayland
    display, unless ``QT_QPA_PLATFORM`` picks another platform plugin (offscreen, vnc…)."""
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set): "
            "run the copier without a window with `copier run`, or the demo with "
            "`copier demo --headless`")


def _self_test() -> int:
    if missing_display():
        _stderr("self-test failed: no display to open the window on (neither DISPLAY nor "
                "WAYLAND_DISPLAY is set) — run it with QT_QPA_PLATFORM=offscreen")
        return 2
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
