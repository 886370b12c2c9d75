"""The review queue over 10,000 closed incidents: the sampled share, determinism, every
high-acuity incident, nothing already evaluated, nothing outside the range."""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.desk import DeskCore
from dispatch_desk.qa import forms
from dispatch_desk.qa.evaluations import evaluate, evaluated_for
from dispatch_desk.qa.queue import (
    HIGH_ACUITY,
    SAMPLED,
    call_takers,
    draw,
    review_queue,
    type_codes,
)
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import Call
from tests.helpers.core import FakeClock, actor_for, create_incident
from tests.helpers.qa_data import bulk_incidents

TYPES = ["MEDFALL", "BURG", "NOISE", "MVA", "THEFT", "WELF", "MEDCARD", "FIRESTR", "SHOTS"]
ACUTE = type_codes("MEDCARD, FIRESTR SHOTS")
N = 10_000


def test_draw_is_pinned_and_uniform() -> None:
    # Every workstation and every version must draw the same number for the same incident.
    fixed = uuid.UUID("018f2c3a-0000-7000-8000-000000000001")
    assert draw(fixed) == draw(uuid.UUID(str(fixed)))
    # the documented rule, spelt out independently: SHA-256 of "qa-sample:" + the id's bytes
    expected = int(hashlib.sha256(b"qa-sample:" + fixed.bytes).hexdigest()[:16], 16) / 2**64
    assert draw(fixed) == expected and 0 <= expected < 1
    # ids made one after another (UUIDv7: nearly equal) still spread over [0, 1): deciles
    from dispatch_desk.storage.models import new_id

    deciles = [0] * 10
    for _ in range(20_000):
        deciles[int(draw(new_id()) * 10)] += 1
    # each decile is Binomial(20000, 0.1): mean 2000, sd 42; 5 sd either way
    assert all(1790 <= d <= 2210 for d in deciles), deciles


def test_queue_samples_two_percent_plus_every_high_acuity(
    core: DeskCore, clock: FakeClock, supervisor: Actor
) -> None:
    takers = [actor_for(core, "calltaker").user_id, actor_for(core, "dispatcher").user_id]
    start = clock() - timedelta(days=400)  # long before the demo seed's own incidents
    made, _ = core.store.write_sync(
        bulk_incidents,
        N,
        start=start,
        span=timedelta(days=30),
        types=TYPES,
        takers=takers,
        rng=random.Random(11),
    )
    since, until = start, start + timedelta(days=31)

    def queue(percent: float = 2.0) -> list:
        return core.store.read_sync(
            review_queue,
            supervisor,
            clock(),
            since,
            until,
            sample_percent=percent,
            high_acuity=ACUTE,
            catalog=core.catalog,
        )

    entries = queue()
    sampled = [e for e in entries if SAMPLED in e.reasons]
    # Binomial(10000, 0.02): mean 200, sd sqrt(10000*0.02*0.98) = 14; accept 5 sd either way
    # (a fair draw falls outside with probability under 1e-6; a biased one, e.g. 1 % or 3 %,
    # falls inside with probability about as small).
    sd = math.sqrt(N * 0.02 * 0.98)
    assert abs(len(sampled) - 200) <= 5 * sd, len(sampled)
    # ... which includes sampled high-acuity incidents, at the same rate as the rest
    acute_ids = {i for i, t in zip(made.incident_ids, made.type_codes, strict=True) if t in ACUTE}
    assert {e.incident_id for e in entries if HIGH_ACUITY in e.reasons} == acute_ids
    assert len(acute_ids) > 3000  # 3 of 9 types
    assert all(e.type_code in ACUTE for e in entries if HIGH_ACUITY in e.reasons)
    names = {actor_for(core, "calltaker").display_name, actor_for(core, "dispatcher").display_name}
    assert {e.call_taker for e in entries} == names
    # the same queue on a re-run, and the queue a larger share draws contains it
    assert queue() == entries
    wider = {e.incident_id for e in queue(10.0) if SAMPLED in e.reasons}
    assert {e.incident_id for e in sampled} <= wider
    assert abs(len(wider) - 1000) <= 5 * math.sqrt(N * 0.1 * 0.9)
    # 0 % samples nothing but still holds every high-acuity incident
    assert {e.incident_id for e in queue(0.0)} == acute_ids


def test_queue_leaves_out_evaluated_open_and_out_of_range(
    core: DeskCore, clock: FakeClock, supervisor: Actor
) -> None:
    takers = [actor_for(core, "calltaker").user_id]
    start = clock() - timedelta(days=400)
    made, _ = core.store.write_sync(
        bulk_incidents,
        40,
        start=start,
        span=timedelta(days=2),
        types=["MEDCARD"],
        takers=takers,
        rng=random.Random(3),
    )
    since, until = start, start + timedelta(days=3)
    everything = core.store.read_sync(
        review_queue, supervisor, clock(), since, until, sample_percent=0.0, high_acuity=ACUTE
    )
    assert len(everything) == 40 and all(e.reasons == (HIGH_ACUITY,) for e in everything)
    core.store.write_sync(forms.ensure_default_form, supervisor, clock())
    form = core.store.read_sync(forms.get_form, "Call taking")
    answers = {q.id: (2 if q.kind == "scale" else "yes") for q in form.questions}
    core.store.write_sync(evaluate, supervisor, clock(), made.incident_ids[0], form.id, answers)
    left = core.store.read_sync(
        review_queue, supervisor, clock(), since, until, sample_percent=0.0, high_acuity=ACUTE
    )
    assert made.incident_ids[0] not in {e.incident_id for e in left} and len(left) == 39
    # a range that ends before the first closing holds nothing
    cut = min(made.closed_at)
    assert not core.store.read_sync(
        review_queue, supervisor, clock(), since, cut, sample_percent=100.0, high_acuity=ACUTE
    )


def test_the_queue_names_the_call_taker_the_evaluation_will(
    core: DeskCore, clock: FakeClock, dispatcher: Actor
) -> None:
    """A call with a received time comes before one without, as in evaluated_for: a call
    logged by hand (no received time) earlier does not make its taker the one evaluated."""
    summary = create_incident(core, dispatcher)
    taker = actor_for(core, "calltaker")

    def calls(session: Session) -> None:
        for call in session.scalars(select(Call).where(Call.incident_id == summary.id)):
            call.received_at, call.taken_by = None, dispatcher.user_id
        first = session.scalars(select(Call).where(Call.incident_id == summary.id)).first()
        assert first is not None
        session.add(
            Call(
                incident_id=summary.id, kind=first.kind, workstation="ws-2",
                received_at=clock() + timedelta(minutes=2), taken_by=taker.user_id,
                created_at=clock() + timedelta(minutes=3),
            )
        )  # fmt: skip

    core.store.write_sync(calls)
    evaluated = core.store.read_sync(evaluated_for, summary.id)
    named = core.store.read_sync(call_takers, [summary.id], {summary.id: dispatcher.user_id})[
        summary.id
    ]
    assert evaluated.name == taker.display_name
    assert named == evaluated.name
