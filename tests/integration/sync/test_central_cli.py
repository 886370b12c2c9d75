"""`dispatch-desk central upgrade|status`, as IT runs them against the centre's database."""

from __future__ import annotations

from pathlib import Path

import psycopg

from dispatch_desk.storage.migrate import SCHEMA_HEAD
from tests.helpers.pg import PgCluster
from tests.integration.test_cli import run


def test_upgrade_an_empty_database_then_status(pg: PgCluster, tmp_path: Path) -> None:
    url = pg.create_database("cli_empty")
    status = run("central", "status", "--url", url, home=tmp_path)
    assert status.returncode == 1
    assert "central schema: empty" in status.stdout
    assert "dispatch-desk central upgrade" in status.stdout

    done = run("central", "upgrade", "--url", url, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"empty -> {SCHEMA_HEAD}" in done.stdout
    with psycopg.connect(url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables").fetchall()}
    assert {"incident", "sync_change", "sync_receipt", "number_lease", "sync_outbox"} <= tables

    again = run("central", "status", "--url", url, home=tmp_path)
    assert again.returncode == 0 and f"central schema: {SCHEMA_HEAD}" in again.stdout


def test_unreachable_or_wrong_url_is_a_plain_message(tmp_path: Path) -> None:
    gone = run("central", "status", "--url", "postgresql://x@127.0.0.1:9/none", home=tmp_path)
    assert gone.returncode == 1
    assert gone.stderr.startswith("dispatch-desk: central database:")
    assert "Traceback" not in gone.stderr
    wrong = run("central", "upgrade", "--url", "mysql://x@host/db", home=tmp_path)
    assert wrong.returncode == 1 and "must be a postgresql:// URL" in wrong.stderr
    none = run("central", "status", home=tmp_path)
    assert none.returncode == 2 and "set central.url" in none.stderr
