"""QA data travels between workstations: the default form seeded on both is one row (an id
from name, version and content), and an evaluation made on one is read, with its form version,
on the other."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch_desk.qa import forms
from dispatch_desk.qa.evaluations import evaluate, for_incident
from dispatch_desk.storage.models import QaForm
from tests.helpers.core import actor_for, create_incident
from tests.helpers.pg import wait_until


def test_evaluation_made_on_one_is_read_on_the_other(workstation) -> None:
    a, b = workstation("ws-a"), workstation("ws-b")
    for core in (a, b):  # each seeds the default form on its own, offline or not
        core.store.write_sync(forms.ensure_default_form, core.system_actor(), core.clock())
    made = create_incident(a, actor_for(a, "calltaker"), incident_type="MEDCARD")
    a.clock.advance(minutes=20)  # type: ignore[attr-defined]
    a.store.write_sync(
        a.incidents.close, actor_for(a, "dispatcher"), made.id, "Transported", a.clock()
    )
    form = a.store.read_sync(forms.get_form, "Call taking")
    answers = {q.id: (q.scale_max if q.kind == "scale" else "yes") for q in form.questions}
    answers["callback"] = "no"
    supervisor_a = actor_for(a, "supervisor")
    view, _ = a.store.write_sync(
        evaluate, supervisor_a, a.clock(), made.id, form.id, answers, "Read back the number."
    )
    supervisor_b = actor_for(b, "supervisor")
    seen = wait_until(
        lambda: b.store.read_sync(for_incident, supervisor_b, b.clock(), made.id),
        what="the evaluation on ws-b",
        timeout=30,
    )
    assert [(e.id, e.score, e.passed, e.form_version) for e in seen] == [(view.id, 90.0, True, 1)]
    assert seen[0].comments == "Read back the number." and seen[0].answers == answers
    # a's form row reached b before its evaluation did (outbox order): still one row on b
    for core in (a, b):
        count = core.store.read_sync(lambda s: s.scalar(select(func.count()).select_from(QaForm)))
        assert count == 1


def test_two_different_versions_made_apart_both_travel(workstation, central) -> None:
    """ws-a and ws-b each make their own "v2" of the form while apart: both rows reach central
    and both workstations (no unique clash refuses a push or fails a pull), both pick the same
    latest, and an evaluation made with each shows the questions it was scored with."""
    import psycopg

    from tests.integration.sync.test_conflicts import settle

    a, b = workstation("ws-a", start=False), workstation("ws-b", start=False)
    made = {}
    for core, mark in ((a, 70.0), (b, 90.0)):
        admin = core.system_actor()
        core.store.write_sync(forms.ensure_default_form, admin, core.clock())
        changed = forms.Form("Call taking", forms.DEFAULT_FORM.questions, mark)
        (stored, _), _ = core.store.write_sync(forms.save_form, admin, changed, core.clock())
        assert stored.version == 2
        made[core.workstation] = stored
    assert made["ws-a"].id != made["ws-b"].id
    a.start_sync()
    b.start_sync()
    settle(a, b)
    incident = create_incident(a, actor_for(a, "calltaker"), incident_type="MEDCARD")
    a.clock.advance(minutes=20)  # type: ignore[attr-defined]
    a.store.write_sync(
        a.incidents.close, actor_for(a, "dispatcher"), incident.id, "Transported", a.clock()
    )
    settle(a, b)
    answers = {q.id: (q.scale_max if q.kind == "scale" else "yes") for q in made["ws-a"].questions}
    answers["address"] = answers["callback"] = "no"  # 10/20 = 75 %
    views = {}
    for core in (a, b):
        views[core.workstation], _ = core.store.write_sync(
            evaluate,
            actor_for(core, "supervisor"),
            core.clock(),
            incident.id,
            made[core.workstation].id,
            answers,
        )
    settle(a, b)
    with psycopg.connect(central) as conn:
        assert conn.execute("SELECT count(*) FROM sync_rejected").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM qa_form").fetchone()[0] == 3
    latest = {c.workstation: c.store.read_sync(forms.get_form, "Call taking").id for c in (a, b)}
    assert latest["ws-a"] == latest["ws-b"] == max(made["ws-a"].id, made["ws-b"].id, key=str)
    for core in (a, b):
        count = core.store.read_sync(lambda s: s.scalar(select(func.count()).select_from(QaForm)))
        assert count == 3
        seen = core.store.read_sync(
            for_incident, actor_for(core, "supervisor"), core.clock(), incident.id
        )
        assert {(e.id, e.form.pass_mark, e.passed) for e in seen} == {
            (views["ws-a"].id, 70.0, True),
            (views["ws-b"].id, 90.0, False),
        }
