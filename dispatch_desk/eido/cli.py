"""``dispatch-desk eido export|import``: an incident out as a NENA EIDO document, or one in.

export INCIDENT_NUMBER [-o FILE] --user NAME --password-stdin
    signed in as a desk user (the export holds caller data: supervisors and admins only, and
    the export or its refusal is on the audit trail under that person's name);
import FILE
    an administrative act of the operating-system user who runs it; prints what was imported
    and what could not be mapped; an unreadable or invalid document stores nothing (exit 1).
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from dispatch_desk.config.paths import Paths
from dispatch_desk.config.settings import Settings
from dispatch_desk.domain.enums import Role
from dispatch_desk.eido.checks import MAX_BYTES, EidoInvalid, check_document, parse
from dispatch_desk.services.context import Actor, NotFound, PermissionDenied

PROG = "dispatch-desk: eido"


def add_parser(sub: Any) -> None:
    eido = sub.add_parser("eido", help="NENA EIDO documents: export an incident, import one")
    eido_sub = eido.add_subparsers(dest="eido_command", required=True)
    export = eido_sub.add_parser("export", help="write an incident as an EIDO JSON document")
    export.add_argument("number", metavar="INCIDENT_NUMBER")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="default: stdout")
    export.add_argument(
        "--user", dest="eido_user", metavar="NAME", help="the desk user exporting it"
    )
    export.add_argument(
        "--password-stdin",
        dest="eido_password_stdin",
        action="store_true",
        help="read that user's password from standard input",
    )
    export.add_argument("--purpose", default="", help="why (kept on the audit trail)")
    imp = eido_sub.add_parser("import", help="create an incident from an EIDO JSON document")
    imp.add_argument("file", type=Path, metavar="FILE")


def run(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    if args.eido_command == "export":
        return _export(args, settings, paths)
    return _import(args.file, settings, paths)


def _fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 1


def _export(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from dispatch_desk.desk import DeskCore
    from dispatch_desk.eido.service import export_incident
    from dispatch_desk.services import accounts

    user = args.eido_user or getattr(args, "user", None)
    if not user:
        return _fail("export: --user NAME is needed (an export of caller data is a person's act)")
    if not (args.eido_password_stdin or getattr(args, "password_stdin", False)):
        return _fail("export: give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\n")
    core = DeskCore.open(settings, paths)
    try:
        try:
            actor, _ = core.store.write_sync(
                functools.partial(
                    accounts.authenticate,
                    username=user,
                    password=password,
                    workstation=core.workstation,
                    max_failed=settings.session.max_failed_logins,
                    clock=core.clock,
                )
            )
            document, _ = core.store.write_sync(
                export_incident,
                actor,
                args.number,
                core.clock(),
                issuer=core.workstation,
                agency=core.profile,
                purpose=args.purpose,
            )
        except accounts.LoginFailed as exc:
            return _fail(f"export: sign-in failed: {exc}")
        except PermissionDenied as exc:
            return _fail(f"export refused: {exc}")
        except NotFound as exc:
            return _fail(f"export: {exc}")
    finally:
        core.close()
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        _write_atomically(args.output, text)
    except OSError as exc:
        return _fail(f"export: cannot write {args.output}: {exc.strerror or exc}")
    print(f"exported {args.number} to {args.output}", file=sys.stderr)
    return 0


def _write_atomically(target: Path, text: str) -> None:
    target = target.expanduser()
    handle, temp = tempfile.mkstemp(prefix=".eido-", dir=target.parent or Path("."))
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _read(file: Path) -> bytes:
    with file.open("rb") as handle:
        return handle.read(MAX_BYTES + 1)  # parse() refuses what is over the limit


def _import(file: Path, settings: Settings, paths: Paths) -> int:
    from dispatch_desk.desk import DeskCore
    from dispatch_desk.eido.importer import import_document

    try:
        data = _read(file)
    except OSError as exc:
        return _fail(f"import: cannot read {file}: {exc.strerror or exc}")
    try:
        doc = parse(data)
        problems = check_document(doc)
        if problems:
            raise EidoInvalid(problems)
    except EidoInvalid as exc:
        return _invalid(file, exc)
    core = DeskCore.open(settings, paths)
    try:
        # Who ran it, as the operating system knows them: there is no desk sign-in here.
        name = f"os:{getpass.getuser()}"[:64]
        actor = Actor(None, name, name, Role.ADMIN, core.workstation)
        report, _ = core.store.write_sync(
            import_document,
            actor,
            doc,
            core.clock(),
            catalog=core.catalog,
            leased_numbers=bool(settings.central.url),
        )
    except EidoInvalid as exc:
        return _invalid(file, exc)
    finally:
        core.close()
    for line in report.lines():
        print(line)
    return 0


def _invalid(file: Path, exc: EidoInvalid) -> int:
    print(
        f"{PROG}: import: {file} is not a usable EIDO document; nothing was imported:",
        file=sys.stderr,
    )
    for problem in exc.problems[:50]:
        print(f"  {problem}", file=sys.stderr)
    if len(exc.problems) > 50:
        print(f"  ... and {len(exc.problems) - 50} more", file=sys.stderr)
    return 1
