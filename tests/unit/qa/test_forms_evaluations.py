"""Forms in and out, versions that never change a past evaluation, and who may evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dispatch_desk.desk import DeskCore
from dispatch_desk.qa import access, forms
from dispatch_desk.qa.evaluations import evaluate, for_incident
from dispatch_desk.qa.queue import review_queue
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, PermissionDenied, RuleViolation
from dispatch_desk.storage.models import QaEvaluation, QaForm
from tests.helpers.core import FakeClock, actor_for, create_incident

GOOD = {
    "name": "Text intake",
    "pass_mark": 70,
    "questions": [
        {"id": "loc", "text": "Location confirmed", "weight": 2},
        {"id": "tone", "text": "Tone", "kind": "scale", "scale_max": 2, "weight": 1},
    ],
}


def _count(core: DeskCore, model: type) -> int:
    return core.store.read_sync(lambda s: s.scalar(select(func.count()).select_from(model)))


@pytest.mark.parametrize(
    ("content", "what"),
    [
        ("{not json", "not valid JSON (line 1"),
        (json.dumps([1, 2]), "form: must be a JSON object"),
        (json.dumps({**GOOD, "pass_mark": 120}), "pass_mark: must be a number from 0 to 100"),
        (json.dumps({**GOOD, "questions": []}), "questions: must be a list of 1 to 100"),
        (
            json.dumps({**GOOD, "questions": [GOOD["questions"][0]] * 2}),
            "questions[1].id: 'loc' is used twice",
        ),
        (
            json.dumps({**GOOD, "questions": [{"id": "x", "text": "X", "weight": 0}]}),
            "questions[0].weight: must be a number above 0",
        ),
        (
            json.dumps({**GOOD, "questions": [{"id": "x", "text": "X", "kind": "scale"}]}),
            "questions[0].scale_max: must be a whole number from 1 to 10",
        ),
        (
            json.dumps({**GOOD, "questions": [{"id": "x", "text": "X", "kind": "stars"}]}),
            "questions[0].kind: must be one of yesno, scale",
        ),
        (
            json.dumps({**GOOD, "questions": [{"id": "X Y", "text": "X"}]}),
            "questions[0].id: must be 1-40 lower-case",
        ),
    ],
)
def test_bad_form_file_names_path_and_fault(tmp_path: Path, content: str, what: str) -> None:
    path = tmp_path / "form.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(forms.FormRejected) as caught:
        forms.read_form_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and what in message


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(forms.FormRejected, match="cannot be read"):
        forms.read_form_file(tmp_path / "absent.json")
    binary = tmp_path / "form.json"
    binary.write_bytes(b"\xff\xfe\x00{")
    with pytest.raises(forms.FormRejected, match=f"{binary}: not UTF-8"):
        forms.read_form_file(binary)


def test_export_import_round_trip_and_versions(core: DeskCore, tmp_path: Path) -> None:
    admin = core.system_actor()
    now = core.clock()
    core.store.write_sync(forms.ensure_default_form, admin, now)
    default = core.store.read_sync(forms.get_form, "Call taking")
    assert default.version == 1 and default.questions == forms.DEFAULT_FORM.questions
    # the default is not seeded twice
    assert core.store.write_sync(forms.ensure_default_form, admin, now)[0] is None
    path = tmp_path / "call.json"
    path.write_text(json.dumps(default.to_json()), encoding="utf-8")
    again = forms.read_form_file(path)
    (same, new), _ = core.store.write_sync(forms.save_form, admin, again, now)
    assert not new and same.version == 1  # identical: not a new version
    changed = forms.Form(again.name, again.questions[:-1], 75.0)
    (second, new), _ = core.store.write_sync(forms.save_form, admin, changed, now)
    assert new and second.version == 2
    assert core.store.read_sync(forms.get_form, "Call taking").version == 2
    assert core.store.read_sync(forms.get_form, "Call taking", 1).pass_mark == 80.0
    assert [(f.name, f.version) for f in core.store.read_sync(forms.latest_forms)] == [
        ("Call taking", 2)
    ]


def _closed(core: DeskCore, clock: FakeClock, kind: str = "MEDCARD") -> object:
    incident = create_incident(core, actor_for(core, "calltaker"), incident_type=kind)
    clock.advance(minutes=20)
    core.store.write_sync(
        core.incidents.close, actor_for(core, "dispatcher"), incident.id, "Transported", clock()
    )
    return incident.id


def test_new_version_keeps_past_evaluations(
    core: DeskCore, clock: FakeClock, supervisor: Actor
) -> None:
    incident_id = _closed(core, clock)
    (v1, _), _ = core.store.write_sync(forms.save_form, supervisor, forms.parse_form(GOOD), clock())
    first, _ = core.store.write_sync(
        evaluate, supervisor, clock(), incident_id, v1.id, {"loc": "yes", "tone": 1}, "ok"
    )
    assert first.score == pytest.approx(83.33) and first.passed  # (2 + 0.5) / 3
    stricter = forms.parse_form({**GOOD, "pass_mark": 90})
    (v2, _), _ = core.store.write_sync(forms.save_form, supervisor, stricter, clock())
    assert v2.version == 2
    second, _ = core.store.write_sync(
        evaluate, supervisor, clock(), incident_id, v2.id, {"loc": "yes", "tone": 1}
    )
    assert second.score == first.score and not second.passed
    stored = core.store.read_sync(for_incident, supervisor, clock(), incident_id)
    assert [(e.form_version, e.passed) for e in stored] == [(1, True), (2, False)]
    assert stored[0].evaluated_name == actor_for(core, "calltaker").display_name


def test_incomplete_or_bad_evaluation_stores_nothing(
    core: DeskCore, clock: FakeClock, supervisor: Actor
) -> None:
    incident_id = _closed(core, clock)
    (form, _), _ = core.store.write_sync(
        forms.save_form, supervisor, forms.parse_form(GOOD), clock()
    )
    for answers, message in (
        ({"loc": "yes"}, "1 question\\(s\\) unanswered \\(tone\\)"),
        ({"loc": "yes", "tone": 3}, "tone: answer a whole number from 0 to 2"),
    ):
        with pytest.raises(RuleViolation, match=message):
            core.store.write_sync(evaluate, supervisor, clock(), incident_id, form.id, answers)
    assert _count(core, QaEvaluation) == 0


def test_call_taker_refused_and_audited(
    core: DeskCore, clock: FakeClock, calltaker: Actor, supervisor: Actor
) -> None:
    incident_id = _closed(core, clock)
    (form, _), _ = core.store.write_sync(
        forms.save_form, supervisor, forms.parse_form(GOOD), clock()
    )
    with pytest.raises(PermissionDenied, match="call taker may not"):
        core.store.write_sync(
            evaluate, calltaker, clock(), incident_id, form.id, {"loc": "yes", "tone": 2}
        )
    for read in (
        lambda: access.read_sync(core.store, for_incident, calltaker, clock(), incident_id),
        lambda: access.read_sync(
            core.store,
            review_queue,
            calltaker,
            clock(),
            clock(),
            clock(),
            sample_percent=2.0,
            high_acuity=(),
        ),
    ):
        with pytest.raises(PermissionDenied):
            read()
    with pytest.raises(PermissionDenied):  # forms are managed by supervisors and admins
        core.store.write_sync(forms.save_form, calltaker, forms.parse_form(GOOD), clock())
    refused = [
        (e.action, e.username, e.outcome)
        for e in core.store.read_sync(audit.list_events)
        if e.outcome == "denied"
    ]
    assert refused == [
        ("qa.evaluate", "calltaker", "denied"),
        ("qa.read", "calltaker", "denied"),
        ("qa.read", "calltaker", "denied"),
        ("qa.form", "calltaker", "denied"),
    ]
    assert _count(core, QaEvaluation) == 0
    assert _count(core, QaForm) == 1


def _second_version(core: DeskCore, pass_mark: float) -> forms.Form:
    admin = core.system_actor()
    core.store.write_sync(forms.ensure_default_form, admin, core.clock())
    changed = forms.Form("Call taking", forms.DEFAULT_FORM.questions, pass_mark)
    (stored, new), _ = core.store.write_sync(forms.save_form, admin, changed, core.clock())
    assert new and stored.version == 2
    return stored


def test_form_ids_differ_by_content_and_converge_when_equal(tmp_path: Path) -> None:
    """Two workstations that each make a *different* v2 of a form get two rows (they would
    have merged into one by sync); the identical default seeded on both is one row."""
    from tests.helpers.core import make_core

    made = []
    for ws, mark in (("ws-a", 70.0), ("ws-b", 90.0), ("ws-c", 70.0)):
        core = make_core(tmp_path / ws, workstation__id=ws)
        try:
            v2 = _second_version(core, mark)
            v1 = core.store.read_sync(forms.get_form, "Call taking", 1)
            made.append((v1.id, v2.id))
        finally:
            core.close()
    (a1, a2), (b1, b2), (c1, c2) = made
    assert a1 == b1 == c1  # the same default converges
    assert a2 != b2  # same name and version, different questions or mark: two rows
    assert a2 == c2  # same content and version: one row


def test_evaluation_keeps_the_form_it_was_scored_with(
    core: DeskCore, clock: FakeClock, supervisor: Actor
) -> None:
    incident_id = _closed(core, clock)
    (v1, _), _ = core.store.write_sync(forms.save_form, supervisor, forms.parse_form(GOOD), clock())
    view, _ = core.store.write_sync(
        evaluate, supervisor, clock(), incident_id, v1.id, {"loc": "yes", "tone": 1}
    )
    stored = core.store.read_sync(for_incident, supervisor, clock(), incident_id)[0]
    for seen in (view, stored):
        assert seen.form.questions == v1.questions and seen.form.pass_mark == 70.0
        assert (seen.form.name, seen.form.version) == ("Text intake", 1)
    row = core.store.read_sync(lambda s: s.get(QaEvaluation, view.id).form_spec)
    assert json.loads(row) == json.loads(v1.spec())


def test_two_forms_with_one_name_and_version_resolve_the_same_everywhere(
    core: DeskCore, clock: FakeClock, supervisor: Actor
) -> None:
    """Sync can bring a second "v2" of a form (made elsewhere): both rows are kept, the
    latest is chosen the same way on every workstation, and the next save is v3."""
    import uuid as _uuid

    from dispatch_desk.storage.models import QaForm as Row

    mine = _second_version(core, 70.0)
    other = forms.Form("Call taking", forms.DEFAULT_FORM.questions, 90.0)
    other_id = forms.form_id(other.name, 2, other.spec())

    def arrive(session):  # as sync's apply_plan would insert it
        session.add(
            Row(id=other_id, name=other.name, version=2, spec=other.spec(), created_at=clock())
        )

    core.store.write_sync(arrive)
    expected = max((mine.id, other_id), key=lambda i: str(i))
    assert isinstance(expected, _uuid.UUID)
    assert core.store.read_sync(forms.get_form, "Call taking").id == expected
    assert core.store.read_sync(forms.get_form, "Call taking", 2).id == expected
    assert [f.id for f in core.store.read_sync(forms.latest_forms)] == [expected]
    third = forms.Form("Call taking", forms.DEFAULT_FORM.questions, 50.0)
    (stored, new), _ = core.store.write_sync(forms.save_form, supervisor, third, clock())
    assert new and stored.version == 3
