"""The messages between the phone, the gateway and the desk: JSON objects with a type ``t``.

Everything from a phone is checked here before it goes anywhere: a message that is not the
right shape is dropped (and counted), never passed on.

Phone -> gateway: hello-less (the link and the device cookie identify it), then
    consent {accept}, signal {data}, chat {id, text}, gps {lat, lon, acc, at}, dark {on},
    end {}, delivered {id}, media {state}
Gateway -> phone: welcome {...}, refused {reason}, retry {}, signal {data}, chat {id, text, at},
    acked {id}, ended {by}
Desk -> gateway: register {invites}, invite {invite}, state {id, state}, signal {id, data},
    chat {id, msg_id, text, at}, acked {id, msg_id}, upload-done {upload_id}
Gateway -> desk: registered {count}, opened {id, device_hash}, presence {id, online},
    consent {id, accept}, signal {id, data}, chat {id, msg_id, text, at}, gps {id, ...},
    dark {id, on}, end {id}, delivered {id, msg_id}, upload {id, upload_id, ...},
    refused {id, reason}, media {id, state}
Texting (see gateway.twilio_hooks): desk -> gateway texts-ready {}, texts-ack {ids};
    gateway -> desk texts {entries: [{id, kind: sms|status, params, at}]}
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_MESSAGE_BYTES = 256 * 1024  # an SDP offer with many candidates stays well below this
MAX_SIGNAL_BYTES = 64 * 1024
_ID = re.compile(r"^[0-9a-fA-F-]{32,36}$")
_SIGNAL_TYPES = {"offer", "answer", "candidate", "restart", "bye"}


def decode(text: str | bytes) -> dict[str, Any] | None:
    if len(text) > MAX_MESSAGE_BYTES:
        return None
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), str):
        return None
    return data


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def message_id(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) and _ID.match(value) else None


def clean_text(value: Any, max_chars: int) -> str | None:
    """Chat text as typed, minus control characters; None when empty or too long."""
    if not isinstance(value, str):
        return None
    text = "".join(ch for ch in value if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127))
    text = text.strip()
    if not text or len(text) > max_chars:
        return None
    return text


def signal_data(value: Any) -> dict[str, Any] | None:
    """An offer, an answer, an ICE candidate, a restart request or a goodbye for one leg."""
    if not isinstance(value, dict) or value.get("type") not in _SIGNAL_TYPES:
        return None
    if len(json.dumps(value)) > MAX_SIGNAL_BYTES:
        return None
    leg = value.get("leg", 0)
    if not isinstance(leg, int) or isinstance(leg, bool) or not 0 <= leg < 1_000_000:
        return None
    kind = value["type"]
    if kind in ("offer", "answer") and not isinstance(value.get("sdp"), str):
        return None
    if kind == "candidate":
        candidate = value.get("candidate")
        if candidate is not None and not isinstance(candidate, dict):
            return None
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def gps(message: dict[str, Any]) -> dict[str, float] | None:
    lat, lon = _number(message.get("lat")), _number(message.get("lon"))
    acc, at = _number(message.get("acc")), _number(message.get("at"))
    if lat is None or lon is None or not -90 <= lat <= 90 or not -180 <= lon <= 180:
        return None
    if acc is not None and not 0 <= acc <= 100_000:
        acc = None
    result = {"lat": lat, "lon": lon, "at": at if at is not None and at > 0 else 0.0}
    if acc is not None:
        result["acc"] = acc
    return result
