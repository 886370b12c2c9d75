"""No signed package without its audit record: the package is made in a hidden folder in the
destination and only renamed into place once ``evidence.export`` is on the trail; when that
record cannot be written the package is removed (and the failure audited when possible)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from dispatch_desk.desk import DeskCore
from dispatch_desk.evidence import signing
from dispatch_desk.evidence.package import export_package, record_export
from dispatch_desk.evidence.verify import verify_package
from dispatch_desk.evidence.writes import direct_writer, store_writer
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.database import StoreBusy
from tests.helpers.core import FakeClock, actor_for, make_core
from tests.helpers.evidence_data import Case, add_case


@pytest.fixture
def key(core: DeskCore) -> signing.Ed25519PrivateKey:
    return signing.generate(signing.private_key_path(core.settings.evidence, core.paths))


@pytest.fixture
def case(core: DeskCore, supervisor: Actor) -> Case:
    return add_case(core, supervisor, core.clock())


def _entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_package_appears_only_once_audited(
    core: DeskCore, supervisor: Actor, case: Case, key: signing.Ed25519PrivateKey, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    seen_while_writing: list[list[str]] = []

    def progress(done: int, total: int, name: str) -> None:
        seen_while_writing.append(_entries(out))

    result = export_package(core, supervisor, case.incident_id, out, progress)
    assert seen_while_writing and all(
        len(names) == 1 and names[0].startswith(".") for names in seen_while_writing
    )
    assert _entries(out) == [result.folder.name] and not result.folder.name.startswith(".")
    assert verify_package(result.folder, key.public_key()).ok
    (event,) = core.store.read_sync(audit.list_events, action="evidence.export")
    assert event.outcome == "ok" and event.detail["folder"] == str(result.folder)


def test_a_desk_closing_during_an_export_leaves_no_unaudited_package(
    tmp_path: Path, clock: FakeClock
) -> None:
    # The reviewer's case: the app's shutdown closes the store while the worker still copies.
    core = make_core(tmp_path / "desk", clock=clock)

    supervisor = actor_for(core, "supervisor")
    case = add_case(core, supervisor, clock())
    signing.generate(signing.private_key_path(core.settings.evidence, core.paths))
    closing: list[threading.Thread] = []

    def progress(done: int, total: int, name: str) -> None:
        if name and not closing:
            closing.append(threading.Thread(target=core.store.close))
            closing[0].start()
            closing[0].join()

    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="after shutdown"):  # the closed store's writer
        export_package(
            core, supervisor, case.incident_id, out, progress, write=store_writer(core.store)
        )
    assert _entries(out) == []  # neither a package nor a hidden half of one
    again = make_core(tmp_path / "desk", clock=clock)
    try:
        events = again.store.read_sync(audit.list_events, action="evidence.export")
        assert [e.outcome for e in events if e.outcome == "ok"] == []
    finally:
        again.close()


def test_an_audit_record_refused_removes_the_package_and_the_failure_is_audited(
    core: DeskCore, supervisor: Actor, case: Case, key: signing.Ed25519PrivateKey, tmp_path: Path
) -> None:
    direct = direct_writer(core.store)

    def write(fn: Any, *args: Any) -> Any:
        if fn is record_export and args[3] == "ok":
            raise StoreBusy("database is locked")
        return direct(fn, *args)

    out = tmp_path / "out"
    with pytest.raises(StoreBusy):
        export_package(core, supervisor, case.incident_id, out, write=write)
    assert _entries(out) == []
    events = core.store.read_sync(audit.list_events, action="evidence.export")
    assert [e.outcome for e in events] == ["failed"]
    assert "StoreBusy" in events[0].detail["detail"]


def test_package_files_are_readable_by_their_owner_only(
    core: DeskCore, supervisor: Actor, case: Case, key: signing.Ed25519PrivateKey, tmp_path: Path
) -> None:
    # Like the media folder: caller data is not for every account on the machine.
    result = export_package(core, supervisor, case.incident_id, tmp_path / "out")
    modes = {
        p.relative_to(result.folder).as_posix(): p.stat().st_mode & 0o777
        for p in [result.folder, *result.folder.rglob("*")]
    }
    assert modes["."] == 0o700
    assert {m for p, m in modes.items() if (result.folder / p).is_dir()} == {0o700}
    files = {p: m for p, m in modes.items() if (result.folder / p).is_file()}
    assert "manifest.json" in files and "media/photo/photo-1.jpg" in files
    assert set(files.values()) == {0o600}, files


def test_a_missing_signing_key_is_audited_after_the_role_check(
    core: DeskCore, supervisor: Actor, case: Case, tmp_path: Path
) -> None:
    with pytest.raises(signing.SigningKeyError):
        export_package(core, supervisor, case.incident_id, tmp_path / "out")
    events = core.store.read_sync(audit.list_events, action="evidence.export")
    assert [(e.username, e.outcome) for e in events] == [(supervisor.username, "failed")]
    assert "dispatch-desk evidence keygen" in events[0].detail["detail"]
    assert _entries(tmp_path / "out") == []
