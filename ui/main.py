"""The dispatch-desk command: the workstation itself, and its tools.

dispatch-desk                       start the workstation (embedded default: demo agency)
dispatch-desk --demo-calls          ... with simulated calls ringing at a steady pace
dispatch-desk --self-test           check this workstation, one line per check
dispatch-desk --version
dispatch-desk user add NAME --role dispatcher    add a local account (asks the password)
dispatch-desk settings              list every setting with its default
dispatch-desk say --to-file FILE "TEXT"          hear (or save as WAV) how the desk says TEXT
dispatch-desk gis import FILE... [--layer KIND] [--replace]   load the agency's GeoJSON layers
dispatch-desk gis geocode "ADDRESS" [--limit N] [--reverse LAT,LON]   best map matches, scored
dispatch-desk cameras import FILE   load cameras (CSV or JSON) into the registry
dispatch-desk evidence keygen|export|verify   signed evidence packages (see --help)
dispatch-desk retention run [--dry-run] [--central URL]   remove records past their policy
dispatch-desk eido export NUMBER [-o FILE] --user NAME --password-stdin   an incident as NENA EIDO
dispatch-desk eido import FILE      create an incident from a NENA EIDO document
dispatch-desk qa form import FILE   store an evaluation form (JSON) as its next version
dispatch-desk --user NAME --password-stdin qa report --from DAY --to DAY FILE.csv   QA report
dispatch-desk machine-settings --set central.url=URL ...   machine-wide settings (installers)
dispatch-desk audit verify [--central URL]   walk every audit hash chain, name the first break
dispatch-desk audit export CSV --user NAME [filters]   the audit trail as CSV (admins)
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import logging.handlers
import sys
import time
from pathlib import Path

from dispatch_desk import __version__
from dispatch_desk.audit import cli as audit_cli
from dispatch_desk.config.paths import Paths, resolve_paths
from dispatch_desk.config.settings import Settings, SettingsError, describe_settings, load_settings

logger = logging.getLogger("dispatch_desk")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dispatch-desk", description="Dispatch Desk workstation")
    parser.add_argument("--version", action="version", version=f"dispatch-desk {__version__}")
    parser.add_argument("--self-test", action="store_true", help="check the environment and exit")
    parser.add_argument("--demo-calls", action="store_true", help="simulate incoming calls")
    parser.add_argument("--config", type=Path, help="extra settings file (TOML)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one setting",
    )
    parser.add_argument("--home", type=Path, help="keep all data, settings and logs here")
    parser.add_argument("--user", help="sign in as this user (with --password-stdin)")
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password for --user from standard input",
    )
    parser.add_argument(
        "--startup-probe",
        action="store_true",
        help="print READY <epoch seconds> once the call-taker window accepts "
        "input, then exit (for benchmarks and installers)",
    )
    sub = parser.add_subparsers(dest="command")
    user = sub.add_parser("user", help="local accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="add a local account")
    add.add_argument("username")
    add.add_argument("--name", default="")
    add.add_argument(
        "--role", required=True, choices=["call-taker", "dispatcher", "supervisor", "admin"]
    )
    sub.add_parser("settings", help="list every setting with its default")
    machine = sub.add_parser(
        "machine-settings",
        help="write settings for every user of this machine (run by installers, as admin)",
    )
    machine.add_argument(
        "--set",
        dest="assign",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="a setting to write; an empty value is skipped",
    )
    machine.add_argument("--file", type=Path, help="the file to write (default: the machine's)")
    machine.add_argument(
        "--purge-local-data",
        action="store_true",
        help="remove the machine settings and every user's local cache, settings and logs "
        "(uninstall with PURGE_LOCAL_DATA=1)",
    )
    machine.add_argument("--users-root", type=Path, help=argparse.SUPPRESS)
    central = sub.add_parser("central", help="the centre's PostgreSQL database")
    central.add_argument(
        "central_command",
        choices=["upgrade", "status"],
        help="upgrade: create or upgrade its schema (run once per release, by IT); "
        "status: show its schema and this workstation's sync backlog",
    )
    central.add_argument("--url", help="overrides central.url")
    say = sub.add_parser("say", help="speak a sentence (or an alert phrase) as the desk would")
    say.add_argument("text", nargs="+", help="the words; with --phrase, key=value fields")
    say.add_argument("--to-file", type=Path, metavar="FILE", help="write a WAV file instead")
    say.add_argument("--phrase", metavar="NAME", help="an alert phrase, e.g. incident.new")
    say.add_argument("--language", choices=["en", "es"])
    say.add_argument("--voice", help="espeak-ng voice id, e.g. gmw/en-us")
    say.add_argument("--rate", type=int, help="words per minute")
    say.add_argument("--volume", type=float, help="0.0 to 1.0")
    gis = sub.add_parser("gis", help="the agency's map layers and the geocoder")
    gis_sub = gis.add_subparsers(dest="gis_command", required=True)
    gis_import = gis_sub.add_parser(
        "import", help="load GeoJSON layers (streets, addresses, places, boundaries)"
    )
    gis_import.add_argument("files", nargs="+", type=Path, metavar="FILE")
    gis_import.add_argument(
        "--layer",
        choices=["streets", "addresses", "places", "boundaries"],
        help="the layer these files hold (found from the geometry and fields if not given)",
    )
    gis_import.add_argument(
        "--replace", action="store_true", help="drop every layer imported before, not just these"
    )
    audit_cli.add_parser(sub)
    cameras = sub.add_parser("cameras", help="the camera registry")
    cameras_sub = cameras.add_subparsers(dest="cameras_command", required=True)
    cameras_import = cameras_sub.add_parser(
        "import", help="load cameras from a CSV or JSON file (all rows or none)"
    )
    cameras_import.add_argument("file", type=Path, metavar="FILE")
    geocode = gis_sub.add_parser("geocode", help="print the best matches for an address")
    geocode.add_argument("text", nargs="*", help="the address as a call-taker would type it")
    geocode.add_argument("--limit", type=int, default=5, help="at most this many matches")
    geocode.add_argument("--reverse", metavar="LAT,LON", help="the nearest address to a point")
    from dispatch_desk.evidence import cli as evidence_cli

    evidence_cli.add_parser(sub)
    from dispatch_desk.eido import cli as eido_cli

    eido_cli.add_parser(sub)
    from dispatch_desk.qa.cli import add_parser as add_qa_parser

    add_qa_parser(sub)
    return parser


def configure_logging(paths: Paths) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_dispatch_desk", False) for h in root.handlers):
        return
    root.setLevel(logging.INFO)
    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        file_handler: logging.Handler = logging.handlers.RotatingFileHandler(
            paths.log_dir / "dispatch-desk.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"
        )
        file_handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
        )
        file_handler._dispatch_desk = True  # type: ignore[attr-defined]
        root.addHandler(file_handler)
    except OSError as exc:
        print(f"dispatch-desk: logging to file disabled: {exc}", file=sys.stderr)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("dispatch-desk: %(levelname)s: %(message)s"))
    console._dispatch_desk = True  # type: ignore[attr-defined]
    root.addHandler(console)


def _self_test(settings: Settings, paths: Paths) -> int:
    from dispatch_desk.selftest import CheckResult, core_checks

    results = core_checks(settings, paths)
    try:
        from PySide6.QtGui import QGuiApplication

        app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
        screens = len(app.screens())
        results.insert(
            0,
            CheckResult(
                "qt", screens > 0, f"PySide6 platform '{app.platformName()}', {screens} screen(s)"
            ),
        )
    except Exception as exc:
        results.insert(0, CheckResult("qt", False, f"{type(exc).__name__}: {exc}"))
    width = max(len(r.name) for r in results)
    for r in results:
        print(f"{'ok  ' if r.ok else 'FAIL'}  {r.name:<{width}}  {r.detail}")
    failed = [r.name for r in results if not r.ok]
    print(f"self-test: {len(results) - len(failed)} ok, {len(failed)} failed")
    return 1 if failed else 0


def _machine_settings(paths: Paths, args: argparse.Namespace) -> int:
    from dispatch_desk.config.machine import purge_local_data, set_machine_settings

    target = args.file or paths.machine_config_file
    if args.purge_local_data:
        for removed in purge_local_data(target, args.users_root):
            print(f"removed {removed}")
        return 0
    from dispatch_desk.audit.admin_log import record_machine_settings

    try:
        written = set_machine_settings(target, args.assign)
    except SettingsError as exc:
        print(f"dispatch-desk: machine settings: {exc}", file=sys.stderr)
        record_machine_settings(paths, args, outcome="refused", error=str(exc))
        return 2
    except OSError as exc:
        print(f"dispatch-desk: cannot write {target}: {exc.strerror}", file=sys.stderr)
        record_machine_settings(paths, args, outcome="failed", error=str(exc.strerror))
        return 1
    print(f"wrote {', '.join(written)} to {target}" if written else "nothing to write")
    if written:
        record_machine_settings(paths, args, outcome="ok", written=written)
    return 0


def _add_user(settings: Settings, paths: Paths, args: argparse.Namespace) -> int:
    from dispatch_desk.desk import DeskCore
    from dispatch_desk.domain.enums import Role
    from dispatch_desk.services import accounts

    password = (
        sys.stdin.readline().rstrip("\n")
        if not sys.stdin.isatty()
        else getpass.getpass(f"Password for {args.username}: ")
    )
    from dispatch_desk.audit.admin_log import os_actor, record_refusal

    core = DeskCore.open(settings, paths)
    try:
        core.store.write_sync(
            accounts.create_user,
            os_actor(core.workstation),
            args.username,
            args.name or args.username,
            Role(args.role),
            password,
        )
    except ValueError as exc:
        print(f"dispatch-desk: {exc}", file=sys.stderr)
        record_refusal(core, "user.create", exc, target=args.username, role=args.role)
        return 2
    finally:
        core.close()
    print(f"added {args.username} ({args.role})")
    return 0


def _run_gui(
    settings: Settings, paths: Paths, args: argparse.Namespace, password: str | None, started: float
) -> int:
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from dispatch_desk.desk import DeskCore
    from dispatch_desk.domain.agency import ProfileError
    from dispatch_desk.storage.database import StoreUnavailable
    from dispatch_desk.storage.migrate import SchemaError
    from ui.app import DeskApp
    from ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Dispatch Desk")
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app, paths.resources_dir, settings.ui.font_pt)
    try:
        core = DeskCore.open(settings, paths)
    except (ProfileError, SchemaError, StoreUnavailable) as exc:
        message = exc.user_message if isinstance(exc, StoreUnavailable) else str(exc)
        print(f"dispatch-desk: cannot start: {message}", file=sys.stderr)
        if not args.startup_probe:
            QMessageBox.critical(None, "Dispatch Desk cannot start", message)
        return 1
    desk = DeskApp(core, demo_calls=args.demo_calls)

    async def run() -> None:
        done = asyncio.get_running_loop().create_future()

        def finish() -> None:
            if not done.done():
                done.set_result(None)

        app.lastWindowClosed.connect(finish)
        app.aboutToQuit.connect(finish)
        if args.startup_probe:

            def ready(_window: object) -> None:
                print(f"READY {time.time():.6f} started {started:.6f}", flush=True)
                QTimer.singleShot(0, finish)

            desk.main_window_ready.connect(ready)
        if args.user and password is not None:
            if await desk.sign_in(args.user, password) is None:
                print("dispatch-desk: sign-in failed", file=sys.stderr)
                return
        else:
            desk.show_login()
        await done
        await desk.shutdown()

    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(run())
    return 0


def _central(settings: Settings, paths: Paths, command: str, url: str | None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from dispatch_desk.storage.migrate import SCHEMA_HEAD, SchemaError
    from dispatch_desk.sync.admin import central_revision, upgrade_central
    from dispatch_desk.sync.engine import schema_problem

    url = url or settings.central.url
    if not url:
        print("dispatch-desk: no central database: set central.url or pass --url", file=sys.stderr)
        return 2
    try:
        if command == "upgrade":
            before = central_revision(url)
            after = upgrade_central(url, paths.migrations_dir)
            print(f"central schema: {before or 'empty'} -> {after}")
            return 0
        found = central_revision(url)
    except (SQLAlchemyError, ValueError, SchemaError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"dispatch-desk: central database: {first}", file=sys.stderr)
        return 1
    print(f"central schema: {found or 'empty'} (this workstation: {SCHEMA_HEAD})")
    problem = schema_problem(found, paths.migrations_dir)
    if problem:
        print(problem)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    started = time.time()
    args = _parser().parse_args(argv)
    paths = resolve_paths(args.home)
    if args.command == "machine-settings":  # before reading settings: it may mend a bad file
        return _machine_settings(paths, args)
    try:
        settings = load_settings(paths, config_file=args.config, overrides=args.overrides)
    except SettingsError as exc:
        print(f"dispatch-desk: settings: {exc}", file=sys.stderr)
        return 2
    if args.command == "settings":
        for name, default, doc in describe_settings():
            print(f"{name:<30} {default:<12} {doc}")
        return 0
    try:
        paths.ensure()
    except OSError as exc:
        print(f"dispatch-desk: cannot create {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    configure_logging(paths)
    if args.self_test:
        return _self_test(settings, paths)
    if args.command == "user":
        return _add_user(settings, paths, args)
    if args.command == "central":
        return _central(settings, paths, args.central_command, args.url)
    if args.command == "gis":
        from dispatch_desk.geo.cli import run_geocode, run_import

        if args.gis_command == "import":
            return run_import(settings, paths, args.files, args.layer, args.replace)
        return run_geocode(settings, paths, " ".join(args.text), args.limit, args.reverse)
    if args.command == "audit":
        return audit_cli.run(args, settings, paths)
    if args.command == "cameras":
        from dispatch_desk.cameras.cli import run_import as import_cameras

        return import_cameras(settings, paths, args.file)
    if args.command in ("evidence", "retention"):
        from dispatch_desk.evidence import cli as evidence_cli

        return evidence_cli.run(args, settings, paths)
    if args.command == "eido":
        from dispatch_desk.eido import cli as eido_cli

        return eido_cli.run(args, settings, paths)
    if args.command == "qa":
        from dispatch_desk.qa.cli import run as run_qa

        return run_qa(args, settings, paths)
    if args.command == "say":
        from dispatch_desk.speech.say import run_say

        return run_say(
            settings.speech,
            args.text,
            to_file=args.to_file,
            phrase=args.phrase,
            language=args.language,
            voice=args.voice,
            rate=args.rate,
            volume=args.volume,
        )
    password = None
    if args.password_stdin:
        if not args.user:
            print("dispatch-desk: --password-stdin needs --user", file=sys.stderr)
            return 2
        password = sys.stdin.readline().rstrip("\n")
    return _run_gui(settings, paths, args, password, started)


if __name__ == "__main__":
    sys.exit(main())
