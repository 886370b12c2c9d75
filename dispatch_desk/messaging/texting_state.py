"""An incident's texting state: where its texts go, why none may go, what was sent; and the
dispatcher's controls over it (suppress texts, mark the call in progress). The rules that send
are in :mod:`dispatch_desk.messaging.status_texts`, which re-exports these names."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.agency import IncidentType, IncidentTypeCatalog
from dispatch_desk.domain.calls import is_mobile
from dispatch_desk.domain.enums import CallKind, IncidentStatus, Role
from dispatch_desk.domain.intake import ValidIntake
from dispatch_desk.domain.texting import Purpose
from dispatch_desk.events import note_change
from dispatch_desk.messaging import templates as words
from dispatch_desk.messaging.outbox import is_opted_out
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound
from dispatch_desk.storage.models import (
    Call,
    Incident,
    NarrativeEntry,
    SmsConversation,
    SmsMessage,
    TextingState,
    stable_id,
)

TAKE_CALLS = (Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)


def status_key(incident_id: uuid.UUID, rule: str) -> str:
    return f"status:{incident_id}:{rule}"


def survey_key(incident_id: uuid.UUID) -> str:
    return f"survey:{incident_id}"


@dataclass(frozen=True)
class SentText:
    rule: str  # "confirm", "dispatched", "en_route", "on_scene", "delay_15", "outcome", "survey"
    message_id: uuid.UUID | None
    at: datetime
    status: str
    body: str = ""
    error: str = ""


@dataclass(frozen=True)
class IncidentTexting:
    incident_id: uuid.UUID
    phone_e164: str | None
    mobile: bool
    language: str
    suppressed: bool
    suppressed_by: str
    suppressed_reason: str
    sensitive: bool
    in_progress: bool
    texts: tuple[SentText, ...]
    blocked: str = ""  # why no texts go, in plain words; "" when they do


# -- made with the incident


def open_texting(
    session: Session,
    actor: Actor,
    incident: Incident,
    intake: ValidIntake,
    call: Call,
    now: datetime,
) -> TextingState:
    """The incident's texting state, settled when it is created from a call: the number to
    text, whether it is a mobile, the caller's language, whether the call is in progress."""
    in_progress_set = intake.in_progress is not None  # the call-taker ticked or cleared it
    in_progress = intake.in_progress if in_progress_set else intake.incident_type.in_progress
    phone = intake.callback_e164 or intake.ani_e164
    state = TextingState(
        id=stable_id("incident_texting", str(incident.id)),
        incident_id=incident.id,
        phone_e164=phone,
        # The class of service is the calling phone's: it says nothing of another callback
        # number the caller gave, which may be a landline (or someone else's phone).
        mobile=call.kind == CallKind.TEXT
        or (is_mobile(call.class_of_service) and bool(phone) and phone == intake.ani_e164),
        language=intake.language if intake.language in words.LANGUAGES else "",
        in_progress=bool(in_progress),
        in_progress_set=in_progress_set,
        suppressed=False,
        sender=actor.workstation,
        finished=False,
        created_at=now,
        updated_at=now,
    )
    session.add(state)
    note_change(session, "texting", incident.id)
    return state


def state_of(session: Session, incident_id: uuid.UUID) -> TextingState | None:
    return session.scalar(select(TextingState).where(TextingState.incident_id == incident_id))


def blocked_reason(
    session: Session,
    state: TextingState | None,
    kind: IncidentType | None,
    *,
    enabled: bool = True,
    opted_out: bool | None = None,
    texting_911: bool | None = None,
) -> str:
    """Why this incident's caller gets no texts, in words a dispatcher reads; "" if they do.
    ``opted_out``: already known (a batch looked it up), else read from the consent table."""
    if not enabled:
        return "Status texts are turned off for this centre."
    if state is None or not state.phone_e164:
        return "No callback number."
    if kind is not None and kind.sensitive:
        return "Sensitive call type: texting the caller could endanger them."
    if is_in_progress(state, kind):
        return "Call in progress: no texts until it is not."
    if texting_911 if texting_911 is not None else in_conversation(session, state.incident_id):
        return "The caller is texting with the centre: updates go in that conversation."
    if state.suppressed:
        who = f" by {state.suppressed_by}" if state.suppressed_by else ""
        return f"Texts suppressed{who}."
    if not state.mobile:
        return _not_mobile(session, state)
    if opted_out if opted_out is not None else is_opted_out(session, state.phone_e164):
        return "The number replied STOP."
    return ""


NOT_MOBILE = "Not a mobile number (the call did not come from a wireless phone)."
OTHER_CALLBACK = (
    "Not known to be a mobile: the callback number is not the number that called "
    "(only the calling phone's kind is known)."
)


def _not_mobile(session: Session, state: TextingState) -> str:
    call = session.scalar(
        select(Call).where(Call.incident_id == state.incident_id).order_by(Call.received_at)
    )
    if call is not None and is_mobile(call.class_of_service) and call.ani_e164 != state.phone_e164:
        return OTHER_CALLBACK
    return NOT_MOBILE


def is_in_progress(state: TextingState, kind: IncidentType | None) -> bool:
    """What the call-taker or dispatcher said; until one did, the incident's CURRENT type
    (a call reclassified as an in-progress type stops texts, and the other way round)."""
    if state.in_progress_set or kind is None:
        return bool(state.in_progress)
    return kind.in_progress


def conversing_incidents(session: Session, incident_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of these incidents whose caller texted 911 or has a conversation tied to them: the
    status number does not text someone who may be hiding behind their phone."""
    found = set(
        session.scalars(
            select(Call.incident_id).where(
                Call.incident_id.in_(incident_ids), Call.kind == CallKind.TEXT
            )
        )
    )
    found.update(
        i
        for i in session.scalars(
            select(SmsConversation.incident_id).where(SmsConversation.incident_id.in_(incident_ids))
        )
        if i is not None
    )
    return found


def in_conversation(session: Session, incident_id: uuid.UUID) -> bool:
    return bool(conversing_incidents(session, [incident_id]))


# -- the dispatcher's controls


def _narrate(session: Session, actor: Actor, incident: Incident, text: str, now: datetime) -> None:
    session.add(
        NarrativeEntry(
            incident_id=incident.id,
            at=now,
            author_id=actor.user_id,
            author_name=actor.display_name,
            text=text,
        )
    )
    note_change(session, "narrative", incident.id)


def _state_for_change(session: Session, actor: Actor, incident: Incident, now: datetime):
    state = state_of(session, incident.id)
    if state is None:  # an incident from before texting: it has nothing to text yet
        state = TextingState(
            id=stable_id("incident_texting", str(incident.id)),
            incident_id=incident.id,
            phone_e164=None,
            mobile=False,
            language="",
            in_progress=False,
            in_progress_set=False,
            suppressed=False,
            sender=actor.workstation,
            finished=incident.status == IncidentStatus.CLOSED,
            created_at=now,
            updated_at=now,
        )
        session.add(state)
    return state


def set_suppressed(
    session: Session,
    actor: Actor,
    incident_id: uuid.UUID,
    suppressed: bool,
    now: datetime,
    reason: str = "",
) -> None:
    """The dispatcher stops (or allows again) status texts and the survey for one incident."""
    audit.require(actor, now, "texting.suppress", TAKE_CALLS, incident=str(incident_id))
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"No incident {incident_id}")
    state = _state_for_change(session, actor, incident, now)
    if state.suppressed == suppressed:
        return
    reason = " ".join(reason.split())[:300]
    state.suppressed = suppressed
    state.suppressed_by = actor.display_name if suppressed else ""
    state.suppressed_reason = reason if suppressed else ""
    state.suppressed_at = now if suppressed else None
    state.updated_at = now
    line = "Status texts to the caller suppressed" if suppressed else "Status texts allowed again"
    _narrate(session, actor, incident, line + (f": {reason}" if reason else "."), now)
    audit.record(
        session,
        actor,
        now,
        "texting.suppress" if suppressed else "texting.allow",
        entity_type="incident",
        entity_id=incident.id,
        number=incident.number,
    )
    note_change(session, "texting", incident.id)


def set_in_progress(
    session: Session, actor: Actor, incident_id: uuid.UUID, in_progress: bool, now: datetime
) -> None:
    """Mark the call as (no longer) in progress; while it is, no text goes to the caller."""
    audit.require(actor, now, "texting.in_progress", TAKE_CALLS, incident=str(incident_id))
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"No incident {incident_id}")
    state = _state_for_change(session, actor, incident, now)
    if state.in_progress_set and state.in_progress == in_progress:
        return
    state.in_progress, state.in_progress_set = in_progress, True
    state.updated_at = now
    line = "Call in progress: no status texts" if in_progress else "Call no longer in progress"
    _narrate(session, actor, incident, line + ".", now)
    audit.record(
        session,
        actor,
        now,
        "texting.in_progress",
        entity_type="incident",
        entity_id=incident.id,
        number=incident.number,
        in_progress=in_progress,
    )
    note_change(session, "texting", incident.id)


def texting_state(
    session: Session, incident_id: uuid.UUID, catalog: IncidentTypeCatalog | None = None
) -> IncidentTexting | None:
    """For the UI: where texts go, why not, and what was sent (with its delivery status).

    Whether the type is sensitive needs the agency's catalogue; without it, it reads False
    (``core.status_texts.state`` passes it)."""
    incident = session.get(Incident, incident_id)
    state = state_of(session, incident_id)
    if incident is None or state is None:
        return None
    kind = catalog.get(incident.type_code) if catalog is not None else None
    rows = session.scalars(
        select(SmsMessage)
        .where(
            SmsMessage.incident_id == incident_id,
            SmsMessage.purpose.in_((Purpose.STATUS, Purpose.SURVEY)),
        )
        .order_by(SmsMessage.created_at, SmsMessage.id)
    )
    texts = tuple(
        SentText(
            rule=rule_of_key(m.idempotency_key),
            message_id=m.id,
            at=m.created_at,
            status=m.status.value,
            body=m.body,
            error=m.error_message,
        )
        for m in rows
    )
    return IncidentTexting(
        incident_id=incident_id,
        phone_e164=state.phone_e164,
        mobile=state.mobile,
        language=state.language,
        suppressed=state.suppressed,
        suppressed_by=state.suppressed_by,
        suppressed_reason=state.suppressed_reason,
        sensitive=bool(kind and kind.sensitive),
        in_progress=is_in_progress(state, kind),
        texts=texts,
        blocked=blocked_reason(session, state, kind),
    )


def rule_of_key(key: str) -> str:
    parts = key.split(":")
    if parts[0] == "status" and len(parts) == 3:
        return parts[2]
    if parts[0] == "survey":
        return "survey" if len(parts) == 2 else f"survey_{parts[2]}"
    return parts[0]


def with_blocked(found: IncidentTexting, reason: str) -> IncidentTexting:
    return replace(found, blocked=reason)
