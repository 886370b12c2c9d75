"""`dispatch-desk audit verify` and `audit export` as an administrator runs them: a real process
on a real cache; each way of tampering with the table makes verify exit 1 naming the entry."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection

from dispatch_desk.services import audit
from dispatch_desk.storage.database import open_sqlite
from tests.helpers import audit_tamper as tamper
from tests.helpers.core import FakeClock, actor_for, demo_password, make_core
from tests.integration.test_cli import run

WS = "ws-cli"
SET_WS = ("--set", f"workstation.id={WS}")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A cache with a trail on workstation ws-cli (and one pulled chain of ws-far)."""
    root = tmp_path_factory.mktemp("audit_cli")
    clock = FakeClock()
    core = make_core(root, clock=clock, workstation__id=WS)
    try:
        dispatcher = actor_for(core, "dispatcher")
        for i in range(6):
            core.store.write_sync(
                audit.record, dispatcher, clock.advance(minutes=1), "camera.view", n=i
            )
        far = dispatcher.__class__(None, "far", "Far", dispatcher.role, "ws-far")
        for i in range(3):
            core.store.write_sync(audit.record, far, clock.advance(minutes=1), "login", n=i)
        passwords = {u: demo_password(core, u) for u in ("admin", "supervisor")}
    finally:
        core.close()
    return root / "home", passwords


def _copy(base: tuple[Path, dict[str, str]], tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(base[0], home)
    return home


def _tamper(home: Path, fn: Callable[[Connection], Any]) -> Any:
    engine = open_sqlite(home / "data" / "cache.sqlite3", busy_timeout_ms=1000)
    try:
        with engine.begin() as conn:
            return fn(conn)
    finally:
        engine.dispose()


def test_an_untouched_trail_verifies(base: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    home = _copy(base, tmp_path)
    result = run(*SET_WS, "audit", "verify", home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"local cache ({WS}):"
    assert "  ws-far: 3 entries, OK" in lines
    own = next(line for line in lines if line.startswith(f"  {WS}: "))
    assert own.endswith("entries, OK")


@pytest.mark.parametrize(
    ("attack", "expected"),
    [
        (lambda c: tamper.edit_field(c, WS, 3), "BROKEN at seq 3, id {id}: hash mismatch"),
        (lambda c: tamper.delete_seq(c, WS, 3), "BROKEN at seq 4, id"),
        (lambda c: tamper.delete_last(c, WS), "BROKEN at seq {seq}: missing head entry"),
        (lambda c: tamper.swap(c, WS, 3, 4), "BROKEN at seq 3, id"),
        (lambda c: tamper.forge_after(c, WS, 2), "BROKEN at seq 3, id {id}: two entries at seq 3"),
        (lambda c: tamper.delete_seq(c, "ws-far", 3), "ws-far: BROKEN at seq 3: missing head"),
    ],
    ids=["edited", "middle-deleted", "last-deleted", "reordered", "forged", "other-ws-last"],
)
def test_tampering_is_named_and_exits_1(
    base: tuple[Path, dict[str, str]], tmp_path: Path, attack: Any, expected: str
) -> None:
    home = _copy(base, tmp_path)
    row = _tamper(home, attack)
    result = run(*SET_WS, "audit", "verify", home=home)
    assert result.returncode == 1, result.stdout + result.stderr
    if isinstance(row, dict):
        expected = expected.format(id=row["id"], seq=row["seq"])
    assert expected in result.stdout, result.stdout


def test_export_signs_in_an_admin_and_writes_the_filtered_trail(
    base: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    home = _copy(base, tmp_path)
    out = tmp_path / "trail.csv"
    result = run(
        *SET_WS,
        "audit",
        "export",
        str(out),
        "--user",
        "admin",
        "--password-stdin",
        "--action",
        "camera.",
        home=home,
        stdin=base[1]["admin"] + "\n",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"6 audit entries written to {out}"
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["action"] for r in rows] == ["camera.view"] * 6
    assert rows[0]["detail"] == '{"n": 5}'

    refused = run(
        *SET_WS,
        "audit",
        "export",
        str(tmp_path / "no.csv"),
        "--user",
        "supervisor",
        "--password-stdin",
        home=home,
        stdin=base[1]["supervisor"] + "\n",
    )
    assert refused.returncode == 1
    assert "may not do this (audit.export)" in refused.stderr
    assert not (tmp_path / "no.csv").exists()

    wrong = run(
        *SET_WS, "audit", "export", str(tmp_path / "no.csv"), "--user", "admin",
        "--password-stdin", home=home, stdin="not-the-password\n",
    )  # fmt: skip
    assert wrong.returncode == 1
    assert "User name or password is wrong" in wrong.stderr

    # All three are on the trail, and it still verifies.
    again = _copy_out(home, tmp_path, base[1]["admin"])
    outcomes = {(r["username"], r["action"], r["outcome"]) for r in again}
    assert ("admin", "audit.export", "ok") in outcomes
    assert ("supervisor", "audit.export", "denied") in outcomes
    assert ("admin", "login", "failed") in outcomes
    assert run(*SET_WS, "audit", "verify", home=home).returncode == 0


def _copy_out(home: Path, tmp_path: Path, password: str) -> list[dict[str, str]]:
    out = tmp_path / "all.csv"
    result = run(
        *SET_WS, "audit", "export", str(out), "--user", "admin", "--password-stdin",
        home=home, stdin=password + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
