"""``dispatch-desk qa ...``: evaluation forms in and out (JSON), and the QA report as CSV.

    dispatch-desk qa form import FILE        store FILE as the next version of its form
    dispatch-desk qa form export [--name N] [--version V] [FILE]   (stdout without FILE)
    dispatch-desk --user NAME --password-stdin qa report --from DAY --to DAY [--period P]
        [--by-call-taker] CSV

Forms are administration: done as the operating-system user (an administrator). The report
reads QA data, so a desk user signs in (a supervisor or an administrator); the export is
audited as theirs. A bad form file is named with what is wrong and nothing is stored.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dispatch_desk.audit.admin_log import os_actor
from dispatch_desk.config.paths import Paths
from dispatch_desk.config.settings import Settings
from dispatch_desk.qa import access, forms, periods, reports
from dispatch_desk.services import accounts
from dispatch_desk.services.context import NotFound, PermissionDenied
from dispatch_desk.storage.database import StoreUnavailable

PROG = "dispatch-desk: qa"


def add_parser(sub: Any) -> None:
    qa = sub.add_parser("qa", help="quality assurance: evaluation forms and reports")
    qa_sub = qa.add_subparsers(dest="qa_command", required=True)
    form = qa_sub.add_parser("form", help="evaluation forms (JSON)")
    form_sub = form.add_subparsers(dest="qa_form_command", required=True)
    form_import = form_sub.add_parser("import", help="store a form file as its next version")
    form_import.add_argument("file", type=Path, metavar="FILE")
    form_export = form_sub.add_parser("export", help="write a form as JSON")
    form_export.add_argument("file", type=Path, nargs="?", metavar="FILE")
    form_export.add_argument("--name", help="the form's name (default: qa.default_form)")
    form_export.add_argument("--version", type=int, help="a past version (default: latest)")
    report = qa_sub.add_parser("report", help="answer times, QA scores and sessions as CSV")
    report.add_argument("file", type=Path, metavar="CSV")
    report.add_argument("--from", dest="since", required=True, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="until", required=True, metavar="YYYY-MM-DD")
    report.add_argument("--period", choices=periods.PERIODS, default="week")
    report.add_argument(
        "--by-call-taker",
        action="store_true",
        help="each call-taker's QA scores per period instead of the centre's figures",
    )


def _fail(what: str) -> int:
    print(f"{PROG}: {what}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    if args.qa_command == "form" and args.qa_form_command == "import":
        return _import(settings, paths, args.file)
    if args.qa_command == "form":
        return _export(
            settings, paths, args.name or settings.qa.default_form, args.version, args.file
        )
    password = None
    if getattr(args, "password_stdin", False):
        password = sys.stdin.readline().rstrip("\n")
    return _report(settings, paths, args, getattr(args, "user", None), password)


def _import(settings: Settings, paths: Paths, file: Path) -> int:
    from dispatch_desk.desk import DeskCore

    try:
        form = forms.read_form_file(file)
    except forms.FormRejected as exc:
        return _fail(f"form import: {exc}; nothing stored")
    core = DeskCore.open(settings, paths)
    try:
        (stored, new), _ = core.store.write_sync(
            forms.save_form, os_actor(core.workstation), form, core.clock()
        )
    except StoreUnavailable as exc:
        return _fail(f"form import: {exc.user_message}")
    finally:
        core.close()
    if new:
        print(
            f"form {stored.name!r} stored as version {stored.version} "
            f"({len(stored.questions)} questions, pass mark {stored.pass_mark:g} %)"
        )
    else:
        print(f"form {stored.name!r} unchanged: version {stored.version} is the same")
    return 0


def _export(
    settings: Settings, paths: Paths, name: str, version: int | None, file: Path | None
) -> int:
    from dispatch_desk.desk import DeskCore

    core = DeskCore.open(settings, paths)
    try:
        core.store.write_sync(forms.ensure_default_form, os_actor(core.workstation), core.clock())
        form = core.store.read_sync(forms.get_form, name, version)
    except NotFound as exc:
        return _fail(f"form export: {exc}")
    finally:
        core.close()
    text = json.dumps(form.to_json(), ensure_ascii=False, indent=2) + "\n"
    if file is None:
        sys.stdout.write(text)
        return 0
    try:
        file.write_text(text, encoding="utf-8")
    except OSError as exc:
        return _fail(f"form export: {file}: cannot be written: {exc.strerror or exc}")
    print(f"form {form.name!r} version {form.version} written to {file}")
    return 0


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{flag} {text!r}: expected a day as YYYY-MM-DD") from None


def _report(
    settings: Settings,
    paths: Paths,
    args: argparse.Namespace,
    username: str | None,
    password: str | None,
) -> int:
    from dispatch_desk.desk import DeskCore

    if not username or password is None:
        return _fail("report: sign in with --user NAME --password-stdin (supervisor or admin)")
    try:
        first, last = _day(args.since, "--from"), _day(args.until, "--to")
    except ValueError as exc:
        return _fail(f"report: {exc}")
    if last < first:
        return _fail(f"report: --to {last} is before --from {first}")
    core = DeskCore.open(settings, paths)
    try:
        try:
            zone = ZoneInfo(core.profile.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        since = datetime.combine(first, time(0), zone)
        until = datetime.combine(last + timedelta(days=1), time(0), zone)
        try:
            actor, _ = core.store.write_sync(
                accounts.authenticate,
                username=username,
                password=password,
                workstation=core.workstation,
                max_failed=settings.session.max_failed_logins,
                clock=core.clock,
            )
            now = core.clock()
            report = access.read_sync(
                core.store, reports.build_report, actor, now, since, until, args.period, zone
            )
            kind = "csv-by-call-taker" if args.by_call_taker else "csv"
            core.store.write_sync(reports.record_export, actor, now, report, str(args.file), kind)
        except (accounts.LoginFailed, PermissionDenied, StoreUnavailable) as exc:
            message = exc.user_message if isinstance(exc, StoreUnavailable) else str(exc)
            return _fail(f"report: {message}")
        try:
            text = reports.scores_csv(report) if args.by_call_taker else reports.to_csv(report)
            args.file.write_text(text, encoding="utf-8")
        except OSError as exc:
            return _fail(f"report: {args.file}: cannot be written: {exc.strerror or exc}")
    finally:
        core.close()
    total = report.total
    pct15 = f"{total.answers.pct_15:.1f}" if total.answers.pct_15 is not None else "—"
    pct20 = f"{total.answers.pct_20:.1f}" if total.answers.pct_20 is not None else "—"
    print(
        f"{len(report.rows)} {args.period}(s) written to {args.file}: "
        f"{total.answers.answered} calls answered, {pct15} % within 15 s, {pct20} % within 20 s; "
        f"{total.scores.count} evaluations"
    )
    return 0
