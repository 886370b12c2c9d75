"""EIDO export as an act of a person: only supervisors and admins, every export and refusal on
the audit trail (an EIDO holds the caller's number, name and whereabouts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.agency import AgencyProfile
from dispatch_desk.domain.enums import Role
from dispatch_desk.eido.export import build_document
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound
from dispatch_desk.storage.models import Incident

EXPORTERS = (Role.SUPERVISOR, Role.ADMIN)


def export_incident(
    session: Session,
    actor: Actor,
    number: str,
    at: datetime,
    *,
    issuer: str,
    agency: AgencyProfile | None,
    purpose: str = "",
) -> dict[str, Any]:
    """The EIDO document of incident ``number``; PermissionDenied (audited) for other roles,
    NotFound if there is no such incident."""
    number = number.strip()
    audit.require(actor, at, "eido.export", EXPORTERS, number=number[:20])
    incident = session.scalar(select(Incident).where(Incident.number == number))
    if incident is None:
        raise NotFound(f"No incident {number!r}.")
    document = build_document(session, incident.id, issuer=issuer, agency=agency, now=at)
    audit.record(
        session,
        actor,
        at,
        "eido.export",
        entity_type="incident",
        entity_id=incident.id,
        number=incident.number,
        purpose=purpose[:200],
        calls=len(document.get("callComponent", [])),
    )
    return document
