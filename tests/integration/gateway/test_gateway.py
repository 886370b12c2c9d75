"""The gateway over real HTTP and websockets (aiohttp's test server), a desk link played by the
test: refusals, device binding, credentials, uploads checked on their bytes, limits, headers."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.gateway import tokens
from dispatch_desk.gateway.app import CSP, Gateway, GatewayConfig
from tests.helpers.live import jpeg_file

ASSETS = resolve_paths().resources_dir / "citizen"
SECRET = "s3cret-desk-link"
DESK = {"Authorization": f"Bearer {SECRET}", "X-Workstation": "ws-a"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _run(scenario: Callable[..., Awaitable[None]], **config: Any) -> None:
    async def main() -> None:
        clock = Clock()
        gateway = Gateway(
            GatewayConfig(assets_dir=ASSETS, desk_secret=SECRET, single_desk=True, **config),
            clock=clock,
        )
        async with TestClient(TestServer(gateway.app)) as client:
            try:
                await scenario(client, gateway, clock)
            finally:
                gateway.cleanup()

    asyncio.run(main())


async def _desk(
    client: TestClient, invites: list[dict[str, Any]]
) -> aiohttp.ClientWebSocketResponse:
    ws = await client.ws_connect("/desk", headers=DESK)
    await ws.send_str(json.dumps({"t": "register", "invites": invites}))
    reply = await ws.receive_json(timeout=5)
    assert reply["t"] == "registered"
    return ws


def _invite(
    state: str = "invited", expires_in_s: float | None = 1800
) -> tuple[str, dict[str, Any]]:
    token = tokens.new_token()
    return token, {
        "id": str(uuid.uuid4()),
        "token_hash": tokens.token_hash(token),
        "kind": "video",
        "language": "en",
        "state": state,
        "expires_in_s": expires_in_s,
    }


async def _next(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    while True:
        message = await ws.receive_json(timeout=5)
        if message["t"] == kind:
            return message


async def _consent(client: TestClient, token: str) -> tuple[aiohttp.ClientWebSocketResponse, str]:
    claim = await client.post(f"/s/{token}/claim")
    assert claim.status == 200
    cookie = claim.cookies["dd_device"].value
    phone = await client.ws_connect(f"/s/{token}/ws")
    welcome = await phone.receive_json(timeout=5)
    assert welcome["t"] == "welcome"
    await phone.send_str(json.dumps({"t": "consent", "accept": True}))
    return phone, cookie


def test_every_page_carries_a_strict_policy_and_a_bad_link_gets_a_plain_refusal() -> None:
    async def scenario(client: TestClient, gateway: Gateway, clock: Clock) -> None:
        token, entry = _invite()
        await _desk(client, [entry])
        page = await client.get(f"/s/{token}")
        assert page.status == 200
        assert page.headers["Content-Security-Policy"] == CSP
        assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["Cache-Control"] == "no-store"
        tampered = token[:-2] + ("xx" if token[-2:] != "xx" else "yy")
        refused = await client.get(f"/s/{tampered}", headers={"Accept-Language": "es-MX,es"})
        body = await refused.text()
        assert refused.status == 403
        assert "Este enlace no funciona" in body and "<script" not in body
        assert refused.headers["Content-Security-Policy"] == CSP
        junk = await client.get("/s/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        assert junk.status == 403 and "alert" not in await junk.text()
        asset = await client.get("/c/../../pyproject.toml")
        assert asset.status == 404

    _run(scenario)


def test_the_desk_link_needs_the_secret_and_a_desk_acts_only_on_its_own_invites() -> None:
    async def scenario(client: TestClient, gateway: Gateway, clock: Clock) -> None:
        for headers in ({}, {**DESK, "Authorization": "Bearer wrong"}, {"X-Workstation": "x"}):
            response = await client.get("/desk", headers=headers)
            assert response.status == 401
        token, entry = _invite()
        ws_a = await _desk(client, [entry])
        ws_b = await client.ws_connect("/desk", headers={**DESK, "X-Workstation": "ws-b"})
        stolen = {**entry, "token_hash": tokens.token_hash("another")}
        await ws_b.send_str(json.dumps({"t": "register", "invites": [stolen]}))
        await _next(ws_b, "registered")
        await ws_b.send_str(json.dumps({"t": "state", "id": entry["id"], "state": "ended"}))
        await asyncio.sleep(0.1)
        invite = gateway.registry.get(entry["id"])
        assert invite is not None and invite.desk == "ws-a" and invite.state == "invited"
        assert (await client.get(f"/s/{token}")).status == 200
        await ws_a.close()
        await ws_b.close()

    _run(scenario)


def test_a_link_binds_to_the_first_phone_and_refuses_others() -> None:
    async def scenario(client: TestClient, gateway: Gateway, clock: Clock) -> None:
        token, entry = _invite()
        desk = await _desk(client, [entry])
        claim = await client.post(f"/s/{token}/claim")
        assert claim.status == 200
        cookie = claim.cookies["dd_device"]
        assert cookie["httponly"] and cookie["path"] == f"/s/{token}"
        assert cookie["samesite"] == "Strict"
        opened = await _next(desk, "opened")
        assert opened["device_hash"] == tokens.token_hash(cookie.value)
        assert cookie.value not in json.dumps(opened)  # the key itself never leaves
        async with aiohttp.ClientSession() as other_phone:
            base = str(client.make_url("/"))
            page = await other_phone.get(f"{base}s/{token}")
            assert page.status == 403 and "another phone" in await page.text()
            claim = await other_phone.post(f"{base}s/{token}/claim")
            assert claim.status == 403 and (await claim.json())["refused"] == "other-device"
            ws = await other_phone.ws_connect(f"{base}s/{token}/ws")
            assert (await ws.receive_json(timeout=5)) == {"t": "refused", "reason": "other-device"}
            await ws.close()
        assert (await _next(desk, "refused"))["reason"] == "other-device"
        assert (await client.get(f"/s/{token}")).status == 200  # the first phone still can
        await desk.close()

    _run(scenario)


def test_links_expire_unless_agreed_to_and_a_desk_can_end_them() -> None:
    async def scenario(client: TestClient, gateway: Gateway, clock: Clock) -> None:
        token, entry = _invite(expires_in_s=60)
        kept, kept_entry = _invite(expires_in_s=60)
        desk = await _desk(client, [entry, kept_entry])
        phone, _ = await _consent(client, kept)
        await _next(desk, "consent")
        clock.now += 61
        page = await client.get(f"/s/{token}")
        assert page.status == 403 and "expired" in await page.text()
        assert (await client.get(f"/s/{kept}")).status == 200  # consented: no deadline
        await desk.send_str(json.dumps({"t": "state", "id": kept_entry["id"], "state": "ended"}))
        assert await _next(phone, "ended") == {"t": "ended", "by": "ended"}
        assert "has ended" in await (await client.get(f"/s/{kept}")).text()
        await desk.close()

    _run(scenario)


def test_uploads_are_checked_on_their_bytes_and_fetched_only_by_their_desk(
    tmp_path: Path,
) -> None:
    photo = jpeg_file(tmp_path / "photo.jpg", 64, 48).read_bytes()
    assert len(photo) < 4096

    async def scenario(client: TestClient, gateway: Gateway, clock: Clock) -> None:
        token, entry = _invite()
        desk = await _desk(client, [entry])
        claim = await client.post(f"/s/{token}/claim")
        assert claim.status == 200
        early = await client.post(f"/s/{token}/upload", data=photo)
        assert early.status == 403  # nothing is taken before consent
        phone = await client.ws_connect(f"/s/{token}/ws")
        await _next(phone, "welcome")
        await phone.send_str(json.dumps({"t": "consent", "accept": True}))
        await _next(desk, "consent")

        html = b"<html><script>alert(1)</script></html>" + b" " * 100
        disguised = await client.post(
            f"/s/{token}/upload", data=html, headers={"Content-Type": "image/jpeg"}
        )
        assert disguised.status == 415
        exe = b"MZ\x90\x00" + b"\x00" * 200
        assert (await client.post(f"/s/{token}/upload", data=exe)).status == 415
        big = b"\xff\xd8\xff\xe0" + b"\x00" * 5000
        assert (await client.post(f"/s/{token}/upload", data=big)).status == 413

        async def stream() -> Any:  # no Content-Length: the limit holds while reading
            yield b"\xff\xd8\xff\xe0"
            for _ in range(10):
                yield b"\x00" * 1000

        assert (await client.post(f"/s/{token}/upload", data=stream())).status == 413
        assert list(gateway.spool.iterdir()) == []  # refused uploads leave nothing behind

        good = await client.post(f"/s/{token}/upload", data=photo)
        assert good.status == 200 and (await good.json())["kind"] == "photo"
        notice = await _next(desk, "upload")
        assert notice["mime"] == "image/jpeg" and notice["size"] == len(photo)
        path = f"/desk/uploads/{notice['upload_id']}"
        assert (await client.get(path)).status == 401
        other = {**DESK, "X-Workstation": "ws-b"}
        assert (await client.get(path, headers=other)).status == 404
        fetched = await client.get(path, headers=DESK)
        assert await fetched.read() == photo
        await desk.send_str(json.dumps({"t": "upload-done", "upload_id": notice["upload_id"]}))
        await asyncio.sleep(0.1)
        assert list(gateway.spool.iterdir()) == []
        await phone.close()
        await desk.close()

    _run(scenario, upload_max_bytes=4096)


def test_link_checks_and_uploads_are_rate_limited(tmp_path: Path) -> None:
    photo = jpeg_file(tmp_path / "photo.jpg", 32, 32).read_bytes()

    async def scenario(client: TestClient, gateway: Gateway, clock: Clock) -> None:
        token, entry = _invite()
        desk = await _desk(client, [entry])
        phone, _ = await _consent(client, token)
        await _next(desk, "consent")
        statuses = [(await client.post(f"/s/{token}/upload", data=photo)).status for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        guesses = [(await client.get(f"/s/{tokens.new_token()}")).status for _ in range(8)]
        assert guesses[-1] == 429 and 403 in guesses
        assert "Too many attempts" in await (await client.get(f"/s/{token}")).text()
        clock.now += 60  # a minute later the address may try again
        assert (await client.get(f"/s/{token}")).status == 200
        await phone.close()
        await desk.close()

    _run(scenario, uploads_per_min=3, link_checks_per_min=6)


def test_chat_is_passed_on_as_text_and_malformed_messages_go_nowhere() -> None:
    async def scenario(client: TestClient, gateway: Gateway, clock: Clock) -> None:
        token, entry = _invite()
        desk = await _desk(client, [entry])
        phone, _ = await _consent(client, token)
        await _next(desk, "consent")
        sent = [
            "not json",
            json.dumps({"t": "chat", "id": "x", "text": "no id"}),
            json.dumps({"t": "chat", "id": str(uuid.uuid4()), "text": "x" * 5000}),
            json.dumps({"t": "gps", "lat": 95, "lon": 0}),
            json.dumps({"t": "gps", "lat": "NaN", "lon": 0}),
            json.dumps({"t": "signal", "data": {"type": "offer"}}),
        ]
        for text in sent:
            await phone.send_str(text)
        markup = '<img src=x onerror="alert(1)">\x00\x07hello</script>'
        msg_id = str(uuid.uuid4())
        await phone.send_str(json.dumps({"t": "chat", "id": msg_id, "text": markup}))
        await phone.send_str(json.dumps({"t": "gps", "lat": 42.1, "lon": -71.2, "acc": 7}))
        chat = await desk.receive_json(timeout=5)
        assert chat == {
            "t": "chat",
            "id": entry["id"],
            "msg_id": msg_id,
            "text": '<img src=x onerror="alert(1)">hello</script>',
        }
        gps = await desk.receive_json(timeout=5)
        assert (gps["t"], gps["lat"], gps["lon"], gps["acc"]) == ("gps", 42.1, -71.2, 7.0)
        await phone.close()
        await desk.close()

    _run(scenario)


def test_messages_for_a_desk_that_is_away_wait_for_it() -> None:
    async def scenario(client: TestClient, gateway: Gateway, clock: Clock) -> None:
        token, entry = _invite()
        desk = await _desk(client, [entry])
        phone, _ = await _consent(client, token)
        await _next(desk, "consent")
        await desk.close()
        msg_id = str(uuid.uuid4())
        await phone.send_str(json.dumps({"t": "chat", "id": msg_id, "text": "are you there"}))
        await asyncio.sleep(0.1)
        back = await _desk(client, [{**entry, "state": "live"}])
        assert (await _next(back, "chat"))["msg_id"] == msg_id
        await phone.close()
        await back.close()

    _run(scenario)


def test_the_phone_is_given_the_configured_ice_servers() -> None:
    from dispatch_desk.gateway.app import ice_servers

    servers = ice_servers("stun:stun.example.org:3478 turns:turn.example.org:5349", "u", "p")
    assert servers == (
        {"urls": "stun:stun.example.org:3478"},
        {"urls": "turns:turn.example.org:5349", "username": "u", "credential": "p"},
    )

    async def scenario(client: TestClient, gateway: Gateway, clock: Clock) -> None:
        token, entry = _invite()
        desk = await _desk(client, [entry])
        assert (await client.post(f"/s/{token}/claim")).status == 200
        phone = await client.ws_connect(f"/s/{token}/ws")
        welcome = await _next(phone, "welcome")
        assert welcome["ice"] == list(servers)
        assert welcome["shares"] == ["camera", "microphone", "location", "chat", "uploads"]
        await phone.close()
        await desk.close()

    _run(scenario, ice_servers=servers)
