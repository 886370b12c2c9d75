"""What the call-taker typed, and whether it can become an incident.

Validation never throws the draft away: it returns the list of fields that need attention with a
message a call-taker can act on, and the form keeps every character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from dispatch_desk.domain.address import normalize_address
from dispatch_desk.domain.agency import IncidentType, IncidentTypeCatalog
from dispatch_desk.domain.enums import CallKind
from dispatch_desk.domain.location import Position
from dispatch_desk.domain.phone import PhoneError, normalize_phone

MAX_NAME_CHARS = 200
MAX_ADDRESS_CHARS = 300
MAX_ALI_CHARS = 2000


@dataclass
class IntakeDraft:
    callback_number: str = ""
    caller_name: str = ""
    ani: str = ""
    ali: str = ""
    address: str = ""
    incident_type: str = ""
    priority: str = ""
    narrative: str = ""
    call_kind: CallKind = CallKind.PHONE
    received_at: datetime | None = None
    answered_at: datetime | None = None
    # Where the typed address is, when the geocoder verified it; and the carrier's estimate.
    position: Position | None = None
    carrier_position: Position | None = None
    # For status texts: the call's class of service, the caller's language, and whether the
    # call is in progress (None: the incident type's default).
    class_of_service: str = ""
    language: str = ""
    in_progress: bool | None = None


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True)
class ValidIntake:
    callback_e164: str
    ani_e164: str | None
    caller_name: str
    ali: str
    address: str
    address_key: str
    incident_type: IncidentType
    priority: int
    narrative: str
    call_kind: CallKind
    received_at: datetime | None
    answered_at: datetime | None
    position: Position | None = None
    carrier_position: Position | None = None
    class_of_service: str = ""
    language: str = ""
    in_progress: bool | None = None


def validate_narrative(text: str, max_chars: int) -> FieldError | None:
    if len(text) > max_chars:
        return FieldError(
            "narrative",
            f"This narrative entry is {len(text):,} characters; one entry holds at "
            f"most {max_chars:,}. Shorten it or save it in parts (nothing has been "
            "removed).",
        )
    return None


@dataclass(frozen=True)
class ValidEdit:
    """The parts of a saved incident the call-taker may change, plus a new narrative entry."""

    incident_type: IncidentType
    priority: int
    address: str
    address_key: str
    narrative: str
    position: Position | None = None


def _incident_fields(
    draft: IntakeDraft,
    catalog: IncidentTypeCatalog,
    narrative_max_chars: int,
    errors: list[FieldError],
) -> tuple[IncidentType | None, int | None, str]:
    """Check address, type, priority and narrative; append what is wrong to ``errors``."""
    address = " ".join(draft.address.split())
    if not address:
        errors.append(FieldError("address", "Enter the incident address or a landmark."))
    elif len(address) > MAX_ADDRESS_CHARS:
        errors.append(
            FieldError("address", f"An address holds at most {MAX_ADDRESS_CHARS} characters.")
        )
    incident_type = catalog.resolve(draft.incident_type)
    if not draft.incident_type.strip():
        errors.append(FieldError("incident_type", "Choose an incident type."))
    elif incident_type is None:
        errors.append(
            FieldError(
                "incident_type",
                f"Unknown incident type '{draft.incident_type.strip()}'. "
                "Type a code or part of a name and pick from the list.",
            )
        )
    priority: int | None = None
    raw_priority = draft.priority.strip()
    if raw_priority:
        if re.fullmatch(r"[1-5]", raw_priority):
            priority = int(raw_priority)
        else:
            errors.append(FieldError("priority", "Priority is a number from 1 (most urgent) to 5."))
    elif incident_type is not None:
        priority = incident_type.priority
    narrative_error = validate_narrative(draft.narrative, narrative_max_chars)
    if narrative_error:
        errors.append(narrative_error)
    return incident_type, priority, address


def validate_edit(
    draft: IntakeDraft, catalog: IncidentTypeCatalog, narrative_max_chars: int
) -> ValidEdit | list[FieldError]:
    errors: list[FieldError] = []
    incident_type, priority, address = _incident_fields(draft, catalog, narrative_max_chars, errors)
    if errors:
        return errors
    assert incident_type is not None and priority is not None
    return ValidEdit(
        incident_type,
        priority,
        address,
        normalize_address(address),
        draft.narrative.strip(),
        draft.position,
    )


def validate_intake(
    draft: IntakeDraft, catalog: IncidentTypeCatalog, narrative_max_chars: int
) -> ValidIntake | list[FieldError]:
    errors: list[FieldError] = []

    callback = normalize_phone(draft.callback_number)
    if isinstance(callback, PhoneError):
        errors.append(FieldError("callback_number", callback.message))
    ani: str | PhoneError | None = None
    if draft.ani.strip():
        ani = normalize_phone(draft.ani)
        if isinstance(ani, PhoneError):
            errors.append(FieldError("ani", "ANI: " + ani.message))
    if len(draft.caller_name) > MAX_NAME_CHARS:
        errors.append(
            FieldError("caller_name", f"A caller name holds at most {MAX_NAME_CHARS} characters.")
        )
    if len(draft.ali) > MAX_ALI_CHARS:
        errors.append(FieldError("ali", f"ALI holds at most {MAX_ALI_CHARS} characters."))
    incident_type, priority, address = _incident_fields(draft, catalog, narrative_max_chars, errors)
    if errors:
        return errors
    assert isinstance(callback, str) and incident_type is not None and priority is not None
    return ValidIntake(
        callback_e164=callback,
        ani_e164=ani if isinstance(ani, str) else None,
        caller_name=draft.caller_name.strip(),
        ali=draft.ali.strip(),
        address=address,
        address_key=normalize_address(address),
        incident_type=incident_type,
        priority=priority,
        narrative=draft.narrative.strip(),
        call_kind=draft.call_kind,
        received_at=draft.received_at,
        answered_at=draft.answered_at,
        position=draft.position,
        carrier_position=draft.carrier_position,
        class_of_service=draft.class_of_service.strip().upper()[:8],
        language=draft.language.strip().lower()[:8],
        in_progress=draft.in_progress,
    )
