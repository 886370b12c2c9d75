"""`dispatch-desk eido export|import` as real processes on a temporary --home: a supervisor's
export validates against NENA's schema and is audited; a call-taker's is refused and audited;
the export imports into another centre's store (once), and bad files store nothing and say
why, where."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path

import pytest

from dispatch_desk.desk import DeskCore
from dispatch_desk.eido.ids import PURPOSE_TIMES
from tests.helpers.core import FakeClock, make_settings
from tests.helpers.eido_schema import validate
from tests.integration.test_cli import run
from tests.unit.eido.scenario import worked_incident


def _query(home: Path, sql: str, *params: object) -> list[tuple]:
    db = sqlite3.connect(home / "data" / "cache.sqlite3")
    try:
        return list(db.execute(sql, params))
    finally:
        db.close()


@pytest.fixture(scope="module")
def sender(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A home with a worked incident in its store; its number."""
    root = tmp_path_factory.mktemp("sender")
    settings, paths = make_settings(root)
    core = DeskCore.open(settings, paths, clock=FakeClock())
    try:
        incident_id = worked_incident(core)
        number = core.store.read_sync(core.incidents.summary, incident_id).number
    finally:
        core.close()
    return root / "home", number


def test_supervisor_exports_a_valid_eido_and_it_is_audited(
    sender: tuple[Path, str], tmp_path: Path
) -> None:
    home, number = sender
    out = tmp_path / "incident.json"
    result = run(
        "eido", "export", number, "-o", str(out), "--user", "supervisor", "--password-stdin",
        "--purpose", "records request 2026-17",
        home=home, stdin="supervisor-demo\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"exported {number} to {out}" in result.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert validate(doc) == []
    assert doc["incidentComponent"]["internalIncidentId"] == number
    assert len(doc["callComponent"]) == 2
    rows = _query(
        home,
        "SELECT username, outcome, detail FROM audit_event WHERE action = 'eido.export'",
    )
    assert [(u, o) for u, o, _ in rows] == [("supervisor", "ok")]
    assert json.loads(rows[0][2])["purpose"] == "records request 2026-17"


def test_call_taker_export_is_refused_and_audited(sender: tuple[Path, str], tmp_path: Path) -> None:
    home, number = sender
    out = tmp_path / "nope.json"
    result = run(
        "eido", "export", number, "-o", str(out), "--user", "calltaker", "--password-stdin",
        home=home, stdin="calltaker-demo\n",
    )  # fmt: skip
    assert result.returncode == 1
    assert "export refused: A call taker may not do this (eido.export)." in result.stderr
    assert not out.exists() and result.stdout == ""
    rows = _query(
        home,
        "SELECT username, outcome FROM audit_event WHERE action = 'eido.export' "
        "AND username = 'calltaker'",
    )
    assert rows == [("calltaker", "denied")]

    wrong = run(
        "eido", "export", number, "--user", "supervisor", "--password-stdin",
        home=home, stdin="guess\n",
    )  # fmt: skip
    assert wrong.returncode == 1 and "sign-in failed" in wrong.stderr and wrong.stdout == ""


def test_export_imports_into_another_store_once(sender: tuple[Path, str], tmp_path: Path) -> None:
    home, number = sender
    exported = run(
        "eido", "export", number, "--user", "admin", "--password-stdin",
        home=home, stdin="admin-demo-only\n",
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    file = tmp_path / "from-sender.json"
    file.write_text(exported.stdout, encoding="utf-8")
    eido_id = json.loads(exported.stdout)["incidentComponent"]["$id"]

    other = tmp_path / "receiver"
    result = run("eido", "import", str(file), home=other)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"imported {eido_id} as incident ")
    assert first.endswith("2 call(s), 2 caller(s), 8 location(s), 8 note(s)")
    assert "  $.emergencyResourceComponent[0]: not assigned" in result.stdout
    new_number = first.split(" as incident ")[1].split(":")[0]
    [(address, status)] = _query(
        other, "SELECT address, status FROM incident WHERE number = ?", new_number
    )
    assert (address, status) == ("480 N Main St", "closed")
    [(user, outcome)] = _query(
        other, "SELECT username, outcome FROM audit_event WHERE action = 'eido.import'"
    )
    assert user.startswith("os:") and outcome == "ok"

    again = run("eido", "import", str(file), home=other)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == (
        f"{eido_id} is already here as incident {new_number}; nothing imported"
    )
    assert _query(other, "SELECT count(*) FROM incident WHERE number = ?", new_number) == [(1,)]


def test_bad_files_store_nothing_and_say_why(sender: tuple[Path, str], tmp_path: Path) -> None:
    home, _ = sender
    other = tmp_path / "receiver"
    good = run("eido", "export", sender[1], "--user", "admin", "--password-stdin",
               home=home, stdin="admin-demo-only\n")  # fmt: skip
    doc = json.loads(good.stdout)

    wrong = dict(doc, callComponent=[dict(doc["callComponent"][0], answerDate="soon")])
    hostile = dict(doc, eidoVersion="\x1b[2J\x1b[31mpwned")
    times = next(
        (n, a)
        for n, a in enumerate(doc["additionalDataComponent"])
        if a.get("urlPurpose") == PURPOSE_TIMES
    )
    deep = copy.deepcopy(doc)
    deep["additionalDataComponent"][times[0]]["additionalDataByValue"] = "[" * 99_000
    files = {
        "not-json.json": (b"{ this is not json", "$: not JSON"),
        "wrong.json": (
            json.dumps(wrong).encode(),
            "$.callComponent[0].answerDate: 'soon' is not an RFC 3339 date-time",
        ),
        "huge.json": (b" " * 5_000_001, "the limit is 5,000,000"),
        "deep.json": (
            json.dumps(deep).encode(),
            f"$.additionalDataComponent[{times[0]}].additionalDataByValue: "
            "nested more than 40 levels deep",
        ),
        "hostile.json": (
            json.dumps(hostile).encode(),
            "$.eidoVersion: must be '1.0', not '\\x1b[2J\\x1b[31mpwned'",
        ),
    }
    for name, (data, expected) in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = run("eido", "import", str(path), home=other)
        assert result.returncode == 1, name
        assert "nothing was imported" in result.stderr, name
        assert expected in result.stderr, (name, result.stderr)
        assert "\x1b" not in result.stderr + result.stdout, name
    missing = run("eido", "import", str(tmp_path / "absent.json"), home=other)
    assert missing.returncode == 1 and "cannot read" in missing.stderr
    # Every file was refused before the store was opened: nothing was written anywhere.
    assert not (other / "data" / "cache.sqlite3").exists()
