"""QA data travels between workstations: the default form seeded on both is one row (a stable
id per name and version), and an evaluation made on one is read, with its form version, on the
other."""

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
