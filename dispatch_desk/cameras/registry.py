"""The camera registry: importing cameras from CSV or JSON, listing and searching them.

An import is checked whole before anything is stored: every bad row is reported with its row
number, field and what is wrong, and then nothing at all is imported. Passwords written into a
stream URL (``rtsp://user:secret@host/...``) are taken out: the secret goes to the workstation's
credential store and the URL is stored clean.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from dispatch_desk.cameras.credentials import CredentialStoreError
from dispatch_desk.cameras.streams import StreamCredentials, without_credential_query
from dispatch_desk.domain.enums import CameraOwner, CameraSharing
from dispatch_desk.events import note_change
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import Camera, stable_id

if TYPE_CHECKING:
    from dispatch_desk.cameras.credentials import CredentialStore
    from dispatch_desk.geo.service import GeoService

logger = logging.getLogger(__name__)

URL_SCHEMES = ("rtsp", "rtsps", "http", "https", "file", "demo")
MAX_ROWS = 20000
_SHARING_WORDS = {
    "live": CameraSharing.LIVE,
    "alarm": CameraSharing.ALARM,
    "on alarm": CameraSharing.ALARM,
    "alarm only": CameraSharing.ALARM,
    "on alarm only": CameraSharing.ALARM,
    "registry": CameraSharing.REGISTRY,
    "registry only": CameraSharing.REGISTRY,
    "registry-only": CameraSharing.REGISTRY,
}
_FIELDS = (
    "name",
    "latitude",
    "longitude",
    "heading_deg",
    "fov_deg",
    "owner",
    "sharing",
    "main_url",
    "sub_url",
)
_ALIASES = {"lat": "latitude", "lon": "longitude", "lng": "longitude", "heading": "heading_deg"}


@dataclass(frozen=True)
class CameraRecord:
    """One valid row of an import, URLs already clean."""

    name: str
    latitude: float
    longitude: float
    heading_deg: float | None
    fov_deg: float
    owner: CameraOwner
    sharing: CameraSharing
    main_url: str
    sub_url: str
    credentials: StreamCredentials | None


@dataclass(frozen=True)
class RowProblem:
    row: int  # 1-based data row (a CSV file's header is not counted)
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


class ImportRejected(ValueError):
    """The file has problems; nothing was imported. ``problems`` lists every one of them."""

    def __init__(self, problems: list[RowProblem], preamble: str = "") -> None:
        self.problems = problems
        head = preamble or f"{len(problems)} problem(s); nothing was imported"
        lines = [str(p) for p in problems[:50]]
        if len(problems) > 50:
            lines.append(f"… and {len(problems) - 50} more")
        super().__init__("\n".join([head, *lines]))


def split_url(url: str) -> tuple[str, StreamCredentials | None]:
    """(the URL without user:password nor login keys in its query, the credentials it carried
    or None). :class:`ValueError` if the two places carry different logins."""
    parts = urlsplit(url)
    query, keys = without_credential_query(parts.query)
    from_query = None
    if keys:
        user = keys.get("user", keys.get("username", ""))
        password = next((keys[k] for k in ("password", "pwd", "passwd", "pass") if k in keys), "")
        from_query = StreamCredentials(user, password)
    if parts.username is None and parts.password is None:
        if from_query is None:
            return url, None
        return urlunsplit(
            (parts.scheme, parts.netloc, parts.path, query, parts.fragment)
        ), from_query
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port is not None else "")
    clean = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    found = StreamCredentials(unquote(parts.username or ""), unquote(parts.password or ""))
    if from_query is not None and from_query != found:
        raise ValueError("the address carries two different logins (before @ and in its query)")
    return clean, found


# Never echo the address: what could not be read may be part of a password.
_UNREADABLE = (
    "not a valid URL (if the password has characters such as # / ? @ or :, percent-encode "
    "them, for example # as %23 and / as %2F)"
)


def _broken_authority(parts: SplitResult) -> bool:
    """A password with # / or ? in it cut the address short: the host is then read from the
    password, and an @ turns up in the path, query or fragment."""
    return "@" in parts.path or "@" in parts.query or "@" in parts.fragment


def _number(raw: Any, field: str, low: float, high: float, problems: list[str]) -> float | None:
    text = "" if raw is None else str(raw).strip()
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(f"{field}: {text!r} is not a number")
        return None
    if not math.isfinite(value) or not low <= value <= high:
        problems.append(f"{field}: {text} is outside {low:g} to {high:g}")
        return None
    return value


def _url(raw: Any, field: str, problems: list[str]) -> tuple[str, StreamCredentials | None]:
    text = "" if raw is None else str(raw).strip()
    if not text:
        return "", None
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a port that is not a number
    except ValueError:
        problems.append(f"{field}: {_UNREADABLE}")
        return "", None
    if _broken_authority(parts):
        problems.append(f"{field}: {_UNREADABLE}")
        return "", None
    if parts.scheme.lower() not in URL_SCHEMES:
        problems.append(
            f"{field}: scheme {parts.scheme or '(none)'!r} is not one of {', '.join(URL_SCHEMES)}"
        )
        return "", None
    if parts.scheme.lower() not in ("file", "demo") and not parts.hostname:
        problems.append(f"{field}: no host in the URL")
        return "", None
    if len(text) > 500:
        problems.append(f"{field}: longer than 500 characters")
        return "", None
    try:
        return split_url(text)
    except ValueError as exc:
        problems.append(f"{field}: {exc}")
        return "", None


def check_row(values: Mapping[str, Any]) -> tuple[CameraRecord | None, list[str]]:
    """A record, or the list of what is wrong with the row (field: message)."""
    v = {_ALIASES.get(k.strip().lower(), k.strip().lower()): val for k, val in values.items()}
    problems: list[str] = []
    unknown = sorted(k for k in v if k not in _FIELDS and k not in ("username", "password"))
    if unknown:
        problems.append(f"columns: unknown {', '.join(unknown)}")
    name = str(v.get("name") or "").strip()
    if not name:
        problems.append("name: missing")
    elif len(name) > 120:
        problems.append("name: longer than 120 characters")
    lat = _number(v.get("latitude"), "latitude", -90, 90, problems)
    lon = _number(v.get("longitude"), "longitude", -180, 180, problems)
    if lat is None and not any(p.startswith("latitude") for p in problems):
        problems.append("latitude: missing")
    if lon is None and not any(p.startswith("longitude") for p in problems):
        problems.append("longitude: missing")
    heading = _number(v.get("heading_deg"), "heading_deg", 0, 360, problems)
    fov = _number(v.get("fov_deg"), "fov_deg", 1, 360, problems)
    owner_text = str(v.get("owner") or "").strip().lower()
    owner = None
    try:
        owner = CameraOwner(owner_text)
    except ValueError:
        problems.append(f"owner: {owner_text or '(empty)'!r} must be public or private")
    sharing_text = " ".join(str(v.get("sharing") or "").strip().lower().replace("_", " ").split())
    sharing = _SHARING_WORDS.get(sharing_text)
    if sharing is None:
        problems.append(
            f"sharing: {sharing_text or '(empty)'!r} must be live, alarm or registry only"
        )
    main_url, main_creds = _url(v.get("main_url"), "main_url", problems)
    sub_url, sub_creds = _url(v.get("sub_url"), "sub_url", problems)
    if main_creds and sub_creds and main_creds != sub_creds:
        problems.append("sub_url: carries other credentials than main_url (one login a camera)")
    creds = main_creds or sub_creds
    user, password = str(v.get("username") or ""), str(v.get("password") or "")
    if user or password:
        if creds and creds != StreamCredentials(user, password):
            problems.append("password: the URL carries other credentials than the columns")
        creds = StreamCredentials(user, password)
    if sharing is not None and sharing != CameraSharing.REGISTRY and not (main_url or sub_url):
        problems.append("main_url: a camera that can be viewed needs a stream URL")
    if problems or owner is None or sharing is None or lat is None or lon is None:
        return None, problems
    return (
        CameraRecord(
            name,
            lat,
            lon,
            heading,
            fov if fov is not None else 60.0,
            owner,
            sharing,
            main_url or sub_url,
            sub_url or main_url,
            creds,
        ),
        [],
    )


def check_rows(rows: Iterable[Mapping[str, Any]]) -> list[CameraRecord]:
    """Every row valid, or :class:`ImportRejected` naming each problem."""
    records: list[CameraRecord] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=1):
        if n > MAX_ROWS:
            raise ImportRejected([], f"more than {MAX_ROWS} cameras in one file; split it")
        if not isinstance(row, Mapping):
            problems.append(RowProblem(n, "row", "not an object of camera fields"))
            continue
        record, found = check_row(row)
        for text in found:
            field, _, message = text.partition(": ")
            problems.append(RowProblem(n, field, message))
        if record is not None:
            key = record.name.casefold()
            if key in seen:
                problems.append(RowProblem(n, "name", f"same name as row {seen[key]}"))
            seen[key] = n
            records.append(record)
    if problems:
        raise ImportRejected(problems)
    if not records:
        raise ImportRejected([], "the file lists no cameras; nothing was imported")
    return records


def parse_csv(text: str) -> list[CameraRecord]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or "name" not in [f.strip().lower() for f in reader.fieldnames]:
        raise ImportRejected([], "not a camera CSV: the first line must name the columns")
    rows = []
    for row in reader:
        if None in row:  # more cells than columns
            row = {k: v for k, v in row.items() if k is not None} | {"extra cells": "x"}
        rows.append({k: v for k, v in row.items() if k is not None})
    return check_rows(rows)


def parse_json(text: str) -> list[CameraRecord]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected([], f"not valid JSON: {exc}") from None
    if isinstance(data, dict):
        data = data.get("cameras")
    if not isinstance(data, list):
        raise ImportRejected([], 'JSON must be a list of cameras, or {"cameras": [...]}')
    return check_rows(data)


def parse_file(path: Path) -> list[CameraRecord]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportRejected([], f"{path}: cannot be read: {exc}") from None
    if path.suffix.lower() == ".json":
        return parse_json(text)
    return parse_csv(text)


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    with_credentials: int


def credential_ref(camera_id: uuid.UUID) -> str:
    return f"camera:{camera_id}"


def _restore_on_rollback(
    session: Session, credentials: CredentialStore, before: dict[str, StreamCredentials | None]
) -> None:
    """The secrets were written before the rows commit (a row never points at nothing): if the
    transaction rolls back instead, put the old ones back."""
    state = {"committed": False}

    def committed(_session: Session) -> None:
        state["committed"] = True

    def rolled_back(_session: Session) -> None:
        if not state["committed"]:
            state["committed"] = True  # once
            try:
                credentials.restore(before)
            except (CredentialStoreError, OSError) as exc:
                logger.warning("camera logins of a failed import not restored: %s", exc)

    event.listen(session, "after_commit", committed, once=True)
    event.listen(session, "after_rollback", rolled_back, once=True)


def import_cameras(
    session: Session,
    actor: Actor,
    records: list[CameraRecord],
    credentials: CredentialStore,
    now: datetime,
) -> ImportResult:
    """Store checked records: a camera of the same name is updated, others added. Secrets are
    written to the credential store in one write before the rows (never a row pointing at
    nothing), and put back as they were if the transaction rolls back."""
    existing = {c.name.casefold(): c for c in session.scalars(select(Camera))}
    secrets: dict[str, StreamCredentials] = {}
    forgotten: set[str] = set()
    added = updated = 0
    for record in records:
        camera = existing.get(record.name.casefold())
        if camera is None:
            camera = Camera(id=stable_id("camera", record.name), name=record.name)
            session.add(camera)
            added += 1
        else:
            updated += 1
        camera.latitude, camera.longitude = record.latitude, record.longitude
        camera.heading_deg, camera.fov_deg = record.heading_deg, record.fov_deg
        camera.owner, camera.sharing = record.owner, record.sharing
        moved = (camera.main_url, camera.sub_url) != (record.main_url, record.sub_url)
        camera.main_url, camera.sub_url = record.main_url, record.sub_url
        camera.enabled = True
        camera.updated_at = now
        if record.credentials is not None:
            camera.credential_ref = credential_ref(camera.id)
            secrets[camera.credential_ref] = record.credentials
        elif camera.credential_ref and moved:
            # A new address and no login: the old password must not be sent to another host.
            forgotten.add(camera.credential_ref)
            camera.credential_ref = ""
        elif camera.credential_ref is None:
            camera.credential_ref = ""
        note_change(session, "camera", camera.id)
    if secrets or forgotten:
        before = credentials.replace(secrets, forgotten - set(secrets))
        _restore_on_rollback(session, credentials, before)
    audit.record(
        session,
        actor,
        now,
        "camera.import",
        entity_type="camera",
        added=added,
        updated=updated,
        with_credentials=len(secrets),
    )
    return ImportResult(added, updated, len(secrets))


@dataclass(frozen=True)
class CameraEntry:
    id: uuid.UUID
    name: str
    latitude: float
    longitude: float
    heading_deg: float | None
    owner: CameraOwner
    sharing: CameraSharing
    main_url: str
    sub_url: str
    credential_ref: str
    near: str = ""  # the nearest address or place, for search and for the directory

    @property
    def viewable(self) -> bool:
        return self.sharing != CameraSharing.REGISTRY


def list_cameras(session: Session) -> list[CameraEntry]:
    query = select(Camera).where(Camera.enabled.is_(True)).order_by(Camera.name)
    return [
        CameraEntry(
            c.id,
            c.name,
            c.latitude,
            c.longitude,
            c.heading_deg,
            c.owner,
            c.sharing,
            c.main_url,
            c.sub_url,
            c.credential_ref,
        )
        for c in session.scalars(query)
    ]


def with_places(entries: list[CameraEntry], geo: GeoService | None) -> list[CameraEntry]:
    """The entries with ``near`` filled from the map (nearest address within 150 m)."""
    if geo is None:
        return entries
    out = []
    for e in entries:
        match = geo.reverse(e.latitude, e.longitude, 150)
        out.append(e if match is None else _replace_near(e, match.label))
    return out


def _replace_near(entry: CameraEntry, near: str) -> CameraEntry:
    from dataclasses import replace

    return replace(entry, near=near)


def search(
    entries: list[CameraEntry],
    text: str,
    geo: GeoService | None = None,
    radius_m: float = 400.0,
) -> list[CameraEntry]:
    """Cameras whose name or nearest address holds every word of ``text``; then, if the map
    finds ``text`` as an address or place, the cameras within ``radius_m`` of it, nearest first."""
    words = text.casefold().split()
    if not words:
        return list(entries)
    hits = [e for e in entries if all(w in f"{e.name} {e.near}".casefold() for w in words)]
    if geo is not None and len(text.strip()) >= 3:
        from dispatch_desk.geo.geometry import LatLon, distance_m

        matches = geo.geocode(text, 1)
        if matches and matches[0].score >= 0.6:
            here = LatLon(matches[0].lat, matches[0].lon)
            seen = {e.id for e in hits}
            near = sorted(
                (distance_m(here, LatLon(e.latitude, e.longitude)), e.name, e)
                for e in entries
                if e.id not in seen
            )
            hits += [e for d, _, e in near if d <= radius_m]
    return hits
