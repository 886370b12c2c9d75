"""``dispatch-desk evidence keygen|export|verify`` and ``dispatch-desk retention run``.

``export`` hands caller data to whoever runs it, so it signs in a desk user (``--user NAME``,
the password on standard input with ``--password-stdin``): the role check and the audit apply
to a person. ``retention run`` is administrative and acts as the operating-system user.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import threading
from pathlib import Path
from typing import Any

from dispatch_desk.config.paths import Paths
from dispatch_desk.config.settings import Settings
from dispatch_desk.domain.enums import Role
from dispatch_desk.evidence import signing
from dispatch_desk.services.context import Actor, NotFound, PermissionDenied, utc_now

COMMANDS = ("evidence", "retention")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    evidence = sub.add_parser("evidence", help="signed evidence packages of incidents")
    ev_sub = evidence.add_subparsers(dest="evidence_command", required=True)
    keygen = ev_sub.add_parser(
        "keygen", help="make the agency's signing key on this machine and print its public key"
    )
    keygen.add_argument("--force", action="store_true", help="replace an existing key")
    export = ev_sub.add_parser("export", help="export an incident's evidence package")
    export.add_argument("incident", metavar="INCIDENT_NUMBER")
    export.add_argument("dest", type=Path, metavar="DEST", help="folder to put the package in")
    export.add_argument("--user", dest="export_user", help="the desk user exporting")
    export.add_argument(
        "--password-stdin",
        dest="export_password_stdin",
        action="store_true",
        help="read that user's password from standard input",
    )
    verify = ev_sub.add_parser("verify", help="check a package's signature and every file")
    verify.add_argument("package", type=Path, metavar="PACKAGE")
    verify.add_argument(
        "--public-key",
        type=Path,
        metavar="FILE",
        help="the agency's public key (base64 or PEM); default: evidence.public_key",
    )
    retention = sub.add_parser("retention", help="remove records older than their policy")
    ret_sub = retention.add_subparsers(dest="retention_command", required=True)
    run_p = ret_sub.add_parser("run", help="prune this workstation's cache (or --central)")
    run_p.add_argument("--dry-run", action="store_true", help="report, remove nothing")
    run_p.add_argument("--central", metavar="URL", help="prune the central database instead")


def run(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    if args.command == "retention":
        return _retention(settings, paths, args.dry_run, args.central)
    if args.evidence_command == "keygen":
        return _keygen(settings, paths, args.force)
    if args.evidence_command == "verify":
        return _verify(settings, args.package, args.public_key)
    return _export(settings, paths, args)


def _err(message: str) -> None:
    print(f"dispatch-desk: {message}", file=sys.stderr)


def _os_actor(workstation: str) -> Actor:
    user = f"os:{getpass.getuser()}"[:64]
    return Actor(None, user, user, Role.ADMIN, workstation)


def _keygen(settings: Settings, paths: Paths, force: bool) -> int:
    path = signing.private_key_path(settings.evidence, paths)
    try:
        key = signing.generate(path, force=force)
    except signing.SigningKeyError as exc:
        _err(f"evidence keygen: {exc}")
        return 1
    except OSError as exc:
        _err(f"evidence keygen: {path}: {exc.strerror}")
        return 1
    public = signing.public_text(key.public_key())
    print(f"signing key written to {path} (readable by its owner only); keep it safe")
    print(f"public key {public}")
    print(f"fingerprint {signing.fingerprint(key.public_key())}")
    print(
        "give every machine that verifies it: "
        f"dispatch-desk machine-settings --set evidence.public_key={public}"
    )
    return 0


def _verify(settings: Settings, package: Path, key_file: Path | None) -> int:
    from dispatch_desk.evidence.verify import verify_package

    try:
        if key_file is not None:
            try:
                text = key_file.read_text(encoding="ascii")
            except (OSError, UnicodeDecodeError) as exc:
                _err(f"evidence verify: {key_file}: cannot be read ({exc})")
                return 2
            key = signing.parse_public(text, str(key_file))
        elif settings.evidence.public_key:
            key = signing.parse_public(settings.evidence.public_key, "evidence.public_key")
        else:
            _err("evidence verify: no agency key: set evidence.public_key or pass --public-key")
            return 2
    except signing.SigningKeyError as exc:
        _err(f"evidence verify: {exc}")
        return 2
    report = verify_package(package, key)
    for failure in report.failures:
        print(f"FAIL  {failure}")
    if report.ok:
        print(
            f"OK  {package}: incident {report.incident}, {report.checked} file(s) match the "
            f"manifest, signed by the agency key {report.signer}"
        )
        return 0
    print(f"{package}: {len(report.failures)} failure(s)")
    return 1


def _export(settings: Settings, paths: Paths, args: argparse.Namespace) -> int:
    from dispatch_desk.desk import DeskCore
    from dispatch_desk.evidence.contents import find_incident
    from dispatch_desk.evidence.package import ExportCancelled, export_package
    from dispatch_desk.services import accounts

    username = args.export_user or args.user
    if not username:
        _err("evidence export: name the desk user exporting with --user NAME")
        return 2
    if args.export_password_stdin or args.password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {username}: ")
    core = DeskCore.open(settings, paths)
    try:
        try:
            actor, _ = core.store.write_sync(
                accounts.authenticate,
                username,
                password,
                core.workstation,
                max_failed=settings.session.max_failed_logins,
                clock=core.clock,
            )
        except accounts.LoginFailed as exc:
            _err(f"evidence export: sign-in failed: {exc}")
            return 1
        try:
            incident_id = core.store.read_sync(find_incident, args.incident)
            shown = [-1]

            def progress(done: int, total: int, name: str) -> None:
                tenth = done * 10 // total if total else 10
                if tenth != shown[0]:
                    shown[0] = tenth
                    print(f"  {done / 1e6:,.1f} of {total / 1e6:,.1f} MB  {name}", file=sys.stderr)

            result = export_package(
                core, actor, incident_id, args.dest, progress, cancel=threading.Event()
            )
        except (PermissionDenied, NotFound, signing.SigningKeyError, ExportCancelled) as exc:
            _err(f"evidence export: {exc}")
            return 1
        except OSError as exc:
            _err(f"evidence export: {exc.filename or args.dest}: {exc.strerror}")
            return 1
    finally:
        core.close()
    print(f"package {result.folder}")
    print(
        f"{result.files} file(s), {result.bytes:,} bytes of media; "
        f"{result.not_included} held elsewhere or missing (listed in the manifest)"
    )
    print(f"manifest sha256 {result.manifest_sha256}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    return 0


def _retention(settings: Settings, paths: Paths, dry_run: bool, central: str | None) -> int:
    from dispatch_desk.evidence.retention import run_retention
    from dispatch_desk.evidence.writes import direct_writer

    if central:
        return _retention_central(settings, paths, dry_run, central)
    from dispatch_desk.desk import DeskCore
    from dispatch_desk.evidence.retention import RetentionFailed
    from dispatch_desk.storage.database import StoreUnavailable

    try:
        core = DeskCore.open(settings, paths)
    except StoreUnavailable as exc:
        _err(f"retention: {exc.user_message} Nothing was removed.")
        return 1
    try:
        report = run_retention(
            direct_writer(core.store),
            _os_actor(core.workstation),
            settings.retention,
            core.clock(),
            workstation=core.workstation,
            media_dir=paths.media_dir,
            dry_run=dry_run,
        )
    except StoreUnavailable as exc:  # before anything was removed: the first write is the check
        _err(f"retention: {exc.user_message} Nothing was removed.")
        return 1
    except RetentionFailed as exc:
        _failed(exc)
        return 1
    except PermissionDenied as exc:
        _err(f"retention: {exc}")
        return 1
    finally:
        core.close()
    print(f"retention on this workstation's cache{' (dry run)' if dry_run else ''}:")
    for line in report.lines():
        print(f"  {line}")
    return 0


def _failed(exc: Any) -> None:
    from dispatch_desk.storage.database import StoreUnavailable

    cause = exc.cause
    why = cause.user_message if isinstance(cause, StoreUnavailable) else str(cause)
    _err(
        f"retention: stopped at {exc.kind!r}: {why} Removed before that (each removal "
        f"audited): {exc.report.removed_text()}."
    )


def _retention_central(settings: Settings, paths: Paths, dry_run: bool, url: str) -> int:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    from dispatch_desk.evidence.retention import RetentionFailed, run_retention
    from dispatch_desk.evidence.writes import direct_writer
    from dispatch_desk.storage.database import StoreUnavailable
    from dispatch_desk.storage.migrate import SCHEMA_HEAD, current_revision
    from dispatch_desk.storage.store import Store
    from dispatch_desk.sync.admin import sqlalchemy_url

    try:
        engine = create_engine(sqlalchemy_url(url))
    except ValueError as exc:
        _err(f"retention: {exc}")
        return 2
    store = Store(engine)
    try:
        found = current_revision(engine)
        if found != SCHEMA_HEAD:
            _err(
                f"retention: the central database is at schema {found or 'empty'}, "
                f"this version needs {SCHEMA_HEAD}: run 'dispatch-desk central upgrade' first"
            )
            return 1
        report = run_retention(
            direct_writer(store),
            _os_actor(settings.workstation.id),
            settings.retention,
            utc_now(),
            workstation=settings.workstation.id,
            media_dir=None,
            dry_run=dry_run,
            central=True,
        )
    except SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _err(f"retention: central database: {first}")
        return 1
    except StoreUnavailable as exc:
        _err(f"retention: central database: {exc} Nothing was removed.")
        return 1
    except RetentionFailed as exc:
        _failed(exc)
        return 1
    finally:
        store.close()
    print(f"retention on the central database{' (dry run)' if dry_run else ''}:")
    for line in report.lines():
        print(f"  {line}")
    return 0
