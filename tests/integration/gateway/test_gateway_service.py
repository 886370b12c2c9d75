"""The gateway as its own service (dispatch-desk-gateway), with a desk configured to use it: the
production shape, over HTTPS with a certificate, and refusing to run without a desk secret."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from dispatch_desk.domain.citizen import InviteKind, SessionState
from dispatch_desk.live.sessions import LiveSessions
from tests.helpers.core import actor_for, create_incident, make_core

SECRET = "a-long-shared-desk-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "gw.crt", folder / "gw.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _start(home: Path, *overrides: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "dispatch_desk.gateway.main", "--home", str(home)]
        + [arg for item in overrides for arg in ("--set", item)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = _free_port()
    cert, key = _certificate(tmp_path)
    process = _start(
        tmp_path / "gw",
        f"gateway.desk_secret={SECRET}",
        f"gateway.bind_port={port}",
        f"gateway.cert_file={cert}",
        f"gateway.key_file={key}",
        f"gateway.public_url=https://127.0.0.1:{port}",
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening" in line, line
        yield port, cert
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_desk_uses_the_centres_gateway_over_https(
    tmp_path: Path, gateway: tuple[int, Path]
) -> None:
    port, cert = gateway
    trust = ssl.create_default_context(cafile=str(cert))
    core = make_core(
        tmp_path,
        gateway__url=f"wss://127.0.0.1:{port}/desk",
        gateway__desk_secret=SECRET,
        gateway__public_url=f"https://127.0.0.1:{port}",
    )
    actor = actor_for(core, "dispatcher")
    incident = create_incident(core, actor)

    async def scenario() -> None:
        live = LiveSessions(core, core.sms, link_ssl=trust)
        await live.start()
        try:
            assert live.server is None  # nothing runs inside the desk
            invitation = await live.invite(
                actor, incident.id, InviteKind.VIDEO, phone_e164="+16175550101"
            )
            assert invitation.url.startswith(f"https://127.0.0.1:{port}/s/")
            async with aiohttp.ClientSession() as phone:
                # The page is served while the gateway waits for desks to register (503 means
                # "starting"); like the phone's own script, claim again until it is an answer.
                page = await phone.get(invitation.url, ssl=trust)
                assert page.status == 200 and "Content-Security-Policy" in page.headers
                for _ in range(100):
                    claim = await phone.post(invitation.url + "/claim", ssl=trust)
                    if claim.status != 503:
                        break
                    await asyncio.sleep(0.05)
                assert claim.status == 200 and claim.cookies["dd_device"]["secure"]
            for _ in range(100):
                view = live.view(invitation.view.id)
                if view is not None and view.state == SessionState.OPENED:
                    break
                await asyncio.sleep(0.05)
            assert view is not None and view.state == SessionState.OPENED
        finally:
            await live.close()

    try:
        asyncio.run(scenario())
    finally:
        core.close()


def test_the_service_will_not_run_without_a_desk_secret(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dispatch_desk.gateway.main", "--home", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "desk_secret" in done.stderr
