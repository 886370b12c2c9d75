"""``dispatch-desk audit verify [--central URL]`` and ``dispatch-desk audit export CSV``.

verify walks every workstation's chain in this workstation's cache (and, with ``--central``,
in the central database): one line per chain, "N entries, OK" or the first broken link; exit 0
when every chain verifies, 1 otherwise. export writes the filtered trail as CSV for a desk
administrator who signs in (``--user NAME --password-stdin``), so the read is on the trail under
a person's name.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dispatch_desk.audit.chain import CENTRAL
from dispatch_desk.config.paths import Paths
from dispatch_desk.config.settings import Settings


def add_parser(sub: Any) -> None:
    audit = sub.add_parser("audit", help="the tamper-evident audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="walk every hash chain, name the first break")
    verify.add_argument(
        "--central", metavar="URL", help="also verify the central database (postgresql://...)"
    )
    verify.add_argument(
        "--central-only", action="store_true", help="with --central: skip the local cache"
    )
    export = audit_sub.add_parser("export", help="write the (filtered) trail as CSV")
    export.add_argument("file", type=Path, metavar="CSV")
    export.add_argument("--user", dest="audit_user", required=True, help="a desk administrator")
    export.add_argument(
        "--password-stdin",
        dest="audit_password_stdin",
        action="store_true",
        help="read the password from standard input (else asked for on the terminal)",
    )
    export.add_argument("--since", type=_when, help="from this time (ISO, UTC if no zone)")
    export.add_argument("--until", type=_when, help="before this time")
    export.add_argument("--who", default="", help="only this desk user")
    export.add_argument("--workstation", default="", help="only this workstation")
    export.add_argument("--action", default="", help="actions starting with this (camera.)")
    export.add_argument("--outcome", default="", help="ok, failed, denied, refused ...")
    export.add_argument("--entity", default="", help="only this entity id")
    export.add_argument("--limit", type=int, default=1_000_000, help="at most this many rows")


def _when(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date or time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def run(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    if args.audit_command == "verify":
        return _verify(settings, paths, args.central, args.central_only)
    return _export(settings, paths, args)


def _print(where: str, reports: list) -> bool:  # type: ignore[type-arg]
    print(f"{where}:")
    if not reports:
        print("  no audit entries")
    for report in reports:
        print(f"  {report}")
    return all(r.ok for r in reports)


def _verify(settings: Settings, paths: Paths, central: str | None, central_only: bool) -> int:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from dispatch_desk.audit.verify import verify_all
    from dispatch_desk.sync.admin import sqlalchemy_url

    ok = True
    if not central_only:
        from dispatch_desk.desk import DeskCore

        core = DeskCore.open(settings, paths)
        try:
            reports = core.store.read_sync(verify_all, core.workstation)
        finally:
            core.close()
        ok = _print(f"local cache ({settings.workstation.id})", reports) and ok
    if central:
        try:
            engine = create_engine(sqlalchemy_url(central))
            try:
                with Session(engine) as session:
                    reports = verify_all(session, CENTRAL)
            finally:
                engine.dispose()
        except (SQLAlchemyError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            print(f"dispatch-desk: central database: {first}", file=sys.stderr)
            return 1
        ok = _print("central", reports) and ok
        if not central_only:
            breaks = _compare(settings, paths, central)
            print(f"this cache compared with central ({settings.workstation.id}):")
            for found in breaks:
                print(f"  {found}")
            if not breaks:
                print("  every entry both hold agrees")
            ok = ok and not breaks
    elif central_only:
        print("dispatch-desk: --central-only needs --central URL", file=sys.stderr)
        return 2
    return 0 if ok else 1


def _compare(settings: Settings, paths: Paths, central: str) -> list:  # type: ignore[type-arg]
    """This cache's chains against central's copies, seq by seq (audit.verify)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from dispatch_desk.audit.verify import compare_with_central
    from dispatch_desk.desk import DeskCore
    from dispatch_desk.sync.admin import sqlalchemy_url

    core = DeskCore.open(settings, paths)
    engine = create_engine(sqlalchemy_url(central))
    try:
        with Session(engine) as remote:
            return core.store.read_sync(compare_with_central, remote, core.workstation)
    finally:
        engine.dispose()
        core.close()


def _export(settings: Settings, paths: Paths, args: argparse.Namespace) -> int:
    from dispatch_desk.audit.trail import TrailFilter, export_csv
    from dispatch_desk.desk import DeskCore
    from dispatch_desk.services import accounts
    from dispatch_desk.services.context import PermissionDenied
    from dispatch_desk.storage.database import StoreUnavailable

    if args.audit_password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {args.audit_user}: ")
    flt = TrailFilter(
        since=args.since,
        until=args.until,
        user=args.who,
        workstation=args.workstation,
        action=args.action,
        outcome=args.outcome,
        entity_id=args.entity,
        limit=args.limit,
    )
    core = DeskCore.open(settings, paths)
    try:
        try:
            actor, _ = core.store.write_sync(
                accounts.authenticate,
                args.audit_user,
                password,
                core.workstation,
                max_failed=settings.session.max_failed_logins,
            )
            # On the trail first (a short write), then read in a read transaction and
            # streamed: the running desk's saves are never held up by the export.
            count = export_csv(core.store, actor, core.clock(), flt, args.file)
        except (accounts.LoginFailed, PermissionDenied) as exc:
            print(f"dispatch-desk: audit export: {exc}", file=sys.stderr)
            return 1
        except StoreUnavailable as exc:
            print(
                f"dispatch-desk: audit export: the cache is busy, nothing written: {exc}",
                file=sys.stderr,
            )
            return 1
        except OSError as exc:
            print(f"dispatch-desk: cannot write {args.file}: {exc.strerror}", file=sys.stderr)
            return 1
    finally:
        core.close()
    print(f"{count} audit entries written to {args.file}")
    return 0
