"""The gateway's small parts: tokens, the registry's binding and expiry, rate limits, the byte
sniffer, message checks and the refusal page."""

from __future__ import annotations

import math

import pytest

from dispatch_desk.gateway import pages, protocol, tokens
from dispatch_desk.gateway.ratelimit import RateLimiter
from dispatch_desk.gateway.registry import Refusal, Registry
from dispatch_desk.gateway.sniff import sniff


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_tokens_are_long_random_and_kept_only_as_hashes() -> None:
    made = {tokens.new_token() for _ in range(200)}
    assert len(made) == 200
    token = made.pop()
    assert len(token) >= 22 and tokens.well_formed(token)  # >= 128 bits of base64url
    assert len(tokens.token_hash(token)) == 64 and token not in tokens.token_hash(token)
    for bad in ("", "short", "../../etc/passwd", "a" * 300, "<script>alert(1)</script>"):
        assert not tokens.well_formed(bad)


def _put(registry: Registry, token: str, **fields: object) -> str:
    values: dict[str, object] = {
        "invite_id": "i1",
        "token_hash": tokens.token_hash(token),
        "kind": "video",
        "language": "en",
        "desk": "ws",
        "state": "invited",
        "device_hash": None,
        "expires_in_s": 60.0,
    }
    values.update(fields)
    registry.put(**values)  # type: ignore[arg-type]
    return str(values["invite_id"])


def test_a_link_binds_to_one_device_and_survives_re_registration() -> None:
    registry = Registry(clock=Clock())
    token = tokens.new_token()
    _put(registry, token)
    invite = registry.lookup(token)
    assert not isinstance(invite, Refusal)
    key, refusal = registry.bind(invite, None)
    assert key and refusal is None
    assert registry.bind(invite, key) == (None, None)
    assert registry.bind(invite, "someone-else") == (None, Refusal.OTHER_DEVICE)
    assert registry.bind(invite, None) == (None, Refusal.OTHER_DEVICE)
    # A restarted gateway hears the device hash again from the desk.
    fresh = Registry(clock=Clock())
    _put(fresh, token, device_hash=tokens.token_hash(key))
    again = fresh.lookup(token)
    assert not isinstance(again, Refusal) and fresh.device_ok(again, key)
    assert not fresh.device_ok(again, "x" * 32)


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ("ended", Refusal.ENDED),
        ("declined", Refusal.DECLINED),
        ("revoked", Refusal.REVOKED),
        ("expired", Refusal.EXPIRED),
    ],
)
def test_a_link_that_is_over_is_refused_with_its_reason(state: str, reason: Refusal) -> None:
    registry = Registry(clock=Clock())
    token = tokens.new_token()
    _put(registry, token, state=state)
    assert registry.lookup(token) == reason
    assert registry.lookup(tokens.new_token()) == Refusal.UNKNOWN


def test_the_deadline_holds_until_the_caller_agrees() -> None:
    clock = Clock()
    registry = Registry(clock=clock)
    token, other = tokens.new_token(), tokens.new_token()
    _put(registry, token)
    invite_id = _put(registry, other, invite_id="i2")
    registry.set_state(invite_id, "consented")
    clock.now += 61
    assert registry.lookup(token) == Refusal.EXPIRED
    assert not isinstance(registry.lookup(other), Refusal)


def test_rate_limits_refill_with_time_and_bound_their_memory() -> None:
    clock = Clock()
    limiter = RateLimiter(6, clock=clock, max_keys=100)
    assert [limiter.allow("a") for _ in range(7)] == [True] * 6 + [False]
    assert limiter.blocked("a") and not limiter.blocked("b")
    clock.now += 10  # one more a minute / 6 = every 10 s
    assert limiter.allow("a") and not limiter.allow("a")
    for n in range(500):
        limiter.allow(f"flood-{n}")
    assert len(limiter._buckets) <= 100


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", ("photo", "image/jpeg")),
        (b"\x89PNG\r\n\x1a\n\x00\x00", ("photo", "image/png")),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", ("photo", "image/webp")),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", ("photo", "image/heic")),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00", ("video", "video/mp4")),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00", ("video", "video/quicktime")),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", ("video", "video/webm")),
        (b"<html><body>", None),
        (b"MZ\x90\x00", None),
        (b"%PDF-1.7", None),
        (b"\x00\x00\x00\x18ftypXXXX", None),
        (b"", None),
    ],
)
def test_files_are_known_by_their_bytes(head: bytes, expected: tuple[str, str] | None) -> None:
    assert sniff(head.ljust(32, b"\0") if head else head) == expected


def test_messages_from_phones_are_checked_before_going_anywhere() -> None:
    assert protocol.decode("[1]") is None and protocol.decode("{") is None
    assert protocol.decode('{"t": 3}') is None
    assert protocol.decode("x" * (protocol.MAX_MESSAGE_BYTES + 1)) is None
    assert protocol.clean_text("  hi\x00\x1b there \n", 100) == "hi there"
    assert protocol.clean_text("", 10) is None and protocol.clean_text("x" * 11, 10) is None
    assert protocol.clean_text(5, 10) is None
    assert protocol.gps({"lat": 42.0, "lon": -71.0, "acc": 5, "at": 1.0}) == {
        "lat": 42.0,
        "lon": -71.0,
        "acc": 5.0,
        "at": 1.0,
    }
    for bad in ({"lat": 91, "lon": 0}, {"lat": math.nan, "lon": 0}, {"lat": True, "lon": 0}):
        assert protocol.gps(bad) is None
    assert "acc" not in (protocol.gps({"lat": 1, "lon": 1, "acc": -3}) or {})
    assert protocol.signal_data({"type": "offer", "sdp": "v=0", "leg": 1}) is not None
    assert protocol.signal_data({"type": "offer", "leg": 1}) is None
    assert protocol.signal_data({"type": "evil", "leg": 1}) is None
    assert protocol.signal_data({"type": "candidate", "leg": -1}) is None
    assert protocol.signal_data({"type": "offer", "sdp": "x" * 70000, "leg": 1}) is None


def test_the_refusal_page_speaks_the_callers_language_and_reflects_nothing() -> None:
    assert pages.language_of("es-US,es;q=0.9,en;q=0.8") == "es"
    assert pages.language_of("en-GB,es;q=0.5") == "en"
    assert pages.language_of("fr-FR") == "en"
    page = pages.refusal_page(Refusal.EXPIRED, "es")
    assert "caducado" in page and "<script" not in page and 'lang="es"' in page
