"""Retention: what is past its policy goes, rows and files, except what an open or held incident
has; a dry run removes nothing; every run is audited with its counts."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch_desk.audit.verify import verify_all
from dispatch_desk.desk import DeskCore
from dispatch_desk.evidence import holds
from dispatch_desk.evidence.retention import (
    RetentionReport,
    run_retention,
)
from dispatch_desk.evidence.writes import direct_writer
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, PermissionDenied
from dispatch_desk.storage.models import Base, CitizenMedia, RowClock
from tests.helpers.core import FakeClock
from tests.helpers.evidence_data import Case, add_case

TABLES = (
    "citizen_media",
    "citizen_message",
    "sms_message",
    "location",
    "camera_viewing",
    "camera_still",
)


def _present(core: DeskCore, case: Case) -> dict[str, int]:
    def count(session: Session) -> dict[str, int]:
        out = {}
        for name in TABLES:
            table = Base.metadata.tables[name]
            out[name] = session.scalar(
                select(func.count()).select_from(table).where(table.c.id.in_(case.rows[name]))
            )
        return out

    return core.store.read_sync(count)


def _all_there(case: Case) -> dict[str, int]:
    return {name: len(case.rows[name]) for name in TABLES}


def _run(core: DeskCore, *, dry_run: bool = False) -> RetentionReport:
    return run_retention(
        direct_writer(core.store),
        core.system_actor(),
        core.settings.retention,
        core.clock(),
        workstation=core.workstation,
        media_dir=core.paths.media_dir,
        dry_run=dry_run,
    )


def test_old_records_of_closed_incidents_go_held_and_open_ones_stay(
    core: DeskCore, clock: FakeClock, supervisor: Actor
) -> None:
    start = clock()
    old = add_case(core, supervisor, start)
    held = add_case(core, supervisor, start)
    still_open = add_case(core, supervisor, start, closed=False)
    core.store.write_sync(holds.place_hold, supervisor, held.incident_id, "court", start)
    # A row clock as sync keeps one, for a row about to go: it must go with it.
    photo_id = old.rows["citizen_media"][1]

    def clock_row(session: Session) -> None:
        session.add(RowClock(table_name="citizen_media", row_id=photo_id, clocks="{}"))

    core.store.write_sync(clock_row)

    recording_size = old.files["recording"].stat().st_size
    media_size = old.files["photo"].stat().st_size + old.files["camera-still"].stat().st_size
    clock.advance(days=100)  # recordings (90 days) are due, nothing else yet
    report = _run(core)
    recordings = report.kinds["recordings"]
    # Two recordings each: this desk's (with its file) and the other desk's (row only).
    assert (recordings.removed, recordings.held, recordings.skipped) == (2, 2, 2)
    assert recordings.bytes_freed == recording_size
    assert not old.files["recording"].exists()
    assert old.files["photo"].exists() and old.files["camera-still"].exists()
    assert _present(core, old)["citizen_media"] == 1  # the photo
    assert report.kinds["media"].removed == 0

    clock.advance(days=300)  # now everything of a year is due
    report = _run(core)
    assert _present(core, old) == dict.fromkeys(TABLES, 0)
    for path in old.files.values():
        assert not path.exists(), path
    assert not (core.paths.media_dir / str(old.session_id)).exists()  # the emptied folder
    assert _present(core, held) == _all_there(held)
    assert _present(core, still_open) == _all_there(still_open)
    for case in (held, still_open):
        assert all(p.exists() for p in case.files.values())
    assert (
        core.store.read_sync(
            lambda s: s.scalar(select(func.count()).where(RowClock.row_id == photo_id))
        )
        == 0
    )
    media = report.kinds["media"]
    assert (media.removed, media.held, media.skipped) == (2, 2, 2)  # a photo and a still each
    assert media.bytes_freed == media_size
    chat = report.kinds["chat"]
    assert (chat.removed, chat.held, chat.skipped) == (3, 3, 3)  # two chat lines and a text
    viewings = report.kinds["camera_viewings"]
    assert (viewings.removed, viewings.held, viewings.skipped) == (1, 1, 1)
    assert report.kinds["locations"].held >= 3 and report.kinds["locations"].skipped >= 3
    assert report.not_run == []  # every kind has its pruner, the audit trail's too

    runs = core.store.read_sync(audit.list_events, action="retention.run")
    assert len(runs) == 2
    last = runs[-1].detail
    assert last["dry_run"] is False and last["not_run"] == []
    for kind, result in report.kinds.items():
        assert last["kinds"][kind]["removed"] == result.removed
        assert last["kinds"][kind]["bytes_freed"] == result.bytes_freed
        assert last["kinds"][kind]["held"] == result.held
        assert last["kinds"][kind]["skipped"] == result.skipped


def test_held_incident_survives_until_released(
    core: DeskCore, clock: FakeClock, supervisor: Actor
) -> None:
    case = add_case(core, supervisor, clock())
    core.store.write_sync(holds.place_hold, supervisor, case.incident_id, "litigation", clock())
    clock.advance(days=800)
    _run(core)
    assert _present(core, case) == _all_there(case)
    assert all(p.exists() for p in case.files.values())
    core.store.write_sync(holds.release_hold, supervisor, case.incident_id, "settled", clock())
    _run(core)
    assert _present(core, case) == dict.fromkeys(TABLES, 0)
    assert not any(p.exists() for p in case.files.values())


def test_dry_run_removes_nothing_and_says_what_would_go(
    core: DeskCore, clock: FakeClock, supervisor: Actor
) -> None:
    case = add_case(core, supervisor, clock())
    clock.advance(days=400)
    report = _run(core, dry_run=True)
    assert _present(core, case) == _all_there(case)
    assert all(p.exists() for p in case.files.values())
    sizes = sum(p.stat().st_size for p in case.files.values())
    total = sum(r.bytes_freed for r in report.kinds.values())
    assert total == sizes
    assert report.kinds["recordings"].removed == 2 and report.kinds["chat"].removed == 3
    run = core.store.read_sync(audit.list_events, action="retention.run")[-1]
    assert run.detail["dry_run"] is True
    assert run.detail["kinds"]["chat"]["removed"] == report.kinds["chat"].removed


def test_a_file_name_outside_the_media_folder_is_left_alone(
    core: DeskCore, clock: FakeClock, supervisor: Actor, tmp_path: Path
) -> None:
    case = add_case(core, supervisor, clock())
    outside = tmp_path / "precious.txt"
    outside.write_text("not the desk's to delete")

    def point_outside(session: Session) -> None:
        row = session.get(CitizenMedia, case.rows["citizen_media"][0])
        assert row is not None
        row.file_name = "../../precious.txt"

    core.store.write_sync(point_outside)
    clock.advance(days=400)
    report = _run(core)
    assert outside.read_text() == "not the desk's to delete"
    assert any("outside the media folder" in p for p in report.kinds["recordings"].problems)
    # The row is kept with the file it names: removing it would lose track of that file.
    assert _present(core, case)["citizen_media"] == 1
    assert report.kinds["recordings"].removed == 1  # the other desk's recording (row only)


def test_the_audit_trail_is_pruned_to_an_anchor_but_never_past_a_held_incident(
    core: DeskCore, clock: FakeClock, supervisor: Actor
) -> None:
    start = clock()
    gone = add_case(core, supervisor, start)  # audited early: its entries are the chain's start
    held = add_case(core, supervisor, start + timedelta(days=1))
    core.store.write_sync(
        holds.place_hold, supervisor, held.incident_id, "court", start + timedelta(days=2)
    )
    later = add_case(core, supervisor, start + timedelta(days=3))
    before = core.store.read_sync(audit.list_events, limit=100000)
    assert any(e.entity_id == str(gone.incident_id) for e in before)
    clock.advance(days=core.settings.retention.audit_days + 30)
    report = _run(core)
    after = core.store.read_sync(audit.list_events, limit=100000)
    assert report.kinds["audit"].removed > 0 and report.not_run == []
    # The chain's start went, up to the first entry about the held incident; from there on,
    # everything stays (a chain is only ever cut at its start).
    assert not any(e.entity_id == str(gone.incident_id) for e in after)
    first_held = next(
        i
        for i, e in enumerate(before)
        if str(held.incident_id) in (e.entity_id + json.dumps(e.detail))
    )
    kept = {(e.at, e.action, e.entity_id) for e in before[first_held:]}
    assert kept <= {(e.at, e.action, e.entity_id) for e in after}
    assert any(e.entity_id == str(later.incident_id) for e in after)
    # The trail's own prune record, the run's removal of the kind, then the run itself.
    run = [(e.action, e.detail.get("kind")) for e in after if e.at == clock()]
    assert {("audit.prune", None), ("retention.remove", "audit"), ("retention.run", None)} <= set(
        run
    )
    reports = core.store.read_sync(verify_all, core.workstation)
    assert reports and all(r.ok for r in reports), [str(r) for r in reports]


def test_only_an_admin_runs_retention(core: DeskCore, supervisor: Actor) -> None:
    with pytest.raises(PermissionDenied):
        run_retention(
            direct_writer(core.store),
            supervisor,
            core.settings.retention,
            core.clock(),
            workstation=core.workstation,
            media_dir=core.paths.media_dir,
        )
    denied = core.store.read_sync(audit.list_events, action="retention.run")
    assert [(e.username, e.outcome) for e in denied] == [(supervisor.username, "denied")]
