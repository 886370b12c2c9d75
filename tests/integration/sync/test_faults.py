"""Sync under faults: central stopped, a workstation killed mid-push, the network path refused
or hanging, a central schema newer than the workstation's.

In each, nothing written is lost or duplicated (every synced table compared by id between the
caches and central, see tests/helpers/sync_check.py), the outbox ends empty, the engine reports
its state and the changes waiting, and the dispatcher's writes stay fast throughout.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.desk import DeskCore
from dispatch_desk.storage.migrate import SCHEMA_HEAD
from dispatch_desk.storage.models import Incident, SyncOutbox
from dispatch_desk.storage.store import Store
from dispatch_desk.sync import local
from dispatch_desk.sync.admin import upgrade_central
from tests.helpers.pg import PgCluster, server_bindir, wait_until
from tests.helpers.sync_check import compare, read_cache
from tests.helpers.tcp_proxy import TcpProxy
from tests.helpers.workload import Workload
from tests.helpers.ws_process import WsProcess
from tests.integration.sync.conftest import FAST

# A local write while central is unreachable: what the dispatcher may wait, at worst and usually.
MAX_WRITE_S = 1.0
MEDIAN_WRITE_S = 0.1
OP_TIMEOUT_S = float(FAST["central__op_timeout_s"])


def outbox(core: DeskCore) -> int:
    return core.store.read_sync(local.pending_count)


def state(core: DeskCore) -> str:
    assert core.sync is not None
    return core.sync.status.state


def synced(core: DeskCore) -> bool:
    assert core.sync is not None
    s = core.sync.status
    return s.state == "online" and s.pending == 0 and s.behind == 0 and outbox(core) == 0


def wait_synced(*cores: DeskCore, timeout: float = 30.0) -> None:
    for core in cores:
        wait_until(lambda c=core: synced(c), timeout, what=f"{core.workstation} in sync")


def has_incident(core: DeskCore, number: str) -> bool:
    return bool(
        core.store.read_sync(
            lambda s: s.scalar(select(Incident.id).where(Incident.number == number))
        )
    )


def assert_never_blocked(latencies: list[float]) -> None:
    assert latencies, "no writes were timed"
    worst, median = max(latencies), statistics.median(latencies)
    assert worst < MAX_WRITE_S, f"a local write took {worst * 1000:.0f} ms"
    assert median < MEDIAN_WRITE_S, f"local writes took {median * 1000:.0f} ms (median)"


def assert_offline_reported(core: DeskCore, within: float = 30.0) -> None:
    """The engine says it is offline (within ``within`` seconds) and how many changes wait (the
    outbox, exactly)."""
    wait_until(lambda: state(core) == "offline", within, what=f"{core.workstation} offline")
    assert core.sync is not None
    waiting = outbox(core)
    assert waiting > 0
    wait_until(
        lambda: core.sync is not None and core.sync.status.pending == outbox(core),
        10,
        what="the waiting count reported",
    )
    assert core.sync.status.message  # a sentence for the status bar


def assert_nothing_lost(caches: dict[str, Store], url: str, work: Workload | None = None) -> None:
    report = compare(caches, url, expect={"incident": work.incidents} if work else None)
    assert report.ok, report.summary()
    if work is not None:
        with psycopg.connect(url) as conn:
            texts = [
                r[0]
                for r in conn.execute(
                    "SELECT text FROM narrative_entry WHERE text = ANY(%s)", (work.narratives,)
                )
            ]
        assert sorted(texts) == sorted(work.narratives)


# -- central stopped and started again


@pytest.fixture
def own_pg() -> Iterator[tuple[PgCluster, str]]:
    """A cluster of this test's own, free to stop, with a migrated central database."""
    bindir = server_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL server binaries not found; './desk test' installs them")
    cluster = PgCluster(bindir)
    try:
        cluster.start()
        url = cluster.create_database("central")
        upgrade_central(url, resolve_paths().migrations_dir)
        yield cluster, url
    finally:
        cluster.destroy()


def test_central_stopped_and_started_again(own_pg, workstation) -> None:
    cluster, url = own_pg
    a, b = workstation("ws-a", url=url), workstation("ws-b", url=url)
    work = Workload(a)
    work.run(12)
    wait_synced(a, b)
    before = len(work.latencies)

    cluster.stop("fast")
    work.run(200)  # creates, narrative, priority changes, a unit assigned and cleared
    assert_offline_reported(a)
    wait_until(lambda: state(b) == "offline", 30, what="ws-b offline")
    assert not has_incident(b, work.numbers[-1])
    assert_never_blocked(work.latencies[before:])

    cluster.start()  # same port
    wait_synced(a, b)
    wait_until(lambda: has_incident(b, work.numbers[-1]), 10, what="ws-a's work on ws-b")
    assert_nothing_lost({"ws-a": a.store, "ws-b": b.store}, url, work)


# -- a workstation killed in the middle of a push


def receipt(url: str, origin: str) -> int:
    with psycopg.connect(url, connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT last_seq FROM sync_receipt WHERE origin = %s", (origin,)
        ).fetchone()
    return int(row[0]) if row else 0


def test_workstation_killed_mid_push(tmp_path: Path, central: str) -> None:
    home = tmp_path / "ws-k"
    # Thousands of changes made before sync could reach central.
    with WsProcess(home, "ws-k", central, sync=False) as first:
        total = int(first.ask("work 700", "WORKED", 120)[3])
    assert total > 3000
    written = read_cache(resolve_paths(home).default_store_file)

    pushing = WsProcess(home, "ws-k", central, "central.push_batch=25")
    try:
        wait_until(lambda: receipt(central, "ws-k") > 0, 30, 0.005, what="the first push")
        pushing.kill()
    finally:
        pushing.quit()
    half = receipt(central, "ws-k")
    assert 0 < half < total, f"killed too late to be mid-push: {half} of {total}"

    with WsProcess(home, "ws-k", central) as again:
        again.ask("wait-synced 60", "SYNCED", 90)
    assert receipt(central, "ws-k") == total
    report = compare(
        {"ws-k": resolve_paths(home).default_store_file},
        central,
        expect={name: [uuid.UUID(i) for i in rows] for name, rows in written.rows.items()},
    )
    assert report.ok, report.summary()


# -- the network path cut: refused at once, or silent


def database_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


@pytest.mark.parametrize("cut", ["refuse", "hang"])
def test_network_cut_and_restored(cut: str, pg: PgCluster, central: str, workstation) -> None:
    with TcpProxy("127.0.0.1", pg.port) as proxy:
        a = workstation("ws-a", url=proxy.url(database_of(central)))
        b = workstation("ws-b")  # on central directly: it stays online throughout
        work = Workload(a)
        work.run(12)
        wait_synced(a, b)
        wait_until(lambda: has_incident(b, work.numbers[-1]), 10, what="ws-a's work on ws-b")
        before = len(work.latencies)

        getattr(proxy, cut)()
        cut_at = time.monotonic()
        work.run(200)
        # A silent link is noticed by the time limit on each call to central (op_timeout_s).
        assert_offline_reported(a, within=OP_TIMEOUT_S + 5 - (time.monotonic() - cut_at))
        assert state(b) == "online"
        assert not has_incident(b, work.numbers[-1]), "the cut did not cut"
        assert_never_blocked(work.latencies[before:])

        proxy.restore()
        wait_synced(a, b)
        wait_until(lambda: has_incident(b, work.numbers[-1]), 10, what="ws-a's work on ws-b")
        assert_nothing_lost({"ws-a": a.store, "ws-b": b.store}, central, work)


# -- central's schema newer than the workstation's


def set_revision(url: str, revision: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = %s", (revision,))
        # A central upgrade restarts the server: the workstations reconnect and look again.
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name LIKE 'dispatch-desk %%'"
        )


def test_central_schema_newer_than_workstation(central: str, workstation) -> None:
    a = workstation("ws-a")
    work = Workload(a)
    work.run(8)
    wait_synced(a)
    assert a.sync is not None

    set_revision(central, "0099_future")
    wait_until(lambda: state(a) == "incompatible", 20, what="ws-a incompatible")
    message = a.sync.status.message
    assert "'0099_future'" in message and repr(SCHEMA_HEAD) in message, message
    assert "Update Dispatch Desk on this workstation" in message
    before = len(work.latencies)
    for _ in range(20):
        work.create()  # the workstation keeps working on its own
    assert_never_blocked(work.latencies[before:])
    wait_until(lambda: a.sync is not None and a.sync.status.pending == outbox(a) > 0, 10)
    assert state(a) == "incompatible"
    assert receipt(central, "ws-a") < work_top(a)

    set_revision(central, SCHEMA_HEAD)
    wait_synced(a, timeout=45)  # the engine looks again by itself (every 30 s)
    assert a.sync._thread is not None and a.sync._thread.is_alive()
    assert_nothing_lost({"ws-a": a.store}, central, work)


def work_top(core: DeskCore) -> int:
    return int(core.store.read_sync(lambda s: s.scalar(select(func.max(SyncOutbox.seq))) or 0))
