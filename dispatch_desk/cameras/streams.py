"""What a camera stream is doing, and how its address and credentials are handled for playback.

Credentials only ever enter a URL in memory, to open the stream; every text meant for a log or a
person goes through :func:`redact` first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import quote, unquote, urlsplit, urlunsplit


class StreamState(StrEnum):
    IDLE = "idle"
    CONNECTING = "connecting"
    LIVE = "live"
    LOST = "lost"
    RECONNECTING = "reconnecting"
    FAILED = "failed"  # will not retry by itself (bad URL, refused credentials)


@dataclass(frozen=True)
class StreamCredentials:
    username: str
    password: str = field(repr=False)


class SourceKind(StrEnum):
    RTSP = "rtsp"  # pulled by the relay (PyAV), handed to VLC unchanged
    FILE = "file"
    HTTP = "http"
    DEMO = "demo"  # a clip the project generates: demo:<slug> or demo:<slug>/sub


class BadStreamAddress(ValueError):
    """A stream address that cannot be played at all; the message is fit for the tile."""


@dataclass(frozen=True)
class StreamSource:
    kind: SourceKind
    url: str  # as given, credentials removed (safe to show)
    path: str = ""  # FILE: the local path; DEMO: the slug
    sub: bool = False  # DEMO: the small sub-stream


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")


def parse_source(url: str) -> StreamSource:
    """What kind of stream an address names; :class:`BadStreamAddress` when none."""
    text = (url or "").strip()
    if not text:
        raise BadStreamAddress("No stream address")
    split = urlsplit(text)
    scheme = split.scheme.lower()
    if scheme in ("rtsp", "rtsps"):
        if not split.hostname:
            raise BadStreamAddress("Stream address has no host")
        return StreamSource(SourceKind.RTSP, redact_url(text))
    if scheme in ("http", "https"):
        if not split.hostname:
            raise BadStreamAddress("Stream address has no host")
        return StreamSource(SourceKind.HTTP, redact_url(text))
    if scheme == "file":
        path = unquote(split.path)
        if not path:
            raise BadStreamAddress("File address has no path")
        return StreamSource(SourceKind.FILE, text, path=path)
    if scheme == "demo":
        slug, _, variant = split.path.partition("/")
        if not _SLUG.match(slug) or variant not in ("", "sub", "main"):
            raise BadStreamAddress(f"No such demo stream: {text}")
        return StreamSource(SourceKind.DEMO, text, path=slug, sub=variant == "sub")
    if not scheme:
        raise BadStreamAddress(f"Not a stream address: {redact(text)}")
    raise BadStreamAddress(f"Unsupported stream type: {scheme}://")


def with_credentials(url: str, credentials: StreamCredentials | None) -> str:
    """The address with the user name and password in it, to open the stream. Keep it in
    memory only: never log it, never show it, never store it."""
    if credentials is None:
        return url
    split = urlsplit(url)
    host = split.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if split.port:
        host = f"{host}:{split.port}"
    user = quote(credentials.username, safe="")
    password = quote(credentials.password, safe="")
    netloc = f"{user}:{password}@{host}" if password else f"{user}@{host}"
    return urlunsplit((split.scheme, netloc, split.path, split.query, split.fragment))


# Query keys that carry a login (Dahua, Hikvision and many MJPEG cameras: ?user=…&password=…).
CREDENTIAL_QUERY_KEYS = frozenset({"user", "username", "password", "pwd", "passwd", "pass"})


def without_credential_query(query: str) -> tuple[str, dict[str, str]]:
    """(the query without its login keys, those keys lower-cased -> their decoded values)."""
    kept, found = [], {}
    for piece in query.split("&") if query else []:
        key, _, value = piece.partition("=")
        if unquote(key).strip().lower() in CREDENTIAL_QUERY_KEYS:
            found.setdefault(unquote(key).strip().lower(), unquote(value))
        else:
            kept.append(piece)
    return "&".join(kept), found


def redact_url(url: str) -> str:
    """The address without any user name or password in it (nor login keys in its query)."""
    split = urlsplit(url)
    query, found = without_credential_query(split.query)
    if "@" not in split.netloc and not found:
        return url
    netloc = split.netloc.rpartition("@")[2]
    return urlunsplit((split.scheme, netloc, split.path, query, split.fragment))


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'\"]*@")


def redact(text: str, credentials: StreamCredentials | None = None) -> str:
    """Any text (an FFmpeg error, a log line) with user names and passwords taken out of the
    addresses in it, and the given password taken out wherever else it shows."""
    out = _USERINFO.sub(r"\1", text)
    if credentials is not None:
        for secret in {credentials.password, quote(credentials.password, safe="")}:
            if len(secret) >= 1:
                out = out.replace(secret, "***")
    return out
