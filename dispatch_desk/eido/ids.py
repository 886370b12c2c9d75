"""The identifiers and timestamps of our EIDO documents, shared by the exporter and importer.

Every component's ``$id`` is a URN naming the issuer and the row it came from, so that a
document we issued can be recognised when it comes back, and two exports of one incident name
the same things the same way.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

EIDO_VERSION = "1.0"
PREFIX = "urn:dispatch-desk"

# additionalDataComponent purposes of our own (EIDO has no field for these).
PURPOSE_TIMES = "dispatch-desk:incident-times"
PURPOSE_CLASS_OF_SERVICE = "dispatch-desk:class-of-service"

# locationTypeDescriptionRegistryText of the incident's accepted place and of caller reports.
LOCATION_INCIDENT = "Incident"
LOCATION_CALLER = "Caller"


def urn(issuer: str, kind: str, key: uuid.UUID | str) -> str:
    return f"{PREFIX}:{issuer}:{kind}:{key}"


def incident_urn(issuer: str, incident_id: uuid.UUID) -> str:
    return urn(issuer, "incident", incident_id)


_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})?$"
)


def stamp(at: datetime) -> str:
    """RFC 3339, always UTC with a Z (what the schema's date-time format asks for)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_stamp(text: str) -> datetime:
    """An RFC 3339 time as an aware UTC datetime; ValueError with the text otherwise."""
    if not isinstance(text, str) or not _RFC3339.match(text.strip()):
        raise ValueError(f"{str(text)[:60]!r} is not an RFC 3339 date-time")
    try:
        value = datetime.fromisoformat(text.strip().replace("z", "Z"))
        if value.tzinfo is None:
            raise ValueError(f"{text[:60]!r} has no time zone (RFC 3339 needs Z or an offset)")
        return value.astimezone(UTC)
    except OverflowError:  # a valid-looking time that UTC cannot hold (year 1 at +01:00)
        raise ValueError(f"{text[:60]!r} is out of range") from None


def ref(target: str) -> dict[str, str]:
    return {"$ref": target}
