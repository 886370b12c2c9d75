"""Stream addresses and credentials: what plays how, and no password ever leaves memory."""

from __future__ import annotations

import pytest

from dispatch_desk.cameras.streams import (
    BadStreamAddress,
    SourceKind,
    StreamCredentials,
    parse_source,
    redact,
    redact_url,
    with_credentials,
)


@pytest.mark.parametrize(
    ("url", "kind", "path", "sub"),
    [
        ("rtsp://10.0.0.5:554/Streaming/101", SourceKind.RTSP, "", False),
        ("RTSP://cam.example/live", SourceKind.RTSP, "", False),
        ("https://cam.example/stream.ts", SourceKind.HTTP, "", False),
        ("file:///srv/clips/lot%20a.mp4", SourceKind.FILE, "/srv/clips/lot a.mp4", False),
        ("demo:hospital-er-bay", SourceKind.DEMO, "hospital-er-bay", False),
        ("demo:hospital-er-bay/sub", SourceKind.DEMO, "hospital-er-bay", True),
    ],
)
def test_addresses_are_told_apart(url: str, kind: SourceKind, path: str, sub: bool) -> None:
    source = parse_source(url)
    assert (source.kind, source.path, source.sub) == (kind, path, sub)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "No stream address"),
        ("   ", "No stream address"),
        ("rtsp:///nohost", "Stream address has no host"),
        ("ftp://cam.example/x", "Unsupported stream type: ftp://"),
        ("camera 5", "Not a stream address: camera 5"),
        ("demo:../../etc/passwd", "No such demo stream: demo:../../etc/passwd"),
        ("demo:lot/huge", "No such demo stream: demo:lot/huge"),
    ],
)
def test_bad_addresses_get_a_message_for_the_tile(url: str, message: str) -> None:
    with pytest.raises(BadStreamAddress) as caught:
        parse_source(url)
    assert str(caught.value) == message


def test_credentials_go_into_the_address_encoded_and_come_out_of_every_text() -> None:
    credentials = StreamCredentials("ops desk", "p@ss:w/rd")
    url = with_credentials("rtsp://cam.example:8554/live?ch=1", credentials)
    assert url == "rtsp://ops%20desk:p%40ss%3Aw%2Frd@cam.example:8554/live?ch=1"
    assert redact_url(url) == "rtsp://cam.example:8554/live?ch=1"
    error = f"[Errno 5] Input/output error: '{url}' (password p@ss:w/rd)"
    cleaned = redact(error, credentials)
    assert "p@ss" not in cleaned and "p%40ss" not in cleaned and "ops" not in cleaned
    assert "rtsp://cam.example:8554/live?ch=1" in cleaned
    assert "p@ss" not in repr(credentials)
    # An address given with its secret inline is shown without it.
    assert parse_source("rtsp://admin:hunter2@10.1.1.1/x").url == "rtsp://10.1.1.1/x"


def test_ipv6_hosts_keep_their_brackets() -> None:
    url = with_credentials("rtsp://[fe80::1]:554/a", StreamCredentials("u", "p"))
    assert url == "rtsp://u:p@[fe80::1]:554/a"
