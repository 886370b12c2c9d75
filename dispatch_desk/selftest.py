"""Checks of the workstation's environment, each reported on its own line by --self-test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dispatch_desk.config.paths import Paths
from dispatch_desk.config.settings import Settings, SpeechSettings


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def _run(name: str, check: Callable[[], str]) -> CheckResult:
    try:
        return CheckResult(name, True, check())
    except Exception as exc:  # a self-test reports every failure, whatever it is
        return CheckResult(name, False, f"{type(exc).__name__}: {exc}")


def check_folders(paths: Paths) -> str:
    for folder in (paths.config_dir, paths.data_dir, paths.state_dir, paths.log_dir):
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    return f"data in {paths.data_dir}"


def check_agency(settings: Settings, paths: Paths) -> str:
    from dispatch_desk.desk import load_agency

    profile = load_agency(settings, paths)
    return (
        f"{profile.name}: {len(profile.incident_types)} incident types, "
        f"{len(profile.units)} units, {len(profile.apco)} APCO types"
    )


def check_store(settings: Settings, paths: Paths) -> str:
    """Open the cache as the app would, without changing it, and check what it holds."""
    from sqlalchemy import text

    from dispatch_desk.storage.database import open_sqlite
    from dispatch_desk.storage.migrate import SCHEMA_HEAD, current_revision, known_revisions

    store_file = settings.store_file(paths)
    if store_file.exists() and not os.access(store_file, os.R_OK | os.W_OK):
        raise PermissionError(f"{store_file} is not readable and writable")
    with tempfile.TemporaryDirectory(prefix="dd-selftest-") as scratch:
        probe = store_file if store_file.exists() else Path(scratch) / "probe.sqlite3"
        engine = open_sqlite(
            probe,
            busy_timeout_ms=settings.store.busy_timeout_ms,
            synchronous=settings.store.synchronous,
        )
        try:
            with engine.connect() as conn:
                mode = conn.execute(text("PRAGMA journal_mode")).scalar()
                integrity = conn.execute(text("PRAGMA quick_check")).scalar()
            revision = current_revision(engine)
        finally:
            engine.dispose()
    if mode != "wal":
        raise RuntimeError(f"journal mode is {mode}, not WAL")
    if integrity != "ok":
        raise RuntimeError(f"integrity check: {integrity}")
    if revision is not None and revision not in known_revisions(paths.migrations_dir):
        raise RuntimeError(f"schema {revision} is newer than this program ({SCHEMA_HEAD})")
    state = (
        "new, will be created"
        if not store_file.exists()
        else "at head"
        if revision == SCHEMA_HEAD
        else f"at {revision}, will upgrade"
    )
    return f"SQLite WAL, {store_file} ({state})"


def check_speech(speech: SpeechSettings) -> str:
    from dispatch_desk.speech.check import check_speech as check

    return check(speech)


def check_migrations(paths: Paths) -> str:
    from dispatch_desk.storage.migrate import SCHEMA_HEAD, known_revisions

    known = known_revisions(paths.migrations_dir)
    if SCHEMA_HEAD not in known:
        raise RuntimeError(f"schema {SCHEMA_HEAD} missing from {paths.migrations_dir}")
    return f"{len(known)} schema revisions, head {SCHEMA_HEAD}"


def check_citizen_page(paths: Paths) -> str:
    folder = paths.resources_dir / "citizen"
    missing = [n for n in ("index.html", "app.js") if not (folder / n).is_file()]
    if missing:
        raise FileNotFoundError(f"the caller's page lacks {', '.join(missing)} in {folder}")
    return f"the caller's live-session page is in {folder}"


def check_video() -> str:
    from dispatch_desk.video_check import check_video as check

    return check()


def core_checks(settings: Settings, paths: Paths) -> list[CheckResult]:
    return [
        _run("folders", lambda: check_folders(paths)),
        _run("agency", lambda: check_agency(settings, paths)),
        _run("database", lambda: check_store(settings, paths)),
        _run("schema", lambda: check_migrations(paths)),
        _run("citizen page", lambda: check_citizen_page(paths)),
        _run("speech", lambda: check_speech(settings.speech)),
        _run("video", check_video),
    ]
