"""`dispatch-desk evidence` and `retention` as a records clerk and IT run them: real processes
on a temporary --home. A package exported by a supervisor verifies; a flipped byte in any of its
files, a file removed or added, or another key's signature makes `verify` name it and exit 1."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dispatch_desk.evidence import signing
from dispatch_desk.storage.models import CitizenMedia
from tests.helpers.core import actor_for, demo_password, make_core
from tests.helpers.evidence_data import add_case
from tests.integration.test_cli import run

WS = ("--set", "workstation.id=test-ws-1")  # the workstation the media were recorded on


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("evidence-cli")
    core = make_core(tmp)
    try:
        case = add_case(core, actor_for(core, "supervisor"), core.clock())
        passwords = {u: demo_password(core, u) for u in ("supervisor", "calltaker")}
    finally:
        core.close()
    home = tmp / "home"
    keygen = run("evidence", "keygen", home=home)
    assert keygen.returncode == 0, keygen.stderr
    public = next(
        line.split()[-1] for line in keygen.stdout.splitlines() if line.startswith("public key")
    )
    key_file = home / "data" / "evidence-signing.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    again = run("evidence", "keygen", home=home)
    assert again.returncode == 1 and "already holds a signing key" in again.stderr
    export = run(
        *WS,
        "evidence",
        "export",
        case.number,
        str(tmp / "out"),
        "--user",
        "supervisor",
        "--password-stdin",
        home=home,
        stdin=passwords["supervisor"] + "\n",
    )
    assert export.returncode == 0, export.stderr
    package = Path(export.stdout.splitlines()[0].removeprefix("package "))
    return {
        "home": home,
        "case": case,
        "public": public,
        "package": package,
        "passwords": passwords,
        "tmp": tmp,
    }


def _verify(setup: dict[str, object], *extra: str) -> tuple[int, list[str]]:
    result = run(
        "--set",
        f"evidence.public_key={setup['public']}",
        "evidence",
        "verify",
        str(setup["package"]),
        *extra,
        home=setup["home"],  # type: ignore[arg-type]
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, result.stdout.splitlines()


def test_exported_package_verifies(setup: dict[str, object]) -> None:
    package: Path = setup["package"]  # type: ignore[assignment]
    manifest = json.loads((package / "manifest.json").read_bytes())
    assert manifest["incident"]["number"] == setup["case"].number  # type: ignore[attr-defined]
    assert any(f["path"].startswith("media/recording/") for f in manifest["files"])
    code, lines = _verify(setup)
    assert code == 0, lines
    assert lines[-1].startswith("OK ") and "signed by the agency key SHA256:" in lines[-1]


def test_flipping_a_byte_in_any_file_is_named(setup: dict[str, object]) -> None:
    package: Path = setup["package"]  # type: ignore[assignment]
    names = sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file())
    assert "manifest.json" in names and "manifest.sig" in names and len(names) >= 8
    for name in names:
        path = package / name
        original = path.read_bytes()
        data = bytearray(original)
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
        try:
            code, lines = _verify(setup)
        finally:
            path.write_bytes(original)
        failed = [line for line in lines if line.startswith("FAIL")]
        assert code == 1 and failed, (name, lines)
        assert name in failed[0], (name, failed)
    assert _verify(setup)[0] == 0


def test_removed_and_added_files_are_named(setup: dict[str, object]) -> None:
    package: Path = setup["package"]  # type: ignore[assignment]
    photo = next(package.glob("media/photo/*"))
    kept = photo.read_bytes()
    photo.unlink()
    planted = package / "media" / "planted.mp4"
    planted.write_bytes(b"not from the desk")
    try:
        code, lines = _verify(setup)
    finally:
        photo.write_bytes(kept)
        planted.unlink()
    rel = photo.relative_to(package).as_posix()
    assert code == 1
    assert f"FAIL  {rel}: missing (listed in the manifest)" in lines
    assert "FAIL  media/planted.mp4: present but not in the manifest: added" in lines


def test_a_package_signed_by_another_key_is_refused(setup: dict[str, object]) -> None:
    other = signing.Ed25519PrivateKey.generate().public_key()
    key_file = setup["tmp"] / "other.pub"  # type: ignore[operator]
    key_file.write_text(signing.public_text(other) + "\n")
    code, lines = _verify(setup, "--public-key", str(key_file))
    assert code == 1
    assert [line for line in lines if line.startswith("FAIL")] == [
        f"FAIL  manifest.json: signed by another key "
        f"({signing.fingerprint(signing.parse_public(setup['public'], 'k'))}), "  # type: ignore[arg-type]
        f"not the agency's ({signing.fingerprint(other)})"
    ]


def test_call_taker_export_is_refused_and_audited(setup: dict[str, object]) -> None:
    home: Path = setup["home"]  # type: ignore[assignment]
    out = setup["tmp"] / "by-calltaker"  # type: ignore[operator]
    result = run(
        *WS,
        "evidence",
        "export",
        setup["case"].number,  # type: ignore[attr-defined]
        str(out),
        "--user",
        "calltaker",
        "--password-stdin",
        home=home,
        stdin=setup["passwords"]["calltaker"] + "\n",  # type: ignore[index]
    )
    assert result.returncode == 1
    assert "may not do this (evidence.export)" in result.stderr
    assert not out.exists()
    db = sqlite3.connect(home / "data" / "cache.sqlite3")
    try:
        rows = db.execute(
            "SELECT username, outcome FROM audit_event WHERE action = 'evidence.export' "
            "ORDER BY at, id"
        ).fetchall()
    finally:
        db.close()
    assert ("supervisor", "ok") in rows and ("calltaker", "denied") in rows


def test_verify_without_a_key_says_where_to_set_it(setup: dict[str, object]) -> None:
    result = run("evidence", "verify", str(setup["package"]), home=setup["home"])  # type: ignore[arg-type]
    assert result.returncode == 2
    assert "set evidence.public_key or pass --public-key" in result.stderr


def test_retention_dry_run_reports_and_removes_nothing(setup: dict[str, object]) -> None:
    home: Path = setup["home"]  # type: ignore[assignment]
    result = run("retention", "run", "--dry-run", home=home)
    assert result.returncode == 0, result.stderr
    assert "(dry run)" in result.stdout and "would remove" in result.stdout
    assert "a dry run does not count this kind" in result.stdout  # the audit trail's prune
    short = run("--set", "retention.audit_days=30", "retention", "run", home=home)
    assert short.returncode == 2
    assert "retention.audit_days: the audit trail is kept at least 365 days" in short.stderr


def test_retention_on_the_central_database(tmp_path: Path, central: str) -> None:
    """IT prunes the central database with `retention run --central URL`: old recordings of a
    closed incident go, with their change-log entries (a workstation pulling the log from the
    start must not bring them back); a held incident's stay (its hold came through sync); the
    workstation's own cache is untouched (deletes do not sync)."""
    import psycopg

    from dispatch_desk.evidence import holds
    from tests.helpers.core import FakeClock
    from tests.helpers.pg import wait_until

    clock = FakeClock(datetime.now(UTC) - timedelta(days=200))  # recordings (90 days) are due
    core = make_core(
        tmp_path / "ws-a",
        clock=clock,
        workstation__id="ws-a",
        central__url=central,
        central__poll_s=30,
        central__retry_max_s=0.5,
    )
    try:
        core.start_sync()
        supervisor = actor_for(core, "supervisor")
        old = add_case(core, supervisor, clock())
        held = add_case(core, supervisor, clock())
        core.store.write_sync(holds.place_hold, supervisor, held.incident_id, "court", clock())
        ids = {str(i) for case in (old, held) for i in case.rows["citizen_media"]}

        def on_central(sql: str, *params: object) -> list[tuple[object, ...]]:
            with psycopg.connect(central) as conn:
                return conn.execute(sql, params).fetchall()

        wait_until(
            lambda: (
                len(on_central("SELECT id FROM citizen_media")) == len(ids)
                and on_central("SELECT id FROM legal_hold WHERE released_at IS NULL")
            ),
            what="the media rows and the hold on the central database",
        )
        result = run("retention", "run", "--central", central, home=tmp_path / "it")
        assert result.returncode == 0, result.stderr
        assert "retention on the central database" in result.stdout
        gone = {str(i) for i in old.rows["citizen_media"][:1] + old.rows["citizen_media"][2:]}
        left = {str(r[0]) for r in on_central("SELECT id FROM citizen_media")}
        assert left == ids - gone  # the old case's two recordings (here and elsewhere) went
        logged = {
            str(r[0])
            for r in on_central("SELECT row_id FROM sync_change WHERE table_name = 'citizen_media'")
        }
        assert not logged & gone and logged >= left
        runs = on_central("SELECT outcome, detail FROM audit_event WHERE action = 'retention.run'")
        assert len(runs) == 1 and runs[0][0] == "ok"
        detail = json.loads(str(runs[0][1]))
        assert detail["central"] is True and detail["kinds"]["recordings"]["removed"] == 2
        assert detail["kinds"]["recordings"]["held"] == 2
        local = core.store.read_sync(lambda s: s.scalars(select(CitizenMedia.id)).all())
        assert {str(i) for i in local} == ids  # the workstation prunes its own cache itself
        assert old.files["recording"].exists()
    finally:
        core.close()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"incident": []}, 'FAIL  manifest.json: "incident" is not an object (list): altered'),
        ({"signer": "x"}, 'FAIL  manifest.json: "signer" is not an object (str): altered'),
        (
            {"files": [{"path": "a" * 300, "size": 1, "sha256": "0"}]},
            "cannot be checked here (File name too long): altered",
        ),
    ],
    ids=["incident a list", "signer a string", "a 300-character path"],
)
def test_a_malformed_manifest_is_named_without_a_traceback(
    setup: dict[str, object], tmp_path: Path, change: dict[str, object], named: str
) -> None:
    import shutil

    package = tmp_path / "pkg"
    shutil.copytree(setup["package"], package)  # type: ignore[arg-type]
    manifest = json.loads((package / "manifest.json").read_bytes())
    manifest.update(change)
    (package / "manifest.json").write_text(json.dumps(manifest))
    result = run(
        "--set",
        f"evidence.public_key={setup['public']}",
        "evidence",
        "verify",
        str(package),
        home=setup["home"],  # type: ignore[arg-type]
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stderr == ""
    assert any(named in line for line in result.stdout.splitlines()), result.stdout
    assert "the signature does not match the manifest" in result.stdout


def test_retention_on_a_locked_cache_says_so_without_a_traceback(
    setup: dict[str, object],
) -> None:
    home: Path = setup["home"]  # type: ignore[assignment]
    database = home / "data" / "cache.sqlite3"
    assert database.exists()
    holder = sqlite3.connect(database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        result = run("retention", "run", home=home)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    said = [
        line for line in result.stderr.splitlines() if line.startswith("dispatch-desk: retention")
    ]
    assert len(said) == 1 and "locked by another program" in said[0], result.stderr
    assert said[0].endswith("Nothing was removed.")
