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
