"""Status texts with two workstations on the real central PostgreSQL: changes made on another
desk (arriving by sync) drive the texts, and only the desk that created the incident queues
and sends them."""

from __future__ import annotations

from sqlalchemy import select

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import UnitStatus
from dispatch_desk.domain.texting import SmsDirection
from dispatch_desk.messaging.status_texts import rule_of_key
from dispatch_desk.storage.models import Incident, SmsMessage, TextingState, UnitStatusEvent
from tests.helpers.core import actor_for, create_incident, unit_id
from tests.helpers.pg import wait_until

PHONE = "+16175550101"


def queued(core: DeskCore) -> list[tuple[str, str]]:
    """(rule, workstation) of the texts to PHONE this cache holds, in the order queued."""

    def read(session):  # type: ignore[no-untyped-def]
        rows = session.scalars(
            select(SmsMessage)
            .where(SmsMessage.to_e164 == PHONE, SmsMessage.direction == SmsDirection.OUT)
            .order_by(SmsMessage.created_at)
        )
        return [(rule_of_key(m.idempotency_key), m.workstation) for m in rows]

    return core.store.read_sync(read)


def sweep(core: DeskCore) -> None:
    core.store.write_sync(core.status_texts.sweep, core.clock())


def test_changes_from_another_desk_are_texted_once_by_the_creating_desk(workstation) -> None:
    a, b = workstation("ws-a"), workstation("ws-b")
    made = create_incident(
        a, actor_for(a, "calltaker"), incident_type="BURG", class_of_service="WPH2"
    )
    sweep(a)
    assert queued(a) == [("confirm", "ws-a")]
    wait_until(
        lambda: b.store.read_sync(
            lambda s: s.scalar(select(TextingState).where(TextingState.incident_id == made.id))
        ),
        what="the texting state on ws-b",
    )
    # The dispatcher on ws-b sends a unit; ws-b judges it too but is not the sender.
    dispatcher = actor_for(b, "dispatcher")
    unit = unit_id(b, "P11")
    b.clock.advance(minutes=1)  # type: ignore[attr-defined]
    b.store.write_sync(b.units.assign, dispatcher, unit, made.id, b.clock())
    sweep(b)
    assert [w for _, w in queued(b)] in ([], ["ws-a"])  # only ws-a's confirmation, if pulled

    def events_on_a() -> int:
        return len(
            a.store.read_sync(
                lambda s: s.scalars(
                    select(UnitStatusEvent.id).where(UnitStatusEvent.incident_id == made.id)
                ).all()
            )
        )

    wait_until(lambda: events_on_a() >= 1, what="the dispatch on ws-a")
    a.clock.advance(minutes=1)  # type: ignore[attr-defined]
    sweep(a)
    assert queued(a) == [("confirm", "ws-a"), ("dispatched", "ws-a")]

    b.store.write_sync(b.units.set_status, dispatcher, unit, UnitStatus.ON_SCENE, b.clock())
    b.store.write_sync(b.incidents.close, dispatcher, made.id, "Report taken", b.clock())
    sweep(b)

    def closed_on_a() -> bool:
        row = a.store.read_sync(lambda s: s.get(Incident, made.id))
        return row is not None and row.closed_at is not None

    wait_until(closed_on_a, what="the close on ws-a")
    sweep(a)
    # Closed before ws-a heard of the arrival: the outcome says it all, no late "on scene".
    assert queued(a) == [("confirm", "ws-a"), ("dispatched", "ws-a"), ("outcome", "ws-a")]
    # ws-b made none of them, and in the end holds ws-a's (synced) rows, not copies of its own.
    wait_until(lambda: len(queued(b)) == 3, what="ws-a's texts on ws-b")
    assert {w for _, w in queued(b)} == {"ws-a"}
